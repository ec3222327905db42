"""Write the server's OpenAPI document to docs/openapi.json, or check that the file is current.

Usage: python scripts/export_openapi.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from sos_server.app import create_app  # noqa: E402 - needs the repository root on sys.path first
from sos_server.domain import CaseService  # noqa: E402
from sos_server.storage import SqlCaseStore  # noqa: E402

OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"


def render_openapi() -> str:
    """Return the OpenAPI document of the server as stable, indented JSON text."""
    store = SqlCaseStore("sqlite://")  # in memory: the document does not depend on any data
    try:
        document = create_app(CaseService(store)).openapi()
    finally:
        store.close()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/openapi.json is stale")
    args = parser.parse_args()
    text = render_openapi()
    if args.check:
        current = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
        if current != text:
            print(f"{OPENAPI_PATH} is stale: run python scripts/export_openapi.py", file=sys.stderr)
            return 1
        return 0
    OPENAPI_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
