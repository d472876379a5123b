"""Synthetic phone photos of the printed PDF form: render, mark the boxes by hand, photograph with damage.

Used by the paper tests (a few photos) and benchmarks/paper.py (hundreds). Marks: tick ✓, cross ×, filled ■,
circle ○ around the box, a scribbled-out mark; stroke 0.3–1.2 mm, grey to black. Damage: a camera
leaning up to 30°, the page turned any way (0–360°, its bounding box spanning the same share of the frame),
1–12 MP, blur, noise, a shadow across part of the page, JPEG quality 40–90.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2

from fupin_cli.forms.pdf import Rect

MARKS = ("tick", "cross", "fill", "circle")


def render_pages(pdf: bytes, dpi: int = 200) -> list[np.ndarray]:
    """Every page of a PDF as a grayscale image at `dpi`."""
    document = pypdfium2.PdfDocument(pdf)
    return [np.asarray(document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")).copy()
            for i in range(len(document))]


def draw_mark(page: np.ndarray, box: Rect, kind: str, dpi: int, stroke_mm: float = 0.6, level: int = 30,
              rng: np.random.Generator | None = None) -> None:
    """Draw a hand mark of `kind` in (or around) a box of the rendered page, in place."""
    rng = rng or np.random.default_rng(0)
    px = dpi / 25.4
    x, y, w, h = box.x * px, box.y * px, box.w * px, box.h * px
    thick = max(1, round(stroke_mm * px))
    jitter = lambda: rng.uniform(-0.08, 0.08) * w  # noqa: E731
    if kind == "tick":
        pts = [(x + 0.15 * w + jitter(), y + 0.55 * h + jitter()), (x + 0.42 * w + jitter(), y + 0.85 * h),
               (x + 0.95 * w + jitter(), y + 0.05 * h + jitter())]
        cv2.polylines(page, [np.int32(pts)], False, level, thick, cv2.LINE_AA)
    elif kind == "cross":
        cv2.line(page, (int(x + 0.15 * w + jitter()), int(y + 0.15 * h)), (int(x + 0.85 * w), int(y + 0.85 * h + jitter())),
                 level, thick, cv2.LINE_AA)
        cv2.line(page, (int(x + 0.85 * w + jitter()), int(y + 0.15 * h)), (int(x + 0.15 * w), int(y + 0.85 * h)),
                 level, thick, cv2.LINE_AA)
    elif kind == "fill":
        cv2.rectangle(page, (int(x + 0.12 * w), int(y + 0.12 * h)), (int(x + 0.88 * w), int(y + 0.88 * h)), level, -1)
    elif kind == "circle":
        cv2.ellipse(page, (int(x + w / 2), int(y + h / 2)), (int(w * 0.85), int(h * 0.8)), rng.uniform(0, 30), 0, 340,
                    level, thick, cv2.LINE_AA)
    elif kind == "faint":  # a brush of the pen, not a mark: a short light dash
        cv2.line(page, (int(x + 0.38 * w), int(y + 0.5 * h)), (int(x + 0.6 * w), int(y + 0.56 * h)), 150,
                 max(1, round(0.3 * px)), cv2.LINE_AA)
    elif kind == "scribble":  # a mark crossed out: dense strokes over the box
        for i in range(6):
            cv2.line(page, (int(x + 0.1 * w), int(y + (0.15 + 0.13 * i) * h)), (int(x + 0.9 * w), int(y + (0.1 + 0.13 * i) * h)),
                     level, thick, cv2.LINE_AA)


@dataclass
class Damage:
    """How a synthetic photo is taken."""

    megapixels: float = 4.0
    rotation: float = 0.0  # degrees, the page turned in its own plane
    tilt: float = 0.0  # degrees the camera leans away from straight above the page (perspective)
    blur: float = 0.0  # Gaussian sigma in px
    noise: float = 0.0  # sigma in grey levels
    shadow: float = 0.0  # 0..1 darkening of part of the page
    jpeg: int = 85
    fill: float = 0.8  # share of the photo's long or short side (whichever binds) the page spans


PHONE_FOV = 69.0  # degrees across the long side of a phone's main camera (26 mm equivalent)


def page_quad(width: float, height: float, damage: Damage, rng: np.random.Generator) -> np.ndarray:
    """Where the page's corners land in a pinhole camera leaning `tilt` degrees, the page turned `rotation`."""
    corners = np.float64([[-width, -height, 0], [width, -height, 0], [width, height, 0], [-width, height, 0]]) / 2
    a = math.radians(damage.rotation)
    turn = np.float64([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    # lean about an axis in the page's plane, in a random direction (Rodrigues' formula)
    phi, t = rng.uniform(0, 2 * math.pi), math.radians(damage.tilt)
    k = np.float64([math.cos(phi), math.sin(phi), 0])
    cross = np.float64([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    lean = np.eye(3) + math.sin(t) * cross + (1 - math.cos(t)) * cross @ cross
    points = corners @ turn.T @ lean.T
    # the phone as far away as it must be for the page to span `fill` of its view
    distance = max(width, height) / damage.fill / 2 / math.tan(math.radians(PHONE_FOV / 2))
    depth = distance + points[:, 2]
    return np.stack([points[:, 0] * distance / depth, points[:, 1] * distance / depth], axis=1)


def photograph(page: np.ndarray, damage: Damage, rng: np.random.Generator) -> bytes:
    """A JPEG 'phone photo' of a rendered page with the given damage, the page framed to span `fill` of it."""
    ph, pw = page.shape
    quad = page_quad(pw, ph, damage, rng)
    span = quad.max(axis=0) - quad.min(axis=0)
    out_w = math.ceil(math.sqrt(damage.megapixels * 1e6 * 4 / 3))
    out_h = math.ceil(out_w * 3 / 4)
    if span[1] > span[0]:  # the phone held upright for a page that stands upright in the view
        out_w, out_h = out_h, out_w
    scale = damage.fill * min(out_w / span[0], out_h / span[1])
    room = (1 - damage.fill) / 2 * 0.8
    centre = np.float64([out_w, out_h]) * (0.5 + rng.uniform(-room, room, 2))
    target = (quad - (quad.max(axis=0) + quad.min(axis=0)) / 2) * scale + centre
    corners = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    matrix = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
    background = int(rng.integers(60, 140))
    photo = cv2.warpPerspective(page, matrix, (out_w, out_h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                borderValue=background).astype(np.float32)
    cx, cy = centre
    photo *= rng.uniform(0.8, 1.0)  # exposure
    if damage.shadow:
        yy, xx = np.mgrid[0:out_h, 0:out_w]
        angle = rng.uniform(0, 2 * math.pi)
        edge = (xx - cx) * math.cos(angle) + (yy - cy) * math.sin(angle)
        photo *= 1 - damage.shadow * (1 / (1 + np.exp(-edge / (0.05 * out_w))))
    if damage.blur:
        photo = cv2.GaussianBlur(photo, (0, 0), damage.blur)
    if damage.noise:
        photo += rng.normal(0, damage.noise, photo.shape).astype(np.float32)
    image = np.clip(photo, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(damage.jpeg)])[1].tobytes()


def random_damage(rng: np.random.Generator) -> Damage:
    """A random photo as the issue describes it: perspective up to 30°, any rotation, 1–12 MP, blur, noise, shadow."""
    return Damage(megapixels=float(rng.uniform(1.0, 12)), rotation=float(rng.uniform(0, 360)),
                  tilt=float(rng.uniform(0, 30)), blur=float(rng.uniform(0, 1.5)),
                  noise=float(rng.uniform(0, 8)), shadow=float(rng.uniform(0, 0.45)),
                  jpeg=int(rng.integers(40, 91)), fill=float(rng.uniform(0.75, 0.95)))


HAND_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def hand_font(size_px: int, rng: np.random.Generator) -> object | None:
    """A CJK font of the machine at `size_px`, a different face each time; None when the machine has none."""
    from PIL import ImageFont

    faces = [path for path in HAND_FONTS if Path(path).is_file()]
    if not faces:
        return None
    path = faces[int(rng.integers(len(faces)))]
    return ImageFont.truetype(path, size_px, index=2 if path.endswith(".ttc") and "Noto" in path else 0)


def draw_digits(page: np.ndarray, text: str, centre_x: float, baseline: float, dpi: int, level: int,
                rng: np.random.Generator) -> None:
    """Write digits by 'hand' on the page, in place: each one its own size, slant, tilt and place (mm)."""
    from PIL import Image, ImageDraw

    px = dpi / 25.4
    height_mm = float(rng.uniform(3.6, 5.6))
    font = hand_font(max(8, round(height_mm * 1.35 * px)), rng)
    if font is None:
        raise RuntimeError("no CJK font on this machine to write dates with (apt-get install fonts-noto-cjk)")
    advance = height_mm * float(rng.uniform(0.55, 0.75))
    x = centre_x - advance * len(text) / 2
    for ch in text:
        side = round(height_mm * 2.2 * px)
        glyph = Image.new("L", (side, side), 0)
        ImageDraw.Draw(glyph).text((side / 2, side / 2), ch, fill=255, font=font, anchor="mm")
        shear = float(rng.uniform(-0.25, 0.1))
        glyph = glyph.transform(glyph.size, Image.AFFINE, (1, shear, -shear * side / 2, 0, 1, 0), Image.BILINEAR)
        glyph = glyph.rotate(float(rng.uniform(-12, 12)), Image.BILINEAR)
        ink = np.asarray(glyph, dtype=np.float32) / 255
        cx = (x + advance / 2 + rng.uniform(-0.4, 0.4)) * px
        cy = (baseline - height_mm / 2 - 0.6 + rng.uniform(-0.6, 0.5)) * px
        x0, y0 = round(cx - side / 2), round(cy - side / 2)
        h, w = page.shape
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        part = ink[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]
        region = page[sy0:sy1, sx0:sx1].astype(np.float32)
        page[sy0:sy1, sx0:sx1] = np.minimum(region, 255 - part * (255 - level)).astype(np.uint8)
        x += advance * float(rng.uniform(0.9, 1.1))


def draw_date(page: np.ndarray, cell: Rect, month: int, day: int, dpi: int, level: int = 30,
              rng: np.random.Generator | None = None) -> None:
    """Write a 完成时间 by hand into the blanks of "____月____日" in a date cell of the rendered page, in place."""
    from fupin_cli.forms.pdf import date_blanks

    rng = rng or np.random.default_rng(0)
    month_blank, day_blank = date_blanks(cell)
    baseline = month_blank.y + month_blank.h
    draw_digits(page, str(month), month_blank.x + month_blank.w / 2, baseline, dpi, level, rng)
    draw_digits(page, str(day), day_blank.x + day_blank.w / 2, baseline, dpi, level, rng)
