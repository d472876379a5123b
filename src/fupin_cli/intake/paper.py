"""纸质表 (paper returns): a phone photo or a scan of the printed PDF form, read back into a table of answers.

The photo is decoded (JPEG, PNG, HEIC through pillow-heif, scanned PDF pages through pypdfium2, EXIF
orientation undone), the four ArUco markers are found and the page is straightened to 6 px/mm by one
perspective transform (the markers' ids say which corner is which, so any rotation is undone with it);
the QR code gives the identity and page; the boxes are found again from the template's layout
(forms/pdf.py) and the ink inside each is measured against that box's own paper and outline.

A box reads as marked only when clearly inked; a faint mark, or both boxes marked, leaves the task unknown
with a `paper-unsure` warning — never a guess. The read is handed to ingest as a RawSheet laid out like the
CSV form, so that unit, round and answer checks are the spreadsheet's own.

Multi-page forms: every page must come in one file (a multi-page scanned PDF); a photo of one page of
several is refused naming the missing pages (`paper-page-missing`), never stored half read.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from fupin_cli.forms.csv import form_rows
from fupin_cli.forms.identity import FormIdentity
from fupin_cli.forms.pdf import (
    MARKER,
    MARKER_IDS,
    PAGE_H,
    PAGE_W,
    QR_BOX,
    PageLayout,
    Rect,
    marker_positions,
    page_layouts,
    parse_qr_payload,
)
from fupin_cli.intake.paper_date import DateRead, read_dates
from fupin_cli.intake.readers import RawSheet, UnreadableFile, photo_kind
from fupin_cli.model.problems import Problem, make_problem
from fupin_cli.model.roster import Roster
from fupin_cli.model.templates import Template

PAPER_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".pdf")
SCALE = 6.0  # px per mm of the straightened page
WORK_SIDE = 2400  # a photo's long side is brought down to this before anything is looked for
MARKER_FIT = 1.0  # mm: how far a corner of a marker read with relaxed bits may sit from where the layout puts it
MIN_PIXELS = 1_000_000
MAX_PIXELS = 80_000_000
DARK_MEAN = 45
BLUR_LIMIT = 12.0
# Ink thresholds: share of the box's inside darker than half way (mark) / a fifth of the way (faint)
# from the paper to the printed outline.
MARK_FILL = 0.05
FAINT_FILL = 0.012
FAINT_LIGHT = 0.05
RING_MARK = 0.06
MIN_CONTRAST = 40.0
INSTALL_HINT = 'pip install "fupin[paper]"'


@dataclass(frozen=True)
class BoxRead:
    """What one tick box holds: the share of its inside that is inked (clear and faint), its ring, its state."""

    ink: float
    faint: float
    ring: float
    state: str  # mark | faint | blank
    contrast: float

    def to_dict(self) -> dict:
        """The measures as JSON-ready data."""
        return {"ink": round(self.ink, 4), "faint": round(self.faint, 4), "ring": round(self.ring, 4),
                "state": self.state, "contrast": round(self.contrast, 1)}


@dataclass(frozen=True)
class TaskRead:
    """One task as read from paper: its two boxes and the answer (是, 否, blank, or unsure)."""

    task_id: str
    number: int
    page: int
    yes: BoxRead
    no: BoxRead
    date: DateRead | None = None  # the written 完成时间 of a task ticked 是 (None: not written, or not read)

    @property
    def answer(self) -> str:
        """是, 否, "" (both blank) or "?" (unsure: both marked, or a faint mark)."""
        states = (self.yes.state, self.no.state)
        if states == ("mark", "blank"):
            return "是"
        if states == ("blank", "mark"):
            return "否"
        if states == ("blank", "blank"):
            return ""
        return "?"

    def unsure_box(self) -> str:
        """Which box makes the task unsure, in words."""
        if self.yes.state == "mark" and self.no.state == "mark":
            return "“是”“否”都有勾画"
        boxes = [name for name, b in (("是", self.yes), ("否", self.no)) if b.state == "faint"]
        return "“" + "”“".join(boxes) + "”框内痕迹很淡"


@dataclass
class PaperRead:
    """A whole paper return: its identity, every task read, and the images kept beside the record."""

    identity: FormIdentity
    campaign_hash: str
    pages: int
    tasks: list[TaskRead]
    images: dict[str, bytes] = field(default_factory=dict)


def is_paper(path: Path, data: bytes) -> bool:
    """Whether a file is a photo or a scan (by its first bytes, whatever it is called)."""
    return photo_kind(data[:32]) is not None


def paper_ready() -> bool:
    """Whether the paper extra (OpenCV, numpy, Pillow) is installed."""
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


# --- decoding ---

def decode_pages(data: bytes) -> list[object]:
    """The file's pages as grayscale numpy arrays (EXIF orientation undone); UnreadableFile when it cannot be."""
    import numpy as np
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    if data.startswith(b"%PDF"):
        return [np.asarray(p) for p in _pdf_pages(data)]
    if data[4:8] == b"ftyp":
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:
            raise UnreadableFile("paper-extra-missing", format="一张照片（HEIC）") from None
    try:
        image = Image.open(io.BytesIO(data))
        image = ImageOps.exif_transpose(image)
        return [np.asarray(image.convert("L"))]
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise UnreadableFile("paper-unreadable-image", reason=type(exc).__name__) from None


def _pdf_pages(data: bytes) -> list[object]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise UnreadableFile("paper-unreadable-scan", reason=str(exc)[:80]) from None
    pages = []
    for index in range(min(len(document), 20)):
        page = document[index]
        pages.append(page.render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
    return pages


# --- finding the page ---

def _detector(relaxed: bool = False) -> object:
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    if relaxed:  # a marker of 20–30 px blurred: a bit or two of its code, and of its black border, read wrong
        params.errorCorrectionRate = 1.0
        params.maxErroneousBitsInBorderRate = 0.6
    return cv2.aruco.ArucoDetector(dictionary, params)


def _detect(detector: object, image: object) -> dict[int, object]:
    corners, ids, _rejected = detector.detectMarkers(image)  # type: ignore[attr-defined]
    if ids is None:
        return {}
    return {int(i): c.reshape(4, 2) for c, i in zip(corners, ids.flatten(), strict=True) if int(i) in MARKER_IDS}


def find_markers(gray: object) -> dict[int, object]:
    """The page's corner markers found in the image: id → its 4 corners (px).

    Looked for as the photo is, then with its contrast evened out; markers still missing are looked for once
    more with more of their bits allowed wrong, and taken only where they sit as the page's layout puts them
    among the others: within MARKER_FIT mm of where the three surely read put them, or (with two) each corner
    on one homography with the rest.
    """
    import cv2

    found: dict[int, object] = {}
    for image in (gray, None):
        if image is None:
            image = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
        for marker_id, corners in _detect(_detector(), image).items():
            found.setdefault(marker_id, corners)
        if len(found) == 4:
            return found
    extra = {i: c for i, c in _detect(_detector(relaxed=True), gray).items() if i not in found}
    if extra and len(found) + len(extra) >= 3 and _markers_fit({**found, **extra}, found if len(found) >= 3 else None):
        found.update(extra)
    return found


def _markers_fit(markers: dict[int, object], reference: dict[int, object] | None = None) -> bool:
    """Whether the homography of the `reference` markers (default: all) carries every corner of `markers` to
    where the layout puts it, within MARKER_FIT mm."""
    import cv2
    import numpy as np

    matrix = page_matrix(reference if reference is not None else markers)
    if matrix is None:
        return False
    source, target = _marker_points(markers)
    placed = cv2.perspectiveTransform(np.float32(source).reshape(-1, 1, 2), matrix).reshape(-1, 2)
    return float(np.abs(placed - np.float32(target)).max()) <= MARKER_FIT


def _marker_points(markers: dict[int, object]) -> tuple[list[object], list[tuple[float, float]]]:
    source, target = [], []
    for marker_id, x, y in marker_positions():
        if marker_id not in markers:
            continue
        source.extend(markers[marker_id])
        target.extend([(x, y), (x + MARKER, y), (x + MARKER, y + MARKER), (x, y + MARKER)])
    return source, target


def page_matrix(markers: dict[int, object]) -> object:
    """The homography from image pixels to page millimetres, from the markers' corners (ids say which is which)."""
    import cv2
    import numpy as np

    source, target = _marker_points(markers)
    matrix, _mask = cv2.findHomography(np.float32(source), np.float32(target))
    return matrix


def _scaled(matrix: object, scale: float, left: float = 0.0, top: float = 0.0, shrink: float = 1.0) -> object:
    """mm homography → pixels at `scale` px/mm of a region starting at (left, top) mm, for an image `shrink`-ed."""
    import numpy as np

    to_px = np.array([[scale, 0, -left * scale], [0, scale, -top * scale], [0, 0, 1]])
    from_full = np.array([[shrink, 0, 0], [0, shrink, 0], [0, 0, 1]])
    return to_px @ matrix @ from_full


def rectify(gray: object, matrix: object) -> object:
    """The page straightened to SCALE px/mm (rotation undone with it)."""
    import cv2

    size = (int(PAGE_W * SCALE), int(PAGE_H * SCALE))
    return cv2.warpPerspective(gray, _scaled(matrix, SCALE), size, flags=cv2.INTER_LINEAR, borderValue=255)


# (px per mm, interpolation) of the QR crops tried in turn: the first reads nearly every photo; the smaller
# ones suit a photo whose page spans few pixels (1 MP, blurred), where big crops only enlarge the blur.
QR_SCALES = ((14.0, "area"), (14.0, "cubic"), (10.0, "cubic"), (8.0, "cubic"), (6.0, "cubic"))


def _qr_crop(full: object, matrix: object, shrink: float, scale: float, interpolation: str) -> object:
    """The QR's region of the page, straightened from the full-size photo at `scale` px/mm."""
    import cv2

    x, y, size = QR_BOX
    margin = 4.0
    side = int((size + 2 * margin) * scale)
    flags = cv2.INTER_AREA if interpolation == "area" else cv2.INTER_CUBIC
    return cv2.warpPerspective(full, _scaled(matrix, scale, x - margin, y - margin, shrink), (side, side),
                               flags=flags, borderValue=255)


def _qr_views(crop: object, first: bool) -> list[object]:
    """The crop as the QR readers are shown it: as is, Otsu-thresholded, sharpened, locally thresholded."""
    import cv2

    views = [crop]
    if first:
        views.append(cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1])
    soft = cv2.GaussianBlur(crop, (0, 0), 2.0)
    views.append(cv2.addWeighted(crop, 2.0, soft, -1.0, 0))  # unsharp mask: a module's edges back
    views.append(cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5))
    return views


def _decode_qr(image: object, zxing: object | None) -> str | None:
    """The text of a QR in one view: zxing-cpp first where installed (faster, kinder to blur), then OpenCV."""
    import cv2

    if zxing is not None:
        for result in zxing.read_barcodes(image, formats=zxing.BarcodeFormat.QRCode):  # type: ignore[attr-defined]
            if result.text:
                return result.text
    try:
        text, _points, _code = cv2.QRCodeDetector().detectAndDecode(image)
    except cv2.error:
        return None
    return text or None


def read_qr(full: object, matrix: object, shrink: float) -> str | None:
    """The QR's text, read from crops of the full-size photo where the layout puts it, at several scales."""
    try:
        import zxingcpp as zxing
    except ImportError:
        zxing = None
    for index, (scale, interpolation) in enumerate(QR_SCALES):
        crop = _qr_crop(full, matrix, shrink, scale, interpolation)
        for image in _qr_views(crop, index == 0):
            text = _decode_qr(image, zxing)
            if text:
                return text
    return None


def page_sharpness(page: object) -> float:
    """How sharp the straightened page is: the variance of its Laplacian."""
    import cv2

    return float(cv2.Laplacian(page, cv2.CV_64F).var())


def _refusal_for(gray: object, found: int) -> UnreadableFile:
    """Why no page was found: too dark, too blurred, or the markers are not in the photo."""
    import cv2

    mean = float(gray.mean())
    if mean < DARK_MEAN:
        return UnreadableFile("paper-too-dark", value=round(mean))
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    if sharpness < BLUR_LIMIT:
        return UnreadableFile("paper-blurred", value=round(sharpness, 1))
    return UnreadableFile("paper-no-markers", found=found)


def _work_image(gray: object) -> tuple[object, float]:
    """The photo brought down to WORK_SIDE pixels on its long side, and the factor it was shrunk by."""
    import cv2

    height, width = gray.shape[:2]
    if height * width < MIN_PIXELS:
        raise UnreadableFile("paper-too-small", width=width, height=height, mp=round(width * height / 1e6, 2))
    long_side = max(height, width)
    if long_side <= WORK_SIDE:
        return gray, 1.0
    factor = WORK_SIDE / long_side
    return cv2.resize(gray, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA), factor


def locate_page(gray: object) -> tuple[object, str]:
    """(straightened page, QR text) of one photo or scanned page; UnreadableFile naming why not."""
    import numpy as np

    work, factor = _work_image(gray)
    markers = find_markers(work)
    if len(markers) < 3:
        raise _refusal_for(work, len(markers))
    matrix = page_matrix(markers)
    page = rectify(work, matrix)
    paper = float(np.percentile(page, 90))  # the paper's own grey: a page this dark has no ink to tell apart
    if paper < 2 * DARK_MEAN:
        raise UnreadableFile("paper-too-dark", value=round(paper))
    text = read_qr(gray, matrix, factor)
    if text is None:
        # a page whose QR reads is sharp enough for its 7 mm boxes (their own contrast decides what is sure);
        # one whose QR does not is refused as blurred when it is
        sharpness = page_sharpness(page)
        if sharpness < BLUR_LIMIT:
            raise UnreadableFile("paper-blurred", value=round(sharpness, 1))
        raise UnreadableFile("paper-qr-unreadable")
    return page, text


# --- reading the boxes ---

def _px(value: float) -> int:
    return int(round(value * SCALE))


def _refine(ink: object, box: Rect) -> tuple[int, int]:
    """The box's outline found again near where the layout puts it: (x, y) of its top-left corner in px."""
    import numpy as np

    side, line, reach = _px(box.w), max(2, _px(0.5)), _px(1.5)
    x0, y0 = _px(box.x), _px(box.y)
    best, where = -1e9, (x0, y0)
    for dy in range(-reach, reach + 1, 2):
        for dx in range(-reach, reach + 1, 2):
            x, y = x0 + dx, y0 + dy
            edges = (ink[y:y + line, x:x + side].mean() + ink[y + side - line:y + side, x:x + side].mean()
                     + ink[y:y + side, x:x + line].mean() + ink[y:y + side, x + side - line:x + side].mean())
            outside = (ink[y - 2 * line:y - line, x:x + side].mean()
                       + ink[y + side + line:y + side + 2 * line, x:x + side].mean())
            score = edges / 4 - outside / 2
            if score > best:
                best, where = score, (x, y)
    # one pixel steps around the best two-pixel step
    x1, y1 = where
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            x, y = x1 + dx, y1 + dy
            edges = (ink[y:y + line, x:x + side].mean() + ink[y + side - line:y + side, x:x + side].mean()
                     + ink[y:y + side, x:x + line].mean() + ink[y:y + side, x + side - line:x + side].mean())
            outside = (ink[y - 2 * line:y - line, x:x + side].mean()
                       + ink[y + side + line:y + side + 2 * line, x:x + side].mean())
            score = float(np.float64(edges / 4 - outside / 2))
            if score > best:
                best, where = score, (x, y)
    return where


def measure_box(page: object, box: Rect) -> tuple[BoxRead, tuple[int, int, int, int]]:
    """The ink in one box relative to its own paper and outline, and the crop (x, y, w, h) kept for the clerk."""
    import numpy as np

    pad = _px(3.0)
    side = _px(box.w)
    gx, gy = _px(box.x) - pad, _px(box.y) - pad
    window = page[gy:gy + side + 2 * pad, gx:gx + side + 2 * pad].astype(np.float32)
    ink = 255.0 - window
    rx, ry = _refine(ink, Rect(box.x - gx / SCALE, box.y - gy / SCALE, box.w, box.h))
    line = max(2, _px(0.5))
    outline = np.concatenate([window[ry:ry + line, rx:rx + side].ravel(),
                              window[ry + side - line:ry + side, rx:rx + side].ravel(),
                              window[ry:ry + side, rx:rx + line].ravel(),
                              window[ry:ry + side, rx + side - line:rx + side].ravel()])
    paper = float(np.percentile(window, 85))
    black = float(np.percentile(outline, 20))
    contrast = max(paper - black, 1.0)
    inset = _px(1.1)
    inside = window[ry + inset:ry + side - inset, rx + inset:rx + side - inset]
    fill = float((inside < paper - 0.5 * contrast).mean())
    faint = float((inside < paper - 0.22 * contrast).mean())
    band0, band1 = _px(0.7), _px(1.8)
    top = window[max(ry - band1, 0):ry - band0, rx:rx + side]
    bottom = window[ry + side + band0:ry + side + band1, rx:rx + side]
    ring = min(float((top < paper - 0.5 * contrast).mean()) if top.size else 0.0,
               float((bottom < paper - 0.5 * contrast).mean()) if bottom.size else 0.0)
    if contrast < MIN_CONTRAST:
        state = "faint" if faint >= FAINT_LIGHT else "blank"
    elif fill >= MARK_FILL or ring >= RING_MARK:
        state = "mark"
    elif fill >= FAINT_FILL or faint >= FAINT_LIGHT or ring >= RING_MARK / 3:
        state = "faint"
    else:
        state = "blank"
    return BoxRead(fill, faint, ring, state, contrast), (gx, gy, side + 2 * pad, side + 2 * pad)


def read_boxes(page: object, template: Template, layout: PageLayout,
               year: int | None = None) -> tuple[list[TaskRead], dict[str, bytes]]:
    """Every task row of one straightened page: its two boxes measured, their crops as PNG, and (given the
    campaign's `year`) the 完成时间 written beside a 是 read by OCR."""
    import cv2

    tasks, crops = [], {}
    for row in layout.rows:
        task = template.tasks[row.task_index]
        reads = []
        for name, box in (("yes", row.yes), ("no", row.no)):
            read, (x, y, w, h) = measure_box(page, box)
            reads.append(read)
            crops[f"task-{task.number:02d}-{name}.png"] = cv2.imencode(".png", page[y:y + h, x:x + w])[1].tobytes()
        if row.date is not None:
            d = row.date
            crop = page[_px(d.y):_px(d.y + d.h), _px(d.x):_px(d.x + d.w)]
            crops[f"task-{task.number:02d}-date.png"] = cv2.imencode(".png", crop)[1].tobytes()
        tasks.append(TaskRead(task.id, task.number, layout.number, reads[0], reads[1]))
    if year is not None:
        cells = {i: row.date for i, (row, t) in enumerate(zip(layout.rows, tasks, strict=True))
                 if row.date is not None and t.answer == "是"}
        for i, date in read_dates(page, cells, year, SCALE).items():
            tasks[i] = replace(tasks[i], date=date)
    return tasks, crops


def read_paper(data: bytes, templates: dict[str, Template], kind: str = "一张照片") -> PaperRead:
    """Read a photo or scan of a printed form: every page located, identified and its boxes measured.

    UnreadableFile (its code names the refusal) when the extra is missing, or the photo cannot be read.
    """
    if not paper_ready():
        raise UnreadableFile("paper-extra-missing", format=kind)
    import cv2

    read: PaperRead | None = None
    seen: dict[int, list[TaskRead]] = {}
    images: dict[str, bytes] = {}
    for gray in decode_pages(data):
        page, text = locate_page(gray)
        parsed = parse_qr_payload(text)
        if parsed is None:
            raise UnreadableFile("paper-qr-foreign", value=text[:40])
        identity, chash, number, pages = parsed
        template = templates.get(identity.template_id)
        if template is None:
            raise UnreadableFile("unknown-template")
        if not identity.template_version or not template.version.startswith(identity.template_version):
            raise UnreadableFile("paper-version-mismatch", template=template.title, value=identity.template_version,
                                 current=template.version)
        layouts = page_layouts(template)
        if number < 1 or number > len(layouts) or pages != len(layouts):
            raise UnreadableFile("paper-version-mismatch", template=template.title,
                                 value=identity.template_version, current=template.version)
        if read is None:
            read = PaperRead(identity, chash, pages, [])
        tasks, crops = read_boxes(page, template, layouts[number - 1], identity.year)
        seen[number] = tasks
        images[f"page-{number}.jpg"] = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
        images.update(crops)
    assert read is not None
    missing = [n for n in range(1, read.pages + 1) if n not in seen]
    if missing:
        raise UnreadableFile("paper-page-missing", page="、".join(map(str, sorted(seen))), pages=read.pages,
                             missing="、".join(map(str, missing)))
    read.tasks = [t for n in sorted(seen) for t in seen[n]]
    read.images = images
    return read


# --- handing the read to ingest ---

def paper_sheet(read: PaperRead, template: Template, roster: Roster) -> RawSheet:
    """The read as a sheet laid out like the CSV form (identity line, header, task table), for ingest."""
    unit = roster.by_id().get(read.identity.unit_id)
    rows: list[list[object]] = [list(r) for r in form_rows(template, read.identity, unit.name if unit else "",
                                                           unit.head if unit else "")]
    fields = [c.field for c in template.columns]
    answers = {t.task_id: t for t in read.tasks}
    first = next(i for i, r in enumerate(rows) if r == [c.label for c in template.columns]) + 1
    for offset, task in enumerate(template.tasks):
        row = rows[first + offset]
        read_task = answers.get(task.id)
        answer = read_task.answer if read_task else ""
        if "done" in fields:
            row[fields.index("done")] = answer if answer in ("是", "否") else ""
        day = ocr_day(read_task) if read_task else None
        if "done_on" in fields and answer == "是" and day is not None:
            row[fields.index("done_on")] = f"{day.month}月{day.day}日"
    return RawSheet("纸质表", rows)


def ocr_day(task: TaskRead) -> dt.date | None:
    """The 完成时间 OCR read for a task, when it read one it is sure of."""
    return task.date.day if task.date is not None else None


def paper_findings(read: PaperRead, return_id: str, source: str) -> list[Problem]:
    """A paper-unsure warning per task left unknown, one per date OCR read (to confirm), and one for the
    handwritten dates kept only as images."""
    found = []
    for task in read.tasks:
        if task.answer == "?":
            found.append(make_problem("paper-unsure", file=source, sheet="纸质表", row=task.number, column="是否完成",
                                      number=task.number, box=task.unsure_box(), yes=f"{task.yes.ink:.0%}",
                                      no=f"{task.no.ink:.0%}", return_id=return_id))
        elif task.answer == "是" and (day := ocr_day(task)) is not None:
            found.append(make_problem("paper-date-ocr", file=source, sheet="纸质表", row=task.number,
                                      column="完成时间", number=task.number, date=f"{day.month}月{day.day}日",
                                      text=task.date.text, mmdd=f"{day:%m-%d}",  # type: ignore[union-attr]
                                      return_id=return_id))
    ticked = [str(t.number) for t in read.tasks if t.answer == "是" and ocr_day(t) is None]
    if ticked:
        found.append(make_problem("paper-dates-unread", file=source, sheet="纸质表", column="完成时间",
                                  tasks="、".join(ticked), return_id=return_id))
    return found


NOT_READ_ON_PAPER = frozenset({"done-without-date", "missing-signature", "missing-date"})


def finish_record(record: object, read: PaperRead, source: str) -> object:
    """The record of a paper return: handwriting it does not read unflagged, its own findings added."""
    kept = tuple(f for f in record.findings if f.code not in NOT_READ_ON_PAPER)  # type: ignore[attr-defined]
    findings = kept + tuple(paper_findings(read, record.return_id, source))  # type: ignore[attr-defined]
    answers = {t.task_id: t for t in read.tasks}
    new_answers = tuple(replace(a, raw_done=answers[a.task_id].answer if a.task_id in answers else a.raw_done)
                        for a in record.answers)  # type: ignore[attr-defined]
    return replace(record, findings=findings, answers=new_answers, recognised_by="paper")  # type: ignore[type-var]


def paper_attachments(read: PaperRead) -> dict[str, bytes]:
    """What is stored beside the record: the straightened pages, the box crops, and read.json."""
    measures = {
        "identity": {"template": read.identity.template_id, "template_version": read.identity.template_version,
                     "unit_id": read.identity.unit_id, "year": read.identity.year, "round": read.identity.round,
                     "campaign_hash": read.campaign_hash, "pages": read.pages},
        "tasks": [{"task_id": t.task_id, "number": t.number, "page": t.page, "read": t.answer,
                   "yes": t.yes.to_dict(), "no": t.no.to_dict(),
                   "date": t.date.to_dict() if t.date is not None else None} for t in read.tasks],
    }
    files = dict(read.images)
    files["read.json"] = (json.dumps(measures, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


@dataclass
class PhotoReturn:
    """A photo read for ingest: the sheet to check like a spreadsheet, and what finishes its record."""

    read: PaperRead
    sheet: RawSheet

    def finish(self, outcome: object, source: str) -> object:
        """An outcome of this photo with its paper findings and the images kept beside the record."""
        record = outcome.record  # type: ignore[attr-defined]
        if record is not None:
            record = finish_record(record, self.read, source)
            outcome.record = record  # type: ignore[attr-defined]
            outcome.findings = [f for f in outcome.findings  # type: ignore[attr-defined]
                                if f.code not in NOT_READ_ON_PAPER] + [
                f for f in record.findings if f.code.startswith("paper-")]  # type: ignore[attr-defined]
            outcome.attachments = paper_attachments(self.read)  # type: ignore[attr-defined]
        return outcome


def read_photo(data: bytes, templates: dict[str, Template], roster: Roster, campaign: object,
               kind: str) -> PhotoReturn:
    """Read a photo or scan for ingest; UnreadableFile (refused, the photo named) when it cannot be read."""
    from fupin_cli.forms.pdf import campaign_hash

    read = read_paper(data, templates, kind)
    year, name = campaign.year, campaign.name  # type: ignore[attr-defined]
    if read.identity.year != year or read.campaign_hash != campaign_hash(replace(read.identity, campaign=name)):
        raise UnreadableFile("form-other-campaign", campaign=f"{read.identity.year} 年，编号 {read.campaign_hash}",
                             current=name)
    read.identity = replace(read.identity, campaign=name)
    template = templates[read.identity.template_id]
    return PhotoReturn(read, paper_sheet(read, template, roster))
