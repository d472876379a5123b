"""A form's identity: which template, version, unit and campaign it was made for, and its short code."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sheet and property names are ASCII so that every office suite keeps them untouched.
IDENTITY_SHEET = "_fupin"
IDENTITY_MARKER = "fupin_identity"
FORM_CODE_LABEL = "表单编号"
_CODE = re.compile(r"FP(\d{4})-([A-Za-z0-9]+(?:-\d+)?)-([0-9a-f]{4})")


@dataclass(frozen=True)
class FormIdentity:
    """表单身份 (form identity): template id and version, unit id, campaign year and optional round."""

    template_id: str
    template_version: str
    unit_id: str
    year: int
    campaign: str = ""
    round: int | None = None

    @property
    def form_code(self) -> str:
        """The short code printed in the page footer, e.g. FP2020-451023100-30b1."""
        return f"FP{self.year}-{self.unit_id}-{self.template_version[:4]}"

    def to_pairs(self) -> list[tuple[str, str]]:
        """The identity as key/value pairs (the hidden sheet, document properties)."""
        pairs = [
            ("fupin_form", "1"),
            ("template", self.template_id),
            ("template_version", self.template_version),
            ("unit_id", self.unit_id),
            ("year", str(self.year)),
            ("campaign", self.campaign),
            ("form_code", self.form_code),
        ]
        if self.round is not None:
            pairs.append(("round", str(self.round)))
        return pairs

    def to_line(self) -> str:
        """The identity on one line, as the CSV's `fupin_identity,...` row carries it."""
        return ";".join(f"{k}={v}" for k, v in self.to_pairs() if k not in ("fupin_form", "campaign", "form_code"))


def identity_from_pairs(pairs: dict[str, str]) -> FormIdentity | None:
    """Rebuild an identity from key/value pairs; None when required keys are missing or malformed."""
    try:
        year = int(str(pairs["year"]).strip())
        template_id = str(pairs["template"]).strip()
        version = str(pairs["template_version"]).strip()
        unit_id = str(pairs["unit_id"]).strip()
    except (KeyError, ValueError):
        return None
    if not (template_id and version and unit_id):
        return None
    round_text = str(pairs.get("round") or "").strip()
    round_number = int(round_text) if round_text.isdigit() else None
    return FormIdentity(template_id, version, unit_id, year, str(pairs.get("campaign") or ""), round_number)


def identity_from_line(text: str) -> FormIdentity | None:
    """Parse the one-line form `template=…;template_version=…;unit_id=…;year=…`."""
    pairs = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            pairs[key.strip()] = value.strip()
    return identity_from_pairs(pairs)


def parse_form_code(text: str) -> tuple[int, str, str] | None:
    """(year, unit id, version prefix) from a form code found anywhere in `text`, if any."""
    match = _CODE.search(text)
    if not match:
        return None
    return int(match.group(1)), match.group(2), match.group(3)
