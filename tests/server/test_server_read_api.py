"""Read side of the server over loopback HTTP: OGC endpoints, listing filters, paging, roles and errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from sos_qgis_plugin.core.timeutil import parse_time

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
OGC_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def get(server, path: str, role: str | None = "viewer", **params) -> requests.Response:
    headers = server.headers(role) if role else {}
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=TIMEOUT_S)


def patch_status(server, case: dict, status: str) -> dict:
    response = requests.patch(
        f"{server.url}{ITEMS}/{case['id']}",
        json={"status": status},
        headers=server.headers("officer", **{"If-Match": f'"{case["properties"]["version"]}"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    return response.json()


def walk_pages(server, limit: int, between_pages=None, **params) -> tuple[list[dict], list[dict]]:
    """Follow next links from the first page; call ``between_pages(page_number)`` after each page."""
    features: list[dict] = []
    pages: list[dict] = []
    url = f"{server.url}{ITEMS}"
    query = {"limit": limit, **params}
    while url:
        response = requests.get(url, params=query, headers=server.headers("viewer"), timeout=TIMEOUT_S)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        features.extend(page["features"])
        if between_pages is not None:
            between_pages(len(pages))
        next_links = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = next_links[0] if next_links else None
        query = {}
    return features, pages


def test_landing_page_links(sos_server):
    response = get(sos_server, "/", role=None)
    rels = {link["rel"]: link["href"] for link in response.json()["links"]}
    assert response.status_code == 200
    assert rels["self"] == f"{sos_server.url}/"
    assert rels["service-desc"] == f"{sos_server.url}/openapi.json"
    assert rels["conformance"] == f"{sos_server.url}/conformance"
    assert rels["data"] == f"{sos_server.url}/collections"


def test_conformance_classes(sos_server):
    classes = get(sos_server, "/conformance", role=None).json()["conformsTo"]
    assert OGC_CORE in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in classes


def test_collection_extent_and_crs(sos_server, create_case):
    create_case(108.0, 12.5)
    create_case(109.25, 13.0)
    create_case(None, None)
    collection = get(sos_server, "/collections/cases").json()
    assert collection["id"] == "cases"
    assert collection["extent"]["spatial"]["bbox"] == [[108.0, 12.5, 109.25, 13.0]]
    assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in collection["crs"]


def test_collections_lists_cases(sos_server):
    body = get(sos_server, "/collections").json()
    assert [collection["id"] for collection in body["collections"]] == ["cases"]


def test_items_geojson_with_links(sos_server, create_case):
    for _ in range(3):
        create_case()
    response = get(sos_server, ITEMS, limit=2)
    body = response.json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert response.headers["content-type"] == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == 2
    assert body["numberMatched"] == 3
    assert rels["self"].startswith(f"{sos_server.url}{ITEMS}?")
    assert rels["next"].startswith(f"{sos_server.url}{ITEMS}?")


def test_items_last_page_has_no_next(sos_server, create_case):
    create_case()
    body = get(sos_server, ITEMS, limit=1).json()
    assert [link["rel"] for link in body["links"]] == ["self"]


def test_items_format_json_and_accept(sos_server, create_case):
    create_case()
    by_param = get(sos_server, ITEMS, f="json")
    by_accept = requests.get(
        f"{sos_server.url}{ITEMS}",
        headers=sos_server.headers("viewer", Accept="application/geo+json"),
        timeout=TIMEOUT_S,
    )
    assert by_param.status_code == 200
    assert by_param.json()["numberReturned"] == 1
    assert by_accept.headers["content-type"] == "application/geo+json"


def test_items_unknown_format_rejected(sos_server):
    response = get(sos_server, ITEMS, f="xml")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_ids_increase_fixed_width(sos_server, create_case):
    first = create_case()["id"]
    second = create_case()["id"]
    assert first == "c0000001"
    assert second == "c0000002"


def test_paging_with_changes_between_pages(sos_server, create_case):
    cases = [create_case(people_count=index) for index in range(10)]
    seen_case, unseen_case = cases[1], cases[8]
    added: list[dict] = []

    def change_records(page_number: int) -> None:
        if page_number == 1:
            patch_status(sos_server, seen_case, "in_progress")
            patch_status(sos_server, unseen_case, "supported")
            added.append(create_case(people_count=99))

    features, pages = walk_pages(sos_server, 3, between_pages=change_records)
    ids = [feature["id"] for feature in features]
    by_id = {feature["id"]: feature for feature in features}
    assert len(ids) == len(set(ids)), "a case was returned twice"
    assert set(ids) == {case["id"] for case in cases + added}
    assert by_id[unseen_case["id"]]["properties"]["status"] == "supported"
    assert by_id[seen_case["id"]]["properties"]["status"] == "needs_help"
    assert len(pages) == 4


def test_paging_status_filter_with_changes(sos_server, create_case):
    cases = [create_case() for _ in range(9)]
    seen_case, unseen_case = cases[0], cases[7]

    def change_records(page_number: int) -> None:
        if page_number == 1:
            patch_status(sos_server, seen_case, "supported")
            patch_status(sos_server, unseen_case, "supported")

    features, _ = walk_pages(sos_server, 2, between_pages=change_records, status="needs_help")
    ids = [feature["id"] for feature in features]
    expected = [case["id"] for case in cases if case["id"] != unseen_case["id"]]
    assert ids == expected


def test_paging_repeats_next_updated_since(sos_server, create_case):
    for _ in range(5):
        create_case()
    _, pages = walk_pages(sos_server, 2)
    first = pages[0]
    values = {page["next_updated_since"] for page in pages}
    margin = parse_time(first["timeStamp"]) - parse_time(first["next_updated_since"])
    assert values == {first["next_updated_since"]}
    assert margin == timedelta(seconds=5)


def test_paging_cursor_keeps_filters(sos_server, create_case):
    for _ in range(3):
        create_case()
    closed = create_case()
    patch_status(sos_server, closed, "supported")
    features, _ = walk_pages(sos_server, 1, status="needs_help")
    statuses = {feature["properties"]["status"] for feature in features}
    assert len(features) == 3
    assert statuses == {"needs_help"}


def test_invalid_cursor_rejected(sos_server):
    response = get(sos_server, ITEMS, cursor="not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


def test_bbox_filter(sos_server, create_case):
    inside = create_case(108.05, 12.67)
    edge = create_case(108.2, 12.8)
    create_case(109.3, 13.08)
    create_case(None, None)
    body = get(sos_server, ITEMS, bbox="108.0,12.6,108.2,12.8").json()
    ids = sorted(feature["id"] for feature in body["features"])
    assert ids == sorted([inside["id"], edge["id"]])
    assert body["numberMatched"] == 2


def test_bbox_excludes_point_just_outside(sos_server, create_case):
    # The R*Tree stores 32-bit floats; the exact test must still leave this point out.
    create_case(108.2000001, 12.7)
    body = get(sos_server, ITEMS, bbox="108.0,12.6,108.2,12.8").json()
    assert body["numberReturned"] == 0


def test_bbox_invalid_rejected(sos_server):
    response = get(sos_server, ITEMS, bbox="108,12,abc,13")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_status_filter(sos_server, create_case):
    cases = [create_case() for _ in range(3)]
    patch_status(sos_server, cases[0], "in_progress")
    patch_status(sos_server, cases[1], "supported")
    body = get(sos_server, ITEMS, status="needs_help,in_progress").json()
    ids = [feature["id"] for feature in body["features"]]
    assert ids == [cases[0]["id"], cases[2]["id"]]


def test_status_filter_unknown_rejected(sos_server):
    response = get(sos_server, ITEMS, status="needs_help,closed")
    assert response.status_code == 400
    assert "closed" in response.json()["detail"]


def test_updated_since_inclusive(sos_server, create_case):
    older = create_case()
    newer = patch_status(sos_server, create_case(), "in_progress")
    since = newer["properties"]["updated_at"]
    body = get(sos_server, ITEMS, updated_since=since).json()
    ids = [feature["id"] for feature in body["features"]]
    assert ids == [newer["id"]]
    assert older["id"] not in ids


def test_updated_since_after_last_change(sos_server, create_case):
    changed = patch_status(sos_server, create_case(), "in_progress")
    later = parse_time(changed["properties"]["updated_at"]) + timedelta(microseconds=1)
    body = get(sos_server, ITEMS, updated_since=later.isoformat()).json()
    assert body["numberReturned"] == 0


def test_updated_since_invalid_rejected(sos_server):
    response = get(sos_server, ITEMS, updated_since="19/11/2025 10:15")
    assert response.status_code == 400
    assert "updated_since" in response.json()["detail"]


def test_limit_above_max_lowered(sos_server, create_case):
    create_case()
    response = get(sos_server, ITEMS, limit=50000)
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 1


def test_limit_zero_rejected(sos_server):
    response = get(sos_server, ITEMS, limit=0)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_get_case_etag(sos_server, create_case):
    case = create_case()
    response = get(sos_server, f"{ITEMS}/{case['id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json()["properties"]["description"] == "Nhà ngập tới mái, cần cứu hộ"


def test_get_case_unknown_404(sos_server):
    response = get(sos_server, f"{ITEMS}/c9999999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_unknown_path_problem(sos_server):
    response = get(sos_server, "/no/such/path", role=None)
    body = response.json()
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert set(body) >= {"type", "title", "status", "detail"}


def test_no_token_401(sos_server):
    response = get(sos_server, ITEMS, role=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_token_401(sos_server):
    response = requests.get(
        f"{sos_server.url}{ITEMS}", headers={"Authorization": "Bearer not-a-token"}, timeout=TIMEOUT_S
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_intake_cannot_read_403(sos_server, create_case):
    case = create_case(phone="0912345678")
    listing = get(sos_server, ITEMS, role="intake")
    single = get(sos_server, f"{ITEMS}/{case['id']}", role="intake")
    assert listing.status_code == 403
    assert single.status_code == 403
    assert "0912345678" not in single.text


def test_officer_can_read(sos_server):
    response = get(sos_server, ITEMS, role="officer")
    assert response.status_code == 200


def test_time_stamp_is_utc(sos_server):
    body = get(sos_server, ITEMS).json()
    stamp = parse_time(body["timeStamp"])
    assert body["timeStamp"].endswith("Z")
    assert isinstance(stamp, datetime)


def test_session_server_serves(sos_server_session):
    response = get(sos_server_session, ITEMS, limit=1)
    assert response.status_code == 200
    assert response.json()["type"] == "FeatureCollection"


def test_case_links_absolute(sos_server, create_case):
    case = create_case()
    body = get(sos_server, f"{ITEMS}/{case['id']}").json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["self"] == f"{sos_server.url}{ITEMS}/{case['id']}"
    assert rels["collection"] == f"{sos_server.url}/collections/cases"


def test_case_without_location_listed(sos_server, create_case):
    case = create_case(None, None)
    body = get(sos_server, ITEMS).json()
    feature = body["features"][0]
    assert feature["id"] == case["id"]
    assert feature["geometry"] is None
    assert "no_location" in feature["properties"]["quality_flags"]
