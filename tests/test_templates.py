"""The five official checklists: they load, they match the source word for word, and they validate."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError
from fupin_cli.model.templates import BEFORE_ASSESSMENT, compute_version, load_template_file, load_templates

REPO = Path(__file__).resolve().parents[1]
# The district's official notice text (附件2–6), shipped with the tests: see tests/data/source/README.md.
SOURCE = REPO / "tests" / "data" / "source" / "000_9383ce5e90460201.txt"

# id → (附件, role, task count, title, header labels, column labels, rounds) — as the notice text in SOURCE has them.
EXPECTED = {
    "leader": (2, Role.leader, 2, "处级领导工作任务清单", ["姓名", "时间"],
               ["类型", "工作任务", "是否完成", "完成时间"], ["11-12", "11-18"]),
    "aid_unit": (3, Role.aid_unit, 2, "帮扶单位工作任务清单", ["填报单位", "负责人", "时间"],
                 ["类型", "工作任务", "是否完成", "完成时间"], ["11-11"]),
    "town": (4, Role.town, 13, "镇工作任务清单", ["单位", "负责人", "时间"],
             ["序号", "类型", "工作任务", "是否完成", "完成时间"], ["11-06", "11-09", "11-12"]),
    "cadre": (5, Role.cadre, 4, "第一书记、驻村工作队员、村“两委”干部工作任务清单", ["签名", "时间"],
              ["类型", "工作任务", "是否完成", "落实情况"], ["11-06", "11-09"]),
    "helper": (6, Role.helper, 7, "帮扶责任人入户帮扶活动工作任务清单", ["帮扶人签名", "时间"],
               ["序号", "类型", "工作任务", "是否\n完成", "完成时间"], ["11-07", BEFORE_ASSESSMENT]),
}

# Pinned as well, so a change to the wording shows up here even if the templates and SOURCE were edited together.
VERSIONS = {"leader": "d5d59d4819", "aid_unit": "c5c9ce54c3", "town": "30b17dbb76", "cadre": "3f1e42f215",
            "helper": "c3fb283ddc"}
TASK_TEXTS_SHA256 = "729cbe40db822b69ac245f94599f0fc47c7dd972c3f02eedf4b2bdb4a15dd08d"
CATEGORIES_SHA256 = "d1e212ed48087bcb4888a3f1314b7e879aba8512cb873568a7f71bb1e0de9a11"
NOTES = {
    "leader": "注：各挂点镇的处级干部将落实情况于11月12日、11月18日前报区扶贫办。",
    "aid_unit": "注：各帮扶单位落实情况于11月11前报帮扶单位所在镇，再由镇汇总上报区扶贫办。",
    "town": "注：各镇将落实情况分别于11月6日、9日、12日前报区扶贫办。",
    "cadre": "注：第一书记、驻村工作队员、村“两委”干部将落实情况分别于11月6日、9日前报所在镇。",
    "helper": "注明：各村负责统计帮扶人到位情况报镇，再由镇汇总报区扶贫办。",
}
REPORT_TO = {"leader": "区扶贫办", "aid_unit": "所在镇", "town": "区扶贫办", "cadre": "所在镇", "helper": "所在村"}


@pytest.fixture(scope="module")
def templates():
    return load_templates()


def test_five_templates_in_attachment_order(templates):
    # The five official attachments in order, then fupin's own table (tests/test_presence.py).
    assert list(templates) == ["leader", "aid_unit", "town", "cadre", "helper", "presence"]


@pytest.mark.parametrize("tid", list(EXPECTED))
def test_template_shape(templates, tid):
    attachment, role, count, title, headers, columns, rounds = EXPECTED[tid]
    t = templates[tid]
    assert (t.attachment, t.role, len(t.tasks), t.title) == (attachment, role, count, title)
    assert [h.label for h in t.header_fields] == headers
    assert [c.label for c in t.columns] == columns
    assert [(r.round, r.deadline) for r in t.rounds] == [(i + 1, d) for i, d in enumerate(rounds)]
    assert t.report_to == REPORT_TO[tid]
    assert t.note == NOTES[tid]
    assert [task.number for task in t.tasks] == list(range(1, count + 1))
    assert len({task.id for task in t.tasks}) == count
    assert t.category_merged is (tid in ("leader", "aid_unit", "cadre"))


@pytest.mark.parametrize("tid", list(EXPECTED))
def test_version_is_computed_and_pinned(templates, tid):
    path = REPO / "templates" / f"{tid}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["version"] == compute_version(doc) == templates[tid].version == VERSIONS[tid]


def test_task_texts_pinned_by_hash(templates):
    texts = "\n\n".join(task.text for t in templates.values() for task in t.tasks)
    categories = "\n\n".join(task.category for t in templates.values() for task in t.tasks)
    assert hashlib.sha256(texts.encode("utf-8")).hexdigest() == TASK_TEXTS_SHA256
    assert hashlib.sha256(categories.encode("utf-8")).hexdigest() == CATEGORIES_SHA256


def test_town_sub_items(templates):
    with_items = [task.number for task in templates["town"].tasks if task.items]
    assert with_items == [3, 4, 5, 6, 7, 9, 10, 11]
    for task in templates["town"].tasks:
        if task.items:
            assert task.text == "\n".join(task.items)
            assert [item.split(".", 1)[0] for item in task.items] == [str(i) for i in range(1, len(task.items) + 1)]


def test_full_width_punctuation_kept(templates):
    everything = "".join(task.text for t in templates.values() for task in t.tasks)
    for phrase in ("“四合一”", "“八有一超”", "“十一有一低于”", "《帮扶手册》", "（含）"):
        assert phrase in everything
    assert '"' not in everything


def _source_sections() -> dict[int, list[str]]:
    """The source split at its 附件N lines, each section as whitespace-trimmed non-empty lines."""
    sections: dict[int, list[str]] = {}
    current = None
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if match := re.fullmatch(r"附件(\d)", line):
            current = int(match.group(1))
            sections[current] = []
        elif current is not None and line:
            sections[current].append(line)
    return sections


def test_the_official_source_ships_with_the_tests():
    assert SOURCE.is_file(), SOURCE
    assert sorted(_source_sections()) == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("tid", list(EXPECTED))
def test_words_match_the_official_source(templates, tid):
    t = templates[tid]
    lines = _source_sections()[t.attachment]
    assert lines[0] == t.title
    for header in t.header_fields:
        assert f"{header.label}：" in lines[1]
    for column in t.columns:
        for part in column.label.split("\n"):
            assert part.strip() in lines
    assert t.note in lines
    position = 0
    for task in t.tasks:
        for part in task.text.split("\n"):
            assert part.strip() == part, f"{task.id}: stray blanks"
            assert part in lines, f"{task.id}: not verbatim: {part}"
            index = lines.index(part, position)
            assert index >= position, f"{task.id} out of order"
            position = index
        for part in task.category.split("\n"):
            assert part in lines, f"{task.id}: category not verbatim: {part}"
        if t.category_merged:
            assert task.category == t.tasks[0].category
    # Nothing left out: every line of the source's table is a number, a category or part of a task's text.
    last_label = t.columns[-1].label.split("\n")[-1]
    table = lines[lines.index(last_label) + 1: lines.index(t.note)]
    known = {str(task.number) for task in t.tasks}
    for task in t.tasks:
        known.update(task.text.split("\n"))
        known.update(task.category.split("\n"))
    assert [line for line in table if line not in known] == []


# ---- validation ---------------------------------------------------------------------------------------------


def _town_doc() -> dict:
    return yaml.safe_load((REPO / "templates" / "town.yaml").read_text(encoding="utf-8"))


def _write(path: Path, doc: object) -> Path:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    # Unquoted, as a clerk would type it: PyYAML would read it as a (impossible) date.
    path.write_text(text.replace("'2020-13-40'", "2020-13-40"), encoding="utf-8")
    return path


def _missing_title(doc):
    del doc["title"]
    return doc


def _bad_deadline(doc):
    doc["reporting"]["rounds"][1]["deadline"] = "11-31x"
    return doc


def _impossible_date(doc):
    doc["reporting"]["rounds"][0]["deadline"] = "2020-13-40"
    return doc


def _wrong_version(doc):
    doc["tasks"][0]["text"] = doc["tasks"][0]["text"] + "改"
    return doc


@pytest.mark.parametrize(
    ("breakage", "key"),
    [
        (_missing_title, "title"),
        (_bad_deadline, "reporting.rounds[1].deadline"),
        (_impossible_date, "reporting.rounds[0].deadline"),
        (_wrong_version, "version"),
        (lambda doc: ["not", "a", "mapping"], None),
    ],
    ids=["missing-title", "bad-deadline", "impossible-date", "wrong-version", "not-a-mapping"],
)
def test_templates_check_rejects_broken_yaml(runner, tmp_path, monkeypatch, breakage, key):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "bad.yaml", breakage(_town_doc()))
    result = runner.invoke(_app(), ["templates", "check", "bad.yaml"])
    assert result.exit_code == 1, result.output
    assert "bad.yaml" in result.stderr
    if key is not None:
        assert f"bad.yaml: {key}:" in result.stderr
    with pytest.raises(FupinError) as info:
        load_template_file(tmp_path / "bad.yaml")
    if key is not None:
        assert f": {key}:" in info.value.message


def test_templates_check_unparsable_yaml(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("id: town\ntasks: [\n", encoding="utf-8")
    result = runner.invoke(_app(), ["templates", "check", "bad.yaml"])
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr and "YAML" in result.stderr


def test_templates_check_builtin_ok(runner):
    result = runner.invoke(_app(), ["templates", "check", str(REPO / "templates")])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("✓") == 6


def test_text_change_without_version_gets_a_new_version(tmp_path):
    doc = _wrong_version(_town_doc())
    del doc["version"]
    changed = load_template_file(_write(tmp_path / "town.yaml", doc))
    assert changed.version != VERSIONS["town"]
    assert changed.version == compute_version(doc)


def test_workspace_templates_replace_and_add(demo_workspace):
    folder = demo_workspace / "templates"
    folder.mkdir(exist_ok=True)
    town = _town_doc()
    town["tasks"] = town["tasks"][:1]
    del town["version"]
    _write(folder / "town.yaml", town)
    extra = _town_doc()
    extra.update(id="town_extra", attachment=7, title="新增清单")
    del extra["version"]
    _write(folder / "extra.yaml", extra)
    found = load_templates(folder)
    assert list(found) == ["leader", "aid_unit", "town", "cadre", "helper", "town_extra", "presence"]
    assert len(found["town"].tasks) == 1
    assert found["town"].version == compute_version(town) != VERSIONS["town"]
    assert found["town_extra"].title == "新增清单"


def _app():
    from fupin_cli.cli import app

    return app
