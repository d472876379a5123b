"""The one vocabulary of problems: every kind fupin reports, its severity, message and weight, and the value type."""

from __future__ import annotations

import datetime as dt
import errno
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "violation"]
CheckRule = Literal["always", "strict"]


@dataclass(frozen=True, slots=True)
class Kind:
    """一类问题 (problem kind): its stable code, severity, Chinese message template and how status and check weigh it.

    `kind` is the family named in status and check JSON (``missing``, ``late``, ``open_after_deadline``,
    ``done_late``; a file's warning or error is ``warning``/``error``); `check` says whether `fupin check`
    fails on it always or only with ``--strict``; `rank` orders the problem list, most urgent first; `label`
    is the short word of tables; `check_kind` is check's own family where it differs.
    """

    code: str
    severity: Severity
    template: str
    kind: str = ""
    check: CheckRule = "strict"
    rank: int = 4
    label: str = "提示"
    check_kind: str = ""
    symbol: str = "⚠"
    style: str = "yellow"
    check_label: str = ""

    @property
    def family(self) -> str:
        """The `kind` of status JSON: the row's own, else the severity (a file's warning is `warning`)."""
        return self.kind or ("error" if self.severity == "error" else "warning")

    @property
    def check_family(self) -> str:
        """The `kind` of check JSON (a task done late is reported there as a warning)."""
        return self.check_kind or self.family

    @property
    def check_word(self) -> str:
        """The word of check's lines: its own, else the table label; a warning-family kind is a 提示."""
        if self.check_label:
            return self.check_label
        return "提示" if self.check_family == "warning" else self.label


# Templates are filled with str.format(**args); codes are stable and appear in JSON output.
# A new kind is one row here plus the code that detects it.
KINDS_TABLE: tuple[Kind, ...] = (
    # roster import
    Kind("missing-column", "error", "缺少必需的列“{column}”；请在表头加上这一列（也可用别名：{aliases}）"),
    Kind("missing-value", "error", "“{column}”为空；请填写后重新导入"),
    Kind("unknown-town", "error", "镇“{value}”不在花名册中；请先导入镇（fupin roster import 文件 --role town），或改正镇名"),
    Kind("unknown-village", "error", "{town}没有村“{value}”；请先导入村（--role village），或改正村名"),
    Kind("duplicate-unit", "error", "与第 {other_row} 行重复（{value}）；请删去其中一行"),
    Kind("duplicate-code", "error", "代码“{value}”已被“{other}”使用；请改正代码"),
    Kind("bad-number", "error", "“{column}”应为整数，实际为“{value}”"),
    Kind("empty-table", "error", "表中没有数据行；请检查文件是否选对"),
    Kind("roster-sheet-ambiguous", "error",
         "工作簿中有 {count} 张工作表都像{role}名单：{candidates}；请用 --sheet 指定要导入的一张（现有工作表：{sheets}）"),
    Kind("roster-sheet-none", "error",
         "工作簿中没有一张工作表的表头像{role}名单（需要的列：{columns}）；现有工作表：{sheets}；请用 --sheet 指定，或改正表头"),
    Kind("phone-scientific", "warning",
         "联系电话被 Excel 改成了科学计数法（{name}：“{value}”），号码已丢失；请把该列设为文本后重新导出"),
    Kind("phone-missing", "warning", "{name}没有填写联系电话；催报名单上将没有号码，请补上后重新导入"),
    Kind("phone-column-missing", "warning",
         "表中没有“联系电话”列，催报名单上将没有号码；请加上这一列（也可用别名：{aliases}）后重新导入"),
    # reading files
    Kind("file-unreadable", "error", "无法读取文件：{reason}"),
    Kind("file-unsafe", "error", "文件不安全，已拒收：{reason}"),
    Kind("file-empty", "error", "文件是空的；请让填报人重新发送"),
    Kind("encoding-error", "error", "第 {offset} 字节无法按 UTF-8、UTF-16 或 GB18030 解码；请用 Excel 另存为“CSV UTF-8”后重发"),
    Kind("unsupported-format", "error", "不支持的文件类型“{suffix}”；请另存为 .xlsx、.xls、.ods 或 .csv"),
    Kind("file-photo", "error",
         "这是{format}，不是电子表格；拍照的回执暂不能自动读取，请让填报人发送电子表格，或按表手工录入"),
    Kind("file-archive", "error", "这是压缩包（{format}），里面的文件没有收取；请先解压，再用 fupin ingest 收取解压出的文件夹"),
    Kind("file-document", "error",
         "这是{format}，不是电子表格，暂不能自动读取；请让填报人用发给他的表（.xlsx）填报后发送，或按表手工录入"),
    # paper returns: a phone photo or a scan of the printed form (intake/paper.py)
    Kind("paper-extra-missing", "error",
         "这是{format}；要读取拍照或扫描的纸质表，请先安装纸质表组件：pip install \"fupin[paper]\"，再重新收取"),
    Kind("paper-unreadable-image", "error", "照片无法打开（{reason}）；请让填报人重新拍照发送原图"),
    Kind("paper-unreadable-scan", "error", "PDF 扫描件无法打开（{reason}）；请重新扫描，或把纸质表拍照发送"),
    Kind("paper-too-small", "error",
         "照片太小（{width}×{height}，约 {mp} 百万像素，至少要 1 百万像素）；请发送原图，不要发缩略图或截图"),
    Kind("paper-too-dark", "error", "照片太暗，看不清表格（平均亮度 {value}/255）；请在光线充足处重新拍照"),
    Kind("paper-blurred", "error", "照片太模糊，看不清勾选框（清晰度 {value}）；请对准焦点、拿稳手机重新拍照"),
    Kind("paper-no-markers", "error", "照片中找不到表格四角的定位标记，请把整张表拍全、拍正（只找到 {found} 个）"),
    Kind("paper-qr-unreadable", "error", "照片中表格右上角的二维码无法识别；请把整张表拍清楚，不要遮挡或折叠二维码后重新拍照"),
    Kind("paper-qr-foreign", "error", "照片中的二维码不是 fupin 生成的纸质表（内容：{value}）；请使用 fupin forms generate --format pdf 打印的表"),
    Kind("paper-version-mismatch", "error",
         "这张纸质表按《{template}》的旧版本（{value}）打印，与当前版本（{current}）的格子位置不同，无法读取；"
         "请用 fupin forms generate --format pdf 重新打印后填写"),
    Kind("paper-page-missing", "error",
         "这是多页纸质表的第 {page} 页（共 {pages} 页），缺少第 {missing} 页；各页须一起收取："
         "请把所有页扫描成一个 PDF（或每页一张照片放在同一文件夹中一次收取）"),
    Kind("paper-unsure", "warning",
         "第 {number} 项（{box}）勾选不清（是 {yes}，否 {no}），需人工确认；请看原照片后运行："
         "fupin returns confirm {return_id} --task {number} --done 是或否"),
    Kind("paper-dates-unread", "warning",
         "纸质表第 {tasks} 项已勾“是”，手写的完成时间未自动识别，已保存截图；需人工确认：fupin returns show {return_id}，"
         "再用 fupin returns confirm {return_id} --task N --done 是 --date MM-DD 补记"),
    Kind("paper-date-ocr", "warning",
         "纸质表第 {number} 项手写的完成时间自动识别为 {date}（识别结果“{text}”），可能认错，需人工确认：请看原照片或 "
         "fupin returns show {return_id} 中的截图，无误请运行 fupin returns confirm {return_id} --task {number} --done 是 "
         "--date {mmdd}，有误请把 --date 改成照片上的日期"),
    # recognising the form
    Kind("unknown-template", "error", "认不出是哪一张工作任务清单（标题、列名或任务文字都对不上）；请用 fupin 生成的表填报"),
    Kind("unknown-unit", "error", "花名册中找不到“{value}”（{template}）；请核对姓名/单位，或用 --unit 指定编号"),
    Kind("ambiguous-unit", "error", "“{value}”对应多个填报对象：{candidates}；请用 --unit 指定其中一个编号"),
    Kind("identity-mismatch", "error", "表中的填报对象编号“{value}”不在花名册中；请核对花名册或用 --unit 指定"),
    Kind("unit-conflict", "error", "表单身份写明是 {identity}，与 --unit {value} 不符；--unit 只用于认不出或同名的回执，请去掉 --unit 或分开收取"),
    Kind("signer-conflict", "error",
         "表是{owner}的（{owner_id}），{label}却是{value}（{named}）；请确认是谁的回执后用 --unit 指定编号重新收取"),
    Kind("form-other-campaign", "error",
         "这张表是为另一次工作（{campaign}）生成的，不是本次工作（{current}）的表，--unit 也不能改用它；"
         "请把本次工作的空白表（fupin forms generate）发给填报人重新填写"),
    Kind("unit-not-in-roster", "error", "--unit “{value}”不在花名册中；请用 fupin roster list 查看编号"),
    Kind("unit-wrong-role", "error", "--unit {value} 是{role}，这张表是《{template}》；请核对编号"),
    Kind("round-out-of-range", "error", "《{template}》只有 {count} 次报送，没有第 {value} 次；请改正 --round"),
    Kind("received-differs", "warning",
         "这份文件已收过（回执 {return_id}，{unit}第 {round} 次），存档的收到时间是 {stored}，与本次 --received {value} "
         "不同；存档未改动。如存档的时间不对，请运行：fupin returns retime {return_id} --received {given} --reason 原因"),
    # the task table
    Kind("column-missing", "error", "找不到列“{column}”；请勿删除或改名表头"),
    Kind("task-missing", "error", "缺少第 {number} 项任务：{text}；请勿删除任务行"),
    Kind("task-added", "error", "多出一行任务“{value}”；请勿增加任务行"),
    Kind("task-reordered", "error", "第 {number} 项任务的位置被移动了；请按原表顺序填写"),
    Kind("form-blank", "error", "所有任务的“是否完成”都没有填写，像是未填的空白表；请填写后重发"),
    Kind("task-text-changed", "error", "第 {number} 项任务的文字被改动：“{value}”；请勿修改任务内容"),
    # a village's presence sheet (帮扶责任人到位情况统计表): its rows are the village's helpers
    Kind("presence-blank", "error", "所有帮扶责任人的“是否到位”都没有填写，像是未填的空白表；请填写后重发"),
    Kind("presence-no-helpers", "error",
         "表中没有一行是{village}花名册中的帮扶责任人；请核对是不是发错了村的表，或用 fupin forms generate --role village "
         "重新生成本村的表"),
    Kind("presence-helper-unknown", "warning",
         "“{value}”不是{village}花名册中的帮扶责任人，这一行未计入；请核对姓名（或编号），如是新增的帮扶责任人，"
         "请先导入花名册（fupin roster import 文件 --role helper）后重新收取"),
    Kind("presence-helper-ambiguous", "warning",
         "“{value}”对应{village}的多位帮扶责任人（{candidates}），这一行未计入；请在“工作单位”列写明是哪一位，"
         "或用 fupin 生成的表（带编号列）重新填报"),
    Kind("presence-helper-duplicate", "warning", "{value}在第 {first} 行已填过，这一行未计入（以第 {first} 行为准）；"
         "请删去重复的一行"),
    Kind("presence-unknown-value", "warning", "“{column}”填写为“{value}”，无法识别，不计入；请填“是”或“否”"),
    Kind("presence-no-date", "warning", "{name}第 {round} 次已填到位“是”，但没有填写“{column}”"),
    # answers
    Kind("unknown-done-value", "warning", "“是否完成”填写为“{value}”，无法识别，按未完成计；请填“是”或“否”"),
    Kind("bad-date", "warning", "“{column}”填写为“{value}”，无法识别为日期；请按 2020-11-05 或 11月5日 填写"),
    Kind("done-without-date", "warning", "已填“是”但没有填写完成时间"),
    Kind("date-after-deadline", "warning", "完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}"),
    Kind("date-after-received", "warning", "完成时间 {value} 晚于收到回执的时间 {received}"),
    Kind("date-before-campaign", "warning", "完成时间 {value} 早于本次工作开始的年份 {year}，可能填错了年份"),
    Kind("missing-signature", "warning", "表头“{column}”未填写"),
    Kind("missing-date", "warning", "表头“时间”未填写"),
    Kind("signer-unknown", "warning", "{label}“{value}”在花名册中找不到，按表单身份记为{owner}（{owner_id}）；如不对请核对"),
    Kind("formula-no-value", "warning", "单元格是公式且没有保存计算结果，已按空白处理；请在 Excel 中打开并保存后重发"),
    Kind("number-rounded", "warning", "数字“{value}”超过 15 位，Excel 已将其舍入，原值无法恢复；请将该格设为文本后重填"),
    # a return among the others: the store and the same batch (told at ingest, not kept with the return)
    Kind("return-supersedes", "warning", "替代 {received} 收到的回执（{source}）；{name}第 {round} 次以这份为准"),
    Kind("return-already-newer", "warning",
         "{name}第 {round} 次已有 {received} 收到的回执（{source}），比这份晚，仍以那份为准；这份只存档"),
    Kind("round-earlier-missing", "warning",
         "这份按第 {round} 次收下，但第 {earlier} 次报送（{deadline}截止）至今没有回执；如它其实是第 {earlier} 次的，"
         "请核对表头“时间”（收取前可用 --dry-run 查看，用 --round {earlier} 指定批次）"),
    Kind("batch-duplicate", "warning",
         "同一批次收到{name}第{round}次的 {count} 份回执（{files}），以 {chosen} 为准；如不对请分开收取"),
    # the relay: a town's bundle (relay/bundle.py), taken whole or refused whole
    # (the problem's file is the bundle: a refusal reads `石门镇-20201113-0900.fupin.zip：第 12 项 … 整包拒收`)
    Kind("bundle-unreadable", "error", "无法读取（{reason}），整包拒收；请让镇里用 fupin relay pack 重新打包发送"),
    Kind("bundle-unsafe", "error", "压缩包不安全（{reason}），整包拒收"),
    Kind("bundle-no-manifest", "error", "包中没有 manifest.json，不是 fupin 镇汇总包，整包拒收"),
    Kind("bundle-manifest-invalid", "error", "manifest.json 有误（{reason}），整包拒收；请让镇里用 fupin relay pack 重新打包"),
    Kind("bundle-format", "error", "汇总包格式版本“{value}”无法识别（支持 {supported}），整包拒收；请使用相同版本的 fupin"),
    Kind("bundle-other-campaign", "error",
         "汇总包属于另一项工作（campaign_id {value}，本区为 {expected}），整包拒收；请核对是否发错了包"),
    Kind("bundle-town-unknown", "error", "花名册中没有镇“{value}”，整包拒收"),
    Kind("bundle-checksum-mismatch", "error", "第 {number} 项 {member} 的校验和与清单不符，整包拒收"),
    Kind("bundle-member-missing", "error", "第 {number} 项 {member} 在包中缺失，整包拒收"),
    Kind("bundle-member-extra", "error", "包中的 {member} 不在清单中，整包拒收"),
    Kind("bundle-unit-unknown", "error", "第 {number} 项 {member} 的填报对象 {unit_id} 不在花名册中，整包拒收"),
    Kind("bundle-unit-other-town", "error",
         "第 {number} 项 {member} 的填报对象“{unit}”（{unit_id}）不经{town}上报，整包拒收"),
    Kind("rollup-mismatch", "warning", "{town}汇总包自报的{role}第 {round} 次报送情况与区里复核不一致：{fields}；请与镇核对"),
    # store integrity (fupin doctor)
    Kind("store-record-unreadable", "error", "回执记录无法读取（{reason}）；请从备份恢复该文件，或删除后重新收取原回执"),
    Kind("store-original-missing", "error", "回执 {value} 的原始文件 {stored} 不见了；请从备份恢复，或重新收取该回执"),
    Kind("store-checksum-mismatch", "error", "回执 {value} 的原始文件 {stored} 校验和不符，已被改动或损坏；请从备份恢复，或重新收取该回执"),
    Kind("store-unit-unknown", "error", "回执 {value} 的填报对象“{unit}”（{unit_id}）已不在花名册中；请恢复花名册中的这一行，或确认后删除该回执"),
    Kind("store-index-rebuilt", "warning", "索引与回执记录不一致（{reason}），已按记录重建；回执本身没有损坏"),
    Kind("store-temp-removed", "warning", "删除了中断写入留下的临时文件（{count} 个）"),
    Kind("reject-no-reason", "error", "退回必须写明原因；请加 --reason \"……\"（如：第 3 项写了是但没有完成时间）"),
    Kind("review-not-newest", "error", "回执 {value}（{name}第 {round} 次）已被更新的回执 {newer} 替代；"
         "只能审核或退回每一批次最新的回执"),
    Kind("review-already-rejected", "error", "回执 {value} 已经退回过（原因：{reason}）；"
         "等填报人重新报送后再审核新的回执"),
    Kind("review-already-accepted", "error", "回执 {value} 已经审核通过；如发现问题，请用 fupin returns reject 退回"),
    Kind("unit-not-found", "error", "花名册中找不到“{value}”；请写编号或准确的名称（fupin roster list 可查）"),
    Kind("unit-ambiguous", "error", "“{value}”对应多个填报对象：{candidates}；请写编号"),
    Kind("events-line-edited", "error", "事件记录 events.jsonl 的这一行被改动过（内容与它的校验值不符）；"
         "请从备份恢复该文件，不要手工修改"),
    Kind("events-chain-broken", "error", "事件记录 events.jsonl 在这一行断开：它前面的一行被改动、删除或调换过；"
         "请从备份恢复该文件，不要手工修改"),
    Kind("events-line-torn", "error", "事件记录 events.jsonl 的这一行不完整（被截断或写入时被中断），其中的更正或审核已丢失；"
         "请从备份恢复该文件，或删去这一行后重新执行那次操作"),
    Kind("store-orphan-file", "warning", "原始文件没有对应的回执记录（收取时被中断）；重新收取该回执即可"),
    Kind("store-record-restored", "warning",
         "回执记录 {value} 已损坏（{reason}），已按索引 index.jsonl 中的同一份记录恢复（原始文件校验和相符）"),
    Kind("store-damaged", "warning", "存档有 {count} 份记录无法读取或缺少原始文件；请运行 fupin doctor"),
    # stopping a command (FupinError, exit code 2; `code` and message of the JSON {"error": …})
    Kind("usage", "error", "{detail}\n请运行 {command} --help 查看用法。"),
    Kind("unknown-role", "error", "“{value}”不是可选的值；角色可写：{roles}"),
    Kind("os-error", "error", "无法读写 {path}：{reason}；请检查路径、权限和磁盘空间后重试"),
    Kind("os-error-unnamed", "error", "文件操作失败：{reason}"),
    Kind("as-of-not-a-date", "error", "--as-of “{value}”不是日期；请写成 {year}-11-08 或 11月8日"),
    Kind("received-not-a-date", "error", "--received “{value}”不是日期时间；请写成 2020-11-06 18:30、2020/11/6 18:30 或 "
         "11月6日18:30（只写日期按当天 12:00 计）"),
    Kind("town-not-found", "error", "花名册中没有镇“{name}”。{hint}现有的镇：{listed}；请改正 --town"),
    Kind("roster-sheet-unknown", "error", "{path} 中没有名为“{value}”的工作表；现有工作表：{sheets}；请改正 --sheet"),
    Kind("retime-no-reason", "error", "请用 --reason 写明为什么更正收到时间（如“邮件 11月6日 18:30 已到，当时漏收”）；该说明记入存档"),
    Kind("return-id-too-short", "error", "回执编号“{value}”太短；请至少写 6 位（fupin returns list 可查看编号）"),
    Kind("return-not-found", "error", "存档中没有编号为“{value}”的回执；请用 fupin returns list 查看编号"),
    Kind("return-id-ambiguous", "error", "“{value}”对应多份回执：{candidates}；请多写几位编号"),
    Kind("roster-file-invalid", "error", "花名册文件 {path} 有误；请改正后重试：\n{lines}"),
    Kind("roster-file-unreadable", "error", "花名册文件 {path} 无法读取：{reason}"),
    Kind("roster-id-missing", "error", "{path} 第 {line} 行：缺少“编号”；请用 fupin roster import 导入而不要手工删除编号列"),
    Kind("workspace-exists", "error", "{path} 已存在；工作区不会被覆盖。请换一个目录，或删除后重试"),
    Kind("relay-out-not-empty", "error", "{path} 不是空目录；镇工作区只写入空目录，请换一个目录"),
    Kind("relay-kit-at-town", "error", "这是镇级工作区（fupin.yaml 中 town: {town}），不能再生成镇工作区；请在区工作区运行 fupin relay kit"),
    Kind("relay-pack-not-town", "error", "fupin relay pack 只在镇级工作区（fupin.yaml 中 level: town）运行；"
         "请先在区工作区用 fupin relay kit --town 镇名 --out 目录 生成"),
    Kind("relay-town-gone", "error", "fupin.yaml 的 town: {value} 不在本工作区花名册中；请用 fupin relay kit 重新生成"),
    Kind("relay-out-not-bundle", "error", "--out “{value}”：汇总包文件名请以 .fupin.zip 结尾"),
    Kind("not-a-folder", "error", "{path} 不是目录；请换一个目录"),
    Kind("store-locked", "error", "另一个 fupin 进程正在写入 {folder}（等待 {seconds} 秒后仍未结束）；请等它完成后重试"),
    Kind("no-files-to-ingest", "error", "没有找到可收取的文件（.xlsx .xlsm .xls .et .ods .csv .txt）"),
    Kind("role-fills-no-form", "error", "{role}不单独填表；可选角色：{roles}"),
    Kind("no-checklist-for-role", "error", "没有{role}（{value}）的工作任务清单；请检查 templates/ 文件夹"),
    Kind("forms-round-out-of-range", "error",
         "附件{attachment} {title}只有 {count} 次报送，没有第 {value} 次；请改正 --round，或用 --role 只生成其他角色的表"),
    Kind("form-outside-output", "error", "“{name}”的表会写到输出目录之外（{path}）；已停止，请检查花名册中的名称"),
    Kind("form-path-is-folder", "error", "{path} 是一个文件夹，无法写入表格；请改名或删除后重试"),
    Kind("pdf-no-cjk-font", "error",
         "找不到可嵌入 PDF 的中文字体；请安装一种后重试：Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk"
         "（或 fonts-wqy-zenhei），Windows 需有宋体（simsun.ttc）或微软雅黑（msyh.ttc）"),
    Kind("paper-extra-missing-forms", "error", "生成 PDF 纸质表需要纸质表组件；请先运行：pip install \"fupin[paper]\""),
    Kind("forms-format-unknown", "error", "“{value}”不是可用的格式；可选：xlsx、csv、pdf，可用逗号组合（如 xlsx,pdf），both 即 xlsx,csv"),
    Kind("returns-not-paper", "error", "回执 {value} 不是纸质表照片，没有勾选框可确认；请用 fupin returns list 查看"),
    Kind("confirm-task-unknown", "error", "回执 {value} 没有第 {number} 项任务；请用 fupin returns show {value} 查看"),
    Kind("confirm-done-invalid", "error", "--done “{value}”无法识别；请填 是 或 否"),
    Kind("confirm-date-invalid", "error", "--date “{value}”不是日期；请按 MM-DD 填写，如 11-05"),
    Kind("export-not-xlsx", "error", "--out “{value}”：汇总表请以 .xlsx（Excel 工作簿，如 {stem}.xlsx）"
         "或 .html（手机上看的汇总页，如 {stem}.html）结尾"),
    # dates written in templates and fupin.yaml (one reader: model/monthday.py)
    Kind("month-day-malformed", "error", "“{value}”应写成 月-日（如 11-06），或 before_assessment（核验前一天）"),
    Kind("date-malformed", "error", "“{value}”应写成 年-月-日，如 2020-11-20"),
    Kind("date-no-such-month", "error", "“{value}”不是真实的日期：没有 {month} 月；请改正月份"),
    Kind("date-no-such-day", "error", "“{value}”不是真实的日期：{month} 月只有 1 到 {days} 日；请改正日子"),
    Kind("date-not-leap-year", "error", "“{value}”不是真实的日期：{year} 年不是闰年，2 月只有 28 日；请改正日子"),
    # YAML files (templates, fupin.yaml)
    Kind("yaml-syntax", "error", "{path}: YAML 格式错误，第 {line} 行第 {col} 列附近；请检查缩进（用空格，不要用 Tab）、"
         "冒号后的空格和成对的引号、括号（解析器原文：{detail}）"),
    Kind("yaml-syntax-somewhere", "error", "{path}: YAML 格式错误；请检查缩进（用空格，不要用 Tab）、冒号后的空格和"
         "成对的引号、括号（解析器原文：{detail}）"),
    Kind("yaml-not-utf8", "error", "{path}: 第 {offset} 字节不是 UTF-8 编码；请用记事本“另存为”并选 UTF-8 编码后重试"),
    # templates (a broken one: `fupin templates check` exits 1, every other command stops with exit 2)
    Kind("template-invalid", "error", "模板有误：\n{details}"),
    Kind("template-unreadable", "error", "{path}: 无法读取模板文件：{reason}"),
    Kind("template-not-mapping", "error", "{path}: 模板应为 YAML 键值对，实际为{found}"),
    Kind("template-key-missing", "error", "缺少此项或为空"),
    Kind("template-not-text", "error", "应为文字，实际为{found}"),
    Kind("template-not-list", "error", "应为非空列表"),
    Kind("template-item-not-mapping", "error", "应为键值对（label/field …）"),
    Kind("template-bad-id", "error", "“{value}”只能用小写英文字母、数字和下划线"),
    Kind("template-bad-role", "error", "“{value}”不是填报角色；可选：{choices}"),
    Kind("template-village-role", "error",
         "村只填行为本村帮扶责任人的统计表（rows: helpers，如内置的 presence）；任务清单的 role 可选：{choices}"),
    Kind("template-helpers-role", "error", "行为帮扶责任人的统计表（rows: helpers）由村填写，role 应为 village"),
    Kind("template-helpers-tasks", "error", "行为帮扶责任人的统计表（rows: helpers）没有任务行；请删去 tasks"),
    Kind("template-bad-rows", "error", "rows 不能是{value}；可选：{choices}（tasks 为任务行，helpers 为花名册中本村的帮扶责任人）"),
    Kind("template-bad-attachment", "error", "应为附件编号（整数）"),
    Kind("template-bad-field", "error", "“{value}”不可用；可选：{choices}"),
    Kind("template-no-unit-header", "error", "需要一个 field: unit 的表头项（姓名/单位/签名）"),
    Kind("template-column-missing", "error", "缺少 field: {field} 的列"),
    Kind("template-duplicate-field", "error", "有重复的 field；每个 field 只能用于一列"),
    Kind("template-not-bool", "error", "应为 true 或 false"),
    Kind("template-duplicate-task", "error", "任务编号“{value}”重复"),
    Kind("template-not-integer", "error", "应为整数"),
    Kind("template-not-text-list", "error", "应为文字列表"),
    Kind("template-no-task-text", "error", "缺少任务文字（text 或 items）"),
    Kind("template-text-items-differ", "error", "text 与 items 不一致；只写其中一项即可"),
    Kind("template-no-reporting", "error", "缺少报送要求（to、rounds）"),
    Kind("template-round-number", "error", "应为 {expected}（批次从 1 起连续编号）"),
    Kind("template-version-mismatch", "error", "与任务文字不符：文字改动后版本应为 {version}（或删去 version 一行自动计算）"),
    Kind("template-unknown-id", "error", "没有编号为“{value}”的模板；可选：{choices}"),
    Kind("template-none-found", "error", "没有找到模板文件（*.yaml）；请检查路径"),
    # the workspace (fupin.yaml)
    Kind("workspace-not-found", "error", "找不到 {config}（从 {start} 向上查找）；请在工作区目录运行，"
         "或用 --workspace 指定，或先运行 fupin init 目录"),
    Kind("config-missing", "error", "找不到 {path}；请先运行 fupin init {root}"),
    Kind("config-unreadable", "error", "{path}: 无法读取：{reason}"),
    Kind("config-invalid", "error", "工作区配置有误：\n{details}"),
    Kind("config-not-mapping", "error", "{path}: 应为键值对（name、district、year …）"),
    Kind("config-key-missing", "error", "缺少此项；请填写"),
    Kind("config-bad-year", "error", "“{value}”应为四位年份，如 2020"),
    Kind("config-bad-timezone", "error", "不认识时区“{value}”；中国大陆请填 Asia/Shanghai"),
    Kind("config-bad-assessment-start", "error", "“{value}”应为日期，如 {year}-11-20（“四合一”实地核验第一天）"),
    Kind("config-deadlines-not-mapping", "error", "应为“模板编号: [月-日, …]”"),
    Kind("config-deadlines-not-list", "error", "应为列表，如 [\"11-06\", \"11-09\"]"),
    Kind("config-deadlines-unknown-template", "error", "没有编号为“{value}”的模板；可选：{choices}"),
    Kind("config-bad-level", "error", "“{value}”不是层级；可填 district（区）或 town（镇，由 fupin relay kit 生成）"),
    Kind("config-town-missing", "error", "镇级工作区（level: town）须写明 town: 镇编号；请用 fupin relay kit 重新生成"),
    Kind("config-bad-campaign-id", "error", "campaign_id “{value}”应为十六进制编码；请勿手工修改（由 fupin relay kit 写入）"),
    # group robots (fupin.yaml channels:, `fupin remind --send`)
    Kind("config-channels-shape", "error", "{source}: channels: 应为“群名: (kind、webhook_env、towns)”的键值对"),
    Kind("config-channel-shape", "error", "{where}: 应为键值对（kind、webhook_env、towns）"),
    Kind("config-channel-kind", "error", "{where}.kind: 不认识“{value}”；可选：{choices}"),
    Kind("config-channel-env", "error", "{where}.webhook_env: 缺少此项；请填写存放机器人地址的环境变量名，"
         "如 FUPIN_WECOM_CHENGGUAN"),
    Kind("config-channel-secret-in-file", "error", "{where}: 机器人地址和密钥不能写在 fupin.yaml 里；"
         "请放进环境变量，这里只写变量名（webhook_env、secret_env）"),
    Kind("config-channel-towns", "error", "{where}.towns: 应为镇名列表（如 [城关镇]）或 all"),
    Kind("channel-unknown", "error", "fupin.yaml 中没有名为“{value}”的催报群；现有：{choices}"),
    Kind("channel-none", "error", "fupin.yaml 中没有配置催报群（channels:）；配置方法见 README 的“催报”一节"),
    Kind("channel-env-missing", "error", "催报群“{channel}”的环境变量 {variable} 未设置；"
         "请先设置（如 export {variable}=机器人地址），地址不要写进任何文件"),
    Kind("channel-url-invalid", "error", "催报群“{channel}”的环境变量 {variable} 不是 http(s) 地址；请检查"),
    Kind("send-failed", "error", "发往“{channel}”的第 {part} 条消息发送失败：{reason}"),
    Kind("group-unknown", "error", "--group 只能是 town（每镇一条）或 village（每村一条），不能是“{value}”"),
    # status and check: a round missing or late against its deadline, a task open or done late
    Kind("round-missing", "violation", "第 {round} 次报送（{deadline}截止）未报",
         kind="missing", check="always", rank=0, label="未报", symbol="✗", style="bold red"),
    # what a round-missing problem adds (after a colon) when a file for that round came and was refused
    Kind("round-refused", "warning", "{received} 已收到但拒收（{reason}），请按原表重新填报"),
    Kind("round-returned", "violation", "第 {round} 次报送（{deadline}截止）已退回，尚未重新报送；退回原因：{reason}",
         kind="returned", check="always", rank=0, label="已退回", symbol="↩", style="bold magenta"),
    Kind("round-returned-open", "violation", "第 {round} 次报送已退回，请在 {deadline} 前重新报送；退回原因：{reason}",
         kind="returned", rank=1, label="已退回", symbol="↩", style="magenta"),
    Kind("round-late", "violation", "第 {round} 次报送（{deadline}截止）逾期，{received} 才收到",
         kind="late", rank=1, label="逾期"),
    Kind("task-open", "violation", "第 {number} 项任务在最后截止日 {deadline} 后仍未完成",
         kind="open_after_deadline", rank=2, label="未完成", symbol="✗", style="red",
         check_label="任务未完成"),
    Kind("task-regressed", "warning", "第 {number} 项任务第 {earlier} 次报“是”，第 {round} 次却报“{value}”；"
         "请核实是哪一次填错了，还是确有退步",
         kind="regressed", rank=3, label="退步", symbol="↓", style="yellow"),
    Kind("presence-mismatch", "warning", "{village}的到位统计表（{source} 第 {line} 行）{said}，但{but}；"
         "请与村和本人核实是哪一边填错了",
         kind="presence_mismatch", rank=3, label="不一致", symbol="≠", style="yellow"),
    Kind("task-done-late", "violation", "第 {number} 项任务完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}",
         kind="done_late", rank=3, label="完成晚", check_kind="warning"),
)
KINDS: dict[str, Kind] = {k.code: k for k in KINDS_TABLE}

# Words that fill a field of a template above (``town-not-found``'s `hint`), not kinds of their own.
DID_YOU_MEAN = "您是不是要找：{names}？"


def message_for(code: str, **args: object) -> str:
    """The Chinese message of a kind, its template filled with the arguments."""
    return KINDS[code].template.format(**args)


class FupinError(Exception):
    """A problem that stops the command (exit code 2): a kind of the table and its arguments.

    ``FupinError(code, **args)`` fills the kind's template; the message is Chinese and says what to do.
    """

    exit_code = 2

    def __init__(self, code: str, **args: object) -> None:
        message = message_for(code, **args)  # a code not in the table is a KeyError: add its row
        super().__init__(message)
        self.code = code
        self.args_ = args
        self.message = message

    def to_dict(self) -> dict:
        """The error as the JSON of an exit-2 failure: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}


_ERRNO_TEXT = {
    errno.ENOENT: "路径不存在",
    errno.EACCES: "没有权限（文件是否正在 Excel 或 WPS 中打开？请先关闭）",
    errno.EPERM: "没有权限（文件是否正在 Excel 或 WPS 中打开？请先关闭）",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "只读的文件系统",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已经存在",
    errno.EBUSY: "正被其他程序占用",
}


def errno_text(exc: OSError) -> str:
    """What went wrong with a file, in Chinese (the system's own words only for rare errors)."""
    return _ERRNO_TEXT.get(exc.errno or -1, exc.strerror or "无法访问")


def os_error(exc: OSError) -> FupinError:
    """An operating-system error as the error that stops a command, naming the path and what to do."""
    if exc.filename is None or exc.filename == "":
        return FupinError("os-error-unnamed", reason=errno_text(exc))
    return FupinError("os-error", path=exc.filename, reason=errno_text(exc))


@dataclass(frozen=True, slots=True)
class Problem:
    """一条问题 (problem): a rejected file, a warning on a stored return, a missing round, a late task …

    It carries its kind's code and severity, where it is (file, sheet, row, column, the value found), whom
    it concerns (role, unit, round, deadline, task) and the message, filled from the table with `args`.
    """

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    role: str = ""
    unit_id: str = ""
    name: str = ""
    town: str = ""
    village: str = ""
    round: int | None = None
    deadline: dt.date | None = None
    task_id: str = ""
    template_id: str = ""
    args: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        """The family named in status JSON: missing, late, open_after_deadline, done_late, warning or error."""
        return KINDS[self.code].family

    @property
    def check_kind(self) -> str:
        """The family named in check JSON: missing, late, open_after_deadline or warning."""
        return KINDS[self.code].check_family

    @property
    def rank(self) -> int:
        """Its place among "most urgent first"."""
        return KINDS[self.code].rank

    @property
    def label(self) -> str:
        """The short Chinese word of tables (未报, 逾期 …)."""
        return KINDS[self.code].label

    @property
    def look(self) -> tuple[str, str]:
        """How a table shows it: the symbol and the label, and the Rich style."""
        kind = KINDS[self.code]
        return f"{kind.symbol} {kind.label}", kind.style

    def fails_check(self, strict: bool) -> bool:
        """Whether `fupin check` fails on it: always for some kinds, the rest only with --strict."""
        return strict or KINDS[self.code].check == "always"

    def about(self, unit: object, round: int | None = None, deadline: dt.date | None = None,
              task_id: str = "", message: str | None = None, template_id: str = "") -> Problem:
        """The same problem, told of one unit (a roster Unit), checklist and round; optionally with more words."""
        # Built field by field, not with dataclasses.replace: a prefecture's status makes ~100,000 of these.
        return Problem(self.code, self.severity, self.message if message is None else message, self.file,
                       self.sheet, self.row, self.column, self.value, unit.role.value,  # type: ignore[attr-defined]
                       unit.unit_id, unit.name, unit.town, unit.village,  # type: ignore[attr-defined]
                       round, deadline, task_id, template_id or self.template_id, self.args)

    def about_round(self, round: int, task_id: str = "") -> Problem:
        """The same problem, told of a round and task (the unit is told later with `about`)."""
        return Problem(self.code, self.severity, self.message, self.file, self.sheet, self.row, self.column,
                       self.value, self.role, self.unit_id, self.name, self.town, self.village, round,
                       self.deadline, task_id, self.template_id, self.args)

    def to_dict(self) -> dict:
        """The problem as JSON: the fields of status ``problems[]`` and ingest findings alike."""
        return {
            "kind": self.kind,
            "code": self.code,
            "severity": self.severity,
            "role": self.role or None,
            "unit_id": self.unit_id or None,
            "name": self.name or None,
            "town": self.town or None,
            "village": self.village or None,
            "round": self.round,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "task_id": self.task_id or None,
            "template_id": self.template_id or None,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    def where(self) -> str:
        """A short place: file, sheet, row and column, as far as known."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"工作表 {self.sheet}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"“{self.column}”列")
        return "，".join(parts)


def make_problem(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    value: object = "",
    **args: object,
) -> Problem:
    """Build a problem of a kind in the table, filling its template with the column, value and arguments."""
    kind = KINDS[code]
    message = kind.template.format(column=column, value=value, **args)
    return Problem(code, kind.severity, message, file, sheet, row, column, "" if value is None else str(value),
                   args=dict(args))
