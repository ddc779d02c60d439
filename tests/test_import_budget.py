"""The commands an educator runs every day pay only for what they use (issue 24): `deckgen --help`,
`check`, `lint` and `schema` import no packager, no preview, no importer and no release notes, and
each no more of the pipeline than it runs. Most of a daily command's time is Python importing
modules, so an import that creeps back in costs every run of every educator.

Each command runs as its own process (`python -X importtime`), as an educator runs it, on a fixture
course; the test names the modules that must not load, never a time, so it holds on a busy machine.
The help that the parser writes only when it is shown (the lint rules, the kinds) is still whole.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_of_course

# Never for these four commands: the packager (genanki and ours), the .apkg reader, the preview
# (page and server), the importer, release notes, the repository scaffolding (importlib.metadata).
NEVER = (
    "genanki", "deckgen.apkg", "deckgen.preview", "deckgen.importing", "deckgen.changes",
    "deckgen.authoring.scaffold", "deckgen.authoring.repository", "deckgen.commands.publish",
    "playwright", "tqdm", "http.server", "sqlite3", "zipfile",
)
# Rendering: Jinja, the markup stack (markdown-it, nh3, Pygments), the template checks (html5lib).
RENDERING = ("jinja2", "markdown_it", "markdown_it_pyrs", "nh3", "pygments", "html5lib", "deckgen.render",
             "deckgen.text.markup")
PLANNING = ("deckgen.release.plan",)

BUDGETS = {
    ("--help",): NEVER + RENDERING + PLANNING + ("yaml", "deckgen.source", "deckgen.authoring", "deckgen.commands"),
    ("check",): NEVER,  # renders every card and applies the guards against the lock: the release planner
    ("lint",): NEVER + PLANNING,
    ("schema",): NEVER + RENDERING + PLANNING,
}


def imported_by(arguments: tuple[str, ...], project: Path) -> set[str]:
    """The modules `deckgen ARGUMENTS` imports, run as a process in `project`."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "deckgen", *arguments],
                         cwd=project, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return {line.split("|")[2].strip() for line in run.stderr.splitlines()
            if line.startswith("import time:") and "[us]" not in line}


def _within(module: str, names: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


@pytest.mark.parametrize("arguments", list(BUDGETS), ids=lambda arguments: arguments[0])
def test_a_daily_command_imports_only_what_it_uses(tmp_path, arguments):
    imported = imported_by(arguments, copy_of_course(tmp_path / "course"))
    assert "deckgen.cli.main" in imported  # the command ran, and the modules were counted
    assert sorted(module for module in imported if _within(module, BUDGETS[arguments])) == []


def test_check_loads_what_it_renders_with(tmp_path):
    """The budget above counts: `check` renders every card (Jinja, the markup) and plans the release."""
    imported = imported_by(("check",), copy_of_course(tmp_path / "course"))
    assert {"jinja2", "markdown_it", "deckgen.render.notes", "deckgen.release.plan"} <= imported


def test_lint_help_still_lists_every_rule(tmp_path, run_cli):
    """The lint rules are read for lint's help only (cli/parser.py), and are all there."""
    from deckgen.authoring.lint import RULES

    result = run_cli("lint", "--help", cwd=tmp_path)

    assert result.exit_code == 0
    for rule in RULES:
        assert f"  {rule.code} {rule.name} ({rule.level}): {rule.summary}\n" in result.stdout


def test_new_still_names_the_kinds(tmp_path, run_cli):
    """The kinds are read when `new` is given one or shows its help (cli/parser.py)."""
    from deckgen.source.kinds import KINDS

    shown = run_cli("new", "--help", cwd=tmp_path).stdout
    assert all(f"  {kind.name:<9} {kind.summary}\n" in shown for kind in KINDS.values())
