"""Fuzz run of the real sos_server: schemathesis generates requests from the OpenAPI document it serves.

Each operation gets MAX_EXAMPLES generated requests, schema-valid and schema-invalid, sent over loopback HTTP
with the token of one role to a server seeded with real cases. The run uses a fixed Hypothesis seed and no
example database, so every run sends the same requests. A response fails the run when it is a 5xx, carries
a status code or content type the document does not list, or does not match the documented schema. Failures
print a curl command that reproduces them (with the token filtered out).

NOTE: schemathesis.pytest.from_fixture (schemathesis 4.32.5) fails on pytest 9.2 with
"'Function' object has no attribute '_nodeid'", so the operations are driven through
``APIOperation.as_strategy`` with a Hypothesis ``@given`` inside an ordinary test instead.

Set SOS_FUZZ_EXAMPLES to send more requests per operation in a deeper run by hand.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sos_qgis_plugin.core.statuses import STATUSES
from sos_server.domain import MAX_LIMIT

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = REPO_ROOT / ".." / "shared" / "cases"
OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"
TIMEOUT_S = 30
FUZZ_SEED = 20251119
MAX_EXAMPLES = int(os.environ.get("SOS_FUZZ_EXAMPLES", "25"))
ROLES = ("officer", "viewer", "intake")

# Any JSON value, used to tamper with the members of a paging cursor.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=8,
)


def documented_operations() -> list[tuple[str, str]]:
    """Return (method, path) of every operation in docs/openapi.json, which another test keeps current."""
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def seed_cases(server) -> list[str]:
    """Store the shared bad-input cases when present and three more, and return the ids of all cases."""
    if CASES_DIR.is_dir():
        for path in sorted(CASES_DIR.glob("*.geojson")):
            # The import rejects the hazard polygon files, which is fine because only the cases matter here.
            server.import_file(path)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.05, 12.67]}, "properties": {}},
        {"type": "Feature", "geometry": None, "properties": {"description": "Không rõ vị trí"}},
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [109.3, 13.1]},
            "properties": {"external_id": "fuzz-1", "source": "fuzz", "status": "needs_help"},
        },
    ]
    for feature in features:
        response = requests.post(
            f"{server.url}/collections/cases/items",
            json=feature,
            headers=server.headers("intake"),
            timeout=TIMEOUT_S,
        )
        response.raise_for_status()
    response = requests.get(
        f"{server.url}/collections/cases/items", headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    response.raise_for_status()
    return [feature["id"] for feature in response.json()["features"]]


@pytest.fixture(scope="module")
def seeded_server(sos_server_session):
    """The session server with seeded cases, and the ids of those cases."""
    return sos_server_session, seed_cases(sos_server_session)


def encode_cursor(state: dict[str, Any]) -> str:
    text = json.dumps(state, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def cursor_strategy(case_ids: list[str]) -> st.SearchStrategy[str]:
    """Return cursors shaped like the server's own, with any member replaced by any JSON value."""
    members = {
        "after": st.sampled_from(["c0000000", *case_ids]),
        "status": st.none() | st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3),
        "bbox": st.none() | st.just([102.0, 8.0, 110.0, 24.0]),
        "updated_since": st.none() | st.just("2025-11-19T03:15:00Z"),
        "next_updated_since": st.just("2025-11-19T03:15:00Z"),
    }
    states = st.fixed_dictionaries({name: value | JSON_VALUES for name, value in members.items()})
    return states.map(encode_cursor)


def load_schema(server, case_ids: list[str]) -> Any:
    """Load the served OpenAPI document with the fuzz settings and hooks that reach real records."""
    config = schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                # The server ignores query parameters it does not know, as OGC API readers add their own.
                "allow-extra-parameters": False,
                # The token is sent as an explicit header, which would replace a generated Authorization.
                "with-security-parameters": False,
            },
            "checks": {
                # A schema-valid PATCH still gets 412 or 428 from the version checks, and a bbox or status
                # string that matches no pattern gets 400, because the document cannot express those rules.
                "positive_data_acceptance": {"enabled": False},
            },
            "operations": [
                {
                    # Batch items are checked one by one, so an invalid item gets outcome "invalid" in a 200.
                    "include-path": "/collections/cases/status-changes",
                    "checks": {"negative_data_rejection": {"enabled": False}},
                }
            ],
        }
    )
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config, timeout=TIMEOUT_S)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not isinstance(path_parameters, dict) or "case_id" not in path_parameters:
            return st.just(path_parameters)
        real = st.sampled_from(case_ids).map(lambda case_id: {**path_parameters, "case_id": case_id})
        return real | st.just(path_parameters)

    @schema.hook
    def flatmap_headers(context, headers):
        # Real versions and the wildcard make some PATCH requests pass the If-Match check.
        if context.operation is None or context.operation.method.upper() != "PATCH":
            return st.just(headers)
        versions = st.sampled_from(['"1"', '"2"', 'W/"1"', "*"])
        return st.just(headers) | versions.map(lambda tag: {**(headers or {}), "If-Match": tag})

    @schema.hook
    def flatmap_query(context, query):
        if context.operation is None or context.operation.path != "/collections/cases/items":
            return st.just(query)
        if not isinstance(query, dict):
            return st.just(query)
        return st.just(query) | cursor_strategy(case_ids).map(lambda cursor: {**query, "cursor": cursor})

    @schema.hook
    def filter_query(context, query):
        # OGC API - Features lowers a limit above the documented maximum instead of rejecting it.
        limit = query.get("limit") if isinstance(query, dict) else None
        return not (isinstance(limit, int) and limit > MAX_LIMIT)

    return schema


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), documented_operations(), ids=lambda value: value)
def test_fuzz(seeded_server, role, method, path):
    server, case_ids = seeded_server
    operation = load_schema(server, case_ids)[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    headers = server.headers(role)

    @seed(FUZZ_SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def send_generated_request(case):
        case.call_and_validate(headers=headers, timeout=TIMEOUT_S)

    send_generated_request()
