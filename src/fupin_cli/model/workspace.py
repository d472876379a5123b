"""The workspace: find it like git finds a repository, load fupin.yaml into a Campaign."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from fupin_cli.model.problems import FupinError
from fupin_cli.model.templates import Template, TextDateLoader, load_templates, yaml_error_message

CONFIG_NAME = "fupin.yaml"
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Campaign:
    """本次工作 (campaign): the settings of fupin.yaml."""

    name: str
    district: str
    year: int
    timezone: str
    assessment_start: dt.date
    deadlines: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
        return self.root / "roster"

    @property
    def forms_dir(self) -> Path:
        return self.root / "forms"

    @property
    def returns_dir(self) -> Path:
        return self.root / "returns"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def templates(self) -> dict[str, Template]:
        """The built-in templates with this workspace's own overriding them by id."""
        return load_templates(self.templates_dir)


def find_workspace(start: Path) -> Path:
    """The nearest folder holding fupin.yaml, from `start` upwards."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise FupinError(
        f"找不到 {CONFIG_NAME}（从 {start} 向上查找）；请在工作区目录运行，"
        "或用 --workspace 指定，或先运行 fupin init 目录"
    )


def parse_campaign(doc: object, source: str) -> Campaign:
    """Validate the fupin.yaml document; FupinError names the file and the key."""
    if not isinstance(doc, dict):
        raise FupinError(f"{source}: 应为键值对（name、district、year …）")
    problems: list[str] = []

    def text(key: str, default: str | None = None) -> str:
        value = doc.get(key, default)
        if value is None or not str(value).strip():
            problems.append(f"{source}: {key}: 缺少此项；请填写")
            return ""
        return str(value).strip()

    name = text("name")
    district = text("district")
    year = doc.get("year", 2020)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.append(f"{source}: year: “{year}”应为四位年份，如 2020")
        year = 2020
    timezone = text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{source}: timezone: 不认识时区“{timezone}”；中国大陆请填 Asia/Shanghai")
        timezone = "Asia/Shanghai"
    start = doc.get("assessment_start")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start.strip())
        except ValueError:
            pass
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        problems.append(f"{source}: assessment_start: “{start}”应为日期，如 {year}-11-20（“四合一”实地核验第一天）")
        start = dt.date(year, 12, 31)
    overrides: dict[str, tuple[str, ...]] = {}
    raw = doc.get("deadlines") or {}
    if not isinstance(raw, dict):
        problems.append(f"{source}: deadlines: 应为“模板编号: [月-日, …]”")
        raw = {}
    for tid, days in raw.items():
        if not isinstance(days, list) or not days:
            problems.append(f"{source}: deadlines.{tid}: 应为列表，如 [\"11-06\", \"11-09\"]")
            continue
        good = []
        for i, day in enumerate(days):
            day = str(day).strip()
            if day != "before_assessment" and not _valid_month_day(day, year):
                problems.append(f"{source}: deadlines.{tid}[{i}]: “{day}”应为 月-日，如 11-06")
            good.append(day)
        overrides[str(tid)] = tuple(good)
    if problems:
        raise FupinError("工作区配置有误：\n" + "\n".join(problems))
    return Campaign(name, district, year, timezone, start, overrides)


def _valid_month_day(text: str, year: int) -> bool:
    match = _MONTH_DAY.match(text)
    if not match:
        return False
    try:
        dt.date(year, int(match.group(1)), int(match.group(2)))
    except ValueError:
        return False
    return True


def load_workspace(root: Path) -> Workspace:
    """Load fupin.yaml of the workspace at `root`."""
    path = root / CONFIG_NAME
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=TextDateLoader)
    except FileNotFoundError:
        raise FupinError(f"找不到 {path}；请先运行 fupin init {root}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FupinError(f"{path}: 无法读取：{exc}") from None
    except yaml.YAMLError as exc:
        raise FupinError(yaml_error_message(path, exc)) from None
    return Workspace(root.resolve(), parse_campaign(doc, str(path)))


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
