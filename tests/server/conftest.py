"""Fixtures for the server tests: cases created through the intake endpoint of a real server."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import requests

TIMEOUT_S = 30


def build_feature(lon: float | None = 108.05, lat: float | None = 12.67, **properties: Any) -> dict[str, Any]:
    """Return a GeoJSON Feature for a new case; ``properties`` override the defaults."""
    geometry = None if lon is None else {"type": "Point", "coordinates": [lon, lat]}
    base = {
        "status": "needs_help",
        "people_count": 3,
        "description": "Nhà ngập tới mái, cần cứu hộ",
        "created_at": "2025-11-19T08:15:00+07:00",
        "source": "test",
    }
    return {"type": "Feature", "geometry": geometry, "properties": {**base, **properties}}


@pytest.fixture
def create_case(sos_server) -> Callable[..., dict[str, Any]]:
    """Create a case through POST /collections/cases/items and return the case Feature."""

    def create(lon: float | None = 108.05, lat: float | None = 12.67, **properties: Any) -> dict[str, Any]:
        response = requests.post(
            f"{sos_server.url}/collections/cases/items",
            json=build_feature(lon, lat, **properties),
            headers=sos_server.headers("intake"),
            timeout=TIMEOUT_S,
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture
def make_feature() -> Callable[..., dict[str, Any]]:
    """The GeoJSON Feature builder used by ``create_case``, for tests that post features themselves."""
    return build_feature
