"""Raw rows of a returned form → a normalised Return and its findings (frictionless-style: problems are values)."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from fupin_cli.forms.identity import (
    IDENTITY_MARKER,
    IDENTITY_SHEET,
    FormIdentity,
    identity_from_line,
    identity_from_pairs,
    parse_form_code,
)
from fupin_cli.intake.normalize import match_text, normalize_date, normalize_done, normalize_text
from fupin_cli.intake.presence import find_presence_table, read_presence
from fupin_cli.intake.readers import RawSheet, UnreadableFile, photo_kind, read_file
from fupin_cli.model.deadlines import Round, infer_round, month_day, rounds_for
from fupin_cli.model.problems import Problem, errno_text, make_problem
from fupin_cli.model.record import Answer, Return
from fupin_cli.model.roster import Roster, Unit, name_key
from fupin_cli.model.templates import Task, Template
from fupin_cli.model.text import cell_text, restore
from fupin_cli.model.workspace import Campaign, Workspace
from fupin_cli.store.archive import (
    Refusal,
    StoreWriter,
    has_record,
    iter_returns,
    return_id_for,
    stored_file_name,
)


@dataclass(frozen=True)
class IngestContext:
    """Everything ingest needs besides the file: campaign, roster, templates, and the clerk's overrides."""

    campaign: Campaign
    roster: Roster
    templates: dict[str, Template]
    received_at: dt.datetime
    round: int | None = None
    unit_id: str | None = None
    ingested_at: dt.datetime | None = None


@dataclass
class IngestOutcome:
    """What became of one file (one sheet of a workbook of several): accepted, duplicate, or rejected.

    A rejected file that still says whose return and which round it was carries its `refusal`, kept in the
    store so that status and remind can tell the unit its file came and was refused.
    """

    path: Path
    status: str  # accepted | duplicate | rejected
    record: Return | None = None
    findings: list[Problem] = field(default_factory=list)
    sha256: str = ""
    sheet: str = ""
    refusal: Refusal | None = None
    round_basis: str = ""  # option | identity | header | received: what the round was taken from
    attachments: dict[str, bytes] = field(default_factory=dict)  # a paper return's page and box images

    @property
    def errors(self) -> list[Problem]:
        """The findings that made the file be refused."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The findings kept with the stored return."""
        return [f for f in self.findings if f.severity == "warning"]


def column_letter(index: int) -> str:
    """0-based column index → spreadsheet letters (0 → A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Located:
    """Findings for one file, placed at sheet/row/column."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sheet = ""
        self.items: list[Problem] = []

    def add(self, code: str, row: int | None = None, col: int | None = None, column: str = "", **ctx: object) -> None:
        where = column or (column_letter(col) if col is not None else "")
        self.items.append(make_problem(code, file=self.source, sheet=self.sheet, row=row, column=where, **ctx))

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.items)


def find_identity(sheets: list[RawSheet]) -> tuple[FormIdentity | None, tuple[int, str, str] | None]:
    """The form identity from the hidden sheet or the CSV's identity line, and any printed form code."""
    identity = None
    code = None
    for sheet in sheets:
        if sheet.name == IDENTITY_SHEET:
            pairs = {cell_text(r[0]): cell_text(r[1]) for r in sheet.rows if len(r) >= 2 and cell_text(r[0])}
            identity = identity_from_pairs(pairs) or identity
            continue
        for index, row in enumerate(sheet.rows):
            first = cell_text(row[0]) if row else ""
            if index < 40 and first == IDENTITY_MARKER and len(row) > 1:
                identity = identity_from_line(cell_text(row[1])) or identity
        code = sheet_code(sheet) or code
    return identity, code


def sheet_code(sheet: RawSheet) -> tuple[int, str, str] | None:
    """A form code typed in the sheet: printed in the footer, a retyped return may carry it in any cell."""
    code = None
    for index, row in enumerate(sheet.rows):
        if index < 40 and row and cell_text(row[0]) == IDENTITY_MARKER:
            continue
        for cell in row:
            if isinstance(cell, str) and "FP" in cell:
                code = parse_form_code(cell) or code
    return code


def _row_keys(row: list[object]) -> list[str]:
    return [match_text(cell_text(c)) for c in row]


def find_table(sheet: RawSheet, template: Template) -> tuple[int, dict[str, int]] | None:
    """The table header row of `template` in the sheet and the column index of each field."""
    if template.from_roster:
        return find_presence_table(sheet, template)
    wanted = {match_text(c.label): c.field for c in template.columns}
    for index, row in enumerate(sheet.rows[:60]):
        keys = _row_keys(row)
        mapping = {wanted[k]: i for i, k in enumerate(keys) if k in wanted}
        if "text" in mapping and "done" in mapping:
            return index, mapping
    return None


def _score(sheet: RawSheet, template: Template) -> int:
    if template.from_roster:
        return 2 + _titled(sheet, template)  # its table header (是否到位 per round, 帮扶责任人) is its own
    texts = {match_text(t.text) for t in template.tasks}
    hits = 0
    title = match_text(template.title)
    for row in sheet.rows[:200]:
        for cell in row:
            key = match_text(cell_text(cell))
            if key in texts:
                hits += 2
            elif key == title:
                hits += 3
    return hits


@dataclass
class SheetForm:
    """One sheet read as a checklist: its template, how it was told, its place in the workbook and own identity."""

    sheet: RawSheet
    template: Template
    how: str  # identity | content | title
    number: int  # the sheet's 1-based position in the workbook
    identity: FormIdentity | None = None


def _titled(sheet: RawSheet, template: Template) -> bool:
    """True when a cell near the top of the sheet holds the template's title (a district may prefix its name)."""
    title = match_text(template.title)
    return any(match_text(cell_text(c)).endswith(title) for row in sheet.rows[:12] for c in row if c)


def recognise_sheet(sheet: RawSheet, templates: dict[str, Template],
                    own: Template | None) -> tuple[Template | None, str]:
    """The checklist of one sheet and how it was told: "identity", "content" or "title".

    A sheet that looks like a checklist but is none of them gives "unknown" (with the template whose title it
    bears when its table header is gone); any other sheet gives (None, "").
    """
    if own is not None and find_table(sheet, own) is not None:
        return own, "identity"
    tabled = [t for t in templates.values() if find_table(sheet, t) is not None]
    if tabled:
        score, best = max(((_score(sheet, t), t) for t in tabled), key=lambda pair: pair[0])
        if score >= max(2, len(best.tasks)):
            return best, "content"
        # Title and columns are this checklist's but the task texts are not: read it, to say which rows differ.
        titled = next((t for t in tabled if _titled(sheet, t)), None)
        return (titled, "title") if titled is not None else (None, "unknown")
    titled = next((t for t in templates.values() if _titled(sheet, t)), None)
    return (titled, "unknown") if titled is not None else (None, "")


def find_forms(sheets: list[RawSheet], templates: dict[str, Template], identity: FormIdentity | None
               ) -> tuple[list[SheetForm], list[tuple[RawSheet, Template | None]]]:
    """Every sheet that is a checklist (one return each), and the sheets that look like one but cannot be read.

    Each unreadable sheet comes with the checklist it seems to be (its table header lost), else None.
    Hidden sheets count only when no visible one is a checklist (a hidden copy is not a second return).
    """
    own = templates.get(identity.template_id) if identity is not None else None
    forms: list[SheetForm] = []
    odd: list[tuple[RawSheet, Template | None]] = []
    for number, sheet in enumerate(sheets, start=1):
        if sheet.name == IDENTITY_SHEET or not sheet.rows:
            continue
        template, how = recognise_sheet(sheet, templates, own)
        if template is not None and how != "unknown":
            forms.append(SheetForm(sheet, template, how, number))
        elif how:
            odd.append((sheet, template))
    if any(f.sheet.visible for f in forms):
        forms = [f for f in forms if f.sheet.visible]
        odd = [(s, t) for s, t in odd if s.visible]
    return forms, odd


def _visible_name(form: SheetForm) -> str:
    table = find_table(form.sheet, form.template)
    return read_header(form.sheet, form.template, table[0]).get("unit", ("",))[0] if table else ""


def _give_identity(forms: list[SheetForm], identity: FormIdentity | None, templates: dict[str, Template],
                   roster: Roster) -> list[tuple[RawSheet, Template | None]]:
    """The identity belongs to one form: the only one, else the first whose visible name is its unit's.

    The other sheets with its checklist's table (a village's returns copied into one workbook) must be told
    by content; those that cannot are taken out of `forms` and returned, to be refused by name.
    """
    mine = [f for f in forms if f.how == "identity"]
    if identity is None or not mine:
        return []
    chosen = mine[0]
    owner = _unit_index(roster)[0].get(identity.unit_id)
    if len(mine) > 1 and owner is not None:
        key = name_key(owner.role, owner.name)
        chosen = next((f for f in mine if name_key(owner.role, _visible_name(f)) == key), chosen)
    chosen.identity = identity
    odd = []
    for form in mine:
        if form is not chosen:
            template, how = recognise_sheet(form.sheet, templates, None)
            if template is not None and how != "unknown":
                form.template, form.how = template, how
            else:
                forms.remove(form)
                odd.append((form.sheet, template))
    return odd


def missing_columns(sheets: list[RawSheet], template: Template) -> list[str]:
    """The template's column labels found in no row near the top of any sheet."""
    seen: set[str] = set()
    for sheet in sheets:
        if sheet.name != IDENTITY_SHEET:
            for row in sheet.rows[:60]:
                seen.update(_row_keys(row))
    return [c.label.replace("\n", "") for c in template.columns if match_text(c.label) not in seen]


_LABEL_SPLIT = re.compile(r"[:：]")


def read_header(sheet: RawSheet, template: Template, table_row: int) -> dict[str, tuple[str, int, int]]:
    """The header fields above the table: field → (text, row, column of the value), each read at its label.

    The value follows its label in the same cell (`姓名：张三`) or is the next filled cell to its right; a label
    followed by another label is blank — the next field's value (the date after a blank 签名) is never taken.
    """
    labels = {match_text(h.label): h.field for h in template.header_fields}
    found: dict[str, tuple[str, int, int]] = {}
    for r, row in enumerate(sheet.rows[:table_row]):
        cells = [cell_text(c) for c in row]
        for c, text in enumerate(cells):
            for fld, value, col in _header_pairs(cells, c, labels) if text else ():
                found.setdefault(fld, (value, r + 1, col))
    return found


def _is_label(text: str, labels: dict[str, str]) -> bool:
    """A cell that is a header label: one of the template's, or any text ending in a colon (`联系电话：`)."""
    stripped = text.strip()
    return match_text(_LABEL_SPLIT.split(stripped)[0]) in labels or stripped.endswith((":", "："))


def _header_pairs(cells: list[str], c: int, labels: dict[str, str]) -> list[tuple[str, str, int]]:
    """The (field, value, value's column) pairs whose label is in cell `c`."""
    found = []
    # One cell may hold several "label：value" pairs separated by blanks (the Word layout retyped).
    parts = re.split(r"\s{2,}|\u3000+", cells[c])
    for n, part in enumerate(parts):
        label, _sep, value = part.partition("：") if "：" in part else part.partition(":")
        fld = labels.get(match_text(label))
        if fld is None:
            continue
        value, col = restore(value.strip()), c  # col: the cell holding the value (B3/C3), not the label's
        if not value and n == len(parts) - 1:  # the value is the next filled cell, unless that is a label
            col, value = next(((i, x) for i, x in enumerate(cells[c + 1:], start=c + 1) if x), (c, ""))
            if _is_label(value, labels):
                col, value = c, ""
            value = restore(value)
        found.append((fld, value, col))
    return found


def _candidates_text(units: list[Unit]) -> str:
    return "；".join(f"{u.unit_id} {u.name}（{'、'.join(x for x in (u.town, u.village, u.work_unit or u.post) if x)}）"
                    for u in units)


def match_unit(roster: Roster, template: Template, name: str) -> list[Unit]:
    """The units of the template's role whose name equals `name` after normalisation (a person's blanks ignored)."""
    return roster.named(template.role, name)


def ingest_bytes(path: Path, data: bytes, ctx: IngestContext, sha256: str | None = None) -> IngestOutcome:
    """Check one returned file and build its record (of its first checklist); nothing is written here."""
    return ingest_workbook(path, data, ctx, sha256)[0]


def ingest_workbook(path: Path, data: bytes, ctx: IngestContext, sha256: str | None = None) -> list[IngestOutcome]:
    """Check one returned file and build a record for every checklist in it (one per sheet); nothing is written.

    Sheets that look like a checklist but cannot be read as one are refused one by one, by name.
    """
    sha = sha256 or hashlib.sha256(data).hexdigest()
    paper = None
    try:
        if photo_kind(data[:32]):  # a photo or scan of the printed form: read by intake/paper.py (fupin[paper])
            from fupin_cli.intake.paper import read_photo

            paper = read_photo(data, ctx.templates, ctx.roster, ctx.campaign, photo_kind(data[:32]) or "")
        sheets = [paper.sheet] if paper is not None else read_file(path, data)
    except UnreadableFile as exc:
        found = _Located(str(path))
        found.add(exc.code, **exc.context)
        return [IngestOutcome(path, "rejected", findings=found.items, sha256=sha)]
    identity, _code = find_identity(sheets)
    forms, odd = find_forms(sheets, ctx.templates, identity)
    if not forms:
        own = ctx.templates.get(identity.template_id) if identity is not None else None
        return [_unreadable_form(path, sha, sheets, own or next((t for _s, t in odd if t is not None), None))]
    odd += _give_identity(forms, identity, ctx.templates, ctx.roster)
    outcomes = [_ingest_form(path, data, sha, form, ctx, first=i == 0) for i, form in enumerate(forms)]
    outcomes += [_unreadable_form(path, sha, [sheet], template, sheet.name) for sheet, template in odd]
    if paper is not None:
        outcomes = [paper.finish(o, str(path)) for o in outcomes]
    return outcomes


def _unreadable_form(path: Path, sha: str, sheets: list[RawSheet], template: Template | None,
                     sheet: str = "") -> IngestOutcome:
    """A file (or sheet) refused as no checklist: its table header gone, or recognised as none."""
    found = _Located(str(path))
    found.sheet = sheet
    if template is not None:
        fallback = _label(template, "present_1" if template.from_roster else "done")
        for label in missing_columns(sheets, template) or [fallback]:
            found.add("column-missing", column=label)
    else:
        found.add("unknown-template")
    return IngestOutcome(path, "rejected", findings=found.items, sha256=sha, sheet=sheet)


def _ingest_form(path: Path, data: bytes, sha: str, form: SheetForm, ctx: IngestContext,
                 first: bool) -> IngestOutcome:
    """Check one checklist of a file (one sheet) and build its record."""
    sheet, template = form.sheet, form.template
    found = _Located(str(path))
    found.sheet = sheet.name
    _check_cells(sheet, found)
    table_row, columns = find_table(sheet, template)  # type: ignore[misc]
    header = read_header(sheet, template, table_row)
    unit = _resolve_unit(ctx, template, form.identity, sheet_code(sheet), header, found)
    if template.from_roster:  # a village's presence sheet: its rows are the village's helpers
        received = ctx.received_at.astimezone(ctx.campaign.tz).date()
        answers = read_presence(sheet, template, table_row, columns, unit, ctx.roster, ctx.campaign.year, received,
                                found.add)
    else:
        answers = _read_answers(sheet, template, table_row, columns, ctx.campaign.year, found)
    _check_blank(answers, template, table_row, found)
    number, basis, rounds = assign_round(ctx, template, form.identity, header, found)
    outcome = IngestOutcome(path, "rejected", findings=found.items, sha256=sha, sheet=sheet.name,
                            round_basis=basis)
    if found.failed or unit is None or number is None:
        outcome.refusal = _refusal(unit, template, number, outcome, ctx)
        return outcome
    if not template.from_roster:
        _check_answers(answers, template, rounds[number - 1], ctx, found)
    _check_header(header, template, found)
    # A later sheet is a later return of the batch: its own id, and (for a tie) a moment after the sheets before.
    ingested = ctx.ingested_at + dt.timedelta(microseconds=form.number - 1) if ctx.ingested_at else None
    outcome.status = "accepted"
    outcome.record = Return(
        return_id=return_id_for(sha, 0 if first else form.number), role=template.role.value,
        unit_id=unit.unit_id, name=unit.name, town=unit.town, village=unit.village, template_id=template.id,
        template_version=template.version, round=number, received_at=ctx.received_at, sha256=sha,
        source_name=path.name, stored_name=stored_file_name(sha, path.suffix), size=len(data),
        answers=tuple(answers), findings=tuple(f for f in found.items if f.severity == "warning"),
        header=_header_record(header, ctx.campaign.year), recognised_by=form.how, ingested_at=ingested,
    )
    return outcome


def _check_blank(answers: list[Answer], template: Template, table_row: int, found: _Located) -> None:
    """Refuse a form whose every answer cell is empty (the blank form sent back)."""
    if answers and not found.failed and all(a.done is None and not a.raw_done and not a.raw_date and not a.note
                                            for a in answers):
        if template.from_roster:
            found.add("presence-blank", row=table_row + 2, column=_label(template, "present_1"))
        else:
            found.add("form-blank", row=table_row + 2, column=_label(template, "done"))


def assign_round(ctx: IngestContext, template: Template, identity: FormIdentity | None,
                 header: dict[str, tuple[str, int, int]], found: _Located) -> tuple[int | None, str, list[Round]]:
    """The round of a return and what it was taken from, with the template's rounds.

    --round, else the form's identity, else the 时间 written in the header (the round whose deadline is the
    first on or after it), else the received time. A round the checklist does not have is an error.
    """
    rounds = rounds_for(template, ctx.campaign)
    written = _written_day(header, ctx)
    if ctx.round:
        number, basis = ctx.round, "option"
    elif identity is not None and identity.round:
        number, basis = identity.round, "identity"
    elif written is not None:
        start = dt.datetime.combine(written, dt.time(), tzinfo=ctx.campaign.tz)
        number, basis = infer_round(rounds, start), "header"
    else:
        number, basis = infer_round(rounds, ctx.received_at), "received"
    if 1 <= number <= len(rounds):
        return number, basis, rounds
    if not found.failed:
        found.add("round-out-of-range", value=number, count=len(rounds), template=template.title)
    return None, basis, rounds


def _written_day(header: dict[str, tuple[str, int, int]], ctx: IngestContext) -> dt.date | None:
    """The header's 时间 as a day of the campaign year, when it reads as one not after the file was received."""
    text = header.get("date", ("",))[0]
    if not text:
        return None
    day, _raw, ok = normalize_date(text, ctx.campaign.year)
    received = ctx.received_at.astimezone(ctx.campaign.tz).date()
    if not ok or day is None or day.year != ctx.campaign.year or day > received:
        return None
    return day


def _refusal(unit: Unit | None, template: Template, number: int | None, outcome: IngestOutcome,
             ctx: IngestContext) -> Refusal | None:
    """What a refused file is kept as when it still says whose return and which round it was."""
    if unit is None or number is None:
        return None
    reasons = list(dict.fromkeys(_short_reason(f.message) for f in outcome.errors))
    return Refusal(unit.unit_id, template.id, number, ctx.received_at, "、".join(reasons[:3]),
                   outcome.path.name, outcome.sha256, outcome.sheet, tuple(f.code for f in outcome.errors),
                   ctx.ingested_at)


def _short_reason(message: str) -> str:
    """The first clause of a message (`缺少第 3 项任务：…；请勿…` → `缺少第 3 项任务`), for a one-line reason."""
    return message.split("；", 1)[0].split("：", 1)[0]


# Excel keeps 15 significant digits: an 18-digit ID typed as a number arrives as 4.50102199001011e17,
# or in a CSV Excel saved as the text "4.50102E+17".
_ROUNDED_TEXT = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+(1[5-9]|[2-9][0-9])")


def _check_cells(sheet: RawSheet, found: _Located) -> None:
    """Warn about cells whose content was lost before fupin saw them: formulas without a value, rounded numbers."""
    for code, row, col in sheet.notes:
        found.add(code, row=row, col=col - 1)
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)) and abs(value) >= 1e15 or (
                    isinstance(value, str) and _ROUNDED_TEXT.fullmatch(value.strip())):
                found.add("number-rounded", row=r + 1, col=c, value=cell_text(value))


def _unit_index(roster: Roster) -> tuple[dict[str, Unit], dict[object, frozenset[str]]]:
    """Units by id and each role's ids, built once per roster (rebuilding them per file cost ~0.9 ms a return)."""
    stamp = tuple((id(units), len(units)) for units in roster.units.values())
    cached = getattr(roster, "_ingest_index", None)
    if cached is None or cached[0] != stamp:
        role_ids = {role: frozenset(u.unit_id for u in units) for role, units in roster.units.items()}
        cached = (stamp, roster.by_id(), role_ids)
        roster._ingest_index = cached  # type: ignore[attr-defined]
    return cached[1], cached[2]


def _header_record(header: dict[str, tuple[str, int, int]], year: int) -> dict[str, str]:
    """The header fields as written, plus 时间 as an ISO date (`date_on`) when it reads as one."""
    record = {k: v[0] for k, v in header.items()}
    if record.get("date"):
        day, _raw, ok = normalize_date(record["date"], year)
        if ok and day is not None:
            record["date_on"] = day.isoformat()
    return record


def _resolve_unit(ctx: IngestContext, template: Template, identity: FormIdentity | None,
                  code: tuple[int, str, str] | None, header: dict[str, tuple[str, int, int]],
                  found: _Located) -> Unit | None:
    """Whose return it is: the identity (checked against the written name), --unit, a typed code, the name."""
    by_id, role_ids = _unit_index(ctx.roster)
    role_units = role_ids.get(template.role, frozenset())
    if identity is not None:  # written by fupin: trusted, but it must be this campaign's and name a unit
        if _other_campaign(identity, ctx.campaign, by_id):
            found.add("form-other-campaign", campaign=identity.campaign or f"{identity.year} 年",
                      current=ctx.campaign.name)
            return None
        owner = by_id.get(identity.unit_id)
        if owner is not None and owner.unit_id in role_units:
            return _check_signer(ctx, template, owner, header, found)
        if not ctx.unit_id:
            found.add("identity-mismatch", value=identity.unit_id)
            return None
        # The identity names no one of this roster: --unit says whose it is (there is no one to re-label).
    if ctx.unit_id:
        unit = by_id.get(ctx.unit_id)
        if unit is None:
            found.add("unit-not-in-roster", value=ctx.unit_id)
            return None
        if unit.unit_id not in role_units:
            found.add("unit-wrong-role", value=ctx.unit_id, role=unit.role.label, template=template.title)
            return None
        return unit
    if code is not None:  # a form code, perhaps typed by hand: used when it names a unit of this checklist
        unit = by_id.get(code[1])
        if unit is not None and unit.unit_id in role_units:
            return unit
    name, row, col = header.get("unit", ("", None, None))
    candidates = match_unit(ctx.roster, template, name) if name else []
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        found.add("ambiguous-unit", row=row, col=col, value=name, candidates=_candidates_text(candidates))
    else:
        found.add("unknown-unit", row=row, col=col, value=name or "（未填写）", template=template.title)
    return None


def _other_campaign(identity: FormIdentity, campaign: Campaign, by_id: dict[str, Unit]) -> bool:
    """True when the form was made for another campaign: another year, or another name and a unit not here."""
    if identity.year != campaign.year:
        return True
    return bool(identity.campaign) and identity.campaign != campaign.name and identity.unit_id not in by_id


def _check_signer(ctx: IngestContext, template: Template, owner: Unit, header: dict[str, tuple[str, int, int]],
                  found: _Located) -> Unit | None:
    """The identity's unit, unless the visible 签名/单位 names another roster entry (a colleague's copy).

    Then the file is refused naming both, until --unit says which of the two it is; --unit never re-labels
    a form to anyone else. A written name that matches no one is a warning.
    """
    name, row, col = header.get("unit", ("", None, None))
    named = match_unit(ctx.roster, template, name) if name else []
    if ctx.unit_id and ctx.unit_id != owner.unit_id:
        # --unit settles returns fupin cannot tell apart; it never re-labels one that says whose it is.
        chosen = next((u for u in named if u.unit_id == ctx.unit_id), None)
        if chosen is None:
            found.add("unit-conflict", value=ctx.unit_id, identity=owner.unit_id)
        return chosen
    label = _header_label(template, "unit")
    if named and all(u.unit_id != owner.unit_id for u in named) and ctx.unit_id != owner.unit_id:
        found.add("signer-conflict", row=row, col=col, value=name, owner=owner.name, owner_id=owner.unit_id,
                  label=label, named="、".join(u.unit_id for u in named))
        return None
    if name and not named:
        found.add("signer-unknown", row=row, col=col, value=name, label=label, owner=owner.name,
                  owner_id=owner.unit_id)
    return owner


def _header_label(template: Template, fld: str) -> str:
    spec = template.header(fld)
    return spec.label if spec else fld


def _read_answers(sheet: RawSheet, template: Template, table_row: int, columns: dict[str, int],
                  year: int, found: _Located) -> list[Answer]:
    """Match the task rows against the template in order and read each row's answer cells."""
    text_col = columns["text"]
    rows = _task_rows(sheet, table_row, text_col)
    seen, order = _match_tasks(rows, template, text_col, found)
    if not found.failed:
        _check_task_order(seen, order, template, text_col, found)
    return [_read_answer(task, *seen[i], columns, template, year, found)
            for i, task in enumerate(template.tasks) if i in seen]


def _task_rows(sheet: RawSheet, table_row: int, text_col: int) -> list[tuple[int, list[object]]]:
    """The rows below the table header that hold a task text, up to the 注 line that closes the table."""
    rows: list[tuple[int, list[object]]] = []
    for r in range(table_row + 1, len(sheet.rows)):
        row = sheet.rows[r]
        text = cell_text(row[text_col]) if text_col < len(row) else ""
        lead = next((t for t in (cell_text(c) for c in row) if t), "")
        if lead.startswith("注") and (not text or text.startswith("注")):
            break
        if text:
            rows.append((r, row))
    return rows


def _match_tasks(rows: list[tuple[int, list[object]]], template: Template, text_col: int,
                 found: _Located) -> tuple[dict[int, tuple[int, list[object]]], list[int]]:
    """Each task's row by its official text (task index → row), and the task indexes in the order of the rows.

    A row whose text is not an official one is named: changed (saying which task it was) or added.
    """
    positions = {match_text(t.text): i for i, t in enumerate(template.tasks)}
    seen: dict[int, tuple[int, list[object]]] = {}
    order: list[int] = []
    strays: list[tuple[int, int, str]] = []
    for position, (r, row) in enumerate(rows):
        text = cell_text(row[text_col])
        index = positions.get(match_text(text))
        if index is None or index in seen:
            strays.append((position, r, text))
            continue
        seen[index] = (r, row)
        order.append(index)
    free = [i for i in range(len(template.tasks)) if i not in seen]
    for position, r, text in strays:
        if len(rows) == len(template.tasks):  # as many rows as tasks: the row in the task's place was changed
            number: int | None = position + 1
        else:
            index = _closest_task(text, template, free)
            number = None if index is None else template.tasks[index].number
            if index is not None:
                free.remove(index)
        if number is None:
            found.add("task-added", row=r + 1, col=text_col, value=text[:40])
        else:
            found.add("task-text-changed", row=r + 1, col=text_col, value=text[:40], number=number)
    return seen, order


def _closest_task(text: str, template: Template, free: list[int]) -> int | None:
    """The task (among `free`) whose official text a changed row was most likely made from, if any.

    A shortened or partly retyped text is mostly pieces of the official one: the share of the row's text in
    common runs of 4 or more characters decides (at least 60%).
    """
    key = match_text(text)
    best, best_share = None, 0.0
    for index in free:
        official = match_text(template.tasks[index].text)
        if len(key) >= 4 and (key in official or official in key):
            share = 1.0
        else:
            blocks = difflib.SequenceMatcher(None, key, official, autojunk=False).get_matching_blocks()
            share = sum(b.size for b in blocks if b.size >= 4) / max(len(key), 1)
        if share > best_share:
            best, best_share = index, share
    return best if best_share >= 0.6 else None


def _check_task_order(seen: dict[int, tuple[int, list[object]]], order: list[int], template: Template,
                      text_col: int, found: _Located) -> None:
    """Refuse a table with a task row deleted or moved."""
    for i, task in enumerate(template.tasks):
        if i not in seen:
            found.add("task-missing", number=task.number, text=task.text[:30] + "…")
    expected = sorted(order)
    for index, want in zip(order, expected, strict=True):
        if index != want:
            found.add("task-reordered", row=seen[index][0] + 1, col=text_col, number=template.tasks[index].number)
            break


def _read_answer(task: Task, r: int, row: list[object], columns: dict[str, int], template: Template, year: int,
                 found: _Located) -> Answer:
    """One task row's 是否完成, 完成时间 and 落实情况, normalised, with a warning for what cannot be read."""

    def cell(fld: str) -> object:
        col = columns.get(fld)
        return row[col] if col is not None and col < len(row) else None

    done, raw_done, ok_done = normalize_done(cell("done"))
    if not ok_done:
        found.add("unknown-done-value", row=r + 1, col=columns["done"], value=raw_done)
    done_on, raw_date = None, ""
    if "done_on" in columns:
        done_on, raw_date, ok_date = normalize_date(cell("done_on"), year)
        if not ok_date:
            found.add("bad-date", row=r + 1, col=columns["done_on"], column=_label(template, "done_on"),
                      value=raw_date)
    note = normalize_text(cell("note")) if "note" in columns else ""
    return Answer(task.id, done, done_on, raw_done, raw_date, note, r + 1)


def _label(template: Template, fld: str) -> str:
    column = template.column(fld)
    return column.label.replace("\n", "") if column else fld


def _check_answers(answers: list[Answer], template: Template, current: Round, ctx: IngestContext,
                   found: _Located) -> None:
    received_day = ctx.received_at.astimezone(ctx.campaign.tz).date()
    has_date = template.column("done_on") is not None
    label = _label(template, "done_on")
    for a in answers:
        # 是 with no date: blank, or a filler such as "/" (a date that cannot be read is already a bad-date)
        if a.done is True and has_date and a.done_on is None and normalize_date(a.raw_date, ctx.campaign.year)[2]:
            found.add("done-without-date", row=a.row, column=label)
        if a.done_on is None:
            continue
        if a.done_on < dt.date(ctx.campaign.year, 1, 1):
            found.add("date-before-campaign", row=a.row, column=label, value=a.done_on.isoformat(),
                      year=ctx.campaign.year)
        elif a.done_on > received_day:
            found.add("date-after-received", row=a.row, column=label, value=a.done_on.isoformat(),
                      received=received_day.isoformat())
        elif a.done_on > current.day:
            found.add("date-after-deadline", row=a.row, column=label, value=a.done_on.isoformat(),
                      round=current.number, deadline=current.day.isoformat())


def _check_header(header: dict[str, tuple[str, int, int]], template: Template, found: _Located) -> None:
    """Warn about a blank 签名/姓名/单位, 负责人 or 时间 in the header."""
    for fld in ("unit", "head"):
        spec = template.header(fld)
        if spec and not header.get(fld, ("",))[0]:
            found.add("missing-signature", row=header.get(fld, ("", None, None))[1], column=spec.label)
    date_field = template.header("date")
    if date_field and not header.get("date", ("",))[0]:
        found.add("missing-date", row=header.get("date", ("", None, None))[1], column=date_field.label)


# Files nobody sent: Office/WPS (~$) and LibreOffice (.~lock…#) lock files, and what Windows and macOS leave in
# folders (Thumbs.db, desktop.ini, .DS_Store and other hidden files). Skipped without a word, only counted.
NOISE_PREFIXES = ("~$", ".")
NOISE_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})


def is_noise(name: str) -> bool:
    """Whether a file in a folder is an office lock file or a system file, never a return."""
    return name.startswith(NOISE_PREFIXES) or name.lower() in NOISE_NAMES


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder and not ingested: noise (`problem` None), or a file named with why it was not read."""

    path: Path
    problem: Problem | None = None

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.name

    def outcome(self) -> IngestOutcome:
        """The file as an ingest outcome (status ``skipped``) for the batch's table and JSON."""
        return IngestOutcome(self.path, "skipped", findings=[self.problem] if self.problem else [])


def _why_skipped(path: Path) -> Problem:
    """A file of another kind in a folder: what it is (photo, archive, document …) from its name and first bytes."""
    from fupin_cli.intake.readers import not_readable

    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
    except OSError as exc:
        return make_problem("file-unreadable", file=str(path), reason=errno_text(exc))
    refusal = not_readable(path.suffix.lower(), head)
    return make_problem(refusal.code, file=str(path), **refusal.context)


def _paper_photo(path: Path) -> bool:
    """A photo or scan in a folder is taken when the paper reader (fupin[paper]) is installed."""
    from fupin_cli.intake.paper import PAPER_SUFFIXES, paper_ready

    return path.suffix.lower() in PAPER_SUFFIXES and paper_ready()


def _inside(path: Path, folders: set[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def collect_files(paths: list[Path], root: Path | None = None) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest from files and folders (recursively), and the files of a folder that are skipped.

    A folder's lock and system files are skipped as noise; every other file that is no spreadsheet (an
    archive, a document, a photo when the paper reader is not installed …) is skipped with its reason, and
    a WPS .et/.ett is taken as the spreadsheet it holds. A file named on the command line is always taken
    (its reader says what it is), lock files excepted. Walking a folder never descends into hidden folders
    nor the workspace's own returns/ and roster/ folders.
    """
    from fupin_cli.intake.readers import READABLE_SUFFIXES

    own = {(root / name).resolve() for name in ("returns", "roster")} if root else set()
    taken: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if not path.is_dir():
            if path.name.startswith(("~$", ".~lock")):
                skipped.append(Skipped(path))
            else:
                taken.append(path)
            continue
        if _inside(path.resolve(), own):
            continue
        found: list[Path] = []
        for folder, subfolders, names in os.walk(path):  # as rglob: symlinked folders are not walked into
            here = Path(folder)
            # hidden folders and the workspace's own returns/ and roster/ are not walked into (resolved once each)
            subfolders[:] = [d for d in subfolders if not d.startswith(".") and (here / d).resolve() not in own]
            for name in names:
                child = here / name
                if child.is_file() and not (child.is_symlink() and _inside(child.resolve(), own)):
                    found.append(child)
        for child in sorted(found):
            if is_noise(child.name):
                skipped.append(Skipped(child))
            elif child.suffix.lower() in READABLE_SUFFIXES or _paper_photo(child):
                taken.append(child)
            else:
                skipped.append(Skipped(child, _why_skipped(child)))
    return taken, skipped


def ingest_files(root: Path, files: list[Path], ctx: IngestContext, dry_run: bool = False,
                 progress: object = None, keep_answers: bool = True) -> list[IngestOutcome]:
    """Ingest files one by one under the store lock; each accepted file is stored whole before the next begins.

    With `keep_answers=False` an outcome's record drops its answers once stored, so memory stays flat
    over a batch of thousands (the answers are in the store).
    """
    from fupin_cli.store.archive import StoreWriter, add_refusals, has_return, stored_summary
    from fupin_cli.store.events import received_overrides
    from fupin_cli.store.lock import store_lock
    from fupin_cli.store.retime import received_differs

    outcomes: list[IngestOutcome] = []
    seen: set[str] = set()
    refused: list[Refusal] = []  # kept for status and remind when the batch ends (or stops)
    stamps = _batch_stamps(files, ctx)
    overrides = None  # corrected received times, read at the first duplicate (an ingest writes none)
    with contextlib.ExitStack() as stack:
        writer = None
        if not dry_run:
            stack.enter_context(store_lock(root))
            writer = stack.enter_context(StoreWriter(root))
            stack.callback(add_refusals, root, refused)
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                finding = make_problem("file-unreadable", file=str(path), reason=errno_text(exc))
                outcomes.append(IngestOutcome(path, "rejected", findings=[finding]))
                _tick(progress)
                continue
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen or has_return(root, sha):
                # Say whose return it already is (from the store; a dry run has not stored this batch).
                if overrides is None:
                    overrides = received_overrides(root)
                stored = stored_summary(root, sha, overrides)
                # --received given (not "now") and not the stored time: say so, and how to correct it.
                differs = (received_differs(str(path), stored, ctx.received_at, ctx.campaign.tz)
                           if ctx.ingested_at is None or ctx.received_at != ctx.ingested_at else [])
                outcomes.append(IngestOutcome(path, "duplicate", record=stored, sha256=sha, findings=differs))
                _tick(progress)
                continue
            for outcome in ingest_workbook(path, data, replace(ctx, ingested_at=stamps.get(path)), sha256=sha):
                _keep(root, outcome, data, writer, seen, refused, keep_answers)
                outcomes.append(outcome)
            _tick(progress)
    _batch_warnings(root, outcomes, ctx)
    return outcomes


def _keep(root: Path, outcome: IngestOutcome, data: bytes, writer: StoreWriter | None, seen: set[str],
          refused: list[Refusal], keep_answers: bool) -> None:
    """Store an accepted return whole (a sheet already stored is a duplicate); note a refusal to keep."""
    record = outcome.record
    if outcome.status != "accepted" or record is None:
        if outcome.refusal is not None:
            refused.append(outcome.refusal)
        return
    if record.return_id in seen or has_record(root, record.return_id):
        outcome.status = "duplicate"  # a later sheet of a workbook received before
        return
    seen.update((record.return_id, record.sha256))
    if writer is not None:
        writer.add(record, data)
        if outcome.attachments:  # a paper return: its straightened page and box crops beside the record
            from fupin_cli.store.paper_files import add_paper_files

            add_paper_files(root, record.return_id, outcome.attachments)
    if not keep_answers:
        outcome.record = replace(record, answers=())


_CORRECTED = re.compile(r"更正|修改|修正|最新")


def _batch_stamps(files: list[Path], ctx: IngestContext) -> dict[Path, dt.datetime]:
    """When each file of a batch counts as ingested: the batch's moment, spaced so that of two files for one
    unit and round the preferred one is the later — a name saying 更正/修改/最新, else the later modification."""

    def mtime(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return 0

    base = ctx.ingested_at or ctx.received_at
    ranked = sorted(range(len(files)), key=lambda i: (bool(_CORRECTED.search(files[i].name)), mtime(files[i]), i))
    return {files[i]: base + dt.timedelta(microseconds=1000 * rank) for rank, i in enumerate(ranked)}


def _round_key(record: Return) -> tuple[str, str, int]:
    return (record.template_id, record.unit_id, record.round)


def _batch_warnings(root: Path, outcomes: list[IngestOutcome], ctx: IngestContext) -> None:
    """Say what the store and the rest of the batch make of each accepted return: nothing is picked silently.

    Two returns of one unit and round in the batch; a return that replaces a stored one, or that a stored
    one still outranks; a round inferred past an earlier, overdue round of the unit that has no return.
    """
    accepted = [o for o in outcomes if o.status == "accepted" and o.record is not None]
    if not accepted:
        return
    stored = _stored_rounds(root, {o.record.unit_id for o in accepted},  # type: ignore[union-attr]
                            {o.record.return_id for o in accepted})  # type: ignore[union-attr]
    groups: dict[tuple[str, str, int], list[IngestOutcome]] = {}
    for o in accepted:
        groups.setdefault(_round_key(o.record), []).append(o)  # type: ignore[arg-type]
    for key, group in groups.items():
        chosen = max(group, key=lambda o: _order(o.record))  # type: ignore[arg-type]
        if len(group) > 1:
            chosen.findings.append(_batch_duplicate(group, chosen))
        if key in stored:
            chosen.findings.append(_against_stored(chosen, stored[key], ctx))
    for o in accepted:
        earlier = _earlier_missing(o, stored, groups, ctx)
        if earlier is not None:
            o.findings.append(earlier)


def _order(record: Return) -> tuple:
    """Which of two returns of one unit and round counts: the later received, then ingested (as status says)."""
    far = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return (record.received_at, record.ingested_at or far, record.return_id)


def _stored_rounds(root: Path, unit_ids: set[str], batch: set[str]) -> dict[tuple[str, str, int], Return]:
    """The latest stored return of each (checklist, unit, round) of these units, this batch's left out."""
    latest: dict[tuple[str, str, int], Return] = {}
    for record in iter_returns(root, unit_ids):
        key = _round_key(record)
        if record.return_id not in batch and (key not in latest or _order(record) > _order(latest[key])):
            latest[key] = replace(record, answers=())
    return latest


def _label_of(outcome: IngestOutcome, several_sheets: bool) -> str:
    return f"{outcome.path.name}（{outcome.sheet}）" if several_sheets else outcome.path.name


def _batch_duplicate(group: list[IngestOutcome], chosen: IngestOutcome) -> Problem:
    """One unit's round received twice in the batch: which one counts."""
    several = len({o.path for o in group}) < len(group)
    record = chosen.record
    return make_problem("batch-duplicate", file=str(chosen.path), sheet=chosen.sheet, name=record.name,  # type: ignore[union-attr]
                        round=record.round, count=len(group),  # type: ignore[union-attr]
                        files="、".join(_label_of(o, several) for o in group), chosen=_label_of(chosen, several))


def _against_stored(outcome: IngestOutcome, prior: Return, ctx: IngestContext) -> Problem:
    """A return for a round already reported: it replaces the stored one, or the stored one is the later."""
    record = outcome.record
    when = prior.received_at.astimezone(ctx.campaign.tz)
    code = "return-supersedes" if _order(record) > _order(prior) else "return-already-newer"  # type: ignore[arg-type]
    return make_problem(code, file=str(outcome.path), sheet=outcome.sheet, received=f"{month_day(when.date())} "
                        f"{when:%H:%M}", source=prior.source_name, name=record.name, round=record.round)  # type: ignore[union-attr]


def _earlier_missing(outcome: IngestOutcome, stored: dict, groups: dict, ctx: IngestContext) -> Problem | None:
    """The earliest overdue round before this return's that the unit has no return for (the round inferred)."""
    record = outcome.record
    if record is None or outcome.round_basis not in ("header", "received"):
        return None
    rounds = rounds_for(ctx.templates[record.template_id], ctx.campaign)
    for rnd in rounds[: record.round - 1]:
        key = (record.template_id, record.unit_id, rnd.number)
        if rnd.deadline < record.received_at and key not in stored and key not in groups:
            return make_problem("round-earlier-missing", file=str(outcome.path), sheet=outcome.sheet,
                                round=record.round, earlier=rnd.number, deadline=month_day(rnd.day))
    return None


def _tick(progress: object) -> None:
    if callable(progress):
        progress()


def workspace_context(workspace: Workspace, received: str | None, round_: int | None = None,
                      unit_id: str | None = None) -> IngestContext:
    """An ingest into this workspace: its campaign, roster and templates; received now unless --received says."""
    from fupin_cli.store.roster_file import load_roster

    campaign = workspace.campaign
    now = dt.datetime.now(campaign.tz)
    return IngestContext(campaign=campaign, roster=load_roster(workspace.root), templates=workspace.templates(),
                         received_at=parse_received(received, campaign) if received else now, round=round_,
                         unit_id=unit_id, ingested_at=now)


def parse_received(text: str, campaign: Campaign) -> dt.datetime:
    """--received as people write a moment: 2020-11-06T18:30, 2020/11/6 18:30, 11月6日18:30, 2020年11月6日 下午6点半 ….

    The date is read as a return's dates are (a date without a year is in the campaign's year); without a
    zone the time is campaign time; a bare date is noon that day.
    """
    from fupin_cli.model.problems import FupinError

    value = text.strip()
    moment = _written_moment(value, campaign.year)
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(value)  # ISO with seconds' fractions or a zone: 18:30:00+08:00
        except ValueError:
            raise FupinError("received-not-a-date", value=text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=campaign.tz)
    return moment


# A time of day at the end of a written moment: 18:30, 18：30:00, 18时30分, 6点半, 下午6:30 …
_WRITTEN_TIME = re.compile(r"(?P<half>上午|早上|中午|下午|晚上)?\s*(?P<hour>\d{1,2})\s*(?:[:：]\s*(?P<minute>\d{1,2})"
                           r"(?:[:：](?P<second>\d{1,2}))?|[时点]\s*(?:(?P<minute_cn>\d{1,2})\s*分?|(?P<half_hour>半))?)$")


def _written_moment(value: str, year: int) -> dt.datetime | None:
    """A date (any spelling normalize_date reads) and an optional time of day after it; None when it is neither."""
    date_part, hour, minute, second = value, 12, 0, 0
    found = _WRITTEN_TIME.search(value)
    if found and found.start() > 0:
        date_part = value[:found.start()].rstrip().rstrip("T")
        hour = int(found["hour"])
        minute = int(found["minute"] or found["minute_cn"] or (30 if found["half_hour"] else 0))
        second = int(found["second"] or 0)
        if found["half"] in ("下午", "晚上") and hour < 12 or found["half"] == "中午" and hour < 3:
            hour += 12
    elif re.search(r"\d\s*[:：时点]", value):
        return None  # a time this does not read (18:30:15.5, a zone): never dropped for noon
    day, _raw, ok = normalize_date(date_part.strip(), year)
    if not ok or day is None:
        return None
    try:
        return dt.datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:  # 25:00, 18:75
        return None
