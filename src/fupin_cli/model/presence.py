"""帮扶责任人到位情况统计表 (presence): a village's count of its helpers' two home visits, as stored answers.

A presence return keeps one Answer per helper and round column: its task id is ``<helper id>@<round>``
(``H9c0e1a5f@1``), `done` the 是否到位 of that column, `done_on` its 入户日期, `row` the sheet's row. So the store,
the index and every reader of answers keep one shape; only the presence code reads these ids.
"""

from __future__ import annotations

from fupin_cli.model.glossary import Role
from fupin_cli.model.record import Answer, Return
from fupin_cli.model.roster import Roster, Unit
from fupin_cli.model.templates import Template
from fupin_cli.model.text import normalize_name

PRESENCE_ID = "presence"
# The word of a helper's own checklist task that is the home visit (附件6 任务2：“分别于11月7日及…入户2次”).
VISIT_WORD = "入户"


def answer_key(helper_id: str, round_number: int) -> str:
    """The task id of a helper's answer for one round column: ``H9c0e1a5f@1``."""
    return f"{helper_id}@{round_number}"


def split_key(task_id: str) -> tuple[str, int] | None:
    """(helper id, round) of a presence answer's task id; None for any other task id."""
    helper, sep, number = task_id.rpartition("@")
    return (helper, int(number)) if sep and helper and number.isdigit() else None


def column_answers(record: Return, round_number: int) -> dict[str, Answer]:
    """Helper id → the sheet's answer in the column of `round_number`."""
    found = {}
    for answer in record.answers:
        key = split_key(answer.task_id)
        if key is not None and key[1] == round_number:
            found[key[0]] = answer
    return found


def village_helpers(roster: Roster, village: Unit) -> list[Unit]:
    """The helpers of a village, in roster order (its town and name compared after normalisation)."""
    town, name = normalize_name(village.town), normalize_name(village.name)
    return [u for u in roster.of(Role.helper)
            if normalize_name(u.town) == town and normalize_name(u.village) == name]


def presence_templates(templates: dict[str, Template]) -> list[Template]:
    """The tables whose rows are helpers (the built-in presence, or a workspace's own in its place)."""
    return [t for t in templates.values() if t.from_roster]


def visit_task(template: Template) -> str | None:
    """The id of the helper checklist's home-visit task (the first whose text says 入户), if it has one."""
    return next((t.id for t in template.tasks if VISIT_WORD in t.text), None)
