"""Rows of the dock's case list: filtering, priority order and the waiting counts, without QGIS.

The dock reads each case once into a CaseRow, with its search text folded in advance, so that filtering
50,000 rows is a plain Python loop over prepared values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from .statuses import OPEN_STATUSES
from .text import fold_for_search

HAZARD_ANY = "any"
HAZARD_FLOOD = "flood"
HAZARD_LANDSLIDE = "landslide"
HAZARD_NONE = "none"
HAZARD_CHOICES = (HAZARD_ANY, HAZARD_FLOOD, HAZARD_LANDSLIDE, HAZARD_NONE)

# Separates the fields of a row's search text. U+2063 (invisible separator) is neither whitespace nor a
# combining mark, so fold_for_search keeps it. A query word would have to contain it to match across two
# fields, and keyboards do not type it.
FIELD_SEPARATOR = "\u2063"


@dataclass
class CaseRow:
    """One case as the dock's list shows it. Times are aware datetimes, counts None when unknown.

    `search_text` is the folded text of the searchable fields (see `build_search_text`). The phone number
    is never part of a row, so the list can neither show nor search it.
    """

    fid: int
    case_id: str
    status: str = ""
    priority: Optional[float] = None
    priority_reason: str = ""
    people: Optional[int] = None
    households: Optional[int] = None
    created_at: Optional[datetime] = None
    in_flood: Optional[bool] = None
    in_landslide: Optional[bool] = None
    commune_code: str = ""
    commune_name: str = ""
    address: str = ""
    lon: Optional[float] = None
    lat: Optional[float] = None
    search_text: str = ""


def build_search_text(values: Iterable[Optional[str]]) -> str:
    """Fold the non-empty values together into one search text, separated by FIELD_SEPARATOR.

    None and empty values are skipped. The joined text is folded in one call, not one call per field,
    because folding is the largest single cost of reading 50,000 rows. The caller chooses the fields: the
    dock passes address, description, reporter name, external id and id.
    """
    return fold_for_search(FIELD_SEPARATOR.join(str(value) for value in values if value))


def fold_query(query: str) -> list[str]:
    """Fold a search query into its words; an empty or blank query gives an empty list (match all)."""
    return fold_for_search(query).split()


@dataclass
class CaseFilter:
    """The dock's filter. Empty settings accept every row.

    statuses: the status codes to show, or None for all statuses (an empty set shows nothing).
    communes: commune keys to show (see `commune_key`), or None for all communes.
    hazard: one of HAZARD_CHOICES. HAZARD_NONE keeps cases with neither hazard flag set to true, which
    includes cases not analysed yet.
    words: folded query words (see `fold_query`); a row matches when its search text contains every word.
    """

    statuses: Optional[frozenset] = None
    communes: Optional[frozenset] = None
    hazard: str = HAZARD_ANY
    words: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.hazard not in HAZARD_CHOICES:
            raise ValueError(f"hazard filter must be one of {HAZARD_CHOICES}, got {self.hazard!r}")

    def is_empty(self) -> bool:
        """Return True when the filter accepts every row."""
        return (
            self.statuses is None and self.communes is None and self.hazard == HAZARD_ANY and not self.words
        )

    def accepts(self, row: CaseRow) -> bool:
        """Return True when the row passes every part of the filter."""
        if self.statuses is not None and row.status not in self.statuses:
            return False
        if self.communes is not None and commune_key(row) not in self.communes:
            return False
        if self.hazard == HAZARD_FLOOD and row.in_flood is not True:
            return False
        if self.hazard == HAZARD_LANDSLIDE and row.in_landslide is not True:
            return False
        if self.hazard == HAZARD_NONE and (row.in_flood is True or row.in_landslide is True):
            return False
        text = row.search_text
        for word in self.words:
            if word not in text:
                return False
        return True


def commune_key(row: CaseRow) -> str:
    """Return the key the commune filter matches on: the commune code, else its name, else ""."""
    return row.commune_code or row.commune_name


def priority_order_key(row: CaseRow) -> tuple:
    """Sort key for the list: highest priority first, unknown priority last, then the longest wait first.

    Cases with equal priority and no creation time keep a stable order by case id.
    """
    priority = row.priority if row.priority is not None else float("-inf")
    created = row.created_at.timestamp() if row.created_at is not None else float("inf")
    return (-priority, created, row.case_id)


@dataclass
class WaitingCounts:
    """Counts over a set of rows: cases per status and what is known of the people still waiting.

    people and households add up the known counts of open cases. Open cases whose count is unknown are
    counted in people_unknown and households_unknown instead of being summed as 0.
    """

    by_status: dict = field(default_factory=dict)
    open_cases: int = 0
    people: int = 0
    people_unknown: int = 0
    households: int = 0
    households_unknown: int = 0


def count_waiting(rows: Iterable[CaseRow], open_statuses: Collection[str] = OPEN_STATUSES) -> WaitingCounts:
    """Count cases by status, and the people and households of open cases, keeping unknown counts apart."""
    counts = WaitingCounts()
    for row in rows:
        counts.by_status[row.status] = counts.by_status.get(row.status, 0) + 1
        if row.status not in open_statuses:
            continue
        counts.open_cases += 1
        if row.people is None:
            counts.people_unknown += 1
        else:
            counts.people += row.people
        if row.households is None:
            counts.households_unknown += 1
        else:
            counts.households += row.households
    return counts


def split_waiting(seconds: float) -> tuple[int, int, int]:
    """Split a waiting time in seconds into whole (days, hours, minutes); a negative time gives zeros.

    A case created "in the future" by a clock that runs ahead has waited 0 minutes, not a negative time.
    """
    total_minutes = max(0, int(seconds // 60))
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes
