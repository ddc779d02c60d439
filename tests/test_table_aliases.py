"""A spreadsheet's `masks` cells are YAML, and share their file's one budget of values, aliases
expanded, as a YAML card file's values do: a file of many cells, each an alias bomb just past the
budget on its own, is refused at once with one located message, not after composing every cell."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import make_project
from occlusion_fixture import add_occlusion_card

from deckgen.commands.pipeline import check
from deckgen.errors import DeckError

HEADER = "id,kind,subdeck,image,masks\n"


def _bomb(levels: int) -> str:
    """A mask on one line whose aliases expand to 10 ** `levels` values (and some more)."""
    anchors = ["&a0 [x,x,x,x,x,x,x,x,x,x]"] + [f"&a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]"
                                               for level in range(1, levels)]
    return "{id: m, label: x, rect: [" + ", ".join(anchors) + "]}"


def _table(tmp_path: Path, rows: int, levels: int) -> Path:
    project = make_project(tmp_path / "project")
    add_occlusion_card(project).unlink()  # its picture and note type stay
    cells = "".join(f'c{row},occlusion,first,heart.png,"{_bomb(levels)}"\n' for row in range(rows))
    (project / "cards" / "occlusion.csv").write_text(HEADER + cells)
    return project


def _problems(project: Path) -> list[str]:
    try:
        check(project, cache=False)
    except DeckError as error:
        return [str(problem) for problem in error.problems]
    raise AssertionError("the table was read")


def test_many_alias_bomb_cells_are_refused_quickly_with_one_message(tmp_path):
    project = _table(tmp_path, rows=40, levels=6)  # a million values a cell: 40 budgets' worth
    started = time.process_time()  # this process's time: other processes on the machine do not count

    problems = _problems(project)

    assert time.process_time() - started < 5  # about 1 s; 40 cells composed to the budget each took 38 s
    assert problems == ["cards/occlusion.csv:2:5: the 'masks' cells' aliases expand this file to more than 200,000 "
                        "values: remove the '*' aliases that repeat large parts of them"]


def test_cells_each_within_the_budget_are_refused_together_past_it(tmp_path):
    project = _table(tmp_path, rows=30, levels=4)  # 12,352 values a cell: the 17th (row 18) passes 200,000

    problems = _problems(project)

    assert problems[-1] == ("cards/occlusion.csv:18:5: the 'masks' cells' aliases expand this file to more than "
                            "200,000 values: remove the '*' aliases that repeat large parts of them")
    assert len(problems) == 17  # the 16 cells before it hold no rectangle (a list of lists); the rest: not read
