"""空白表 (forms) for every reporting unit: where each file goes, and writing them all idempotently.

Layout: OUT/<town>/<role label>/<unit name>.xlsx|.csv — the role folder uses the Chinese label
(镇、处级领导、帮扶单位、村干部、帮扶责任人) because clerks browse these folders; leaders sit under
the town they are linked to, every other unit under its own town.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fupin_cli.forms.csv import form_csv
from fupin_cli.forms.identity import FormIdentity
from fupin_cli.forms.namesake import ID_LABEL, telling_field
from fupin_cli.model.glossary import Role
from fupin_cli.model.presence import village_helpers
from fupin_cli.model.problems import FupinError
from fupin_cli.model.roles import REPORTING_ROLES
from fupin_cli.model.roster import Roster, Unit, require_town
from fupin_cli.model.templates import Template, checklists_for
from fupin_cli.model.text import normalize_name
from fupin_cli.model.workspace import Workspace
from fupin_cli.store.atomic import sync_all, write_bytes_atomic

if TYPE_CHECKING:
    from fupin_cli.forms.xlsx import XlsxPrototype

FORMATS: tuple[str, ...] = ("xlsx", "csv")
ALL_FORMATS: tuple[str, ...] = ("xlsx", "csv", "pdf")  # pdf: the print version (forms/pdf.py, fupin[paper])


def parse_formats(text: str) -> tuple[str, ...]:
    """--format: xlsx, csv, pdf or a comma-separated combination; `both` is xlsx and csv."""
    chosen: list[str] = []
    for part in text.replace("，", ",").split(","):
        name = part.strip().lower()
        names = FORMATS if name == "both" else (name,)
        if not name or any(n not in ALL_FORMATS for n in names):
            raise FupinError("forms-format-unknown", value=text)
        chosen += [n for n in names if n not in chosen]
    return tuple(f for f in ALL_FORMATS if f in chosen)
NAME_LIMIT = 60
TELL_LIMIT = 20  # the namesake's 工作单位 in a file name: 李明（区水利局）
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(10)] + [f"LPT{i}" for i in range(10)]
    + ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)


@dataclass(frozen=True)
class FormJob:
    """One file to write: the unit, its template and identity, the format and where it goes."""

    unit: Unit
    template: Template
    identity: FormIdentity
    fmt: str
    path: Path
    town: str
    head: str = ""
    tell_apart: tuple[str, str] | None = None  # (label, value) printed on a namesake's form: 工作单位, 区水利局
    helpers: tuple[Unit, ...] = ()  # the rows of a village's presence table: its helpers, in roster order


@dataclass(frozen=True)
class FormResult:
    """What writing one form did: `written` is False when an identical file was already there."""

    job: FormJob
    written: bool


def safe_file_name(name: str, limit: int = NAME_LIMIT) -> str:
    """`name` as a file or folder name valid on Windows, macOS and Linux, never a path of its own."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = _FORBIDDEN.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = text[:limit].rstrip(" .")
    if not text:
        return "未命名"
    head, dot, rest = text.partition(".")
    if head.strip().upper() in _RESERVED:
        # Windows judges the part before the first dot: "CON.txt_" would still be CON, "CON_.txt" is not.
        text = f"{head.rstrip()}_{dot}{rest}"
    return text


def form_town(unit: Unit, roster: Roster) -> str:
    """The town folder a unit's form goes in: the town itself, or the town it belongs or is linked to."""
    name = unit.name if unit.role is Role.town else unit.town
    town = roster.find_town(name)
    return town.name if town else (name or "未分镇")


def _selected_roles(role: Role | None) -> tuple[Role, ...]:
    if role is None:
        return REPORTING_ROLES
    if role not in REPORTING_ROLES:
        raise FupinError("role-fills-no-form", role=role.label,
                         roles="、".join(f"{r.value}（{r.label}）" for r in REPORTING_ROLES))
    return (role,)


def _check_round(template: Template, round_number: int | None) -> None:
    if round_number is None:
        return
    if not 1 <= round_number <= len(template.rounds):
        raise FupinError("forms-round-out-of-range", attachment=template.attachment, title=template.title,
                         count=len(template.rounds), value=round_number)


def plan_forms(
    workspace: Workspace,
    roster: Roster,
    templates: dict[str, Template],
    out: Path | None = None,
    role: Role | None = None,
    town: str | None = None,
    formats: Iterable[str] = FORMATS,
    round_number: int | None = None,
) -> list[FormJob]:
    """Every form to write, in a stable order (role, roster order, format), each with a path inside `out`.

    Without `role`, the official checklists only. A table whose rows are helpers (presence, role village) is
    made for each village that has helpers, in xlsx and csv only (no paper version: see `pdf_skipped`).
    """
    out_root = (out if out is not None else workspace.forms_dir).resolve()
    formats = tuple(f for f in ALL_FORMATS if f in set(formats))
    town_filter = None
    if town is not None:
        town_filter = require_town(roster, town).name
    campaign = workspace.campaign
    planned: list[tuple[Unit, Template, str, str]] = []
    for r in _selected_roles(role):
        checklists = checklists_for(templates, r)
        if role is None:  # every official checklist; a table fupin designed only when its role is asked for
            checklists = [t for t in checklists if t.official]
            if not checklists and r is Role.village:
                continue
        if not checklists:
            raise FupinError("no-checklist-for-role", role=r.label, value=r.value)
        for index, template in enumerate(checklists):
            _check_round(template, round_number)
            # A role's main checklist goes in the role's folder; a second one in a folder named for its title.
            label = r.label if index == 0 else template.title
            for unit in roster.of(r):
                unit_town = form_town(unit, roster)
                if town_filter is not None and normalize_name(unit_town) != normalize_name(town_filter):
                    continue
                if template.from_roster and not village_helpers(roster, unit):
                    continue  # a village without helpers has nothing to count
                planned.append((unit, template, unit_town, label))
    names = _file_names([(u, t, label) for u, _, t, label in planned])
    jobs = []
    for (unit, template, unit_town, label), (name, tell_apart) in zip(planned, names, strict=True):
        identity = FormIdentity(template.id, template.version, unit.unit_id, campaign.year, campaign.name, round_number)
        head = unit.head if template.header("head") is not None else ""
        folder = out_root / safe_file_name(unit_town) / safe_file_name(label)
        helpers = tuple(village_helpers(roster, unit)) if template.from_roster else ()
        for fmt in formats:
            if fmt == "pdf" and template.from_roster:
                continue
            path = (folder / f"{name}.{fmt}").resolve()
            if not path.is_relative_to(out_root):
                raise FupinError("form-outside-output", name=unit.name, path=path)
            jobs.append(FormJob(unit, template, identity, fmt, path, unit_town, head, tell_apart, helpers))
    return jobs


def pdf_skipped(templates: dict[str, Template], role: Role | None, formats: Iterable[str]) -> list[Template]:
    """The tables asked for in PDF that have no paper version (their rows are the village's helpers)."""
    if "pdf" not in set(formats) or role is not Role.village:
        return []
    return [t for t in checklists_for(templates, Role.village) if t.from_roster]


def _file_names(entries: list[tuple[Unit, str, str]]) -> list[tuple[str, tuple[str, str] | None]]:
    """Each unit's file name and, for namesakes of one folder, the field that tells them apart.

    Namesakes' names carry their 工作单位, else 职务, else 村 (李明（区水利局）); where even that is shared,
    the unit id. The same roster always gives the same names.
    """
    base = [safe_file_name(unit.name) for unit, _, _ in entries]
    # Windows and macOS compare names without case, so 'Abc' and 'abc' would be the same file there.
    folders = [(safe_file_name(town).casefold(), label) for _, town, label in entries]
    counts = Counter((f, b.casefold()) for f, b in zip(folders, base, strict=True))
    tells = [telling_field(unit) if counts[(f, b.casefold())] > 1 else None
             for (unit, _, _), f, b in zip(entries, folders, base, strict=True)]
    names = [b if t is None else f"{b}（{safe_file_name(t[1], TELL_LIMIT)}）" for b, t in zip(base, tells, strict=True)]
    counts = Counter((f, n.casefold()) for f, n in zip(folders, names, strict=True))
    for i, ((unit, _, _), f) in enumerate(zip(entries, folders, strict=True)):
        if tells[i] is not None and counts[(f, names[i].casefold())] > 1:
            tells[i] = (ID_LABEL, unit.unit_id)
            names[i] = f"{base[i]}（{safe_file_name(unit.unit_id)}）"
    return list(zip(names, tells, strict=True))


@dataclass
class FormWriter:
    """Renders and writes forms, building each template's XLSX prototype once."""

    prototypes: dict[tuple, XlsxPrototype] = field(default_factory=dict)

    def render(self, job: FormJob) -> bytes:
        """The bytes of one form."""
        if job.fmt == "pdf":
            from fupin_cli.forms.pdf import form_pdf_checked  # fpdf2, segno, OpenCV: only when printing

            return form_pdf_checked(job.template, job.identity, job.unit.name, job.head, job.tell_apart)
        if job.fmt == "csv":
            return form_csv(job.template, job.identity, job.unit.name, job.head, job.tell_apart, job.helpers)
        # openpyxl: only when writing XLSX
        from fupin_cli.forms.xlsx import XlsxPrototype, date_bounds, form_xlsx

        identity = job.identity
        if job.template.from_roster:  # each village's rows are its own helpers: no prototype to share
            return form_xlsx(job.template, identity, job.unit.name, job.head, date_bounds(identity.year),
                             job.tell_apart, job.helpers)
        with_head, with_tell = bool(job.head.strip()), job.tell_apart is not None
        key = (job.template.id, job.template.version, identity.year, identity.campaign, identity.round, with_head,
               with_tell)
        prototype = self.prototypes.get(key)
        if prototype is None:
            prototype = XlsxPrototype(job.template, identity, date_bounds(identity.year), with_head, with_tell)
            self.prototypes[key] = prototype
        return prototype.stamp(job.unit.name, job.head, identity.unit_id, job.tell_apart)

    def write(self, job: FormJob) -> FormResult:
        """Write one form atomically; a file that already holds the same bytes is left untouched."""
        data = self.render(job)
        try:
            if job.path.read_bytes() == data:
                return FormResult(job, written=False)
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            raise FupinError("form-path-is-folder", path=job.path) from None
        write_bytes_atomic(job.path, data, durable=False)  # one sync for the whole run: see write_forms
        return FormResult(job, written=True)


def write_form(job: FormJob, writer: FormWriter | None = None) -> FormResult:
    """Write one form (pass a shared FormWriter when writing many)."""
    result = (writer or FormWriter()).write(job)
    if result.written:
        sync_all([job.path])
    return result


def write_forms(jobs: Iterable[FormJob]) -> Iterator[FormResult]:
    """Write the forms one by one, yielding each result (for a progress bar)."""
    writer = FormWriter()
    written: list[Path] = []
    for job in jobs:
        result = writer.write(job)
        if result.written:
            written.append(job.path)
        yield result
    sync_all(written)
