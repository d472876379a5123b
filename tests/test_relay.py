"""The relay on the demo district: relay kit → the town ingests its units' returns → relay pack → the district
takes the bundle whole (deadlines by the town's received time) or refuses it whole, its store untouched."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fill import fill_form
from inbox import filled, fupin, squash, unit_id

TOWN = "石门镇"
AID = "区人力资源和社会保障局"  # 石门镇's aid unit: reports to its town by 11-11
CADRE = "农文"


def snapshot(ws: Path) -> dict[str, bytes]:
    """Every file of the store, byte for byte (the lock file left out)."""
    folder = ws / "returns"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock") and p.name != "lock"}


@dataclass
class Chain:
    district: Path
    town: Path
    bundle: Path


def make_town(runner: CliRunner, district: Path, out: Path, *args: str) -> Path:
    result = fupin(runner, district, "relay", "kit", "--town", TOWN, "--out", out, *args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def chain(runner: CliRunner, demo_workspace: Path, tmp_path: Path) -> Chain:
    town = make_town(runner, demo_workspace, tmp_path / "town")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled(next(_forms(runner, town, "aid_unit").rglob(f"{AID}.xlsx")), inbox / "aid.xlsx", date="2020年11月10日")
    (inbox / "cadre.csv").write_bytes(fill_form(next(_forms(runner, town, "cadre").rglob(f"{CADRE}.csv"))))
    result = fupin(runner, town, "ingest", inbox, "--received", "2020-11-10T10:00")
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "石门镇-20201112-1700.fupin.zip"
    result = fupin(runner, town, "relay", "pack", "--at", "2020-11-12T17:00", "--out", bundle)
    assert result.exit_code == 0, result.output
    return Chain(demo_workspace, town, bundle)


def _forms(runner: CliRunner, town: Path, role: str) -> Path:
    out = town / "blank" / role
    result = fupin(runner, town, "forms", "generate", "--role", role, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def district_ingest(runner: CliRunner, ws: Path, bundle: Path, *args: str):
    return fupin(runner, ws, "ingest", bundle, "--received", "2020-11-13T09:00", *args)


def rounds_of(runner: CliRunner, ws: Path, unit: str, as_of: str = "2020-11-13") -> list[dict]:
    result = fupin(runner, ws, "status", "--town", TOWN, "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return next(u for u in json.loads(result.stdout)["units"] if u["unit_id"] == unit)["rounds"]


def rewrite(bundle: Path, target: Path, change) -> Path:
    """A copy of the bundle whose members `change(members)` edited (a dict name → bytes, manifest parsed)."""
    with zipfile.ZipFile(bundle) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    change(manifest, members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, data in members.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())
    return target


# ---- relay kit ----------------------------------------------------------------------------------------------

def test_kit_writes_the_towns_workspace(runner: CliRunner, demo_workspace: Path, tmp_path: Path) -> None:
    town = make_town(runner, demo_workspace, tmp_path / "town", "--forms")
    config = yaml.safe_load((town / "fupin.yaml").read_text(encoding="utf-8"))
    district = yaml.safe_load((demo_workspace / "fupin.yaml").read_text(encoding="utf-8"))
    assert config["level"] == "town" and config["town"] == "451023102"
    assert config["campaign_id"] == district["campaign_id"] and len(district["campaign_id"]) == 16
    for key in ("name", "district", "year", "timezone"):
        assert config[key] == district[key]
    roster = json.loads(fupin(runner, town, "roster", "list", "--format", "json").stdout)
    roles = {u["role"] for u in roster}
    assert roles == {"town", "village", "aid_unit", "cadre", "helper"}  # leaders report to the district
    assert {u["town"] for u in roster if u["role"] != "town"} == {TOWN}
    assert sorted(p.name for p in (town / "templates").glob("*.yaml")) == [
        "aid_unit.yaml", "cadre.yaml", "helper.yaml", "leader.yaml", "presence.yaml", "town.yaml"]
    forms = sorted(p.relative_to(town / "forms").parts[0] for p in (town / "forms").rglob("*.xlsx"))
    assert set(forms) == {TOWN} and len(forms) == 1 + 1 + 9 + 13  # town, aid unit, cadres, helpers
    # the same campaign_id the second time; the district's fupin.yaml keeps one line of it
    make_town(runner, demo_workspace, tmp_path / "again")
    assert (demo_workspace / "fupin.yaml").read_text(encoding="utf-8").count("campaign_id") == 1
    # every command works in the town workspace
    for args in (["status", "--town", TOWN, "--as-of", "2020-11-05"], ["doctor"], ["templates", "check"],
                 ["remind", "--as-of", "2020-11-08"]):
        assert fupin(runner, town, *args).exit_code == 0, args
    assert fupin(runner, town, "check", "--as-of", "2020-11-08").exit_code == 1  # rounds missing: violations


def test_kit_refuses_an_unknown_town_or_a_folder_not_empty(runner: CliRunner, demo_workspace: Path,
                                                           tmp_path: Path) -> None:
    result = fupin(runner, demo_workspace, "relay", "kit", "--town", "石门", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "花名册中没有镇“石门”" in squash(result.output)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    result = fupin(runner, demo_workspace, "relay", "kit", "--town", TOWN, "--out", tmp_path / "full")
    assert result.exit_code == 2 and "不是空目录" in squash(result.output)
    assert not (tmp_path / "x").exists()


# ---- the whole chain ----------------------------------------------------------------------------------------

def test_the_bundle_keeps_the_towns_received_time(runner: CliRunner, chain: Chain) -> None:
    town_store = snapshot(chain.town)
    result = district_ingest(runner, chain.district, chain.bundle)
    assert result.exit_code == 0, result.output
    assert "石门镇汇总包，回执2份，新存2份" in squash(result.stderr)
    aid = unit_id(chain.district, "aid_unit", AID)
    [first] = rounds_of(runner, chain.district, aid)
    assert first["status"] == "on_time" and first["received_at"] == "2020-11-10T10:00:00+08:00"
    records = json.loads(fupin(runner, chain.district, "returns", "list", "--format", "json").stdout)
    assert {(r["unit_id"], r["via"], r["relayed_at"], r["received_at"]) for r in records} == {
        (aid, "451023102", "2020-11-13T09:00:00+08:00", "2020-11-10T10:00:00+08:00"),
        (unit_id(chain.district, "cadre", CADRE), "451023102", "2020-11-13T09:00:00+08:00",
         "2020-11-10T10:00:00+08:00")}
    assert {r["bundle"] for r in records} == {hashlib.sha256(chain.bundle.read_bytes()).hexdigest()}
    # the originals byte for byte, as the town stored them
    for r in records:
        assert (chain.district / "returns" / "files" / r["stored_name"]).read_bytes() == \
            (chain.town / "returns" / "files" / r["stored_name"]).read_bytes()
    # the same bundle again: nothing changes
    before = snapshot(chain.district)
    again = district_ingest(runner, chain.district, chain.bundle)
    assert again.exit_code == 0 and "已收过，未重复存档" in squash(again.stderr)
    assert snapshot(chain.district) == before
    assert snapshot(chain.town) == town_store  # packing read the town's store only


def test_packing_twice_gives_the_same_bytes(runner: CliRunner, chain: Chain, tmp_path: Path) -> None:
    again = tmp_path / "again.fupin.zip"
    assert fupin(runner, chain.town, "relay", "pack", "--at", "2020-11-12T17:00", "--out", again).exit_code == 0
    assert again.read_bytes() == chain.bundle.read_bytes()
    with zipfile.ZipFile(chain.bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert manifest["format"] == "fupin-relay/1" and manifest["town"] == TOWN
    assert [e["received_at"] for e in manifest["returns"]] == ["2020-11-10T10:00:00+08:00"] * 2
    assert sorted(names) == sorted(["manifest.json", *(e["member"] for e in manifest["returns"])])
    assert {r["role"] for r in manifest["rollup"]["rows"]} == {"town", "aid_unit", "cadre", "helper"}


def test_pack_only_in_a_town_workspace(runner: CliRunner, demo_workspace: Path) -> None:
    result = fupin(runner, demo_workspace, "relay", "pack")
    assert result.exit_code == 2 and "只在镇级工作区" in squash(result.output)


# ---- refused whole ------------------------------------------------------------------------------------------

def _tamper(manifest: dict, members: dict) -> None:
    name = manifest["returns"][1]["member"]
    data = bytearray(members[name])
    data[len(data) // 2] ^= 0x01
    members[name] = bytes(data)


def _drop(manifest: dict, members: dict) -> None:
    del members[manifest["returns"][0]["member"]]


def _other_campaign(manifest: dict, members: dict) -> None:
    manifest["campaign_id"] = "0123456789abcdef"


def _escape(manifest: dict, members: dict) -> None:
    members["../evil.xlsx"] = b"x"


@pytest.mark.parametrize(("change", "reason"), [
    (_tamper, "第2项{source1}的校验和与清单不符，整包拒收"),
    (_drop, "第1项{source0}在包中缺失，整包拒收"),
    (_other_campaign, "汇总包属于另一项工作（campaign_id0123456789abcdef"),
    (_escape, "压缩包不安全（部件名“../evil.xlsx”指向包外），整包拒收"),
])
def test_a_bad_bundle_is_refused_whole(runner: CliRunner, chain: Chain, tmp_path: Path, change, reason: str) -> None:
    before = snapshot(chain.district)
    with zipfile.ZipFile(chain.bundle) as archive:
        sources = [e["source_name"] for e in json.loads(archive.read("manifest.json"))["returns"]]
    bad = rewrite(chain.bundle, tmp_path / "bad.fupin.zip", change)
    result = district_ingest(runner, chain.district, bad)
    assert result.exit_code == 1, result.output
    assert f"bad.fupin.zip：{reason.format(source0=sources[0], source1=sources[1])}" in squash(result.stderr)
    assert snapshot(chain.district) == before


def test_a_bundle_with_another_towns_unit_is_refused_whole(runner: CliRunner, chain: Chain, tmp_path: Path) -> None:
    """A 城关镇 aid unit's return slipped into 石门镇's bundle (with a true checksum) is refused, and the bundle."""
    blank = chain.district / "blank"
    assert fupin(runner, chain.district, "forms", "generate", "--role", "aid_unit", "--out", blank).exit_code == 0
    other = filled(next(blank.rglob("区教育局.xlsx")), tmp_path / "区教育局.xlsx").read_bytes()
    sha = hashlib.sha256(other).hexdigest()

    def smuggle(manifest: dict, members: dict) -> None:
        entry = dict(manifest["returns"][0], member=f"files/{sha}.xlsx", sha256=sha, size=len(other),
                     stored_name=f"{sha}.xlsx", source_name="区教育局.xlsx", return_id=sha[:16],
                     unit_id=unit_id(chain.district, "aid_unit", "区教育局"), name="区教育局")
        manifest["returns"].append(entry)
        members[entry["member"]] = other

    before = snapshot(chain.district)
    result = district_ingest(runner, chain.district, rewrite(chain.bundle, tmp_path / "x.fupin.zip", smuggle))
    assert result.exit_code == 1
    assert "x.fupin.zip：第3项区教育局.xlsx的填报对象“区教育局”" in squash(result.stderr)
    assert "不经石门镇上报，整包拒收" in squash(result.stderr)
    assert snapshot(chain.district) == before


def test_an_edited_rollup_is_a_rollup_mismatch(runner: CliRunner, chain: Chain, tmp_path: Path) -> None:
    def boast(manifest: dict, members: dict) -> None:
        row = next(r for r in manifest["rollup"]["rows"] if r["role"] == "aid_unit")
        row["on_time"] += 1
        row["missing"] -= 1

    result = district_ingest(runner, chain.district, rewrite(chain.bundle, tmp_path / "b.fupin.zip", boast),
                             "--format", "json")
    assert result.exit_code == 0, result.output
    [bundle] = json.loads(result.stdout)["bundles"]
    assert bundle["status"] == "taken" and bundle["stored"] == 2
    assert [(p["code"], p["severity"]) for p in bundle["mismatches"]] == [("rollup-mismatch", "warning")]
    assert "帮扶单位第1次报送情况与区里复核不一致：按时镇报" in squash(bundle["mismatches"][0]["message"])


def test_relay_ingest_command_and_the_bundle_fixed_by_fupin_matches(runner: CliRunner, chain: Chain) -> None:
    result = fupin(runner, chain.district, "relay", "ingest", chain.bundle, "--received", "2020-11-13T09:00",
                   "--format", "json")
    assert result.exit_code == 0, result.output
    [bundle] = json.loads(result.stdout)["bundles"]
    assert bundle["status"] == "taken" and bundle["mismatches"] == [] and bundle["returns"] == 2


def test_a_return_held_directly_keeps_its_earliest_received_time(runner: CliRunner, chain: Chain,
                                                                 tmp_path: Path) -> None:
    """The aid unit also sent its file straight to the district on 11-12: the town's 11-10 counts."""
    direct = fupin(runner, chain.district, "ingest", tmp_path / "inbox" / "aid.xlsx", "--received", "2020-11-12T08:00")
    assert direct.exit_code == 0, direct.output
    aid = unit_id(chain.district, "aid_unit", AID)
    assert rounds_of(runner, chain.district, aid)[0]["status"] == "late"
    result = district_ingest(runner, chain.district, chain.bundle)
    assert result.exit_code == 0, result.output
    assert "新存1份" in squash(result.stderr)
    [first] = rounds_of(runner, chain.district, aid)
    assert (first["status"], first["received_at"]) == ("on_time", "2020-11-10T10:00:00+08:00")
    records = json.loads(fupin(runner, chain.district, "returns", "list", "--format", "json").stdout)
    held = next(r for r in records if r["unit_id"] == aid)
    assert (held["via"], held["relayed_at"]) == (None, None)  # received directly: its record is untouched


def test_a_bundle_beside_ordinary_returns_and_a_dry_run(runner: CliRunner, chain: Chain, tmp_path: Path) -> None:
    blank = chain.district / "blank"
    assert fupin(runner, chain.district, "forms", "generate", "--role", "aid_unit", "--out", blank).exit_code == 0
    other = filled(next(blank.rglob("区教育局.xlsx")), tmp_path / "direct" / "区教育局.xlsx")
    before = snapshot(chain.district)
    dry = district_ingest(runner, chain.district, chain.bundle, "--dry-run")
    assert dry.exit_code == 0 and snapshot(chain.district) == before
    result = fupin(runner, chain.district, "ingest", other, chain.bundle, "--received", "2020-11-13T09:00",
                   "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(f["status"] for f in data["files"]) == ["accepted"] * 3
    assert [b["status"] for b in data["bundles"]] == ["taken"]


def test_district_status_names_each_towns_last_bundle(runner: CliRunner, chain: Chain) -> None:
    assert district_ingest(runner, chain.district, chain.bundle).exit_code == 0
    result = fupin(runner, chain.district, "status", "--as-of", "2020-11-13", "--format", "json")
    towns = {t["town"]: (t["last_relay_at"], t["relayed"]) for t in json.loads(result.stdout)["towns"]}
    assert towns == {"城关镇": (None, 0), "龙潭镇": (None, 0), TOWN: ("2020-11-13T09:00:00+08:00", 2)}


@pytest.mark.parametrize(("line", "said"), [
    ("level: city", "“city”不是层级"),
    ("level: town", "须写明town:镇编号"),
    ("campaign_id: 不是编号", "campaign_id“不是编号”应为十六进制编码"),
])
def test_relay_keys_of_fupin_yaml_are_checked(runner: CliRunner, demo_workspace: Path, line: str, said: str) -> None:
    config = demo_workspace / "fupin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    result = fupin(runner, demo_workspace, "status", "--as-of", "2020-11-08")
    assert result.exit_code == 2 and said in squash(result.output)


def test_kit_in_a_town_workspace_is_refused(runner: CliRunner, chain: Chain, tmp_path: Path) -> None:
    result = fupin(runner, chain.town, "relay", "kit", "--town", TOWN, "--out", tmp_path / "again")
    assert result.exit_code == 2 and "这是镇级工作区" in squash(result.output)
