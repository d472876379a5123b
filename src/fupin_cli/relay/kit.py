"""`relay kit`: the district writes a complete workspace for one town — same campaign, the town's units only."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from fupin_cli.forms.generate import FormResult, plan_forms, write_forms
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError
from fupin_cli.model.roster import Roster, Unit, require_town
from fupin_cli.model.templates import load_template_file, template_files
from fupin_cli.model.workspace import CONFIG_NAME, Campaign, Workspace, load_workspace
from fupin_cli.relay.manifest import campaign_id_of
from fupin_cli.relay.rollup import relayed_units
from fupin_cli.store.atomic import write_bytes_atomic
from fupin_cli.store.roster_file import load_roster, save_roster


@dataclass
class Kit:
    """What `relay kit` wrote: the town, the folder, how many units and templates, and the forms."""

    town: Unit
    root: Path
    units: int
    templates: list[str]
    campaign_id: str
    forms: list[FormResult] = field(default_factory=list)


def ensure_campaign_id(workspace: Workspace) -> str:
    """The district's campaign_id, appended to its fupin.yaml (comments kept) when it has none yet."""
    campaign_id = campaign_id_of(workspace.campaign)
    if not workspace.campaign.campaign_id:
        path = workspace.root / CONFIG_NAME
        text = path.read_text(encoding="utf-8")
        line = f'campaign_id: "{campaign_id}"   # 本次工作的编号（fupin relay 自动写入，镇汇总包须与之相同；请勿修改）\n'
        write_bytes_atomic(path, (text + ("" if text.endswith("\n") else "\n") + line).encode("utf-8"))
    return campaign_id


def town_config(campaign: Campaign, town: Unit, campaign_id: str) -> str:
    """The town workspace's fupin.yaml: the district's campaign, `level: town`, the town and campaign_id."""
    q = lambda value: json.dumps(str(value), ensure_ascii=False)  # noqa: E731 — a JSON string is YAML
    lines = [
        f"# fupin 镇级工作区：{town.name}（由 {campaign.district} 用 fupin relay kit 生成；本次工作设置请勿修改）",
        f"name: {q(campaign.name)}",
        f"district: {q(campaign.district)}",
        f"year: {campaign.year}",
        f"timezone: {q(campaign.timezone)}",
        f"assessment_start: {campaign.assessment_start.isoformat()}",
        "level: town                  # 镇级：收取本镇填报对象的回执，用 fupin relay pack 打包报区",
        f"town: {q(town.unit_id)}        # {town.name}",
        f"campaign_id: {q(campaign_id)}",
    ]
    if campaign.deadlines:
        lines.append("deadlines:")
        lines += [f"  {q(tid)}: [{', '.join(q(d) for d in days)}]" for tid, days in campaign.deadlines.items()]
    return "\n".join(lines) + "\n"


def town_roster(roster: Roster, town: Unit) -> Roster:
    """The units that report through the town (leaders report to the district and are left out)."""
    mine = Roster()
    for unit in relayed_units(roster, town):
        mine.units[unit.role].append(unit)
    return mine


def copy_templates(workspace: Workspace, target: Path) -> list[str]:
    """Copy the template file in force for each id (built-in or the district's own) into target/templates/."""
    winners: dict[str, Path] = {}
    for path in template_files(workspace.templates_dir):
        winners[load_template_file(path, workspace.campaign.year).id] = path
    folder = target / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for tid, path in sorted(winners.items()):
        name = path.name if not (folder / path.name).exists() else f"{tid}.yaml"
        shutil.copyfile(path, folder / name)
        names.append(name)
    return names


def make_kit(workspace: Workspace, town_name: str, out: Path, with_forms: bool = False) -> Kit:
    """Write town `town_name`'s workspace into `out` (absent or empty); FupinError for an unknown town."""
    if workspace.campaign.level == "town":
        raise FupinError("relay-kit-at-town", town=workspace.campaign.town)
    roster = load_roster(workspace.root)
    town = require_town(roster, town_name)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FupinError("relay-out-not-empty", path=out)
    workspace.templates()  # a broken template stops here, before anything is written
    campaign_id = ensure_campaign_id(workspace)
    out.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out / CONFIG_NAME, town_config(workspace.campaign, town, campaign_id).encode("utf-8"))
    mine = town_roster(roster, town)
    save_roster(out, mine)
    names = copy_templates(workspace, out)
    for folder in ("forms", "returns"):
        (out / folder).mkdir(exist_ok=True)
    kit = Kit(town, out, sum(len(mine.of(r)) for r in Role), names, campaign_id)
    if with_forms:
        town_ws = load_workspace(out)
        kit.forms = list(write_forms(plan_forms(town_ws, mine, town_ws.templates())))
    return kit
