"""Cell text that a spreadsheet will never run as a formula (CSV injection)."""

from __future__ import annotations

# Excel, WPS and LibreOffice start a formula (or DDE) with these, full-width forms included.
_RISKY_START = frozenset("=+-@\t\r\n＝＋－＠")


def needs_neutralizing(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    return bool(text) and text[0] in _RISKY_START


def neutralize(text: str) -> str:
    """`text` with a leading apostrophe when it could be read as a formula; else unchanged."""
    return "'" + text if needs_neutralizing(text) else text


def restore(text: str) -> str:
    """Undo `neutralize`: drop the apostrophe fupin put before formula-like text (a CSV keeps it literally)."""
    return text[1:] if text.startswith("'") and needs_neutralizing(text[1:]) else text
