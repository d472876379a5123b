"""Draw docs/paper-read.png: a synthetic phone photo of the helper form beside fupin's straightened read-out."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from paper import forms  # noqa: E402

from fupin_cli.forms.pdf import page_layouts  # noqa: E402
from fupin_cli.intake.paper import SCALE, decode_pages, locate_page, read_boxes  # noqa: E402
from paper_photos import Damage, draw_date, draw_mark, photograph, render_pages  # noqa: E402


def main() -> None:
    pdf, template = forms(HERE.parent / "examples" / "demo")[0]
    rng = np.random.default_rng(4)
    page = render_pages(pdf, 200)[0]
    layout = page_layouts(template)[0]
    plan = ["yes:tick", "no:cross", "", "yes:fill", "no:tick", "yes:circle", "yes:tick"]
    for row, item in zip(layout.rows, plan, strict=False):
        if item:
            which, kind = item.split(":")
            draw_mark(page, row.yes if which == "yes" else row.no, kind, 200, 0.7, 35, rng)
            if which == "yes" and row.date is not None:
                draw_date(page, row.date, 11, 3 + row.task_index, 200, 35, rng)
    photo = photograph(page, Damage(megapixels=5, rotation=-28, tilt=20, blur=0.8, noise=5, shadow=0.35,
                                    jpeg=70), rng)
    gray = decode_pages(photo)[0]
    straight, _text = locate_page(gray)
    tasks, _ = read_boxes(straight, template, layout, 2020)
    shown = cv2.cvtColor(straight, cv2.COLOR_GRAY2BGR)
    colours = {"mark": (40, 160, 40), "faint": (0, 140, 255), "blank": (160, 160, 160)}
    for row, task in zip(layout.rows, tasks, strict=True):
        for box, read in ((row.yes, task.yes), (row.no, task.no)):
            p0 = (int(box.x * SCALE) - 4, int(box.y * SCALE) - 4)
            p1 = (int((box.x + box.w) * SCALE) + 4, int((box.y + box.h) * SCALE) + 4)
            cv2.rectangle(shown, p0, p1, colours[read.state], 3)
            cv2.putText(shown, f"{read.ink:.0%}", (p1[0] + 4, p1[1] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        colours[read.state], 2)
        label = {"是": "YES", "否": "NO", "": "blank", "?": "CHECK"}[task.answer]
        cv2.putText(shown, label, (int(row.no.x * SCALE) + 60, int((row.no.y + row.no.h) * SCALE) + 22),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.8, (200, 40, 40), 2)
        if task.date is not None and row.date is not None:
            day = task.date.day
            cv2.putText(shown, f"OCR {day:%m-%d}" if day else "date: CHECK",
                        (int(row.date.x * SCALE) + 6, int((row.date.y + row.date.h) * SCALE) - 10),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.6, (200, 40, 40) if day else (0, 140, 255), 2)
    left = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    height = 1100
    left = cv2.resize(left, (int(left.shape[1] * height / left.shape[0]), height), interpolation=cv2.INTER_AREA)
    right = cv2.resize(shown, (int(shown.shape[1] * height / shown.shape[0]), height), interpolation=cv2.INTER_AREA)
    gap = np.full((height, 24, 3), 255, np.uint8)
    out = HERE.parent / "docs" / "paper-read.png"
    cv2.imwrite(str(out), np.hstack([left, gap, right]))
    print(out, [t.answer for t in tasks])


if __name__ == "__main__":
    main()
