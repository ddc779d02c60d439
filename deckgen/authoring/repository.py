"""The files that make a deck's project a repository: CI and release workflows, `.gitignore`,
`cards/media/`, a README for the deck's students and educators, a changelog, and the deckgen
requirement both workflows install. `deckgen init` and `deckgen import` write them.

Their text lives in deckgen/scaffold_files/ (package data), with `@NAME@` placeholders filled in
here. The workflows install deckgen from `requirements.txt` rather than naming it themselves: the
pin is one line an educator can change, and it reaches the workflow as a file pip reads, never as
text inside the workflow's YAML or shell.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from deckgen import __version__
from deckgen.changes.students import import_options
from deckgen.errors import DeckError
from deckgen.paths import ProjectPaths
from deckgen.text.media import MEDIA_TYPES

# Where deckgen's repository is, for a deckgen not installed from it (a clone, installed editable).
# "deckgen" on PyPI is another project: a deck's repository installs deckgen from git, at its tag.
DECKGEN_REPOSITORY = "https://github.com/OWNER/deckgen"
UNKNOWN_REPOSITORY_MARK = "/OWNER/"

_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
# A pip requirement for deckgen on one line: the name, then a version or an address.
_OPERATOR = r" *(?:===?|~=|>=|<=|!=|<|>) *[\w.*+!-]+"
_REQUIREMENT = re.compile(rf"deckgen(?: *@ *[^\s#]+|{_OPERATOR}(?: *,{_OPERATOR})*)")
NO_RELEASE_YET = "No release yet: `deckgen release` writes the table here."


@dataclass(frozen=True)
class Requirement:
    text: str  # the line of requirements.txt
    known: bool  # False: it names the placeholder address, which the educator must replace


def installed_requirement() -> Requirement:
    """The running deckgen, as pip can install it again: its git address and commit when it was
    installed from git (PEP 610's direct_url.json), its clone's commit when installed from one, else
    its version's tag in deckgen's repository."""
    try:
        recorded = metadata.distribution("deckgen").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    try:
        origin = json.loads(recorded) if recorded else {}
    except ValueError:
        origin = {}
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(origin.get("url"), str):
        url, commit = origin["url"], vcs.get("commit_id")
        if re.fullmatch(r"https://\S+", url) and isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{40}", commit):
            return Requirement(f"deckgen @ git+{url}@{commit}", True)
    # Installed from a clone (`pip install -e .`): the clone's commit, the very code that made the
    # repository. A version tag would not do: deckgen's own repository tags the IPT deck's releases.
    url = origin.get("url") if isinstance(origin, dict) else None
    commit = _clone_commit(url) if isinstance(url, str) else None
    revision = commit or f"v{__version__}"
    return Requirement(f"deckgen @ git+{DECKGEN_REPOSITORY}@{revision}",
                       UNKNOWN_REPOSITORY_MARK not in DECKGEN_REPOSITORY)


def _clone_commit(url: str) -> str | None:
    """The commit checked out in the git clone at a file:// address, or None (no clone, no git)."""
    if not url.startswith("file://"):
        return None
    try:
        found = subprocess.run(["git", "-C", url.removeprefix("file://"), "rev-parse", "HEAD"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = found.stdout.strip()
    return commit if found.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


def given_requirement(text: str | None) -> Requirement:
    """`--deckgen REQUIREMENT` checked, or the running deckgen's requirement when not given."""
    if text is None:
        return installed_requirement()
    if not _REQUIREMENT.fullmatch(text.strip(" ")):
        raise DeckError.in_argument(
            "--deckgen", f"'{text}' is not a pip requirement for deckgen on one line: write one such as "
                         f"'deckgen @ git+https://github.com/OWNER/deckgen@v{__version__}'")
    return Requirement(text.strip(" "), True)


@dataclass(frozen=True)
class RepositoryText:
    name: str  # the deck's name in Anki
    title: str
    requirement: Requirement
    coverage: str | None = None  # the last release's table, None before the first release


def _files() -> dict[str, str]:
    folder = resources.files("deckgen.authoring") / "scaffold_files"
    return {item.name: item.read_text(encoding="utf-8") for item in folder.iterdir() if item.is_file()}


def _filled(text: str, values: dict[str, str]) -> str:
    # Each placeholder once, never the values again: a deck's title holding "@NAME@" stays as written.
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], text)


def repository_files(paths: ProjectPaths, text: RepositoryText) -> list[tuple[Path, bytes]]:
    """Every file of the repository around the project's cards and templates, but those the folder
    already has: a fresh clone's README.md or .gitignore, a workflow of the educator's, stay theirs."""
    values = {
        "NAME": text.name, "TITLE": text.title, "DECKGEN_VERSION": f"deckgen {__version__}",
        "DECKGEN_REQUIREMENT": text.requirement.text,
        "COVERAGE": (text.coverage or NO_RELEASE_YET).rstrip("\n"),
        # the words of deckgen's own README (students.py), indented under the README's step 3
        "IMPORT_OPTIONS": "\n".join(f"   {line}" if line else "" for line in import_options(text.name).splitlines()),
        "MEDIA_TYPES": ", ".join(sorted({suffix.lstrip(".") for suffix in MEDIA_TYPES})),
    }
    sources = _files()
    workflows = paths.root / ".github" / "workflows"
    where = {
        "ci.yml": workflows / "ci.yml", "release.yml": workflows / "release.yml",
        "gitignore": paths.root / ".gitignore", "requirements.txt": paths.root / "requirements.txt",
        "CHANGELOG.md": paths.root / "CHANGELOG.md", "README.md": paths.root / "README.md",
        "media-README.md": paths.media / "README.md",
    }
    return [(path, _filled(sources[name], values).encode("utf-8")) for name, path in where.items()
            if not (path.exists() or path.is_symlink())]
