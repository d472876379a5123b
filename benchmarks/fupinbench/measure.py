"""One operation's figures, shared by the stages, the baselines and the report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Measure:
    """One operation's figures: the median of `runs` seconds, and the largest peak RSS seen."""

    name: str
    count: int
    unit: str
    runs: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    ref: str = ""
    ratio: float | None = None
    exit_codes: list[int] = field(default_factory=list)
    error: str = ""

    @property
    def seconds(self) -> float | None:
        """Median wall time of the runs, None when nothing ran."""
        return statistics.median(self.runs) if self.runs else None

    @property
    def ms_per_item(self) -> float | None:
        """Milliseconds per form, return or town (the median run over `count`)."""
        return None if self.seconds is None or not self.count else 1000 * self.seconds / self.count


def fmt(value: float | None, digits: int = 2) -> str:
    """A figure with `digits` decimals, or — when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"
