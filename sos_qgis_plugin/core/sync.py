"""Fetching cases from the SOS API: paging, validation and ``updated_since`` bookkeeping.

A fetch either returns every page or raises, so a caller that keeps its old data on an exception never
replaces a complete layer with a partial one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable

from .api_client import SosClient
from .errors import QT_TRANSLATE_NOOP, Message, SosError
from .records import CaseRecord, Rejection, ServiceArea, parse_features

LOGGER = logging.getLogger("sos_qgis_plugin")

_CANCELLED_MESSAGE = QT_TRANSLATE_NOOP("SosErrors", "The fetch of cases was cancelled.")
_PAGING_LOOP_MESSAGE = QT_TRANSLATE_NOOP("SosErrors", "Paging through the cases failed because the server's next link repeats an earlier page. Try again later, or report it to the service operator.")  # noqa: E501  # fmt: skip


class FetchCancelled(SosError):  # noqa: N818 - the QGIS fetch task catches it by this name
    """The user cancelled the fetch, so the caller keeps its old data."""

    def __init__(self, message: str = _CANCELLED_MESSAGE, details: str = "") -> None:
        super().__init__(message, details)
        # The message has no values, so it is its own template.
        self.template = message


class PagingError(SosError):
    """The server's ``next`` links lead back to a page already read, so the walk would never end."""

    def __init__(self, message: str = _PAGING_LOOP_MESSAGE, details: str = "") -> None:
        super().__init__(message, details)
        # The message has no values, so it is its own template.
        self.template = message


@dataclass
class FetchResult:
    """Everything one fetch found.

    ``records`` contains one record per server id. When a case comes twice (it changed while the pages
    were read), the later copy wins and its id is listed in ``duplicates``. ``rejected`` contains the
    features that failed validation. Each rejection's index counts features across all pages, and its
    reason starts with the case id. ``next_updated_since`` is the value to send as ``updated_since`` next
    time, or None when the server gave none. ``full`` is True when the fetch had no ``updated_since``
    filter.
    """

    records: list[CaseRecord]
    rejected: list[Rejection]
    duplicates: list[str]
    next_updated_since: str | None
    pages: int
    full: bool


def fetch_cases(
    client: SosClient,
    *,
    updated_since: str | None = None,
    service_area: ServiceArea | None = None,
    page_size: int = 1000,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int], None] | None = None,
) -> FetchResult:
    """Fetch all cases, or those changed since ``updated_since``, following every ``next`` link.

    ``updated_since`` is an RFC 3339 time and is inclusive. ``service_area`` is (min lon, min lat, max lon,
    max lat) in WGS 84 degrees, and records outside it are kept and flagged by ``parse_features``.
    ``page_size`` is the number of cases per request. ``is_cancelled`` is polled before each page and
    ``on_progress`` gets the number of features received so far after each page.

    Raises FetchCancelled when ``is_cancelled`` returns True, PagingError when a ``next`` link repeats, and
    any error of the client (NetworkError, ApiError and subclasses) when a page fails. It never returns
    part of the pages.
    """
    by_id: dict[str, CaseRecord] = {}
    rejected: list[Rejection] = []
    duplicates: list[str] = []
    next_updated_since: str | None = None
    seen_urls: set[str] = set()
    next_url: str | None = None
    received = 0
    pages = 0

    LOGGER.debug("Fetch of cases started (updated_since=%s, page_size=%d)", updated_since, page_size)
    while True:
        if is_cancelled():
            LOGGER.info("Fetch of cases cancelled after %d pages", pages)
            raise FetchCancelled(details=f"cancelled after {pages} pages and {received} features")

        page = client.list_cases_page(updated_since=updated_since, limit=page_size, next_url=next_url)
        pages += 1
        if pages == 1:
            # Every page of one walk repeats the first page's value, so the first one is authoritative.
            next_updated_since = page.next_updated_since

        _collect_page(page.features, received, service_area, by_id, rejected, duplicates)
        received += len(page.features)
        if on_progress is not None:
            on_progress(received)

        if not page.next_url:
            break
        if page.next_url in seen_urls:
            raise PagingError(details=f"next link repeated after {pages} pages: {page.next_url}")
        seen_urls.add(page.next_url)
        next_url = page.next_url

    LOGGER.info(
        "Fetch of cases finished: %d pages, %d features, %d kept, %d rejected, %d fetched twice",
        pages,
        received,
        len(by_id),
        len(rejected),
        len(duplicates),
    )
    return FetchResult(
        records=list(by_id.values()),
        rejected=rejected,
        duplicates=duplicates,
        next_updated_since=next_updated_since,
        pages=pages,
        full=updated_since is None,
    )


def _collect_page(
    features: list,
    offset: int,
    service_area: ServiceArea | None,
    by_id: dict[str, CaseRecord],
    rejected: list[Rejection],
    duplicates: list[str],
) -> None:
    """Validate one page and merge it into ``by_id``, where a later copy of a case replaces an earlier one."""
    # The server's id is the key here. Two cases may share an external id (two calls from one phone),
    # so deduplicating by external id would hide a case.
    parsed = parse_features(features, service_area=service_area, dedupe_external_ids=False)

    for rejection in parsed.rejected:
        case_id = _feature_id(features[rejection.index])
        # The record's reason stays a Message, so the QGIS side translates it inside the case prefix.
        cause = Message(rejection.template, rejection.values) if rejection.template else rejection.reason
        if case_id:
            template = QT_TRANSLATE_NOOP("SosErrors", "Case {case_id}: {reason}")
            values = {"case_id": case_id, "reason": cause}
        else:
            template = QT_TRANSLATE_NOOP("SosErrors", "Case without id: {reason}")
            values = {"reason": cause}
        rejected.append(
            dataclasses.replace(
                rejection,
                index=offset + rejection.index,
                reason=template.format(**values),
                template=template,
                values=values,
            )
        )
        LOGGER.warning("Case %s rejected: %s", case_id or "without id", rejection.reason)

    # parse_features keeps records in list order, so a kept record's index is found by skipping rejections.
    rejected_indexes = {rejection.index for rejection in parsed.rejected}
    kept_indexes = [index for index in range(len(features)) if index not in rejected_indexes]
    for index, record in zip(kept_indexes, parsed.records):
        if not record.id:
            template = QT_TRANSLATE_NOOP("SosErrors", "Case without id: the server sent no id.")
            rejected.append(Rejection(offset + index, record.external_id, template, template))
            LOGGER.warning("Case without id rejected at position %d", offset + index)
            continue
        if record.id in by_id:
            duplicates.append(record.id)
            del by_id[record.id]
        by_id[record.id] = record


def _feature_id(feature: object) -> str | None:
    """Read the server id of a feature that failed validation, for the rejection reason."""
    if not isinstance(feature, dict):
        return None
    value = feature.get("id")
    if value is None and isinstance(feature.get("properties"), dict):
        value = feature["properties"].get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value) or None


def merge_plan(
    existing: dict[str, int | None], records: Iterable[CaseRecord]
) -> tuple[list[CaseRecord], list[CaseRecord], list[CaseRecord]]:
    """Sort fetched records into (to_add, to_update, unchanged) against the cases a layer already has.

    ``existing`` maps case id to the version the layer stores. A record whose id is new goes to
    ``to_add``, and one with the same version goes to ``unchanged``. One whose version differs goes to
    ``to_update``, also when the server's version is lower, because the server is the reference (for
    example after it was restored from a backup). A missing version on either side counts as a change.
    Records without an id are skipped, because they cannot be matched (fetch_cases never returns them).
    """
    to_add: list[CaseRecord] = []
    to_update: list[CaseRecord] = []
    unchanged: list[CaseRecord] = []
    for record in records:
        if not record.id:
            continue
        if record.id not in existing:
            to_add.append(record)
            continue
        stored = existing[record.id]
        if stored is not None and record.version is not None and stored == record.version:
            unchanged.append(record)
        else:
            to_update.append(record)
    return to_add, to_update, unchanged
