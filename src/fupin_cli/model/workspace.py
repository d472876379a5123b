"""The workspace: find it like git finds a repository, load fupin.yaml into a Campaign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fupin_cli.model.channels import Channel, parse_channels
from fupin_cli.model.monthday import date_problem, deadline_problem, parse_date
from fupin_cli.model.problems import FupinError
from fupin_cli.model.templates import KeyProblems, Template, load_templates, read_yaml

CONFIG_NAME = "fupin.yaml"


@dataclass(frozen=True)
class Campaign:
    """本次工作 (campaign): the settings of fupin.yaml."""

    name: str
    district: str
    year: int
    timezone: str
    assessment_start: dt.date
    deadlines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    channels: tuple[Channel, ...] = ()
    level: str = "district"  # district | town (a town workspace made by `relay kit`)
    town: str = ""  # the town's id in a town workspace
    campaign_id: str = ""  # a stable hash of the campaign's identity (relay bundles must carry the same)

    @property
    def tz(self) -> ZoneInfo:
        """The campaign's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Workspace:
    """A campaign folder: fupin.yaml, roster/, templates/, forms/, returns/."""

    root: Path
    campaign: Campaign

    @property
    def roster_dir(self) -> Path:
        """花名册 (roster/): one CSV per role."""
        return self.root / "roster"

    @property
    def forms_dir(self) -> Path:
        """The generated forms (forms/)."""
        return self.root / "forms"

    @property
    def returns_dir(self) -> Path:
        """The store of returns (returns/)."""
        return self.root / "returns"

    @property
    def templates_dir(self) -> Path:
        """The workspace's own templates (templates/): same id replaces a built-in, new id adds one."""
        return self.root / "templates"

    def templates(self) -> dict[str, Template]:
        """The built-in templates with this workspace's own overriding them by id.

        Every deadline must be a day of the campaign year, and each id under fupin.yaml's `deadlines:` a
        template in force; FupinError names the file, the key and the value.
        """
        found = load_templates(self.templates_dir, self.campaign.year, self.root)
        check = KeyProblems(str(self.root / CONFIG_NAME))
        for tid in self.campaign.deadlines:
            if tid not in found:
                check.add("config-deadlines-unknown-template", f"deadlines.{tid}", value=tid, choices=", ".join(found))
        check.stop("config-invalid")
        return found


def find_workspace(start: Path) -> Path:
    """The nearest folder holding fupin.yaml, from `start` upwards."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise FupinError("workspace-not-found", config=CONFIG_NAME, start=start)


def parse_campaign(doc: object, source: str) -> Campaign:
    """Validate the fupin.yaml document; FupinError names the file, the key and the value."""
    if not isinstance(doc, dict):
        raise FupinError("config-not-mapping", path=source)
    check = KeyProblems(source)

    def text(key: str, default: str | None = None) -> str:
        value = doc.get(key, default)
        if value is None or not str(value).strip():
            check.add("config-key-missing", key)
            return ""
        return str(value).strip()

    name = text("name")
    district = text("district")
    year = doc.get("year", 2020)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        check.add("config-bad-year", "year", value=year)
        year = 2020
    timezone = text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.add("config-bad-timezone", "timezone", value=timezone)
        timezone = "Asia/Shanghai"
    start = _assessment_start(doc.get("assessment_start"), year, check)
    overrides = _deadline_overrides(doc.get("deadlines") or {}, year, check)
    channels, channel_problems = parse_channels(doc.get("channels"), source)
    check.lines += channel_problems
    level, town, campaign_id = _relay_keys(doc, check)
    check.stop("config-invalid")
    return Campaign(name, district, year, timezone, start, overrides, channels, level, town, campaign_id)


def _relay_keys(doc: dict, check: KeyProblems) -> tuple[str, str, str]:
    """`level` (district | town), `town` (required at town level) and `campaign_id` (hex) of fupin.yaml."""
    level = str(doc.get("level") or "district").strip()
    if level not in ("district", "town"):
        check.add("config-bad-level", "level", value=level)
        level = "district"
    town = str(doc.get("town") or "").strip()
    if level == "town" and not town:
        check.add("config-town-missing", "town")
    campaign_id = str(doc.get("campaign_id") or "").strip()
    if campaign_id and not all(c in "0123456789abcdef" for c in campaign_id):
        check.add("config-bad-campaign-id", "campaign_id", value=campaign_id)
    return level, town, campaign_id


def _assessment_start(value: object, year: int, check: KeyProblems) -> dt.date:
    """“四合一”实地核验第一天: a real date (12-31 of the year stands in while there are problems)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = "" if value is None else str(value).strip()
    problem = date_problem(text)
    if problem is None:
        return parse_date(text)
    if problem.code == "date-malformed":
        check.add("config-bad-assessment-start", "assessment_start", value=text, year=year)
    else:
        check.add_problem("assessment_start", problem)
    return dt.date(year, 12, 31)


def _deadline_overrides(raw: object, year: int, check: KeyProblems) -> dict[str, tuple[str, ...]]:
    """`deadlines:` a template id's own month-days (or before_assessment), each a day of the campaign year."""
    if not isinstance(raw, dict):
        check.add("config-deadlines-not-mapping", "deadlines")
        return {}
    overrides: dict[str, tuple[str, ...]] = {}
    for tid, days in raw.items():
        if not isinstance(days, list) or not days:
            check.add("config-deadlines-not-list", f"deadlines.{tid}")
            continue
        written = tuple(str(day).strip() for day in days)
        for i, day in enumerate(written):
            problem = deadline_problem(day, year)
            if problem is not None:
                check.add_problem(f"deadlines.{tid}[{i}]", problem)
        overrides[str(tid)] = written
    return overrides


def load_workspace(root: Path) -> Workspace:
    """Load fupin.yaml of the workspace at `root`."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise FupinError("config-missing", path=path, root=root)
    return Workspace(root.resolve(), parse_campaign(read_yaml(path, "config-unreadable"), str(path)))


def open_workspace(explicit: Path | None, env_value: str | None, cwd: Path) -> Workspace:
    """The workspace named by --workspace, else FUPIN_WORKSPACE, else found upwards from cwd."""
    if explicit is not None:
        return load_workspace(explicit)
    if env_value:
        return load_workspace(Path(env_value))
    return load_workspace(find_workspace(cwd))


def default_config(name: str, district: str, year: int = 2020) -> str:
    """The text of a new fupin.yaml, with comments a clerk can follow."""
    return f"""# fupin 工作区配置
name: {name}            # 本次工作名称
district: {district}    # 区名
year: {year}                 # 年份（原文为 2020 年的工作）
timezone: Asia/Shanghai    # 截止时间按此时区当天 24 时计
assessment_start: {year}-11-20   # “四合一”实地核验第一天；帮扶责任人第 2 次入户须在前一天完成
# deadlines:               # 可选：按模板改截止日（月-日）
#   town: ["11-06", "11-09", "11-12"]
"""
