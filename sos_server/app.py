"""HTTP layer of the SOS API: routes, bearer authentication, problem details and the OpenAPI document.

Rules live in ``domain.py``; this module only turns requests into service calls and results into responses.
"""

# No `from __future__ import annotations` here: FastAPI must evaluate the route annotations, which name
# dependency aliases local to _add_routes.
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Annotated, Any, Optional

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sos_qgis_plugin.core.errors import RecordError
from sos_qgis_plugin.core.statuses import STATUSES
from sos_qgis_plugin.core.timeutil import parse_time
from sos_server import schemas
from sos_server.domain import (
    CHANGE_ROLES,
    CREATE_ROLES,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    READ_ROLES,
    ApiError,
    CaseExistsError,
    CaseService,
    PreconditionRequiredError,
    Principal,
    StatusChange,
    TooManyRequestsError,
    feature_from_row,
    in_utc_range,
)
from sos_server.ratelimit import IntakeRateLimiter

logger = logging.getLogger("sos_server")

API_TITLE = "SOS cases API"
API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1024 * 1024
MAX_VERSION_DIGITS = 19
GEOJSON = "application/geo+json"
PROBLEM_JSON = "application/problem+json"
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
COLLECTION_ID = "cases"
CONFORMANCE_CLASSES = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]

# A phone number in a path (a mistyped id, a probe) is personal data: runs of 8 or more digits, possibly split
# by spaces, dots or dashes, are masked before a path is logged.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ .\-]*\d){7,}")

_bearer = HTTPBearer(auto_error=False, description="Token from `python -m sos_server token create`")


def loggable_path(path: str) -> str:
    """Return a request path fit for the log: digit runs that may be a phone number become "[digits]".

    Control characters and line or paragraph separators become ``\\uXXXX`` escapes, so a path cannot
    split a log line or forge one. Callers pass ``scope["path"]``: ``request.url.path`` has lost CR, LF and
    tab already (urlsplit drops them), so it would not show the path that was sent.
    """
    masked = _DIGIT_RUN.sub("[digits]", path)
    return "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in masked
    )


class ProblemResponse(JSONResponse):
    """A problem details document written as ASCII JSON.

    The media type carries no charset, and some clients guess one for the raw text (requests' ``text``
    decodes a 404 for the id 😀 as Latin-1). With every non-ASCII character escaped, any guess reads the
    same document.
    """

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def problem_response(
    status: int,
    detail: str,
    *,
    title: Optional[str] = None,
    extra: Optional[dict[str, Any]] = None,
    headers: Optional[dict[str, str]] = None,
) -> JSONResponse:
    """Build a problem details response (RFC 9457)."""
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **(extra or {}),
    }
    return ProblemResponse(body, status_code=status, headers=headers)


class BodySizeLimitMiddleware:
    """Reject request bodies larger than ``max_bytes`` with 413 before any route reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return

        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return

        # Chunked bodies carry no length, so the body is read here up to the limit and replayed to the route.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {_byte_size(self.max_bytes)}."
        if scope["path"].endswith("/status-changes"):
            detail += " Send fewer changes per request."
        logger.info("%s %s rejected with 413", scope["method"], loggable_path(scope["path"]))
        await problem_response(413, detail)(scope, receive, send)


def _byte_size(count: int) -> str:
    mebibyte = 1024 * 1024
    if count % mebibyte == 0:
        return f"{count // mebibyte} MiB"
    return f"{count} bytes"


def create_app(service: CaseService, *, intake_limiter: Optional[IntakeRateLimiter] = None) -> FastAPI:
    """Create the FastAPI application serving ``service``; the application closes its store on shutdown.

    ``intake_limiter`` limits how fast intake tokens and client addresses create cases. Without it the
    application uses an ``IntakeRateLimiter`` with its default limits.
    """
    if intake_limiter is None:
        intake_limiter = IntakeRateLimiter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # The close checkpoints the WAL, so after a stop (SIGTERM or Ctrl+C) the database file alone contains
        # every committed change.
        service.store.close()
        logger.info("database closed")

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description="Live SOS rescue cases (OGC API - Features read side), status write-back and intake.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by the openapi_document route below, with the OpenAPI media type
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.intake_limiter = intake_limiter
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    _add_exception_handlers(app)
    _add_routes(app, service, intake_limiter)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        # The detail is not logged, because it may quote request values; the path names the case id.
        if exc.logged_per_request:
            path = loggable_path(request.scope["path"])
            logger.info("%s %s rejected with %d %s", request.method, path, exc.status, exc.title)
        return problem_response(exc.status, exc.detail, title=exc.title, extra=exc.extra, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            detail = f"Nothing is served at {request.url.path}. The landing page at / lists what is."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        else:
            detail = str(exc.detail)
        logger.info(
            "%s %s rejected with %d", request.method, loggable_path(request.scope["path"]), exc.status_code
        )
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
            for error in exc.errors()
        ]
        # OGC API - Features returns 400 for an invalid query parameter; a bad body gets 422 here.
        in_body = any(error["loc"][:1] == ["body"] for error in errors)
        status = 422 if in_body else 400
        where = "request body" if in_body else "request parameters"
        path = loggable_path(request.scope["path"])
        logger.info("%s %s rejected with %d: invalid %s", request.method, path, status, where)
        summary = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in errors)
        return problem_response(status, f"Invalid {where}: {summary}", extra={"errors": errors})

    @app.exception_handler(Exception)
    async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        path = loggable_path(request.scope["path"])
        logger.exception("%s %s failed with an unexpected error", request.method, path)
        return problem_response(
            500, "The server failed to handle this request. The error is in the server log."
        )


def _authenticate(service: CaseService, credentials: Optional[HTTPAuthorizationCredentials]) -> Principal:
    return service.authenticate(credentials.credentials if credentials else None)


def _role_dependency(service: CaseService, allowed: frozenset[str]) -> Any:
    def dependency(
        credentials: Annotated[Optional[HTTPAuthorizationCredentials], Depends(_bearer)],
    ) -> Principal:
        principal = _authenticate(service, credentials)
        service.require_role(principal, allowed)
        return principal

    return dependency


def _problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _too_many_requests_response() -> dict[str, Any]:
    response = _problem_responses(429)[429]
    response["description"] = "Too many new cases from this intake token or client address"
    response["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before sending the next new case",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return response


def _geojson_response(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {GEOJSON: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }


def _json_body(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    }


async def _read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        # Besides UTF-8 and syntax errors, this catches integers longer than Python converts (4300 digits).
        raise ApiError(f"The request body is not valid UTF-8 JSON: {exc}") from exc
    except RecursionError as exc:
        raise ApiError("The request body is not valid UTF-8 JSON: it is nested too deeply.") from exc


def _etag(version: int) -> str:
    return f'"{version}"'


def _parse_if_match(value: str) -> Optional[int]:
    """Return the version named by an If-Match header, or None for '*' (any version)."""
    text = value.strip()
    if text == "*":
        return None
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    # Versions are SQLite integers of at most 19 digits, so a longer tag names no version. Past 4300 digits
    # int() would raise ValueError.
    if not text.isascii() or not text.isdigit() or len(text) > MAX_VERSION_DIGITS:
        raise ApiError(f'If-Match must carry the case version as an entity tag, e.g. "3"; got {value!r}.')
    return int(text)


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:  # a 3D bbox: min_lon, min_lat, min_z, max_lon, max_lat, max_z
        values = [values[0], values[1], values[3], values[4]]
    if (
        len(values) != 4
        or not all(abs(v) <= 180 for v in values[0::2])
        or not all(abs(v) <= 90 for v in values[1::2])
    ):
        raise ApiError(f"bbox must be min_lon,min_lat,max_lon,max_lat in WGS 84 degrees; got {text!r}.")
    if values[1] > values[3]:
        raise ApiError(f"bbox has its southern edge north of its northern edge: {text!r}.")
    return (values[0], values[1], values[2], values[3])


def _parse_statuses(text: str) -> list[str]:
    statuses = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown or not statuses:
        raise ApiError(
            f"Unknown status in {text!r}: expected a comma-separated list of {', '.join(STATUSES)}."
        )
    return statuses


def _add_routes(app: FastAPI, service: CaseService, intake_limiter: IntakeRateLimiter) -> None:
    reader = Annotated[Principal, Depends(_role_dependency(service, READ_ROLES))]
    officer = Annotated[Principal, Depends(_role_dependency(service, CHANGE_ROLES))]
    intake = Annotated[Principal, Depends(_role_dependency(service, CREATE_ROLES))]
    auth_problems = _problem_responses(401, 403)

    @app.get(
        "/",
        name="landing_page",
        response_model=schemas.LandingPage,
        response_model_exclude_none=True,
        tags=["OGC API - Features"],
    )
    def landing_page(request: Request) -> dict[str, Any]:
        """Return the landing page with links to the API description, the conformance classes and the data."""
        return {
            "title": API_TITLE,
            "description": "Live SOS rescue cases with status write-back.",
            "links": [
                {"href": str(request.url_for("landing_page")), "rel": "self", "type": "application/json"},
                {
                    "href": str(request.url_for("openapi")),
                    "rel": "service-desc",
                    "type": OPENAPI_MEDIA_TYPE,
                    "title": "OpenAPI 3.1 description of this API",
                },
                {
                    "href": str(request.url_for("conformance")),
                    "rel": "conformance",
                    "type": "application/json",
                },
                {"href": str(request.url_for("collections")), "rel": "data", "type": "application/json"},
            ],
        }

    @app.get(
        "/openapi.json",
        name="openapi",
        response_class=JSONResponse,
        responses={200: {"description": "This document", "content": {OPENAPI_MEDIA_TYPE: {}}}},
        tags=["OGC API - Features"],
    )
    def openapi_document() -> JSONResponse:
        """Return the OpenAPI 3.1 description of this API."""
        return JSONResponse(app.openapi(), media_type=OPENAPI_MEDIA_TYPE)

    @app.get(
        "/conformance", name="conformance", response_model=schemas.Conformance, tags=["OGC API - Features"]
    )
    def conformance() -> dict[str, Any]:
        """List the conformance classes of OGC API - Features Part 1 that this server implements."""
        return {"conformsTo": CONFORMANCE_CLASSES}

    def collection_document(request: Request) -> dict[str, Any]:
        bbox, interval = service.collection_extent()
        # NOTE: with no located case yet, the spatial extent falls back to the service area (or the world).
        if bbox is None:
            bbox = service.service_area or (-180.0, -90.0, 180.0, 90.0)
        self_url = str(request.url_for("collection"))
        return {
            "id": COLLECTION_ID,
            "title": "SOS cases",
            "description": "SOS rescue requests with their status, people count and location.",
            "itemType": "feature",
            "crs": [CRS84],
            "storageCrs": CRS84,
            "extent": {
                "spatial": {"bbox": [list(bbox)], "crs": CRS84},
                "temporal": {
                    "interval": [list(interval) if interval else [None, None]],
                    "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                },
            },
            "links": [
                {"href": self_url, "rel": "self", "type": "application/json", "title": "This collection"},
                {
                    "href": str(request.url_for("list_cases")),
                    "rel": "items",
                    "type": GEOJSON,
                    "title": "Cases",
                },
            ],
        }

    @app.get(
        "/collections",
        name="collections",
        response_model=schemas.Collections,
        responses=auth_problems,
        tags=["OGC API - Features"],
    )
    def collections(request: Request, principal: reader) -> dict[str, Any]:
        """List the collections of this server, which is only `cases`."""
        return {
            "collections": [collection_document(request)],
            "links": [
                {"href": str(request.url_for("collections")), "rel": "self", "type": "application/json"}
            ],
        }

    @app.get(
        "/collections/cases",
        name="collection",
        response_model=schemas.Collection,
        responses=auth_problems,
        tags=["OGC API - Features"],
    )
    def collection(request: Request, principal: reader) -> dict[str, Any]:
        """Return the metadata of the `cases` collection: spatial and temporal extent, CRS."""
        return collection_document(request)

    @app.get(
        "/collections/cases/items",
        name="list_cases",
        response_class=JSONResponse,
        responses={
            200: _geojson_response(schemas.CaseCollection, "One page of cases"),
            **auth_problems,
            **_problem_responses(400),
        },
        tags=["Cases"],
    )
    def list_cases(
        request: Request,
        principal: reader,
        limit: int = Query(
            DEFAULT_LIMIT,
            ge=1,
            description=f"Page size; values above {MAX_LIMIT} are lowered to {MAX_LIMIT}",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
        bbox: Optional[str] = Query(
            None,
            description="min_lon,min_lat,max_lon,max_lat in WGS 84; cases without a location never match",
        ),
        status: Optional[str] = Query(
            None, description="Comma-separated statuses, e.g. needs_help,in_progress"
        ),
        updated_since: Optional[str] = Query(
            None, description="RFC 3339 time; returns cases with updated_at at or after it (inclusive)"
        ),
        cursor: Optional[str] = Query(
            None, description="Opaque cursor from a next link; it carries the filters of the first page"
        ),
        f: Optional[str] = Query(None, description="Output format: json or geojson (both GeoJSON)"),
    ) -> JSONResponse:
        """List cases as a GeoJSON FeatureCollection in id order, with cursor paging."""
        if f is not None and f not in ("json", "geojson"):
            raise ApiError(f"Unsupported output format f={f!r}: use f=json.")
        since = None
        if updated_since is not None:
            try:
                since = parse_time(updated_since)
            except RecordError as exc:
                raise ApiError(f"updated_since is not a valid time: {exc.reason}") from exc
            if not in_utc_range(since):
                raise ApiError(f"updated_since is outside the years 1 to 9999 in UTC: {updated_since!r}.")
        listing = service.list_cases(
            limit=limit,
            statuses=_parse_statuses(status) if status is not None else None,
            bbox=_parse_bbox(bbox) if bbox is not None else None,
            updated_since=since,
            cursor=cursor,
        )
        links = [{"href": str(request.url), "rel": "self", "type": GEOJSON, "title": "This page"}]
        if listing.next_cursor:
            next_params: dict[str, Any] = {"limit": min(limit, MAX_LIMIT), "cursor": listing.next_cursor}
            if f is not None:
                next_params["f"] = f
            next_url = request.url_for("list_cases").include_query_params(**next_params)
            links.append({"href": str(next_url), "rel": "next", "type": GEOJSON, "title": "Next page"})
        body = {
            "type": "FeatureCollection",
            "features": listing.features,
            "numberReturned": len(listing.features),
            "numberMatched": listing.number_matched,
            "timeStamp": listing.time_stamp,
            "next_updated_since": listing.next_updated_since,
            "links": links,
        }
        return JSONResponse(body, media_type=GEOJSON)

    @app.get(
        "/collections/cases/items/{case_id}",
        name="get_case",
        response_class=JSONResponse,
        responses={
            200: _geojson_response(schemas.CaseFeature, "The case"),
            **auth_problems,
            **_problem_responses(404),
        },
        tags=["Cases"],
    )
    def get_case(request: Request, case_id: str, principal: reader) -> JSONResponse:
        """Return one case, with its version in the ETag header."""
        row = service.get_case(case_id)
        return _case_response(request, row, 200)

    @app.patch(
        "/collections/cases/items/{case_id}",
        name="change_status",
        response_class=JSONResponse,
        responses={
            200: _geojson_response(schemas.CaseFeature, "The changed case"),
            **auth_problems,
            **_problem_responses(400, 404, 412, 422, 428),
        },
        tags=["Cases"],
    )
    def change_status(
        request: Request,
        case_id: str,
        change: schemas.StatusPatch,
        principal: officer,
        if_match: Optional[str] = Header(None, description='The version the client saw, e.g. "3"'),
    ) -> JSONResponse:
        """Change the status of one case if it is still at the version given in If-Match."""
        if if_match is None:
            raise PreconditionRequiredError(
                'If-Match is required: send the version you saw, e.g. If-Match: "3" (the ETag of the case).'
            )
        row = service.change_status(
            case_id,
            StatusChange(
                status=change.status,
                note=change.note,
                duplicate_of=change.duplicate_of,
                if_version=_parse_if_match(if_match),
                team=change.team,
            ),
            principal,
        )
        return _case_response(request, row, 200)

    @app.post(
        "/collections/cases/status-changes",
        name="change_statuses",
        response_model=schemas.StatusChangeResults,
        responses={**auth_problems, **_problem_responses(400, 409, 413, 422)},
        openapi_extra=_json_body(schemas.StatusChangeBatch),
        tags=["Cases"],
    )
    async def change_statuses(
        request: Request,
        principal: officer,
        idempotency_key: Optional[str] = Header(
            None,
            description="A new UUID per batch; a retry with the same key and body returns the kept response",
        ),
    ) -> JSONResponse:
        """Change many statuses, each item in its own transaction, with one result per item in order."""
        body = await _read_json(request)
        response, replayed = await run_in_threadpool(service.apply_batch, body, principal, idempotency_key)
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        return JSONResponse(response, headers=headers)

    @app.post(
        "/collections/cases/items",
        name="create_case",
        status_code=201,
        response_class=JSONResponse,
        responses={
            201: _geojson_response(schemas.CaseFeature, "The new case; Location and ETag headers name it"),
            **auth_problems,
            **_problem_responses(400, 409, 413, 422),
            429: _too_many_requests_response(),
        },
        openapi_extra=_json_body(schemas.NewCase),
        tags=["Cases"],
    )
    async def create_case(request: Request, principal: intake) -> JSONResponse:
        """Create a case from a citizen's SOS; it starts as needs_help, and a known external_id gets 409.

        Each intake token and each client address may create only so many cases per minute. Above that the
        server returns 429 with a Retry-After header and creates nothing.
        """
        address = request.client.host if request.client else None
        decision = intake_limiter.acquire(principal.token_sha256, principal.name, address)
        if not decision.allowed:
            raise TooManyRequestsError(decision.retry_after_s)
        feature = await _read_json(request)
        try:
            row = await run_in_threadpool(service.create_case, feature, principal)
        except CaseExistsError as exc:
            case_url = str(request.url_for("get_case", case_id=exc.case_id))
            exc.headers["Location"] = case_url
            exc.extra["links"] = [{"href": case_url, "rel": "related", "type": GEOJSON}]
            raise
        return _case_response(request, row, 201)

    @app.get(
        "/collections/cases/items/{case_id}/history",
        name="case_history",
        response_model=schemas.CaseHistory,
        responses={**auth_problems, **_problem_responses(404)},
        tags=["Cases"],
    )
    def case_history(case_id: str, principal: reader) -> dict[str, Any]:
        """Return the status history of a case, oldest first, starting with its creation."""
        return {"case_id": case_id, "entries": service.get_history(case_id)}


def _case_response(request: Request, row: dict[str, Any], status: int) -> JSONResponse:
    feature = feature_from_row(row)
    case_url = str(request.url_for("get_case", case_id=row["id"]))
    feature["links"] = [
        {"href": case_url, "rel": "self", "type": GEOJSON},
        {"href": str(request.url_for("collection")), "rel": "collection", "type": "application/json"},
    ]
    headers = {"ETag": _etag(row["version"])}
    if status == 201 or request.method == "POST":
        headers["Location"] = case_url
    return JSONResponse(feature, status_code=status, media_type=GEOJSON, headers=headers)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version="3.1.0",
        description=app.description,
        routes=app.routes,
    )
    schemas_section = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (
        schemas.CaseFeature,
        schemas.CaseCollection,
        schemas.StatusChangeBatch,
        schemas.NewCase,
        schemas.Problem,
    ):
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in generated.pop("$defs", {}).items():
            schemas_section.setdefault(name, definition)
        schemas_section[model.__name__] = generated
    _use_problem_for_validation_errors(document)
    app.openapi_schema = document
    return document


def _use_problem_for_validation_errors(document: dict[str, Any]) -> None:
    # FastAPI documents its own 422 body, but this server returns problem details for validation errors
    # (400 for parameters, 422 for bodies), so the generated entries are replaced.
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" not in responses:
                continue
            if "requestBody" in operation:
                responses["422"] = {"description": "Invalid request body", "content": problem}
            else:
                del responses["422"]
                responses["400"] = {"description": "Invalid request parameters", "content": problem}
    for name in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(name, None)
