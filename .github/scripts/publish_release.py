"""The release workflow's logic, runnable anywhere: rebuild a tagged release and write its notes.

    python .github/scripts/publish_release.py vX.Y.Z PREVIOUS_DIR OUT_DIR

Run in a checkout of the tag. It checks that the tag is the deck's last release (cards/deck.yaml
and cards/deck.lock), rebuilds it with `deckgen build --frozen --strict` (the lock's recorded
times give the release's very bytes), writes release notes against the previous release's package
(the .apkg in PREVIOUS_DIR, which the workflow downloads; for a first release, only the import
options students must choose, which `deckgen diff` gives every later release) followed by the
version's CHANGELOG section, and leaves in OUT_DIR exactly the files the workflow publishes: the
.apkg and RELEASE-NOTES.md. Exit 0 when both are written, 1 with a message otherwise.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from deckgen.students import import_options

DECKGEN = [sys.executable, "-m", "deckgen"]


def _deckgen(*arguments: str) -> str:
    done = subprocess.run([*DECKGEN, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"deckgen {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


def _changelog_section(version: str) -> str:
    changelog = Path("CHANGELOG.md")
    if not changelog.is_file():
        return ""
    text = changelog.read_text(encoding="utf-8")
    found = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|\Z)", text, re.MULTILINE | re.DOTALL)
    return found.group(1).strip() if found else ""


def publish(tag: str, previous_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    version = tag.removeprefix("v")
    deck_version = re.search(r"^version:\s*(\S+)", Path("cards/deck.yaml").read_text(), re.MULTILINE)
    if deck_version is None or deck_version.group(1) != version:
        raise SystemExit(f"tag {tag} does not match version: in cards/deck.yaml")
    out_dir.mkdir(parents=True, exist_ok=True)
    _deckgen("build", "--frozen", "--strict", "--output", str(out_dir))
    [package] = sorted(out_dir.glob(f"*-{version}.apkg"))
    previous = sorted(previous_dir.glob("*.apkg")) if previous_dir.is_dir() else []
    if len(previous) > 1:
        raise SystemExit(f"{previous_dir} holds {len(previous)} packages: give it the previous release's only")
    if previous:
        notes = _deckgen("diff", str(previous[0]), str(package))
    else:
        deck = re.search(r"^name:\s*(\S.*?)\s*$", Path("cards/deck.yaml").read_text(), re.MULTILINE)
        notes = f"First release of the deck.\n\n## Import options\n\n{import_options(deck.group(1) if deck else 'the deck')}"
    section = _changelog_section(version)
    notes_path = out_dir / "RELEASE-NOTES.md"
    notes_path.write_text(notes + (f"\n{section}\n" if section else ""), encoding="utf-8")
    return package, notes_path


def main(arguments: list[str]) -> int:
    if len(arguments) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    package, notes = publish(arguments[0], Path(arguments[1]), Path(arguments[2]))
    print(f"{hashlib.sha256(package.read_bytes()).hexdigest()}  {package}")
    print(f"wrote {notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
