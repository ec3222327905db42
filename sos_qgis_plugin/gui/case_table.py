"""The dock's case list: reading cases from the layer, the loader task and the table model.

The model filters and sorts its rows itself instead of going through a QSortFilterProxyModel. A proxy calls
the Python filterAcceptsRow once per row and reports a changed filter as many row removals and insertions,
which took about 0.3 s for 50,000 rows in the development container. Here a filter or order change is one
Python loop and one layout change.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, Callable, Optional

from qgis.core import (
    NULL,
    QgsFeature,
    QgsFeatureRequest,
    QgsTask,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QFont, QIcon, QPixmap

from ..case_layer import from_qdatetime
from ..core.case_filter import (
    FIELD_SEPARATOR,
    CaseFilter,
    CaseRow,
    build_search_text,
    is_plausible_creation,
    priority_order_key,
    split_waiting,
)
from ..core.statuses import STATUS_COLOURS, STATUSES
from ..core.text import fold_for_search
from ..style import status_display_name

LOGGER = logging.getLogger("sos_qgis_plugin")

# Layer fields the list reads. The phone number is left out on purpose: it belongs to the details view.
ROW_FIELDS = (
    "id",
    "external_id",
    "status",
    "people_count",
    "household_count",
    "reporter_name",
    "description",
    "address",
    "created_at",
    "in_flood",
    "in_landslide_zone",
    "priority",
    "priority_reason",
    "commune_code",
    "commune_name",
)
# Searchable fields, folded into each row's search text.
SEARCH_FIELDS = ("address", "description", "reporter_name", "external_id", "id")

COLUMN_PRIORITY = 0
COLUMN_WAITING = 1
COLUMN_PEOPLE = 2
COLUMN_STATUS = 3
COLUMN_HAZARD = 4
COLUMN_COMMUNE = 5
COLUMN_ADDRESS = 6
COLUMN_COUNT = 7

CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
FEATURE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
IS_NEW_ROLE = Qt.ItemDataRole.UserRole + 3

NEW_CASE_BACKGROUND = "#fff3c4"
NEW_CASE_MARK_COLOUR = "#e66101"

# Rows read between two checks for cancellation in the loader task.
_CANCEL_CHECK_ROWS = 1000


# PyQGIS 3.22 returns a NULL attribute as a QVariant. Comparing its type avoids `== NULL`, which runs
# PyQt's Python-level QVariant.__eq__ for every attribute.
_NULL_TYPE = type(NULL)


def _is_null(value: Any) -> bool:
    return value is None or type(value) is _NULL_TYPE


def _text(value: Any) -> str:
    return "" if _is_null(value) else str(value)


def _int_or_none(value: Any) -> Optional[int]:
    if _is_null(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> Optional[float]:
    if _is_null(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool_or_none(value: Any) -> Optional[bool]:
    return None if _is_null(value) else bool(value)


def row_request(layer_fields: Any) -> QgsFeatureRequest:
    """Build the feature request for the list: only the row fields that the layer has, with geometry."""
    request = QgsFeatureRequest()
    names = [name for name in ROW_FIELDS if layer_fields.indexFromName(name) >= 0]
    request.setSubsetOfAttributes(names, layer_fields)
    return request


def row_from_feature(feature: QgsFeature, field_index: dict[str, int]) -> Optional[CaseRow]:
    """Convert one case feature to a CaseRow; a feature without a case id gives None.

    `field_index` maps field names to attribute indices, with -1 for fields the layer lacks. Thread-safe
    for features read from a feature source.
    """

    def value(name: str) -> Any:
        index = field_index.get(name, -1)
        return feature.attribute(index) if index >= 0 else None

    case_id = _text(value("id"))
    if not case_id:
        return None
    texts = {name: _text(value(name)) for name in SEARCH_FIELDS}
    address = texts["address"]
    row = CaseRow(
        fid=feature.id(),
        case_id=case_id,
        status=_text(value("status")),
        priority=_float_or_none(value("priority")),
        priority_reason=_text(value("priority_reason")),
        people=_int_or_none(value("people_count")),
        households=_int_or_none(value("household_count")),
        created_at=from_qdatetime(value("created_at")),
        in_flood=_bool_or_none(value("in_flood")),
        in_landslide=_bool_or_none(value("in_landslide_zone")),
        commune_code=_text(value("commune_code")),
        commune_name=_text(value("commune_name")),
        address=address,
        search_text=build_search_text(texts[name] for name in SEARCH_FIELDS),
    )
    geometry = feature.geometry()
    if geometry is not None and not geometry.isNull():
        point = geometry.asPoint()
        row.lon = point.x()
        row.lat = point.y()
    return row


def field_indices(layer_fields: Any) -> dict[str, int]:
    """Map each row field name to its attribute index in `layer_fields` (-1 when absent)."""
    return {name: layer_fields.indexFromName(name) for name in ROW_FIELDS}


def read_rows(
    features: Iterable[QgsFeature],
    field_index: dict[str, int],
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int], None] = lambda count: None,
) -> Optional[list[CaseRow]]:
    """Read CaseRows from features; returns None when `is_cancelled` turns True during the read."""
    rows: list[CaseRow] = []
    for count, feature in enumerate(features, start=1):
        row = row_from_feature(feature, field_index)
        if row is not None:
            rows.append(row)
        if count % _CANCEL_CHECK_ROWS == 0:
            if is_cancelled():
                return None
            on_progress(count)
    return rows


def locate_row_communes(rows: Sequence[CaseRow], index: Any) -> None:
    """Set each row's commune from a core.communes.CommuneIndex; rows outside every commune get none.

    Each located row keeps the commune's position in the index as well as its code and name, because the
    commune filter distinguishes communes by position (two communes may share a code). Rows without a
    location keep no commune. The index is only read, so this may run on a worker thread.
    """
    located = [row for row in rows if row.lon is not None and row.lat is not None]
    for row in rows:
        if row.lon is None or row.lat is None:
            _clear_commune(row)
    if not located:
        return
    positions = index.locate([row.lon for row in located], [row.lat for row in located])
    for row, position in zip(located, positions):
        if position is None:
            _clear_commune(row)
            continue
        commune = index.communes[position]
        row.commune_code = str(commune.code or "")
        row.commune_name = str(commune.name or "")
        row.commune_position = position


def _clear_commune(row: CaseRow) -> None:
    row.commune_code = ""
    row.commune_name = ""
    row.commune_position = None


def row_sort_key(row: CaseRow, column: int) -> tuple:
    """Return the ascending sort key of a row for a list column; every key ends with the case id."""
    if column == COLUMN_PRIORITY:
        return priority_order_key(row)
    if column == COLUMN_WAITING:
        created = row.created_at.timestamp() if row.created_at is not None else float("inf")
        return (-created, row.case_id)
    if column == COLUMN_PEOPLE:
        return (-1 if row.people is None else row.people, row.case_id)
    if column == COLUMN_STATUS:
        rank = STATUSES.index(row.status) if row.status in STATUSES else len(STATUSES)
        return (rank, row.case_id)
    if column == COLUMN_HAZARD:
        return ((row.in_flood is True) + (row.in_landslide is True), row.case_id)
    if column == COLUMN_COMMUNE:
        return (fold_for_search(row.commune_name or row.commune_code), row.case_id)
    # The address is the first folded field of the search text whenever it is not empty.
    return (row.search_text.split(FIELD_SEPARATOR, 1)[0] if row.address else "", row.case_id)


class CaseLoadTask(QgsTask):
    """Read every case of a layer into CaseRows on a worker thread.

    The feature source is a snapshot taken on the main thread when the task is made, as QGIS requires for
    reading a layer from another thread. `on_done(rows)` is called on the main thread with the rows sorted
    by `sort_column` (their keys in `keys`), or with None when the task was cancelled or failed. With a
    commune index, the rows get their commune from it instead of from the layer's commune fields.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        on_done: Callable[[Optional[list]], None],
        commune_index: Any = None,
        sort_column: int = COLUMN_PRIORITY,
    ) -> None:
        super().__init__(
            QCoreApplication.translate("CaseLoadTask", "Reading SOS cases"), QgsTask.Flag.CanCancel
        )
        self._source = QgsVectorLayerFeatureSource(layer)
        self._request = row_request(layer.fields())
        self._field_index = field_indices(layer.fields())
        self._total = max(1, layer.featureCount())
        self._on_done = on_done
        self._commune_index = commune_index
        self.sort_column = sort_column
        self.rows: Optional[list[CaseRow]] = None
        self.keys: list[tuple] = []

    def run(self) -> bool:
        try:
            rows = read_rows(
                self._source.getFeatures(self._request),
                self._field_index,
                self.isCanceled,
                lambda count: self.setProgress(min(99.0, 100.0 * count / self._total)),
            )
            if rows is not None and self._commune_index is not None:
                locate_row_communes(rows, self._commune_index)
            if rows is not None:
                # Sorting here keeps the sort of 50,000 rows off the main thread.
                keyed = sorted(
                    ((row_sort_key(row, self.sort_column), row) for row in rows), key=itemgetter(0)
                )
                self.keys = [key for key, _ in keyed]
                rows = [row for _, row in keyed]
        except Exception:  # noqa: BLE001 - a worker thread must report every failure, not raise it
            LOGGER.exception("Reading the case list failed")
            return False
        self.rows = rows
        return rows is not None

    def finished(self, result: bool) -> None:
        self._on_done(self.rows if result else None)


class CaseTableModel(QAbstractTableModel):
    """All cases of the layer with the rows that pass the filter, in the chosen order.

    `_ordered` contains every row in ascending order of its sort key and `_visible` the rows that pass the
    filter, in the same order, each beside a list of their keys. Every key ends with the case id, so keys
    are unique and a row is found by bisection. A descending sort shows `_visible` from its end. Rows are
    shared objects, so an update changes a row in both lists at once, and a refresh of a few cases moves
    only those rows instead of sorting and filtering 50,000 again.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._by_id: dict[str, CaseRow] = {}
        self._row_of_fid: dict[int, CaseRow] = {}
        self._key_of: dict[str, tuple] = {}
        self._ordered: list[CaseRow] = []
        self._ordered_keys: list[tuple] = []
        self._visible: list[CaseRow] = []
        self._visible_keys: list[tuple] = []
        self._reverse = False
        self._filter = CaseFilter()
        self._new_ids: set[str] = set()
        self._now = datetime.now(timezone.utc)
        self._sort_column = COLUMN_PRIORITY
        self._sort_order = Qt.SortOrder.DescendingOrder
        self._status_icons: dict[str, QIcon] = {}
        self._new_icon: Optional[QIcon] = None
        self._bold = QFont()
        self._bold.setBold(True)

    # Qt model interface

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (
            self.tr("Priority"),
            self.tr("Waiting"),
            self.tr("People"),
            self.tr("Status"),
            self.tr("Hazard"),
            self.tr("Commune"),
            self.tr("Address"),
        )
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display_text(row, column)
        if role == CASE_ID_ROLE:
            return row.case_id
        if role == FEATURE_ID_ROLE:
            return row.fid
        if role == IS_NEW_ROLE:
            return row.case_id in self._new_ids
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tool_tip(row, column)
        if role == Qt.ItemDataRole.FontRole and row.case_id in self._new_ids:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and row.case_id in self._new_ids:
            return QBrush(QColor(NEW_CASE_BACKGROUND))
        if role == Qt.ItemDataRole.DecorationRole:
            if column == COLUMN_PRIORITY and row.case_id in self._new_ids:
                return self._new_case_icon()
            if column == COLUMN_STATUS:
                return self._status_icon(row.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COLUMN_PRIORITY, COLUMN_PEOPLE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order every row by a column; QTableView calls this when the officer clicks a header."""
        if not 0 <= column < COLUMN_COUNT:
            return
        self._sort_column = column
        self._sort_order = order
        self._change_layout(self._sort_all)

    # Loading and updating

    def set_rows(
        self, rows: Iterable[CaseRow], sorted_keys: Optional[list[tuple]] = None, key_column: int = -1
    ) -> None:
        """Replace every row; later ids win over earlier ones with the same case id.

        `sorted_keys`, when given, contains the row_sort_key of each row for `key_column`, with `rows` already
        in that order and free of duplicate ids. It saves sorting again when the list is still sorted by
        that column.
        """
        self.beginResetModel()
        rows = list(rows)
        self._by_id = {row.case_id: row for row in rows}
        self._row_of_fid = {row.fid: row for row in self._by_id.values()}
        if (
            sorted_keys is not None
            and key_column == self._sort_column
            and len(sorted_keys) == len(self._by_id)
        ):
            self._set_reverse()
            self._ordered = rows
            self._ordered_keys = list(sorted_keys)
            self._key_of = {row.case_id: key for row, key in zip(rows, sorted_keys)}
            self._filter_all()
        else:
            self._sort_all()
        self.endResetModel()

    def sort_column(self) -> int:
        """Return the column the list is sorted by."""
        return self._sort_column

    def update_rows(self, rows: Iterable[CaseRow], removed_ids: Collection[str] = ()) -> None:
        """Add or replace the given rows and drop `removed_ids`, keeping the view's selection.

        Rows that change their place or their filter result move inside one layout change. The others
        only have their cells repainted.
        """
        moved: list[tuple[CaseRow, tuple, bool]] = []
        added: list[CaseRow] = []
        repainted: list[CaseRow] = []
        for row in rows:
            current = self._by_id.get(row.case_id)
            if current is None:
                added.append(row)
                continue
            old_key = self._key_of[current.case_id]
            old_accepted = self._filter.accepts(current)
            old_fid = current.fid
            current.__dict__.update(row.__dict__)
            if current.fid != old_fid:
                self._row_of_fid.pop(old_fid, None)
                self._row_of_fid[current.fid] = current
            if self._sort_key(current) != old_key or self._filter.accepts(current) != old_accepted:
                moved.append((current, old_key, old_accepted))
            else:
                repainted.append(current)
        removed = [self._by_id[case_id] for case_id in set(removed_ids) if case_id in self._by_id]
        if moved or added or removed:
            self._change_layout(lambda: self._move_rows(moved, added, removed))
        self._emit_rows_changed(row.case_id for row in repainted)

    def set_filter(self, case_filter: CaseFilter) -> None:
        """Show only the rows that pass `case_filter`, keeping the selection of rows still shown."""
        self._filter = case_filter
        self._change_layout(self._filter_all)

    def case_filter(self) -> CaseFilter:
        """Return the filter in force."""
        return self._filter

    def set_now(self, now: datetime) -> None:
        """Set the time that waiting times count up to, and repaint the waiting column."""
        self._now = now
        if self._visible:
            self.dataChanged.emit(
                self.index(0, COLUMN_WAITING),
                self.index(len(self._visible) - 1, COLUMN_WAITING),
                [Qt.ItemDataRole.DisplayRole],
            )

    # New cases

    def mark_new(self, case_ids: Iterable[str]) -> None:
        """Mark cases as new. Ids not listed yet are kept, so a case read later still shows as new."""
        added = set(case_ids) - self._new_ids
        if not added:
            return
        self._new_ids |= added
        self._emit_rows_changed(added)

    def mark_seen(self, case_ids: Iterable[str]) -> None:
        """Clear the new mark of these cases."""
        seen = self._new_ids & set(case_ids)
        if not seen:
            return
        self._new_ids -= seen
        self._emit_rows_changed(seen)

    def mark_all_seen(self) -> None:
        """Clear every new mark."""
        seen = set(self._new_ids)
        self._new_ids.clear()
        self._emit_rows_changed(seen)

    def new_ids(self) -> set[str]:
        """Return the ids of the cases marked new."""
        return set(self._new_ids)

    # Reading

    def all_rows(self) -> list[CaseRow]:
        """Return every row, shown or not, in ascending order of the sort key."""
        return list(self._ordered)

    def visible_rows(self) -> list[CaseRow]:
        """Return the rows that pass the filter, in the order shown."""
        return self._visible[::-1] if self._reverse else list(self._visible)

    def row_at(self, position: int) -> Optional[CaseRow]:
        """Return the row shown at `position`, or None outside the list."""
        count = len(self._visible)
        if not 0 <= position < count:
            return None
        return self._visible[count - 1 - position] if self._reverse else self._visible[position]

    def row_of_case(self, case_id: str) -> Optional[CaseRow]:
        """Return the row of a case id, shown or not, or None when the list lacks it."""
        return self._by_id.get(case_id)

    def position_of_fid(self, fid: int) -> Optional[int]:
        """Return the position shown for a feature id, or None when filtered out or unknown."""
        row = self._row_of_fid.get(fid)
        return None if row is None else self._position_of_row(row)

    # Internals

    def _display_text(self, row: CaseRow, column: int) -> str:
        if column == COLUMN_PRIORITY:
            return "" if row.priority is None else f"{row.priority:.0f}"
        if column == COLUMN_WAITING:
            return self.waiting_text(row.created_at)
        if column == COLUMN_PEOPLE:
            return "" if row.people is None else str(row.people)
        if column == COLUMN_STATUS:
            return status_display_name(row.status)
        if column == COLUMN_HAZARD:
            return self._hazard_text(row)
        if column == COLUMN_COMMUNE:
            return row.commune_name or row.commune_code
        if column == COLUMN_ADDRESS:
            return row.address
        return ""

    def waiting_text(self, created_at: Optional[datetime]) -> str:
        """Format the time since `created_at` as "14 h 5 min", "2 d 3 h" or "7 min"; "" when unknown.

        An implausible creation time (before 2000 or more than 10 minutes ahead, see
        core.case_filter.is_plausible_creation) gives "?", because a wrong clock gives no measure of the wait.
        """
        if created_at is None:
            return ""
        if not is_plausible_creation(created_at, self._now):
            return "?"
        days, hours, minutes = split_waiting((self._now - created_at).total_seconds())
        if days >= 2:
            return self.tr("{} d {} h").format(days, hours)
        hours += 24 * days
        if hours:
            return self.tr("{} h {} min").format(hours, minutes)
        return self.tr("{} min").format(minutes)

    def _hazard_text(self, row: CaseRow) -> str:
        flags = []
        if row.in_flood is True:
            flags.append(self.tr("Flood"))
        if row.in_landslide is True:
            flags.append(self.tr("Landslide"))
        if flags:
            return ", ".join(flags)
        if row.in_flood is None and row.in_landslide is None:
            return "?"
        return ""

    def _tool_tip(self, row: CaseRow, column: int) -> Optional[str]:
        lines = []
        if row.case_id in self._new_ids:
            lines.append(self.tr("New since you last looked"))
        if column == COLUMN_PRIORITY and row.priority_reason:
            lines.append(row.priority_reason)
        if column == COLUMN_PEOPLE and row.people is None:
            lines.append(self.tr("Number of people unknown"))
        if column == COLUMN_HAZARD and row.in_flood is None and row.in_landslide is None:
            lines.append(self.tr("Not analysed yet"))
        if column == COLUMN_ADDRESS and row.address:
            lines.append(row.address)
        return "\n".join(lines) if lines else None

    def _status_icon(self, status: str) -> Optional[QIcon]:
        colour = STATUS_COLOURS.get(status)
        if colour is None:
            return None
        icon = self._status_icons.get(status)
        if icon is None:
            pixmap = QPixmap(10, 10)
            pixmap.fill(QColor(colour))
            icon = QIcon(pixmap)
            self._status_icons[status] = icon
        return icon

    def _new_case_icon(self) -> QIcon:
        if self._new_icon is None:
            pixmap = QPixmap(8, 8)
            pixmap.fill(QColor(NEW_CASE_MARK_COLOUR))
            self._new_icon = QIcon(pixmap)
        return self._new_icon

    def _sort_key(self, row: CaseRow) -> tuple:
        return row_sort_key(row, self._sort_column)

    def _position_of_row(self, row: CaseRow) -> Optional[int]:
        key = self._key_of.get(row.case_id)
        if key is None:
            return None
        index = bisect_left(self._visible_keys, key)
        if index >= len(self._visible) or self._visible[index] is not row:
            return None
        return len(self._visible) - 1 - index if self._reverse else index

    def _sort_all(self) -> None:
        """Compute every sort key and sort all rows, then filter them."""
        self._set_reverse()
        self._key_of = {case_id: self._sort_key(row) for case_id, row in self._by_id.items()}
        pairs = sorted(self._key_of.items(), key=itemgetter(1))
        self._ordered_keys = [key for _, key in pairs]
        self._ordered = [self._by_id[case_id] for case_id, _ in pairs]
        self._filter_all()

    def _set_reverse(self) -> None:
        # priority_order_key already puts the highest priority first, so "descending" is its natural order.
        if self._sort_column == COLUMN_PRIORITY:
            self._reverse = self._sort_order == Qt.SortOrder.AscendingOrder
        else:
            self._reverse = self._sort_order == Qt.SortOrder.DescendingOrder

    def _filter_all(self) -> None:
        if self._filter.is_empty():
            self._visible = list(self._ordered)
            self._visible_keys = list(self._ordered_keys)
            return
        accepts = self._filter.accepts
        kept = [index for index, row in enumerate(self._ordered) if accepts(row)]
        self._visible = [self._ordered[index] for index in kept]
        self._visible_keys = [self._ordered_keys[index] for index in kept]

    def _move_rows(
        self, moved: list[tuple[CaseRow, tuple, bool]], added: list[CaseRow], removed: list[CaseRow]
    ) -> None:
        """Take moved and removed rows out of both sorted lists, then merge moved and added rows back in."""
        old_ordered_keys = [old_key for _, old_key, _ in moved]
        old_visible_keys = [old_key for _, old_key, accepted in moved if accepted]
        for row in removed:
            key = self._key_of.pop(row.case_id)
            old_ordered_keys.append(key)
            old_visible_keys.append(key)
            del self._by_id[row.case_id]
            self._row_of_fid.pop(row.fid, None)
            self._new_ids.discard(row.case_id)
        self._ordered, self._ordered_keys = _without_keys(self._ordered, self._ordered_keys, old_ordered_keys)
        self._visible, self._visible_keys = _without_keys(self._visible, self._visible_keys, old_visible_keys)

        for row in added:
            self._by_id[row.case_id] = row
            self._row_of_fid[row.fid] = row
        entering = []
        for row in [row for row, _, _ in moved] + added:
            key = self._sort_key(row)
            self._key_of[row.case_id] = key
            entering.append((key, row))
        entering.sort(key=itemgetter(0))
        accepts = self._filter.accepts
        self._ordered, self._ordered_keys = _with_pairs(self._ordered, self._ordered_keys, entering)
        self._visible, self._visible_keys = _with_pairs(
            self._visible, self._visible_keys, [pair for pair in entering if accepts(pair[1])]
        )

    def _change_layout(self, change: Callable[[], None]) -> None:
        """Run `change` inside one layout change, moving persistent indexes (the selection) along."""
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_rows = [self.row_at(index.row()) for index in old_persistent]
        change()
        new_persistent = []
        for index, row in zip(old_persistent, old_rows):
            position = None if row is None else self._position_of_row(row)
            if position is None:
                new_persistent.append(QModelIndex())
            else:
                new_persistent.append(self.index(position, index.column()))
        self.changePersistentIndexList(old_persistent, new_persistent)
        self.layoutChanged.emit()

    def _emit_rows_changed(self, case_ids: Iterable[str]) -> None:
        for case_id in case_ids:
            row = self._by_id.get(case_id)
            position = None if row is None else self._position_of_row(row)
            if position is not None:
                self.dataChanged.emit(self.index(position, 0), self.index(position, COLUMN_COUNT - 1))


def _without_keys(rows: list, keys: list, removed_keys: Iterable[tuple]) -> tuple[list, list]:
    """Return copies of a pair of sorted lists without the entries of these keys; missing keys are skipped.

    The copies are built from slices, so taking out many entries costs one pass over the lists rather
    than one shift of the whole list per entry.
    """
    positions = []
    for key in removed_keys:
        index = bisect_left(keys, key)
        if index < len(keys) and keys[index] == key:
            positions.append(index)
    if not positions:
        return rows, keys
    positions.sort()
    kept_rows: list = []
    kept_keys: list = []
    start = 0
    for index in positions:
        kept_rows.extend(rows[start:index])
        kept_keys.extend(keys[start:index])
        start = index + 1
    kept_rows.extend(rows[start:])
    kept_keys.extend(keys[start:])
    return kept_rows, kept_keys


def _with_pairs(rows: list, keys: list, pairs: list[tuple[tuple, CaseRow]]) -> tuple[list, list]:
    """Return copies of a pair of sorted lists with (key, row) pairs merged in; `pairs` must be sorted."""
    if not pairs:
        return rows, keys
    merged_rows: list = []
    merged_keys: list = []
    start = 0
    for key, row in pairs:
        index = bisect_left(keys, key, start)
        merged_rows.extend(rows[start:index])
        merged_keys.extend(keys[start:index])
        merged_rows.append(row)
        merged_keys.append(key)
        start = index
    merged_rows.extend(rows[start:])
    merged_keys.extend(keys[start:])
    return merged_rows, merged_keys


def task_alive(task: Optional[QgsTask]) -> bool:
    """Return True when `task` exists and its C++ object was not deleted by the task manager."""
    return task is not None and not sip.isdeleted(task)
