"""Raw rows of a returned form → a normalised Return and its findings (frictionless-style: problems are values)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
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
from fupin_cli.intake.readers import RawSheet, UnreadableFile, read_file
from fupin_cli.model.deadlines import Round, infer_round, rounds_for
from fupin_cli.model.problems import Problem, errno_text, make_problem
from fupin_cli.model.record import Answer, Return
from fupin_cli.model.roster import Roster, Unit, name_key
from fupin_cli.model.templates import Template
from fupin_cli.model.text import cell_text, restore
from fupin_cli.model.workspace import Campaign
from fupin_cli.store.archive import Refusal, return_id_for, stored_file_name


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
    wanted = {match_text(c.label): c.field for c in template.columns}
    for index, row in enumerate(sheet.rows[:60]):
        keys = _row_keys(row)
        mapping = {wanted[k]: i for i, k in enumerate(keys) if k in wanted}
        if "text" in mapping and "done" in mapping:
            return index, mapping
    return None


def _score(sheet: RawSheet, template: Template) -> int:
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


def _give_identity(forms: list[SheetForm], identity: FormIdentity | None, roster: Roster) -> None:
    """The identity belongs to one form: the only one, else the first whose visible name is its unit's.

    The other sheets of its checklist (a village's returns copied into one workbook) are told by content.
    """
    mine = [f for f in forms if f.how == "identity"]
    if identity is None or not mine:
        return
    chosen = mine[0]
    owner = _unit_index(roster)[0].get(identity.unit_id)
    if len(forms) > 1 and owner is not None:
        key = name_key(owner.role, owner.name)
        chosen = next((f for f in mine if name_key(owner.role, _visible_name(f)) == key), chosen)
    chosen.identity = identity
    for form in mine:
        if form is not chosen:
            form.how = "content"


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
    key = name_key(template.role, name)
    return [u for u in roster.of(template.role) if name_key(u.role, u.name) == key]


def ingest_bytes(path: Path, data: bytes, ctx: IngestContext, sha256: str | None = None) -> IngestOutcome:
    """Check one returned file and build its record; nothing is written here."""
    sha = sha256 or hashlib.sha256(data).hexdigest()
    source = str(path)
    found = _Located(source)
    try:
        sheets = read_file(path, data)
    except UnreadableFile as exc:
        found.add(exc.code, **exc.context)
        return IngestOutcome(path, "rejected", findings=found.items, sha256=sha)
    identity, code = find_identity(sheets)
    template, sheet, how = recognise(sheets, ctx.templates, identity)
    if template is not None and sheet is None:
        for label in missing_columns(sheets, template) or [template.column("done").label]:  # type: ignore[union-attr]
            found.add("column-missing", column=label)
        return IngestOutcome(path, "rejected", findings=found.items, sha256=sha)
    if template is None or sheet is None:
        found.add("unknown-template")
        return IngestOutcome(path, "rejected", findings=found.items, sha256=sha)
    found.sheet = sheet.name
    _check_cells(sheet, found)
    table_row, columns = find_table(sheet, template)  # type: ignore[misc]
    header = read_header(sheet, template, table_row)
    unit = _resolve_unit(ctx, template, identity if how == "identity" else None, code, header, found)
    answers = _read_answers(sheet, template, table_row, columns, ctx.campaign.year, found)
    if answers and not found.failed and all(a.done is None and not a.raw_done and not a.raw_date and not a.note
                                            for a in answers):
        found.add("form-blank", row=table_row + 2, column=_label(template, "done"))
    if found.failed or unit is None:
        return IngestOutcome(path, "rejected", findings=found.items, sha256=sha)
    rounds = rounds_for(template, ctx.campaign)
    number = ctx.round or (identity.round if identity and how == "identity" else None) or infer_round(
        rounds, ctx.received_at)
    if not 1 <= number <= len(rounds):
        found.add("round-out-of-range", value=number, count=len(rounds), template=template.title)
        return IngestOutcome(path, "rejected", findings=found.items, sha256=sha)
    _check_answers(answers, template, rounds[number - 1], ctx, found)
    _check_header(header, template, found)
    record = Return(
        return_id=return_id_for(sha), role=template.role.value, unit_id=unit.unit_id, name=unit.name,
        town=unit.town, village=unit.village, template_id=template.id, template_version=template.version,
        round=number, received_at=ctx.received_at, sha256=sha, source_name=path.name,
        stored_name=stored_file_name(sha, path.suffix), size=len(data), answers=tuple(answers),
        findings=tuple(f for f in found.items if f.severity == "warning"),
        header=_header_record(header, ctx.campaign.year), recognised_by=how, ingested_at=ctx.ingested_at,
    )
    return IngestOutcome(path, "accepted", record=record, findings=found.items, sha256=sha)


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
    by_id, role_ids = _unit_index(ctx.roster)
    role_units = role_ids.get(template.role, frozenset())
    if identity is not None and ctx.unit_id and ctx.unit_id != identity.unit_id:
        # --unit settles returns fupin cannot tell apart; it never re-labels one that says whose it is.
        found.add("unit-conflict", value=ctx.unit_id, identity=identity.unit_id)
        return None
    if ctx.unit_id and identity is None:
        unit = by_id.get(ctx.unit_id)
        if unit is None:
            found.add("unit-not-in-roster", value=ctx.unit_id)
            return None
        if unit.unit_id not in role_units:
            found.add("unit-wrong-role", value=ctx.unit_id, role=unit.role.label, template=template.title)
            return None
        return unit
    if identity is not None:  # written by fupin: trusted, and a unit it names must exist
        unit = by_id.get(identity.unit_id)
        if unit is not None and unit.unit_id in role_units:
            return unit
        found.add("identity-mismatch", value=identity.unit_id)
        return None
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


def _read_answers(sheet: RawSheet, template: Template, table_row: int, columns: dict[str, int],
                  year: int, found: _Located) -> list[Answer]:
    """Match the task rows against the template in order and read each row's answer cells."""
    text_col = columns["text"]
    rows: list[tuple[int, list[object]]] = []
    for r in range(table_row + 1, len(sheet.rows)):
        row = sheet.rows[r]
        text = cell_text(row[text_col]) if text_col < len(row) else ""
        lead = next((t for t in (cell_text(c) for c in row) if t), "")
        if lead.startswith("注") and (not text or text.startswith("注")):
            break  # the 注 line closes the table
        if text:
            rows.append((r, row))
    expected = [match_text(t.text) for t in template.tasks]
    positions = {key: i for i, key in enumerate(expected)}
    seen: dict[int, tuple[int, list[object]]] = {}
    order: list[int] = []
    for r, row in rows:
        key = match_text(cell_text(row[text_col]))
        index = positions.get(key)
        if index is None or index in seen:
            if len(rows) == len(expected) and len(order) < len(expected):
                number = len(order) + 1
                found.add("task-text-changed", row=r + 1, col=text_col, value=cell_text(row[text_col])[:40],
                          number=number)
                order.append(len(order))
            else:
                found.add("task-added", row=r + 1, col=text_col, value=cell_text(row[text_col])[:40])
            continue
        seen[index] = (r, row)
        order.append(index)
    if not found.failed:
        for i, task in enumerate(template.tasks):
            if i not in seen:
                found.add("task-missing", number=task.number, text=task.text[:30] + "…")
        if order != sorted(order):
            for pos, index in enumerate(order):
                if index != sorted(order)[pos]:
                    r = seen[index][0]
                    found.add("task-reordered", row=r + 1, col=text_col, number=template.tasks[index].number)
                    break
    answers = []
    for i, task in enumerate(template.tasks):
        if i not in seen:
            continue
        r, row = seen[i]

        def cell(fld: str, row: list[object] = row) -> object:
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
        answers.append(Answer(task.id, done, done_on, raw_done, raw_date, note, r + 1))
    return answers


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
    unit_field = template.header("unit")
    if unit_field and not header.get("unit", ("",))[0]:
        row = header.get("unit", ("", None, None))[1]
        found.add("missing-signature", row=row, column=unit_field.label)
    date_field = template.header("date")
    if date_field and not header.get("date", ("",))[0]:
        found.add("missing-date", row=header.get("date", ("", None, None))[1], column=date_field.label)


SKIPPED_PREFIXES = ("~$", ".~lock", ".")


def collect_files(paths: list[Path], root: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Files to ingest from files and folders (recursively), and the ones skipped (Office lock files, hidden, other kinds).

    Walking a folder never descends into the workspace's own returns/ and roster/ folders.
    """
    from fupin_cli.intake.readers import READABLE_SUFFIXES

    own = [(root / name).resolve() for name in ("returns", "roster")] if root else []
    taken: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                resolved = child.resolve()
                if any(resolved.is_relative_to(folder) for folder in own):
                    continue
                if any(part.startswith(".") for part in child.relative_to(path).parts[:-1]):
                    continue
                if child.name.startswith(SKIPPED_PREFIXES) or child.suffix.lower() not in READABLE_SUFFIXES:
                    skipped.append(child)
                else:
                    taken.append(child)
        elif path.name.startswith(("~$", ".~lock")):
            skipped.append(path)
        else:
            taken.append(path)
    return taken, skipped


def ingest_files(root: Path, files: list[Path], ctx: IngestContext, dry_run: bool = False,
                 progress: object = None, keep_answers: bool = True) -> list[IngestOutcome]:
    """Ingest files one by one under the store lock; each accepted file is stored whole before the next begins.

    With `keep_answers=False` an outcome's record drops its answers once stored, so memory stays flat
    over a batch of thousands (the answers are in the store).
    """
    from fupin_cli.store.archive import StoreWriter, has_return, stored_summary
    from fupin_cli.store.lock import store_lock
    from fupin_cli.store.retime import received_differs

    outcomes: list[IngestOutcome] = []
    seen: set[str] = set()
    with contextlib.ExitStack() as stack:
        writer = None
        if not dry_run:
            stack.enter_context(store_lock(root))
            writer = stack.enter_context(StoreWriter(root))
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
                stored = stored_summary(root, sha)
                # --received given (not "now") and not the stored time: say so, and how to correct it.
                differs = (received_differs(str(path), stored, ctx.received_at, ctx.campaign.tz)
                           if ctx.ingested_at is None or ctx.received_at != ctx.ingested_at else [])
                outcomes.append(IngestOutcome(path, "duplicate", record=stored, sha256=sha, findings=differs))
                _tick(progress)
                continue
            outcome = ingest_bytes(path, data, ctx, sha256=sha)
            if outcome.status == "accepted" and outcome.record is not None:
                seen.add(sha)
                if writer is not None:
                    writer.add(outcome.record, data)
                if not keep_answers:
                    outcome.record = replace(outcome.record, answers=())
            outcomes.append(outcome)
            _tick(progress)
    return outcomes


def _tick(progress: object) -> None:
    if callable(progress):
        progress()


def parse_received(text: str, campaign: Campaign) -> dt.datetime:
    """--received: an ISO date or date-time; without a zone it is campaign time; a bare date is noon that day."""
    from fupin_cli.model.problems import FupinError

    value = text.strip().replace("/", "-")
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = (int(x) for x in value.split("-"))
            moment = dt.datetime(year, month, day, 12, 0)
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FupinError("received-not-a-date", value=text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=campaign.tz)
    return moment
