"""The shapely code of the plugin runs where the system GEOS is loaded first, as in the QGIS executable.

On Linux the QGIS executable links the system GEOS, so its functions sit in the global symbol scope before
a shapely wheel with its own newer GEOS is imported. Each test runs the plugin code in a child Python that
loads the system GEOS the same way first, so a crash there is a crash of QGIS desktop.
"""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEM_GEOS = ctypes.util.find_library("geos_c")

pytestmark = pytest.mark.skipif(SYSTEM_GEOS is None, reason="no system GEOS C library on this machine")


def run_with_system_geos(code: str) -> subprocess.CompletedProcess:
    preamble = textwrap.dedent(
        f"""
        import ctypes
        ctypes.CDLL({SYSTEM_GEOS!r}, mode=ctypes.RTLD_GLOBAL)
        """
    )
    return subprocess.run(
        [sys.executable, "-c", preamble + textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_communes_locate_with_system_geos():
    result = run_with_system_geos(
        """
        import shapely
        from sos_qgis_plugin.core.communes import Commune, CommuneIndex

        west = Commune("1", "Hòa Phú", shapely.box(108.0, 12.0, 108.5, 12.5))
        east = Commune("2", "Ea Kao", shapely.box(108.5, 12.0, 109.0, 12.5))
        print(CommuneIndex([west, east]).locate([108.2, 108.7, 110.0], [12.2, 12.3, 12.3]))
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 1, None]"


def test_hazard_overlay_with_system_geos():
    result = run_with_system_geos(
        """
        import shapely
        from sos_qgis_plugin.core.hazards import HazardSet, analyse_cases

        hazards = HazardSet(
            flood_zones=[("f1", shapely.box(0, 0, 1000, 1000)), ("f2", shapely.box(500, 0, 1500, 1000))],
            landslide_points=[("l1", shapely.Point(5000, 5000), 300.0)],
            flood_given=True,
            landslide_given=True,
        )
        cases = [("a", 750.0, 500.0), ("b", 5100.0, 5000.0), ("c", 9000.0, 9000.0)]
        results = analyse_cases(cases, hazards)
        print([results[case].flood_event_count for case in "abc"])
        print([results[case].in_landslide_zone for case in "abc"])
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[2, 0, 0]", "[False, True, False]"]
