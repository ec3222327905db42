"""GDAL's OGC API - Features driver reads cases from the server, as QGIS's OAPIF provider does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REAL_DATA = Path("data") / "sos" / "daklak_nov2025_requests.geojson"


def run_ogrinfo(server) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            f"OAPIF:{server.url}",
            "cases",
            "--config",
            "GDAL_HTTP_HEADERS",
            f"Authorization: Bearer {server.tokens['viewer']}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.realdata
def test_ogrinfo_counts_real_cases(sos_server, shared_dir):
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (GDAL) is not installed")
    path = shared_dir / REAL_DATA
    if not path.is_file():
        pytest.skip(f"real SOS data not found at {path}")
    assert sos_server.import_file(path).returncode == 0
    result = run_ogrinfo(sos_server)
    count = re.search(r"Feature Count: (\d+)", result.stdout)
    assert result.returncode == 0, result.stderr
    assert count is not None, result.stdout
    assert int(count.group(1)) == 591
    assert "Geometry: Point" in result.stdout


def test_ogrinfo_without_token_fails(sos_server, create_case):
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (GDAL) is not installed")
    create_case()
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{sos_server.url}", "cases"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
