"""The OpenAPI document served by the server, and its copy in docs/openapi.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"
TIMEOUT_S = 30
API_PATHS = {
    "/",
    "/openapi.json",
    "/conformance",
    "/collections",
    "/collections/cases",
    "/collections/cases/items",
    "/collections/cases/items/{case_id}",
    "/collections/cases/items/{case_id}/history",
    "/collections/cases/status-changes",
}
EXTENSION_FIELDS = {"people_count_raw", "location_note", "quality_flags"}


def test_openapi_served_is_31(sos_server):
    response = requests.get(f"{sos_server.url}/openapi.json", timeout=TIMEOUT_S)
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1.")


def test_openapi_matches_docs_file(sos_server):
    served = requests.get(f"{sos_server.url}/openapi.json", timeout=TIMEOUT_S).json()
    committed = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert served == committed, "docs/openapi.json is stale: run python scripts/export_openapi.py"


def test_openapi_export_check_passes():
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "export_openapi.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_openapi_describes_every_path():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert set(document["paths"]) == API_PATHS


def test_openapi_case_schema_fields():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    properties = document["components"]["schemas"]["CaseProperties"]["properties"]
    assert EXTENSION_FIELDS <= set(properties)
    assert {"id", "status", "people_count", "phone", "version", "duplicate_of", "created_at"} <= set(
        properties
    )


def test_openapi_bearer_security():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    operation = document["paths"]["/collections/cases/items/{case_id}"]["patch"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert operation["security"] == [{"HTTPBearer": []}]
    assert "412" in operation["responses"]
