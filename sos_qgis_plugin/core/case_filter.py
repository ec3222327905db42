"""Rows of the dock's case list: filtering, priority order and the waiting counts, without QGIS.

The dock reads each case once into a CaseRow, with its search text folded in advance, so that filtering
50,000 rows is a plain Python loop over prepared values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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

# Commune filter key of the cases that lie in no commune (see `commune_key`).
NO_COMMUNE_KEY = ""

# Creation times before this, or later than now plus FUTURE_TOLERANCE, come from a wrong clock (a phone
# reset to 1970, a year typed as 2099), so no waiting time is computed from them.
EARLIEST_PLAUSIBLE_CREATION = datetime(2000, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass
class CaseRow:
    """One case as the dock's list shows it. Times are aware datetimes, counts None when unknown.

    `search_text` is the folded text of the searchable fields (see `build_search_text`). The phone number
    is never part of a row, so the list can neither show nor search it. `commune_position` is the index of
    the row's commune in the dock's CommuneIndex, or None when the commune comes from the layer's fields or
    the row lies in no commune.
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
    commune_position: Optional[int] = None
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
    """Return the key the commune filter matches on; "" (NO_COMMUNE_KEY) when the row lies in no commune.

    A commune located through the dock's CommuneIndex is keyed by its position there, as "#" and the
    position, because two communes of one admin layer may share a code, and a commune may have neither
    code nor name. A commune read from the case layer's fields is keyed by its code and name joined by
    FIELD_SEPARATOR. The three kinds of key never collide: only field keys contain FIELD_SEPARATOR, and
    only the row outside every commune gets "".
    """
    if row.commune_position is not None:
        return admin_commune_key(row.commune_position)
    if not row.commune_code and not row.commune_name:
        return NO_COMMUNE_KEY
    return field_commune_key(row.commune_code, row.commune_name)


def admin_commune_key(position: int) -> str:
    """Return the commune filter key of the commune at `position` in a CommuneIndex."""
    return f"#{position}"


def field_commune_key(code: str, name: str) -> str:
    """Return the commune filter key of a commune read from a case layer's commune code and name fields."""
    return f"{code}{FIELD_SEPARATOR}{name}"


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


def is_plausible_creation(created_at: datetime, now: datetime) -> bool:
    """Return True when an aware creation time can be trusted for a waiting time at `now`.

    A time before EARLIEST_PLAUSIBLE_CREATION (2000-01-01 UTC) or more than FUTURE_TOLERANCE (10 minutes)
    after `now` is not. A time up to 10 minutes ahead is plausible: a clock that runs slightly fast, whose
    case has waited 0 minutes (see `split_waiting`).
    """
    return EARLIEST_PLAUSIBLE_CREATION <= created_at <= now + FUTURE_TOLERANCE
