"""The repository `deckgen init` and `deckgen import` make: after `git init && git add -A`, its
workflows pass actionlint and the deckgen commands they run pass when run by hand, in the new
repository, with the installed deckgen; its release workflow publishes a first release."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from test_workflows import _actionlint

from deckgen import __version__
from deckgen.authoring import repository
from deckgen.changes.students import import_options

# Every file the repository around a new deck's cards and templates holds.
REPOSITORY_FILES = [
    ".github/workflows/ci.yml", ".github/workflows/release.yml", ".gitignore", "CHANGELOG.md", "README.md",
    "cards/media/README.md", "requirements.txt",
]
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def _git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=folder, env={**os.environ, **GIT_IDENTITY}, check=True,
                          capture_output=True, text=True).stdout


def _deckgen_steps(workflow: Path) -> list[tuple[str, str | None, str]]:
    """The workflow's steps that run deckgen: (name, condition, script)."""
    steps = yaml.safe_load(workflow.read_text())["jobs"]
    [job] = steps.values()
    return [(step.get("name", ""), step.get("if"), step["run"]) for step in job["steps"]
            if ".venv/bin/deckgen" in step.get("run", "")]


def _run_by_hand(repository_root: Path, script: str, **environment: str) -> subprocess.CompletedProcess:
    """A step's script in bash, as the runner runs it (-e, pipefail), with `.venv` this deckgen's."""
    venv = repository_root / ".venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.executable).parent.parent)
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=repository_root,
                          env={**os.environ, **GIT_IDENTITY, **environment}, capture_output=True, text=True)


def _committed_repository(root: Path) -> list[str]:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "A new deck")
    return _git(root, "ls-files").splitlines()


def test_init_makes_a_repository_whose_workflows_pass_actionlint(tmp_path, run_cli):
    result = run_cli("init", "x", "--name", "Pharma", "--deckgen", "deckgen @ git+https://example.org/deckgen@v9",
                     cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    files = _committed_repository(tmp_path / "x")
    assert [name for name in REPOSITORY_FILES if name not in files] == []
    workflows = sorted((tmp_path / "x" / ".github" / "workflows").glob("*.yml"))
    linted = subprocess.run([_actionlint(), *map(str, workflows)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert (tmp_path / "x" / "requirements.txt").read_text().splitlines()[-1] == (
        "deckgen @ git+https://example.org/deckgen@v9")
    assert f"(deckgen {__version__})" in (tmp_path / "x" / "requirements.txt").read_text()


def test_a_new_repositorys_readme_tells_students_the_import_options_in_deckgens_words(tmp_path, run_cli):
    assert run_cli("init", "x", "--name", "Pharma", cwd=tmp_path).exit_code == 0

    readme = (tmp_path / "x" / "README.md").read_text()
    marked = readme.split("<!-- deckgen import options: start -->\n")[1]
    marked = marked.split("   <!-- deckgen import options: end -->")[0]
    assert marked == "".join(f"   {line}\n" if line else "\n" for line in import_options("Pharma").splitlines())
    assert "`Pharma (course order)`" in marked


@pytest.mark.slow
def test_the_ci_workflows_deckgen_commands_pass_when_run_by_hand_in_a_new_repository(tmp_path, run_cli):
    assert run_cli("init", "x", "--name", "Pharma", cwd=tmp_path).exit_code == 0
    root = tmp_path / "x"
    _committed_repository(root)
    steps = _deckgen_steps(root / ".github" / "workflows" / "ci.yml")

    runs = {name: _run_by_hand(root, script, BASE_REF="main", RUNNER_TEMP=str(tmp_path)) for name, _, script in steps}

    assert [name for name, _, _ in steps] == [
        "The lock file changes only by a release, and keeps the base branch's history",
        "Check and lint the cards", "Build the deck and its preview",
        "The README's coverage table is the last release's (deckgen release writes it)",
    ]
    assert {name: (run.returncode, run.stderr) for name, run in runs.items()} == {name: (0, "") for name in runs}
    assert (root / "build" / "pharma-0.1.0.apkg").is_file() and (root / "build" / "preview.html").is_file()
    assert _git(root, "status", "--porcelain") == ""  # build/ is ignored; nothing a step ran changed a file


@pytest.mark.slow
def test_a_first_release_passes_ci_and_the_release_workflow_publishes_it(tmp_path, run_cli):
    assert run_cli("init", "x", "--name", "Pharma", cwd=tmp_path).exit_code == 0
    root = tmp_path / "x"
    _committed_repository(root)
    _git(root, "update-ref", "refs/remotes/origin/main", "HEAD")  # the base branch, before the release
    released = run_cli("release", "1.0.0", cwd=root, env={"SOURCE_DATE_EPOCH": "1764000000"})
    assert released.exit_code == 0, released.stderr
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "Release 1.0.0")
    _git(root, "tag", "v1.0.0")
    ci = _deckgen_steps(root / ".github" / "workflows" / "ci.yml")
    release = [step for step in _deckgen_steps(root / ".github" / "workflows" / "release.yml") if "gh " not in step[2]]

    runs = [_run_by_hand(root, script, BASE_REF="main", RUNNER_TEMP=str(tmp_path), GITHUB_REF_NAME="v1.0.0")
            for _, _, script in ci + release]

    assert [(run.returncode, run.stderr) for run in runs] == [(0, "")] * len(runs)
    assert "| Pharma::Basics | 1 | 1 |" in (root / "README.md").read_text()  # the table CI holds to the release
    assert sorted(path.name for path in (root / "dist").iterdir()) == ["RELEASE-NOTES.md", "pharma-1.0.0.apkg"]
    assert (root / "dist" / "pharma-1.0.0.apkg").read_bytes() == (root / "build" / "pharma-1.0.0.apkg").read_bytes()
    assert (root / "dist" / "RELEASE-NOTES.md").read_text() == (
        f"First release of the deck.\n\n## Import options\n\n{import_options('Pharma')}")


def test_init_keeps_the_files_a_fresh_clone_already_has(tmp_path, run_cli):
    clone = tmp_path / "x"
    (clone / ".github" / "workflows").mkdir(parents=True)
    (clone / ".github" / "workflows" / "ci.yml").write_text("name: mine\n")
    (clone / ".gitignore").write_text("*.log\n")

    assert run_cli("init", "x", cwd=tmp_path).exit_code == 0

    assert (clone / ".github" / "workflows" / "ci.yml").read_text() == "name: mine\n"
    assert (clone / ".gitignore").read_text() == "*.log\n"
    assert (clone / ".github" / "workflows" / "release.yml").is_file()


@pytest.mark.parametrize("given", ["numpy", "deckgen\n--index-url https://evil.example", "deckgen @", ""])
def test_a_deckgen_option_that_is_not_a_requirement_for_deckgen_is_refused(tmp_path, run_cli, given):
    result = run_cli("init", "x", "--deckgen", given, cwd=tmp_path)

    shown = given.replace("\n", "\\n")  # as printed: a newline never reaches the terminal as one
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"deckgen init: error: argument --deckgen: '{shown}' is not a pip requirement for deckgen on one line: "
        f"write one such as 'deckgen @ git+https://github.com/OWNER/deckgen@v{__version__}'")
    assert not (tmp_path / "x").exists()


class _Installed:
    def __init__(self, direct_url: dict | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return json.dumps(self.direct_url) if name == "direct_url.json" and self.direct_url else None


def test_a_deckgen_installed_from_git_is_pinned_to_its_commit(monkeypatch):
    commit = "0123456789abcdef0123456789abcdef01234567"
    installed = _Installed({"url": "https://github.com/someone/deckgen",
                            "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "v0.1.0"}})
    monkeypatch.setattr(repository.metadata, "distribution", lambda name: installed)

    assert repository.installed_requirement() == repository.Requirement(
        f"deckgen @ git+https://github.com/someone/deckgen@{commit}", True)


def test_a_deckgen_installed_from_a_clone_is_pinned_to_the_clones_commit(tmp_path, monkeypatch):
    """Not to its version's tag: deckgen's own repository tags the IPT deck's releases (newcomer review)."""
    clone = tmp_path / "deckgen"
    clone.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty",
                    "-m", "x"], cwd=clone, check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
    monkeypatch.setattr(repository.metadata, "distribution",
                        lambda name: _Installed({"url": clone.as_uri(), "dir_info": {"editable": True}}))

    assert repository.installed_requirement().text == f"deckgen @ git+{repository.DECKGEN_REPOSITORY}@{commit}"


def test_a_deckgen_installed_otherwise_is_pinned_to_its_version_and_init_says_the_address_is_to_fill_in(
        tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(repository.metadata, "distribution", lambda name: _Installed({"url": "file:///src/deckgen",
                                                                                      "dir_info": {"editable": True}}))

    result = run_cli("init", "x", cwd=tmp_path)

    assert result.exit_code == 0
    assert (tmp_path / "x" / "requirements.txt").read_text().splitlines()[-1] == (
        f"deckgen @ git+{repository.DECKGEN_REPOSITORY}@v{__version__}")
    assert result.stderr == (
        f"note: x/requirements.txt installs deckgen from an address to fill in (deckgen @ git+"
        f"{repository.DECKGEN_REPOSITORY}@v{__version__}): write where your CI installs deckgen from, or run "
        "again with --deckgen\n")


@pytest.mark.slow
def test_a_wheel_of_deckgen_ships_the_files_init_writes(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("deckgen-*.whl")
    installed = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(installed), str(wheel)],
                   check=True, capture_output=True)

    made = subprocess.run(  # the wheel's deckgen, with this environment's dependencies
        [sys.executable, "-c", "import sys; from deckgen.cli import main; print(main.__file__, file=sys.stderr); "
                               "sys.exit(main.main(['init', 'x']))"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(installed)})

    assert made.returncode == 0, made.stderr
    assert made.stderr.startswith(str(installed))
    assert [name for name in REPOSITORY_FILES if not (tmp_path / "x" / name).is_file()] == []
    shutil.rmtree(installed)


@pytest.mark.slow
def test_import_makes_the_same_repository_and_its_ci_passes_by_hand_with_the_lock_it_wrote(tmp_path, run_cli):
    from test_import import _author_deck

    package = _author_deck(tmp_path / "author")
    assert run_cli("import", str(package), "x", cwd=tmp_path).exit_code == 0
    root = tmp_path / "x"
    files = _committed_repository(root)
    _git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    steps = _deckgen_steps(root / ".github" / "workflows" / "ci.yml")

    runs = [_run_by_hand(root, script, BASE_REF="main", RUNNER_TEMP=str(tmp_path)) for _, _, script in steps]

    assert [name for name in REPOSITORY_FILES if name not in files] == []
    assert (tmp_path / "base.lock").read_bytes() == (root / "cards" / "deck.lock").read_bytes()  # checked against
    assert [(run.returncode, run.stderr) for run in runs] == [(0, "")] * len(steps)
    assert "| Pharma::Cardiovascular | 4 | 8 |" in (root / "README.md").read_text()  # the lock's table, as CI checks
    assert _git(root, "status", "--porcelain") == ""


def test_the_readme_walks_from_init_to_a_first_release_naming_every_file_init_writes():
    section = (REPO / "README.md").read_text().split("\n## Your own deck\n")[1].split("\n## ")[0]

    assert [name for name in REPOSITORY_FILES if Path(name).name.removeprefix(".") not in section
            and name != "cards/media/README.md"] == []
    for step in ("deckgen init ", "git push -u origin main", "deckgen release 1.0.0", "git push origin v1.0.0",
                 "deckgen import "):
        assert step in section
