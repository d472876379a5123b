"""`fupin templates list | show | check` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from fupin_cli.cli import app
from fupin_cli.model.templates import builtin_template_dir, load_templates
from fupin_cli.model.workspace import load_workspace


def test_list_outside_a_workspace(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["templates", "list"])
    assert result.exit_code == 0, result.output
    for tid, attachment, title in [("leader", 2, "处级领导工作任务清单"), ("aid_unit", 3, "帮扶单位工作任务清单"),
                                   ("town", 4, "镇工作任务清单"), ("helper", 6, "帮扶责任人入户帮扶活动工作任务清单")]:
        assert tid in result.stdout and f"附件{attachment}" in result.stdout and title in result.stdout
    assert "11月6日、11月9日、11月12日" in result.stdout
    assert "核验前一天" in result.stdout
    assert result.stderr == ""


def test_show_town_json(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["templates", "show", "town", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"id", "attachment", "title", "header_fields", "columns", "tasks", "reporting", "note", "version"} <= set(data)
    assert (data["id"], data["attachment"], data["title"]) == ("town", 4, "镇工作任务清单")
    assert data["header_fields"] == ["单位", "负责人", "时间"]
    assert data["columns"] == ["序号", "类型", "工作任务", "是否完成", "完成时间"]
    assert len(data["tasks"]) == 13
    for task in data["tasks"]:
        assert {"id", "number", "category", "text", "items"} <= set(task)
    assert [t["number"] for t in data["tasks"] if t["items"]] == [3, 4, 5, 6, 7, 9, 10, 11]
    assert data["reporting"]["to"] == "区扶贫办"
    assert [(r["round"], r["deadline"]) for r in data["reporting"]["rounds"]] == [(1, "11-06"), (2, "11-09"), (3, "11-12")]
    assert data["note"] == "注：各镇将落实情况分别于11月6日、9日、12日前报区扶贫办。"
    # The JSON is the core result, nothing more and nothing less.
    assert data == load_templates()["town"].to_dict()


def test_show_yaml_is_the_template_file_and_loads_back(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "templates", "show", "helper"])
    assert result.exit_code == 0, result.output
    assert len(yaml.safe_load(result.stdout)["tasks"]) == 7
    copy = demo_workspace / "templates" / "helper.yaml"
    copy.parent.mkdir(exist_ok=True)
    copy.write_text(result.stdout, encoding="utf-8")
    check = runner.invoke(app, ["-w", str(demo_workspace), "templates", "check", str(copy)])
    assert check.exit_code == 0, check.output
    assert check.stdout.startswith("✓ templates/helper.yaml：helper（附件6《帮扶责任人入户帮扶活动工作任务清单》")
    assert "替换内置 helper" in check.stdout
    # The copy, not the built-in, is now the helper's checklist, and it is the same checklist (same version).
    in_force = load_workspace(demo_workspace).templates()["helper"]
    assert Path(in_force.source) == copy.resolve()
    assert in_force.version == load_templates()["helper"].version
    reloaded = runner.invoke(app, ["-w", str(demo_workspace), "templates", "show", "helper", "--format", "json"])
    assert reloaded.exit_code == 0, reloaded.output
    assert json.loads(reloaded.stdout) == load_templates()["helper"].to_dict()


def test_show_unknown_id_exits_2(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "templates", "show", "nosuch"])
    assert result.exit_code == 2
    assert "nosuch" in result.stderr and "town" in result.stderr
    assert result.stdout == ""


def test_show_uses_the_workspace_override(runner, demo_workspace):
    doc = yaml.safe_load(Path(load_templates()["leader"].source).read_text(encoding="utf-8"))
    doc["title"] = "处级领导工作任务清单（修订）"
    del doc["version"]
    (demo_workspace / "templates").mkdir(exist_ok=True)
    (demo_workspace / "templates" / "leader.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["-w", str(demo_workspace), "templates", "show", "leader", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "处级领导工作任务清单（修订）"
    listing = runner.invoke(app, ["-w", str(demo_workspace), "templates", "list"])
    assert "处级领导工作任务清单（修订）" in listing.stdout


def test_new_template_id_in_workspace_is_listed(runner, demo_workspace):
    doc = yaml.safe_load(Path(load_templates()["cadre"].source).read_text(encoding="utf-8"))
    doc.update(id="cadre_2021", title="2021年村干部工作任务清单")
    del doc["version"]
    (demo_workspace / "templates").mkdir(exist_ok=True)
    (demo_workspace / "templates" / "cadre_2021.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["-w", str(demo_workspace), "templates", "list"])
    assert result.exit_code == 0, result.output
    assert "cadre_2021" in result.stdout and "cadre" in result.stdout
    check = runner.invoke(app, ["-w", str(demo_workspace), "templates", "check"])
    assert check.exit_code == 0, check.output
    assert check.stdout.count("✓") == 7  # six built-ins and the workspace's own


def test_check_without_workspace_checks_the_builtins(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["templates", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("✓") == 6  # the five official checklists and fupin's presence table


def test_broken_workspace_template_fails_every_command(runner, demo_workspace):
    (demo_workspace / "templates").mkdir(exist_ok=True)
    (demo_workspace / "templates" / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    result = runner.invoke(app, ["-w", str(demo_workspace), "templates", "list"])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr


def test_check_names_builtins_and_workspace_files_not_install_paths(runner, demo_workspace, monkeypatch):
    folder = demo_workspace / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "helper.yaml").write_text(Path(load_templates()["helper"].source).read_text(encoding="utf-8"),
                                        encoding="utf-8")
    doc = yaml.safe_load(Path(load_templates()["cadre"].source).read_text(encoding="utf-8"))
    doc.update(id="cadre_2021", title="2021年村干部工作任务清单")
    del doc["version"]
    (folder / "cadre_2021.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(demo_workspace / "roster")  # the workspace found upwards
    result = runner.invoke(app, ["templates", "check"])
    assert result.exit_code == 0, result.output
    builtins = load_templates()
    in_force = load_workspace(demo_workspace).templates()

    def what(t) -> str:
        if t.from_roster:
            return f"{t.id}（{t.mark}《{t.title}》，本村帮扶责任人逐人一行，版本 {t.version}"
        return f"{t.id}（附件{t.attachment}《{t.title}》，{len(t.tasks)} 项任务，版本 {t.version}"

    expected = [f"✓ 内置：{what(builtins[tid])}）"
                for tid in ("aid_unit", "cadre", "helper", "leader", "presence", "town")]
    expected += [f"✓ templates/cadre_2021.yaml：{what(in_force['cadre_2021'])}）",
                 f"✓ templates/helper.yaml：{what(in_force['helper'])}；替换内置 helper）"]
    assert result.stdout.splitlines() == expected  # one line each, never wrapped
    for path in (str(builtin_template_dir()), "site-packages", str(demo_workspace)):
        assert path not in result.stdout


def test_broken_fupin_yaml_found_upwards_is_not_passed_over(runner, demo_workspace, monkeypatch):
    (demo_workspace / "fupin.yaml").write_text("name: [未闭合\n", encoding="utf-8")
    monkeypatch.chdir(demo_workspace)
    listing = runner.invoke(app, ["templates", "list"])
    assert listing.exit_code == 2
    assert "fupin.yaml" in listing.stderr and "YAML 格式错误" in listing.stderr
    check = runner.invoke(app, ["templates", "check"])
    assert check.exit_code == 1
    assert check.stdout.count("✓") == 6 and "fupin.yaml" in check.stderr and "YAML 格式错误" in check.stderr
