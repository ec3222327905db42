"""The situation report's chart: cases created per hour or per day, stacked by current status, as an SVG.

The chart is drawn with QPainter into a QSvgGenerator, so the PDF keeps it as vector graphics and the plugin
needs no plotting library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from qgis.PyQt.QtCore import QCoreApplication, QPointF, QRect, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from qgis.PyQt.QtSvg import QSvgGenerator

from .core.statuses import STATUS_COLOURS, STATUSES
from .core.timeutil import to_vietnam_time
from .style import UNKNOWN_STATUS_COLOUR, status_display_name

# Spans up to this long are counted per hour, longer ones per day.
HOURLY_MAX_SPAN = timedelta(hours=72)
# The chart shows at most this span before the newest plausible creation time. Older cases, such as those
# from a phone whose clock reads 1970, are left out and counted in the caption.
MAX_WINDOW = timedelta(days=60)
# A creation time later than the time of the data plus this slack comes from a wrong clock.
FUTURE_SLACK = timedelta(days=1)

# Drawing units per millimetre of the chart on paper: the SVG is drawn at this density, then scaled to the
# picture item, so font sizes below are in points on paper.
_UNITS_PER_MM = 10.0
_UNITS_PER_POINT = _UNITS_PER_MM * 25.4 / 72.0
_FONT_FAMILY = "DejaVu Sans"
_OTHER_STATUS = "other"


@dataclass
class CaseTimeline:
    """Cases created per time bucket and status, in Vietnam time.

    `bucket_starts` are naive Vietnam times, one per bucket, without gaps. `counts[status][i]` is the
    number of cases created in bucket i whose current status is `status`. The chart leaves out the cases
    counted in `undated`, which have no creation time, and in `out_of_window`, whose creation time is
    after the time of the data or more than MAX_WINDOW before the newest plausible one.
    """

    bucket_starts: list[datetime] = field(default_factory=list)
    hourly: bool = True
    counts: dict[str, list[int]] = field(default_factory=dict)
    undated: int = 0
    out_of_window: int = 0

    def total(self) -> int:
        return sum(sum(values) for values in self.counts.values())


def _bucket_start(moment: datetime, hourly: bool) -> datetime:
    if hourly:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def build_timeline(
    cases: Iterable[tuple[Optional[datetime], Optional[str]]], data_time: Optional[datetime] = None
) -> CaseTimeline:
    """Count cases per creation hour (spans up to 72 h) or creation day, split by current status.

    `cases` yields (created_at, status) pairs, with created_at a naive Vietnam time or None. A status outside
    STATUSES, or None, is counted under "other". Cases without a creation time are counted in `undated`
    only. `data_time`, a naive Vietnam time, defaults to now. A creation time more than a day after it, or
    more than 60 days before the newest creation time left, is taken for a wrong phone clock. Such a case is
    counted in `out_of_window` only, so the chart never spans more than about 60 days.
    """
    latest_plausible = (data_time or _vietnam_now()) + FUTURE_SLACK
    dated: list[tuple[datetime, str]] = []
    undated = 0
    for created_at, status in cases:
        if created_at is None:
            undated += 1
            continue
        dated.append((created_at, status if status in STATUSES else _OTHER_STATUS))
    in_time = [(moment, status) for moment, status in dated if moment <= latest_plausible]
    if in_time:
        earliest_shown = max(moment for moment, _ in in_time) - MAX_WINDOW
        in_time = [(moment, status) for moment, status in in_time if moment >= earliest_shown]
    out_of_window = len(dated) - len(in_time)
    if not in_time:
        return CaseTimeline(undated=undated, out_of_window=out_of_window)

    first = min(moment for moment, _ in in_time)
    last = max(moment for moment, _ in in_time)
    hourly = last - first <= HOURLY_MAX_SPAN
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    start = _bucket_start(first, hourly)
    bucket_count = int((_bucket_start(last, hourly) - start) / step) + 1

    counts: dict[str, list[int]] = {}
    for moment, status in in_time:
        index = int((_bucket_start(moment, hourly) - start) / step)
        counts.setdefault(status, [0] * bucket_count)[index] += 1
    bucket_starts = [start + step * index for index in range(bucket_count)]
    return CaseTimeline(
        bucket_starts=bucket_starts,
        hourly=hourly,
        counts=counts,
        undated=undated,
        out_of_window=out_of_window,
    )


def _vietnam_now() -> datetime:
    return to_vietnam_time(datetime.now(timezone.utc)).replace(tzinfo=None)


def _status_order(timeline: CaseTimeline) -> list[str]:
    ordered = [status for status in STATUSES if status in timeline.counts]
    if _OTHER_STATUS in timeline.counts:
        ordered.append(_OTHER_STATUS)
    return ordered


def _status_label(status: str) -> str:
    if status == _OTHER_STATUS:
        return QCoreApplication.translate("SosStyle", "Other status")
    return status_display_name(status)


def _nice_step(maximum: int, max_ticks: int = 6) -> int:
    """Return a tick step of 1, 2 or 5 times a power of ten that gives at most `max_ticks` ticks."""
    raw = max(1.0, maximum / max_ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont(_FONT_FAMILY)
    font.setPixelSize(max(1, round(points * _UNITS_PER_POINT)))
    font.setBold(bold)
    return font


def _bucket_label(start: datetime, hourly: bool, with_year: bool) -> str:
    day = start.strftime("%d/%m/%Y" if with_year else "%d/%m")
    return start.strftime("%H:00") + "\n" + day if hourly else day


def write_timeline_svg(timeline: CaseTimeline, path: str, width_mm: float, height_mm: float) -> None:
    """Draw the timeline as stacked bars with axes and a status legend into an SVG file at `path`.

    The drawing is sized for a picture of `width_mm` by `height_mm` millimetres on paper. A timeline without
    dated cases gives a chart frame with a sentence saying so.
    """
    width = round(width_mm * _UNITS_PER_MM)
    height = round(height_mm * _UNITS_PER_MM)
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setResolution(round(_UNITS_PER_MM * 25.4))
    generator.setTitle(QCoreApplication.translate("SosReport", "Cases over time by status"))

    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"cannot write the chart to {path}")
    try:
        _draw_timeline(painter, timeline, width, height)
    finally:
        painter.end()


def _draw_timeline(painter: QPainter, timeline: CaseTimeline, width: int, height: int) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(QRectF(0, 0, width, height), QColor("#ffffff"))
    label_font = _font(7)
    metrics = QFontMetricsF(label_font)
    line_height = metrics.height()

    # Legend: one swatch and name per status present, on one or more lines across the top.
    statuses = _status_order(timeline)
    painter.setFont(label_font)
    x, y = 0.0, 0.0
    swatch = line_height * 0.7
    for status in statuses:
        text = f"{_status_label(status)} ({sum(timeline.counts[status])})"
        item_width = swatch + line_height * 0.3 + metrics.horizontalAdvance(text) + line_height
        if x > 0 and x + item_width > width:
            x, y = 0.0, y + line_height * 1.2
        colour = QColor(STATUS_COLOURS.get(status, UNKNOWN_STATUS_COLOUR))
        painter.fillRect(QRectF(x, y + (line_height - swatch) / 2, swatch, swatch), colour)
        painter.setPen(QColor("#222222"))
        painter.drawText(QPointF(x + swatch + line_height * 0.3, y + metrics.ascent()), text)
        x += item_width
    legend_bottom = y + line_height * 1.5 if statuses else 0.0

    axis_label_width = metrics.horizontalAdvance("00000") + line_height * 0.4
    plot = QRectF(
        axis_label_width,
        legend_bottom + line_height * 0.5,
        width - axis_label_width - line_height * 0.5,
        height - legend_bottom - line_height * 3.3,
    )
    axis_pen = QPen(QColor("#444444"))
    axis_pen.setWidthF(_UNITS_PER_MM * 0.2)
    if not timeline.bucket_starts:
        painter.setPen(axis_pen)
        painter.drawRect(plot)
        painter.drawText(
            plot,
            int(Qt.AlignmentFlag.AlignCenter),
            QCoreApplication.translate("SosReport", "No case has a creation time."),
        )
        return

    bucket_count = len(timeline.bucket_starts)
    totals = [sum(timeline.counts[status][index] for status in statuses) for index in range(bucket_count)]
    step = _nice_step(max(totals))
    top = step * math.ceil(max(totals) / step)
    scale = plot.height() / top

    # Horizontal grid lines with their counts on the left.
    grid_pen = QPen(QColor("#dddddd"))
    grid_pen.setWidthF(_UNITS_PER_MM * 0.15)
    for value in range(0, top + 1, step):
        y_value = plot.bottom() - value * scale
        painter.setPen(grid_pen)
        painter.drawLine(QPointF(plot.left(), y_value), QPointF(plot.right(), y_value))
        painter.setPen(QColor("#222222"))
        text_rect = QRectF(0, y_value - line_height / 2, axis_label_width - line_height * 0.3, line_height)
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text_rect, int(align), str(value))

    # Stacked bars, bottom to top in status order.
    slot = plot.width() / bucket_count
    bar_width = slot * 0.8 if bucket_count > 1 else min(slot * 0.5, line_height * 4)
    painter.setPen(Qt.PenStyle.NoPen)
    for index in range(bucket_count):
        base = plot.bottom()
        left = plot.left() + slot * index + (slot - bar_width) / 2
        for status in statuses:
            count = timeline.counts[status][index]
            if not count:
                continue
            bar_height = count * scale
            colour = QColor(STATUS_COLOURS.get(status, UNKNOWN_STATUS_COLOUR))
            painter.fillRect(QRectF(left, base - bar_height, bar_width, bar_height), colour)
            base -= bar_height

    painter.setPen(axis_pen)
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())

    # Time labels under the axis, thinned so that they do not overlap.
    # The labels carry the year when the chart spans the turn of a year.
    with_year = timeline.bucket_starts[0].year != timeline.bucket_starts[-1].year
    sample = _bucket_label(timeline.bucket_starts[0], timeline.hourly, with_year).split("\n")
    label_width = max(metrics.horizontalAdvance(line) for line in sample) + line_height * 0.6
    every = max(1, math.ceil(label_width / slot))
    painter.setPen(QColor("#222222"))
    for index in range(0, bucket_count, every):
        centre = plot.left() + slot * (index + 0.5)
        text = _bucket_label(timeline.bucket_starts[index], timeline.hourly, with_year)
        rect = QRectF(
            centre - label_width, plot.bottom() + line_height * 0.2, label_width * 2, line_height * 2.2
        )
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), text)


def chart_caption(timeline: CaseTimeline) -> str:
    """Return the translated caption of the chart: what one bar counts and which cases are left out."""
    if timeline.hourly:
        caption = QCoreApplication.translate(
            "SosReport", "Cases created per hour (Vietnam time), by current status"
        )
    else:
        caption = QCoreApplication.translate(
            "SosReport", "Cases created per day (Vietnam time), by current status"
        )
    if timeline.undated:
        caption += ". " + QCoreApplication.translate(
            "SosReport", "Cases not shown for lack of a creation time: {}"
        ).format(timeline.undated)
    if timeline.out_of_window:
        caption += ". " + QCoreApplication.translate(
            "SosReport",
            "Cases not shown for an implausible creation time (after the time of the data, or over 60 days "
            "before the newest case): {}",
        ).format(timeline.out_of_window)
    return caption + "."
