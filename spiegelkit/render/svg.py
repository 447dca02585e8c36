"""A small SVG drawing kit for the handout's charts: scales, a canvas, markers, axes, legends.

Why not matplotlib? A handout has some 26 charts and a group five or six versions of it.
Matplotlib spent 0.3 s per chart on layout, text and PNG encoding (7.9 s of 10.4 s per
version, measured on the demo groups), which puts a national batch of 1,300 groups at
hours instead of minutes. Written as SVG the same charts take milliseconds, are sharp on
paper at any size, and a tenth of the bytes. The parts
that libraries do well still come from them: tick positions from matplotlib's locators,
colour maps from matplotlib, the colour-blind palette from seaborn.

Everything here is deterministic (the same chart gives the same bytes) and every text is
escaped: names from params and data reach the page as text only.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from html import escape

import numpy as np

FONT = '"DejaVu Sans", Arial, Helvetica, sans-serif'
CHAR_WIDTH = 0.56  # average width of a character, in font sizes (for layout only)


@functools.lru_cache(maxsize=1 << 16)  # grid lines, rows and panels repeat their coordinates
def num(value: float) -> str:
    """A coordinate or other number, short: 12.5, 3, -0.25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")  # there is always a dot to stop at
    return "0" if text == "-0" else text


def nums(values) -> list[str]:
    """:func:`num` of every value (of a path, say), without a call per value."""
    texts = [f"{v:.2f}".rstrip("0").rstrip(".") for v in np.asarray(values, dtype=float).ravel().tolist()]
    return ["0" if text == "-0" else text for text in texts]


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


@dataclass(frozen=True)
class Scale:
    """Maps data values in [low, high] onto pixels [start, end], linear or logarithmic;
    values outside are clipped to the ends."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value):
        lo, hi = self.low, self.high
        if isinstance(value, float):  # one value (np.float64 too): the same sums, less numpy
            v = min(max(value, lo), hi)
        else:
            v = np.clip(np.asarray(value, dtype=float), lo, hi)
        if self.log:
            v, lo, hi = np.log(v), np.log(lo), np.log(hi)
        return self.start + (v - lo) / (hi - lo) * (self.end - self.start)

    def contains(self, value) -> np.ndarray:
        v = np.asarray(value, dtype=float)
        return (v >= self.low) & (v <= self.high)


@functools.cache
def _name(key: str) -> str:
    return "class" if key == "class_" else key.replace("_", "-")


@functools.lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    return escape(value, quote=True)


def _attributes(attrs: dict) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        if isinstance(value, str):  # mostly a few colours and words, kept escaped
            value = _escaped(value) if len(value) < 40 else escape(value, quote=True)
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            value = num(value)  # digits, a dot and a minus: nothing to escape
        else:
            value = escape(str(value), quote=True)
        parts.append(f' {_name(key)}="{value}"')
    return "".join(parts)


def _shape(marker: str, x: float, y: float, r: float) -> tuple[str, dict]:
    """Tag and attributes of a marker centred on (x, y) with radius `r`."""
    if marker == "o":
        return "circle", dict(cx=x, cy=y, r=r)
    h = r * 0.9
    points = {
        "s": [(-h, -h), (h, -h), (h, h), (-h, h)],
        "D": [(0, -r * 1.2), (r * 1.2, 0), (0, r * 1.2), (-r * 1.2, 0)],
        "^": [(0, -r * 1.2), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)],
        "v": [(0, r * 1.2), (r * 1.1, -r * 0.8), (-r * 1.1, -r * 0.8)],
        "P": [(-h / 3, -h), (h / 3, -h), (h / 3, -h / 3), (h, -h / 3), (h, h / 3), (h / 3, h / 3),
              (h / 3, h), (-h / 3, h), (-h / 3, h / 3), (-h, h / 3), (-h, -h / 3), (-h / 3, -h / 3)],
        "|": [(-0.6, -r), (0.6, -r), (0.6, r), (-0.6, r)],
    }[marker]
    return "polygon", dict(points=" ".join(f"{num(x + dx)},{num(y + dy)}" for dx, dy in points))


def _title(text: str | None) -> str | None:
    return f"<title>{escape(text)}</title>" if text else None


@functools.lru_cache(maxsize=1 << 14, typed=True)  # the versions of a group draw the same points
def _marker(marker: str, x: float, y: float, r: float, fill: str, stroke: str, title: str | None,
            attrs: tuple) -> str:
    """The element of :meth:`Canvas.marker`."""
    tag, shape = _shape(marker, x, y, r)
    content, attributes = _title(title), _attributes(dict(fill=fill, stroke=stroke, **shape, **dict(attrs)))
    return f"<{tag}{attributes}>{content}</{tag}>" if content else f"<{tag}{attributes}/>"


class Canvas:
    """An SVG picture built element by element, in pixels from the top left."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.parts: list[str] = []

    def element(self, tag: str, content: str | None = None, **attrs) -> None:
        self.parts.append(f"<{tag}{_attributes(attrs)}>{content}</{tag}>" if content
                          else f"<{tag}{_attributes(attrs)}/>")

    @contextlib.contextmanager
    def group(self, **attrs):
        self.parts.append(f"<g{_attributes(attrs)}>")
        yield
        self.parts.append("</g>")

    def line(self, x1, y1, x2, y2, stroke="#000", width=1.0, **attrs) -> None:
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, stroke_width=width, **attrs)

    def path(self, xs, ys, stroke="#000", width=1.0, **attrs) -> None:
        """A line through the points; a NaN breaks it (for parts outside a panel)."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        gaps = (np.isnan(xs) | np.isnan(ys)).tolist()
        commands, pen_down = [], False
        for gap, x, y in zip(gaps, nums(xs), nums(ys)):
            if gap:
                pen_down = False
                continue
            commands.append(f"{'L' if pen_down else 'M'}{x} {y}")
            pen_down = True
        if commands:
            self.element("path", d=" ".join(commands), fill="none", stroke=stroke,
                         stroke_width=width, **attrs)

    def rect(self, x, y, width, height, fill="#000", title: str | None = None, **attrs) -> None:
        """A rectangle; `title` is what a reader sees on hovering it (an SVG <title>)."""
        self.element("rect", _title(title), x=x, y=y, width=max(width, 0), height=max(height, 0),
                     fill=fill, **attrs)

    def marker(self, marker: str, x, y, r=4.0, fill="#000", stroke="#000",
               title: str | None = None, **attrs) -> None:
        """A marker; `title` is what a reader sees on hovering it (an SVG <title>)."""
        self.parts.append(_marker(marker, float(x), float(y), r, fill, stroke, title,
                                  tuple(attrs.items())))

    def dots(self, xs, ys, r=2.0, fill="#000", **attrs) -> None:
        """Many small circles as one path (a region's practices): one element, not hundreds."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        arcs = (f"a{num(r)} {num(r)} 0 1 0 {num(2 * r)} 0"
                f"a{num(r)} {num(r)} 0 1 0 {num(-2 * r)} 0")
        d = "".join(f"M{x} {y}{arcs}" for x, y in zip(nums(xs - r), nums(ys)))
        if d:
            self.element("path", d=d, fill=fill, stroke="none", **attrs)

    def text(self, x, y, text: str, size=11.0, anchor="start", lines: list[str] | None = None,
             **attrs) -> None:
        """Text with its baseline at `y`; `lines` gives several lines, 1.2 sizes apart."""
        lines = lines or [text]
        content = escape(lines[0]) if len(lines) == 1 else "".join(
            f'<tspan x="{num(x)}" dy="{0 if i == 0 else num(size * 1.2)}">{escape(line)}</tspan>'
            for i, line in enumerate(lines))
        self.element("text", content or " ", x=x, y=y, font_size=size, text_anchor=anchor, **attrs)

    def svg(self) -> str:
        """The whole picture as an SVG document."""
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} '
                f'{num(self.height)}" width="{num(self.width)}" height="{num(self.height)}" '
                f'font-family="{escape(FONT)}">' + "".join(self.parts) + "</svg>")


def x_axis(canvas: Canvas, scale: Scale, ticks, labels, top: float, bottom: float,
           size: float = 10.0, grid: str = "#e2e2e2") -> None:
    """Vertical grid lines at `ticks` from `top` to `bottom`, labels under `bottom`."""
    for tick, label in zip(ticks, labels):
        x = scale(tick)
        canvas.line(x, top, x, bottom, stroke=grid)
        canvas.text(x, bottom + size + 3, label, size=size, anchor="middle")


def y_axis(canvas: Canvas, scale: Scale, ticks, labels, left: float, right: float,
           size: float = 10.0, grid: str = "#e2e2e2") -> None:
    """Horizontal grid lines at `ticks` from `left` to `right`, labels left of `left`."""
    for tick, label in zip(ticks, labels):
        y = scale(tick)
        canvas.line(left, y, right, y, stroke=grid)
        canvas.text(left - 4, y + size * 0.35, label, size=size, anchor="end")


@dataclass(frozen=True)
class Key:
    """One entry of a legend: a marker, a line (`dash` as SVG dasharray) or both."""

    label: str
    colour: str = "#000"
    marker: str | None = "o"
    line: bool = False
    dash: str | None = None
    opacity: float = 1.0
    filled: bool = True


def legend(canvas: Canvas, keys: list[Key], left: float, top: float, width: float,
           columns: int = 3, size: float = 11.0) -> float:
    """Draw the keys in rows of `columns`; returns the y below the legend."""
    canvas.parts.append(_legend(tuple(keys), left, top, width, columns, size))
    return top + -(-len(keys) // columns) * (size * 1.6)


@functools.lru_cache(maxsize=1024)  # a handout repeats its legends per domain, a group's versions too
def _legend(keys: tuple[Key, ...], left: float, top: float, width: float, columns: int,
            size: float) -> str:
    """The elements of :func:`legend`."""
    canvas = Canvas(0, 0)
    column_width = width / columns
    row_height = size * 1.6
    for i, key in enumerate(keys):
        x = left + (i % columns) * column_width
        y = top + (i // columns) * row_height + row_height / 2
        with canvas.group(opacity=key.opacity if key.opacity < 1 else None):
            if key.line or key.dash:
                canvas.line(x, y, x + 22, y, stroke=key.colour, width=1.5, stroke_dasharray=key.dash)
            if key.marker:
                canvas.marker(key.marker, x + 11, y, r=4.5, fill=key.colour if key.filled else "#fff",
                              stroke=key.colour, stroke_width=1.2)
        canvas.text(x + 28, y + size * 0.35, key.label, size=size)
    return "".join(canvas.parts)


def fitting_size(texts, size: float, width: float, smallest: float = 6.5) -> float:
    """The largest font size up to `size` at which every word of `texts` fits `width`
    pixels, so that a long name ("Huisartsenpraktijk") wraps between words, never overlaps."""
    longest = max((len(word) for text in texts for word in str(text).split()), default=1)
    return max(min(size, width / (longest * CHAR_WIDTH)), smallest)


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` broken into lines that fit `width` pixels at font `size` (at most 3)."""
    import textwrap

    per_line = max(int(width / (size * CHAR_WIDTH)), 6)
    lines = textwrap.wrap(text, per_line, break_long_words=False) or [""]
    if len(lines) > 3:
        lines = lines[:2] + [textwrap.shorten(" ".join(lines[2:]), per_line, placeholder="…")]
    return lines
