"""CI definitions: actionlint passes, and CI runs exactly the README's quick-start commands. (The file
the quick start names, as the IPT deck's build writes it: test_deck.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO, make_project

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert found, "actionlint is a test dependency: pip install -e '.[test]'"
    return found


def _quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    quick_start = readme.split("## Quick start")[1].split("\n## ")[0]
    return re.findall(r"```sh\n(.+)\n```", quick_start)


def test_actionlint_passes_on_every_workflow():
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "release.yml"]

    completed = subprocess.run(
        [_actionlint(), *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_quick_start_is_two_commands_and_ci_runs_both():
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert "deckgen build" in commands[0] and "pytest" in commands[1]
    ci_script = (REPO / ".ci" / "run").read_text()
    workflow = (REPO / ".github" / "workflows" / "ci.yml").read_text()
    for command in commands:
        assert command in ci_script.splitlines()
        assert f"run: {command}" in workflow
    release = (REPO / ".github" / "workflows" / "release.yml").read_text()
    assert f"run: {commands[1]}" in release


def test_the_readme_says_how_to_run_deckgen_from_a_new_terminal_and_the_full_path_needs_no_source(tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    readme = (REPO / "README.md").read_text()
    quick_start = readme.split("## Quick start")[1].split("\n## ")[0]
    assert "`source .venv/bin/activate`" in quick_start
    assert "`.venv/bin/deckgen check`" in quick_start
    assert "`source` is not required" in quick_start
    environment = Path(sys.executable).parent
    assert (environment / "activate").is_file()

    fresh_shell = subprocess.run(  # a PATH without the environment, as in a terminal never activated
        [str(environment / "deckgen"), "check", "--project", str(project)],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin"},
    )

    assert fresh_shell.returncode == 0, fresh_shell.stderr
    assert fresh_shell.stdout.startswith("ok: ")
