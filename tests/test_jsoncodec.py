"""The fast JSON of the store and the command line writes what the standard library would."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from fupin_cli.model.glossary import Role
from fupin_cli.model.jsoncodec import compact, loads, pretty
from fupin_cli.model.problems import make_problem
from fupin_cli.model.roster import Unit

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_compact_and_pretty_write_what_json_writes(value: object) -> None:
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2, default=str)
    assert loads(compact(value)) == value


def test_unknown_types_as_their_text_and_what_orjson_refuses_still_written() -> None:
    data = {"at": dt.datetime(2020, 11, 6, 12, tzinfo=dt.timezone.utc), "day": dt.date(2020, 11, 6),
            "role": Role.town, "big": 10**30, 3: "三"}
    assert pretty(data) == json.dumps(data, ensure_ascii=False, indent=2, default=str)
    assert compact({"big": 10**30}) == '{"big":1000000000000000000000000000000}'
    assert compact({"lone": "\ud800"}) == json.dumps({"lone": "\ud800"}, ensure_ascii=False, separators=(",", ":"))


def test_a_problem_told_of_a_unit_is_replace_field_by_field() -> None:
    unit = Unit(role=Role.cadre, unit_id="C1", name="王红", town="城关镇", village="西江村")
    problem = make_problem("round-missing", file="a.xlsx", sheet="表", row=3, column="是否完成", value="x",
                           round=1, deadline="11月6日")
    told = problem.about(unit, 2, dt.date(2020, 11, 9), "cadre-01", "另一句话", template_id="cadre")
    assert told == replace(problem, role="cadre", unit_id="C1", name="王红", town="城关镇", village="西江村",
                           round=2, deadline=dt.date(2020, 11, 9), task_id="cadre-01", template_id="cadre",
                           message="另一句话")
    assert told.args == problem.args
    assert problem.about_round(3, "t") == replace(problem, round=3, task_id="t")
