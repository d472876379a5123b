"""The one table of problem kinds: every kind has a message, every kind the code produces is in the table."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from fupin_cli.model.problems import KINDS, KINDS_TABLE, FupinError, make_problem

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fupin_cli"
# Calls whose first argument is a kind's code.
PRODUCERS = {"make_problem", "FupinError", "UnreadableFile", "message_for", "add", "_unsafe_kind"}


def produced_codes() -> dict[str, list[str]]:
    """Every string literal given as a kind's code to a producer, with where it is."""
    found: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in PRODUCERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_codes_are_unique_and_kebab_case() -> None:
    codes = [k.code for k in KINDS_TABLE]
    assert len(codes) == len(set(codes))
    assert all(c == c.lower() and " " not in c and "_" not in c for c in codes)


def test_every_kind_has_a_chinese_message_and_a_severity() -> None:
    for kind in KINDS_TABLE:
        assert kind.severity in ("error", "warning", "violation"), kind.code
        assert kind.template.strip(), kind.code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in kind.template), kind.code
        assert kind.check in ("always", "strict"), kind.code


def test_every_produced_kind_is_in_the_table() -> None:
    produced = produced_codes()
    assert len(produced) > 20  # the scan finds the producers at all
    unknown = {code: where for code, where in produced.items() if code not in KINDS and " " not in code
               and not any("\u4e00" <= ch <= "\u9fff" for ch in code)}
    assert unknown == {}


def test_every_message_fills_from_its_named_fields() -> None:
    for kind in KINDS_TABLE:
        fields = {f for _, f, _, _ in string.Formatter().parse(kind.template) if f}
        problem = make_problem(kind.code, **{f: f"<{f}>" for f in fields if f not in ("column", "value")},
                               column="<column>", value="<value>")
        assert "{" not in problem.message and problem.code == kind.code and problem.severity == kind.severity
        assert all(f"<{f}>" in problem.message for f in fields)


def test_deadline_kinds_keep_their_json_families_and_order() -> None:
    ranked = sorted(KINDS_TABLE, key=lambda k: k.rank)
    families = [(k.code, k.family, k.check_family) for k in ranked
                if k.code in ("round-missing", "round-late", "task-open", "task-done-late")]
    assert families == [("round-missing", "missing", "missing"), ("round-late", "late", "late"),
                        ("task-open", "open_after_deadline", "open_after_deadline"),
                        ("task-done-late", "done_late", "warning")]
    always = {k.code for k in KINDS_TABLE if k.check == "always"}
    assert always == {"round-missing", "round-returned"}  # a round sent back and past its deadline is missing too
    assert KINDS["round-returned"].family == KINDS["round-returned-open"].family == "returned"
    assert [k.code for k in ranked].index("round-returned") < [k.code for k in ranked].index("round-late")


def test_fupin_error_carries_its_code_and_json() -> None:
    error = FupinError("round-out-of-range", template="镇工作任务清单", count=3, value=5)
    assert error.code == "round-out-of-range"
    assert error.to_dict() == {"code": "round-out-of-range",
                               "message": "《镇工作任务清单》只有 3 次报送，没有第 5 次；请改正 --round"}
