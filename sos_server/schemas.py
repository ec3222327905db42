"""Pydantic models that describe the HTTP API in the OpenAPI document and validate the PATCH body.

Responses are built as plain dicts by the domain layer; these models document them. The batch and intake
bodies are validated per item by the domain layer, so their models are only referenced from the document.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from sos_qgis_plugin.core.statuses import NEEDS, STATUSES, URGENCIES
from sos_server.domain import MAX_BATCH_CHANGES, MAX_NOTE_LENGTH, MAX_TEAM_LENGTH

Status = Literal[STATUSES]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
Need = Literal[NEEDS]  # type: ignore[valid-type]

TEAM_DESCRIPTION = (
    f"Team sent to the case, kept in the history entry (not a field of the case). Trimmed; blank reads as "
    f"none; at most {MAX_TEAM_LENGTH} characters, on one line (no control characters, line or paragraph "
    f"separators or bidirectional controls) and not only invisible characters, else 422 (an invalid batch "
    f"item)"
)


class Link(BaseModel):
    href: str
    rel: str
    type: Optional[str] = None
    title: Optional[str] = None


class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[longitude, latitude] in WGS 84"
    )


class CaseProperties(BaseModel):
    """Properties of a case. Times are RFC 3339 in UTC with Z."""

    id: str = Field(description="Server id, e.g. c0000042; the key for every write")
    external_id: Optional[str] = Field(description="Id in the channel the case came from")
    status: Status
    people_count: Optional[int] = Field(
        ge=0, description="People needing help; null when unknown or doubtful"
    )
    people_count_raw: Optional[str] = Field(
        description="Original people_count text when it was not a clean count"
    )
    household_count: Optional[int] = Field(ge=0)
    phone: Optional[str] = Field(description="Personal data: shown to officers, never logged")
    reporter_name: Optional[str] = Field(description="Personal data")
    description: str = Field(description="Free text from the citizen, untrusted, stored unchanged")
    address: Optional[str]
    urgency: Optional[Urgency]
    needs: list[Need]
    has_children: bool
    has_elderly: bool
    has_disabilities: bool
    created_at: str = Field(description="RFC 3339 time the SOS was raised")
    updated_at: str = Field(description="RFC 3339 time of the last change on this server")
    version: int = Field(ge=1, description="Increases on every change; send it in If-Match or if_version")
    source: Optional[str] = Field(description="Channel name")
    duplicate_of: Optional[str] = Field(
        description="Id of the case this one repeats, when status is duplicate"
    )
    location_note: Optional[str] = Field(description="How the location was derived or why it is missing")
    quality_flags: list[str] = Field(
        description="What validation found, e.g. no_location, coordinates_swapped"
    )


class CaseFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: Optional[PointGeometry] = Field(description="null when the location is unknown or doubtful")
    properties: CaseProperties
    links: Optional[list[Link]] = None


class CaseCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[CaseFeature]
    numberReturned: int  # noqa: N815 - name fixed by OGC API - Features
    numberMatched: int  # noqa: N815 - name fixed by OGC API - Features
    timeStamp: str  # noqa: N815 - name fixed by OGC API - Features
    next_updated_since: str = Field(
        description="Send as updated_since on the next incremental fetch: the time the first page was read, "
        "minus 5 seconds; every page of one walk repeats it"
    )
    links: list[Link]


class NewCase(BaseModel):
    """A case to create: a GeoJSON Feature with the record properties; server-owned fields are ignored."""

    type: Literal["Feature"]
    geometry: Optional[dict] = Field(
        default=None,
        description="Point in WGS 84 (other types are reduced to their centroid), or null or absent when the "
        "location is unknown",
    )
    properties: Optional[dict] = Field(
        default=None,
        description="Record fields as in CaseProperties, without id, version and updated_at, which are "
        "ignored. Null or absent reads as no fields. status may only be needs_help and duplicate_of must be "
        "absent, because officers set those. external_id, source, reporter_name and address have at most "
        "255 characters, description at most 10000, and no text may contain NUL (U+0000) or a lone surrogate "
        "(an unpaired escape such as \\ud800). An external_id "
        "that is already known for the same source gets 409 with the existing case id",
    )


class StatusPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    note: Optional[str] = Field(default=None, max_length=MAX_NOTE_LENGTH)
    duplicate_of: Optional[str] = Field(default=None, description="Only with status duplicate")
    team: Optional[str] = Field(default=None, description=TEAM_DESCRIPTION)


class StatusChangeItem(BaseModel):
    id: str
    status: Status
    note: Optional[str] = Field(default=None, max_length=MAX_NOTE_LENGTH)
    if_version: Optional[int] = Field(default=None, description="Apply only if the case is at this version")
    duplicate_of: Optional[str] = None
    team: Optional[str] = Field(default=None, description=TEAM_DESCRIPTION)


class StatusChangeBatch(BaseModel):
    changes: list[StatusChangeItem] = Field(max_length=MAX_BATCH_CHANGES)


class StatusChangeResult(BaseModel):
    id: Optional[str]
    outcome: Literal["ok", "not_found", "conflict", "invalid"]
    detail: Optional[str]
    case: Optional[CaseFeature] = Field(description="The changed case (ok) or the current case (conflict)")


class StatusChangeResults(BaseModel):
    results: list[StatusChangeResult]


class HistoryEntry(BaseModel):
    changed_at: str
    changed_by: str
    from_status: Optional[Status] = Field(description="null for the creation of the case")
    to_status: Status
    note: Optional[str]
    team: Optional[str] = Field(description="The team named on the change; null when none was given")


class CaseHistory(BaseModel):
    case_id: str
    entries: list[HistoryEntry] = Field(description="Oldest first; the first entry is the creation")


class Problem(BaseModel):
    """Problem details (RFC 9457), sent as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    current: Optional[CaseFeature] = Field(default=None, description="On 412: the case as it is now")
    errors: Optional[list[dict]] = Field(default=None, description="On 400/422 from request validation")
    field: Optional[str] = Field(default=None, description="On 422: the field that is invalid, when known")
    existing_id: Optional[str] = Field(
        default=None, description="On 409 from intake: the case that has this external_id and source"
    )
    links: Optional[list[Link]] = Field(default=None, description="On 409 from intake: the existing case")
    retry_after: Optional[int] = Field(
        default=None, description="On 429: seconds to wait before the next new case, as in Retry-After"
    )


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]  # noqa: N815 - name fixed by OGC API - Features


class Collection(BaseModel):
    id: str
    title: str
    description: str
    itemType: str  # noqa: N815 - name fixed by OGC API - Features
    crs: list[str]
    storageCrs: str  # noqa: N815 - name fixed by OGC API - Features
    extent: dict
    links: list[Link]


class Collections(BaseModel):
    collections: list[Collection]
    links: list[Link]
