"""The domain words: roles, statuses and the spellings people use for 是/否."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """A kind of roster entry; the facts of each (roster file, checklists, reporting) are in model/roles.py."""

    town = "town"
    village = "village"
    aid_unit = "aid_unit"
    leader = "leader"
    cadre = "cadre"
    helper = "helper"

    @property
    def label(self) -> str:
        """The Chinese name of the role."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.town: "镇",
    Role.village: "村",
    Role.aid_unit: "帮扶单位",
    Role.leader: "处级领导",
    Role.cadre: "村干部",
    Role.helper: "帮扶责任人",
}

# What people type for a role on the command line (--role 镇): the English value, the Chinese name and the
# usual other names, compared without blanks and case.
ROLE_ALIASES: dict[str, Role] = {
    **{role.value: role for role in Role},
    **{label: role for role, label in ROLE_LABELS.items()},
    "aid-unit": Role.aid_unit, "aidunit": Role.aid_unit,
    "乡镇": Role.town, "镇街": Role.town, "街道": Role.town,
    "行政村": Role.village, "村委": Role.village, "村委会": Role.village, "社区": Role.village,
    "单位": Role.aid_unit, "帮扶联系单位": Role.aid_unit, "后盾单位": Role.aid_unit,
    "处级": Role.leader, "处级干部": Role.leader, "挂点领导": Role.leader, "领导": Role.leader,
    "村干": Role.cadre, "驻村干部": Role.cadre, "第一书记": Role.cadre, "驻村工作队": Role.cadre,
    "驻村工作队员": Role.cadre, "两委干部": Role.cadre, "村两委干部": Role.cadre,
    "帮扶人": Role.helper, "帮扶干部": Role.helper, "帮扶联系人": Role.helper, "结对帮扶人": Role.helper,
}


def role_from_text(text: str) -> Role | None:
    """The role a word names (town, 镇, 乡镇, 帮扶责任人 …), or None."""
    return ROLE_ALIASES.get("".join(text.split()).lower())


class Status(str, Enum):
    """The state of one unit × round as of a date: on time, late, missing (deadline passed), pending, or
    returned (its latest return was sent back with a reason; not reported until a newer return comes)."""

    on_time = "on_time"
    late = "late"
    missing = "missing"
    pending = "pending"
    returned = "returned"

    @property
    def label(self) -> str:
        """The Chinese name of the status."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.on_time: "按时",
    Status.late: "逾期",
    Status.missing: "未报",
    Status.pending: "未到期",
    Status.returned: "已退回",
}

# What people write in 是否完成, compared after NFKC, stripping blanks and lower-casing.
DONE_YES: frozenset[str] = frozenset(
    {"是", "√", "✓", "✔", "☑", "已完成", "完成", "已办", "已落实", "已", "y", "yes", "true", "1", "ok", "对", "有", "✅"}
)
DONE_NO: frozenset[str] = frozenset(
    {"否", "×", "✗", "✘", "x", "☒", "未完成", "没有完成", "没完成", "未", "未落实", "无", "n", "no", "false", "0",
     "不是", "没有", "尚未完成", "正在进行", "进行中", "✕", "✖", "╳", "❌"}
)

# Roster headers: the canonical label, then the spellings offices use for it.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "编号": ("编号", "id", "unit_id", "单位编号"),
    "镇": ("镇", "乡镇", "镇街", "乡镇街道", "镇名", "乡镇名称", "所属镇", "所在镇", "街道"),
    "所在镇": ("所在镇", "镇", "乡镇", "镇街", "所属镇", "所在乡镇"),
    "挂点镇": ("挂点镇", "挂点联系镇", "联系镇", "挂点乡镇", "镇", "乡镇", "镇街"),
    "村": ("村", "村委", "行政村", "村名", "村委会", "所在村", "村（社区）", "村社区"),
    "挂点村": ("挂点村", "挂点联系村", "联系村", "帮扶村", "挂点村委"),
    "代码": ("代码", "区划代码", "行政区划代码", "编码", "统计用区划代码"),
    "负责人": ("负责人", "联系人", "主要负责人"),
    "联系电话": ("联系电话", "手机", "电话", "手机号", "手机号码", "联系方式", "电话号码"),
    "姓名": ("姓名", "帮扶人", "帮扶责任人", "名字", "干部姓名", "领导姓名"),
    "职务": ("职务", "职位", "岗位", "现任职务"),
    "帮扶单位": ("帮扶单位", "帮扶联系单位", "单位名称", "单位"),
    "工作单位": ("工作单位", "所在单位", "单位"),
    "帮扶户数": ("帮扶户数", "户数", "帮扶贫困户数", "联系户数"),
}

# 挂点村 may list several villages in one cell.
VILLAGE_SEPARATORS = "、，,;；/ \u3000"

# What people put in 完成时间 to mean "no date" (compared like 是否完成: NFKC, no blanks, lower case).
DATE_PLACEHOLDERS: frozenset[str] = frozenset(
    {"/", "-", "--", "—", "——", "无", "暂无", "没有", "未完成", "未", "空", "x", "×", "n/a", "na"}
)
