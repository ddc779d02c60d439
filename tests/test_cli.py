"""The command line: help with examples on every command, exit codes, `python -m deckgen`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import FIXTURES, files_below, make_project

COMMANDS = [
    "addon", "build", "check", "diff", "export", "import", "import-cards", "init", "lint", "new", "preview",
    "publish", "release", "schema", "stats",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself_with_an_example(command, tmp_path, run_cli):
    result = run_cli(command, "--help", cwd=tmp_path)

    assert result.exit_code == 0
    assert result.stdout.startswith(f"usage: deckgen {command} ")
    examples = result.stdout.split("\nexamples:\n")[1].split("\n\n")[0].splitlines()
    assert any(line.startswith(f"  deckgen {command} ") or line == f"  deckgen {command}" for line in examples)


def test_top_level_help_lists_the_commands(tmp_path, run_cli):
    result = run_cli("--help", cwd=tmp_path)

    assert result.exit_code == 0
    listed = re.findall(r"^    ([\w-]+)(?: +\S|$)", result.stdout, re.MULTILINE)
    assert sorted(listed) == sorted(COMMANDS)


@pytest.mark.parametrize("arguments", [[], ["biuld"], ["build", "--no-such-option"]])
def test_a_bad_command_line_exits_2(arguments, tmp_path, run_cli):
    result = run_cli(*arguments, cwd=tmp_path)

    assert result.exit_code == 2
    assert "usage: deckgen" in result.stderr


def test_check_reports_the_valid_cards(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: Q?\n    answer: A\n"
        "  - id: b\n    kind: reverse\n    question: Term\n    answer: Meaning\n"
    )

    result = run_cli("check", cwd=project)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "ok: 2 notes, 3 cards in 1 file, no problems\n", "")
    assert [path.name for path in (project / "build").iterdir()] == [".cache"]  # its cache only, no package


def test_check_without_its_cache_writes_nothing(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: Q?\n    answer: A\n")

    assert run_cli("check", "--no-cache", cwd=project).exit_code == 0
    assert run_cli("check", cwd=project, env={"DECKGEN_NO_CACHE": "1"}).exit_code == 0
    assert not (project / "build").exists()


def test_source_date_epoch_must_be_a_number(tmp_path, run_cli):
    project = make_project(tmp_path / "project")

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "yesterday"})

    assert result.stderr.splitlines()[0] == (
        "SOURCE_DATE_EPOCH: must be a positive whole number of seconds since 1970, at most 253402300799 "
        "(the year 9999), got 'yesterday'"
    )
    assert result.exit_code == 1


@pytest.mark.slow
def test_python_dash_m_runs_the_same_command(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "deckgen", "check", "--project", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )

    assert completed.returncode == 2
    assert completed.stderr.splitlines()[-1] == (
        f"deckgen check: error: argument --project: {tmp_path}/cards/ not found: run deckgen in the project folder "
        "(the one holding cards/) or pass --project DIR"
    )


def _written(project, before) -> set[str]:
    return {name for name, data in files_below(project).items() if before.get(name) != data}


def test_only_build_and_release_write_and_only_their_files(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    before = files_below(project)

    for command in (["check"], ["check", "--strict"], ["lint"], ["stats"]):
        assert run_cli(*command, cwd=project).exit_code == 0
        assert files_below(project) == before, command

    assert run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    assert _written(project, before) == {"build/test-1.0.0.apkg"}
    before = files_below(project)
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    assert _written(project, before) == {"build/test-1.1.0.apkg", "cards/deck.lock", "cards/deck.yaml"}


def test_stats_update_of_a_missing_file_is_an_error_not_a_traceback(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")

    result = run_cli("stats", "--update", "MISSING.md", cwd=project)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "deckgen stats: error: argument --update: cannot read MISSING.md: No such file or directory"
    )


def test_a_file_that_cannot_be_read_is_our_error_not_a_traceback(tmp_path):
    from deckgen.errors import DeckError
    from deckgen.source.load import read_yaml

    with pytest.raises(DeckError) as raised:
        read_yaml(tmp_path, "cards/odd.yaml")

    assert str(raised.value) == "cards/odd.yaml:1:1: cannot read the file: Is a directory"


def test_an_output_folder_that_is_a_file_is_reported(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    (project / "occupied").write_text("a file, not a folder")

    result = run_cli("build", "--output", "occupied", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("occupied/test-1.0.0.apkg:1:1: cannot write the file: ")


def test_an_output_that_cannot_be_written_is_reported(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")

    result = run_cli("schema", "--output", ".", cwd=project)

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(".:1:1: cannot ")


def test_a_file_to_update_that_is_a_folder_is_a_command_line_error(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")

    result = run_cli("stats", "--update", ".", cwd=project)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "deckgen stats: error: argument --update: cannot read .: Is a directory"


def test_source_date_epoch_takes_only_ascii_digits(tmp_path, run_cli):
    project = make_project(tmp_path / "project")

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "²"})

    assert result.exit_code == 1
    assert result.stderr.startswith("SOURCE_DATE_EPOCH: must be a positive whole number")


COMMAND_LINE_MISTAKES = {
    "a release version that is no version": (
        ["release", "1.2"], "deckgen release: error: argument VERSION: a release version looks like 1.2.3, got '1.2'"),
    "a base lock that does not exist": (
        ["check", "--lock-base", "base.lock"],
        "deckgen check: error: argument --lock-base: base.lock does not exist: give the base branch's lock file"),
    "a title that is not plain text": (
        ["init", "other", "--title", "Anatomy <b>and</b> Physiology"],
        "deckgen init: error: argument --title: 'Anatomy <b>and</b> Physiology' contains '<' '>': names are shown "
        "on every card as they are, so they may not use any of < > \" { } [ ] \\ * `"),
    "a deck name with a subdeck in it": (
        ["init", "other", "--name", "Anatomy::Bones"],
        "deckgen init: error: argument --name: must not contain '::': subdecks go under 'subdecks' in "
        "cards/deck.yaml"),
}


@pytest.mark.parametrize("mistake", COMMAND_LINE_MISTAKES)
def test_a_mistake_on_the_command_line_is_a_command_line_error(mistake, tmp_path, run_cli):
    arguments, message = COMMAND_LINE_MISTAKES[mistake]
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    before = files_below(tmp_path)

    result = run_cli(*arguments, cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"})

    assert result.exit_code == 2
    assert result.stderr.startswith(f"usage: deckgen {arguments[0]} ")
    assert result.stderr.splitlines()[-1] == message
    assert ":1:1:" not in result.stderr
    assert files_below(tmp_path) == before


def test_a_version_the_lock_refuses_is_a_refusal_named_without_a_position(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0

    result = run_cli("release", "0.9.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"})

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "VERSION: release 0.9.0 is not later than the last release, 1.0.0: give a higher version",
        "1 problem found; nothing was written",
    ]


UNSAFE_AND_INCOMPLETE = (
    "subdeck: first\ncards:\n  - id: unsafe\n    kind: basic\n    question: Q <script>x</script>\n    answer: A\n"
    "  - id: incomplete\n    kind: basic\n    question: Q\n")
SCRIPT_WARNING = (
    "cards/a.yaml:5:15: warning: 'question' contains <script>, which cards may not use: the build leaves it out; "
    "use the Markdown markup (**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>")


@pytest.mark.parametrize("strict", [(), ("--strict",)])
def test_check_shows_the_valid_cards_warnings_after_the_errors_in_one_run(strict, tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "a.yaml").write_text(UNSAFE_AND_INCOMPLETE)

    result = run_cli("check", *strict, cwd=project)

    assert result.exit_code == 1
    assert result.stderr == (
        "cards/a.yaml:7:5: basic card 'incomplete' has no 'answer': add 'answer:' (the answer)\n"
        f"{SCRIPT_WARNING}\n1 problem and 1 warning found; nothing was written\n")


def test_lints_summary_counts_the_check_warnings_it_printed(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "a.yaml").write_text(UNSAFE_AND_INCOMPLETE.split("  - id: incomplete")[0].replace(
        "    answer: A\n", "    answer: A\n    source: weissman2017\n"))

    result = run_cli("lint", cwd=project)

    assert result.stderr == f"{SCRIPT_WARNING}\n"
    assert result.stdout.endswith("0 lint warnings, 1 check warning\n")
