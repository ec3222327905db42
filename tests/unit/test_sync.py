"""fetch_cases and merge_plan against a scripted loopback server."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from faulty_server import FaultyServer, html_reply, json_reply

from sos_qgis_plugin.core.api_client import ApiError, ClientConfig, SosClient, UnexpectedResponseError
from sos_qgis_plugin.core.records import parse_features
from sos_qgis_plugin.core.sync import FetchCancelled, PagingError, fetch_cases, merge_plan

ITEMS = "/collections/cases/items"
CASES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "cases"


def feature(case_id: str | None, version: int = 1, **properties: object) -> dict:
    document: dict = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {
            "status": "needs_help",
            "version": version,
            "created_at": "2025-11-19T01:15:00Z",
            "updated_at": "2025-11-19T01:15:00Z",
            **properties,
        },
    }
    if case_id is not None:
        document["id"] = case_id
        document["properties"]["id"] = case_id
    return document


def page(
    features: list[dict], next_href: str | None = None, since: str | None = "2025-11-20T03:00:00Z"
) -> dict:
    links = [{"rel": "next", "href": next_href}] if next_href else []
    return {
        "type": "FeatureCollection",
        "features": features,
        "links": links,
        "numberReturned": len(features),
        "next_updated_since": since,
    }


@pytest.fixture
def server():
    with FaultyServer() as running:
        yield running


def make_client(url: str) -> SosClient:
    return SosClient(
        ClientConfig(base_url=url, token="sync-test-token", max_retries=1), sleep=lambda seconds: None
    )


def serve_pages(server: FaultyServer, *pages: dict) -> None:
    """Queue the pages on the items path; each page's next link carries its page number as the cursor."""
    server.add("GET", ITEMS, *(json_reply(200, document) for document in pages))


def next_href(server: FaultyServer, number: int) -> str:
    return f"{server.url}{ITEMS}?cursor=page{number}"


# --- paging ---------------------------------------------------------------------------------------


def test_fetch_two_pages(server):
    serve_pages(
        server,
        page([feature("c000001"), feature("c000002")], next_href(server, 2)),
        page([feature("c000003")]),
    )
    result = fetch_cases(make_client(server.url), page_size=2)
    assert [record.id for record in result.records] == ["c000001", "c000002", "c000003"]
    assert result.pages == 2
    assert result.full is True
    assert result.rejected == []
    assert "limit=2" in server.requests[0].query
    assert server.requests[1].query == "cursor=page2"


def test_fetch_since_from_first_page(server):
    serve_pages(
        server,
        page([feature("c000001")], next_href(server, 2), since="2025-11-20T03:00:00Z"),
        page([feature("c000002")], since="2025-11-20T03:00:09Z"),
    )
    result = fetch_cases(make_client(server.url))
    assert result.next_updated_since == "2025-11-20T03:00:00Z"


def test_fetch_incremental(server):
    serve_pages(server, page([feature("c000004", 3)]))
    result = fetch_cases(make_client(server.url), updated_since="2025-11-20T02:00:00Z")
    assert result.full is False
    assert "updated_since=2025-11-20T02%3A00%3A00Z" in server.requests[0].query


def test_fetch_empty(server):
    serve_pages(server, page([]))
    result = fetch_cases(make_client(server.url))
    assert result.records == []
    assert result.pages == 1
    assert result.next_updated_since == "2025-11-20T03:00:00Z"


def test_later_page_wins(server):
    serve_pages(
        server,
        page([feature("c000001", 1), feature("c000002", 1)], next_href(server, 2)),
        page([feature("c000002", 2, status="supported")]),
    )
    result = fetch_cases(make_client(server.url))
    by_id = {record.id: record for record in result.records}
    assert len(result.records) == 2
    assert by_id["c000002"].version == 2
    assert by_id["c000002"].status == "supported"
    assert result.duplicates == ["c000002"]


def test_shared_external_id_kept(server):
    serve_pages(
        server, page([feature("c000001", external_id="zalo-7"), feature("c000002", external_id="zalo-7")])
    )
    result = fetch_cases(make_client(server.url))
    assert len(result.records) == 2
    assert result.duplicates == []


def test_progress_counts_features(server):
    serve_pages(
        server, page([feature("c000001"), feature("c000002")], next_href(server, 2)), page([feature("c3")])
    )
    progress: list[int] = []
    fetch_cases(make_client(server.url), on_progress=progress.append)
    assert progress == [2, 3]


def test_paging_loop_detected(server):
    loop = next_href(server, 2)
    serve_pages(server, page([feature("c000001")], loop), page([feature("c000002")], loop))
    with pytest.raises(PagingError):
        fetch_cases(make_client(server.url))


# --- failures and cancellation --------------------------------------------------------------------


def test_failed_page_raises(server):
    server.add(
        "GET", ITEMS, json_reply(200, page([feature("c000001")], next_href(server, 2))), html_reply(502)
    )
    with pytest.raises(UnexpectedResponseError):
        fetch_cases(make_client(server.url))


def test_server_error_raises(server):
    server.add(
        "GET", ITEMS, json_reply(500, {"title": "Internal Server Error", "detail": "database is locked"})
    )
    with pytest.raises(ApiError) as caught:
        fetch_cases(make_client(server.url))
    assert "database is locked" in caught.value.message


def test_cancel_before_first_page(server):
    serve_pages(server, page([feature("c000001")]))
    with pytest.raises(FetchCancelled):
        fetch_cases(make_client(server.url), is_cancelled=lambda: True)
    assert server.requests == []


def test_cancel_between_pages(server):
    serve_pages(server, page([feature("c000001")], next_href(server, 2)), page([feature("c000002")]))
    calls: list[int] = []

    def cancel_after_first_page() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(FetchCancelled) as caught:
        fetch_cases(make_client(server.url), is_cancelled=cancel_after_first_page)
    assert len(server.requests) == 1
    assert "cancelled" in caught.value.message


# --- rejected records -----------------------------------------------------------------------------


def test_rejection_names_case(server):
    bad = feature("c000002")
    bad["geometry"]["coordinates"] = [109.3, 95.0]
    serve_pages(server, page([feature("c000001")], next_href(server, 2)), page([feature("c000003"), bad]))
    result = fetch_cases(make_client(server.url))
    assert len(result.records) == 2
    assert len(result.rejected) == 1
    assert result.rejected[0].reason.startswith("Case c000002: ")
    assert result.rejected[0].index == 2


def test_record_without_id_rejected(server):
    serve_pages(server, page([feature("c000001"), feature(None, external_id="x-1")]))
    result = fetch_cases(make_client(server.url))
    assert [record.id for record in result.records] == ["c000001"]
    assert result.rejected[0].external_id == "x-1"
    assert result.rejected[0].index == 1


def case_files() -> list[Path]:
    if not CASES_DIR.is_dir():
        return []
    return sorted(path for path in CASES_DIR.glob("*.geojson") if "bowtie_flood_zone" not in path.name)


@pytest.mark.skipif(not CASES_DIR.is_dir(), reason="../shared/cases is absent beside the repository")
@pytest.mark.parametrize("path", case_files(), ids=lambda path: path.stem)
def test_case_file_nothing_lost(server, path):
    """Each bad-input file, served as the server would (with ids), comes back as records or rejections."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    for number, item in enumerate(features, start=1):
        item["id"] = f"c{number:06d}"
    serve_pages(server, page(features[:2], next_href(server, 2)), page(features[2:]))
    result = fetch_cases(make_client(server.url), page_size=2)
    kept_ids = {record.id for record in result.records}
    rejected_ids = {rejection.reason.split(":")[0].removeprefix("Case ") for rejection in result.rejected}
    assert len(result.records) + len(result.rejected) == len(features)
    assert kept_ids.isdisjoint(rejected_ids)
    assert kept_ids | rejected_ids == {item["id"] for item in features}


@pytest.mark.skipif(not CASES_DIR.is_dir(), reason="../shared/cases is absent beside the repository")
def test_null_geometry_kept(server):
    features = json.loads((CASES_DIR / "null_geometry.geojson").read_text(encoding="utf-8"))["features"]
    for number, item in enumerate(features, start=1):
        item["id"] = f"c{number:06d}"
    serve_pages(server, page(features))
    result = fetch_cases(make_client(server.url))
    no_location = [record for record in result.records if "no_location" in record.quality_flags]
    assert len(result.records) == 3
    assert len(no_location) == 2


# --- merge_plan -----------------------------------------------------------------------------------


def records_of(*features: dict) -> list:
    return parse_features(list(features), dedupe_external_ids=False).records


def test_merge_plan_sorts_records():
    records = records_of(feature("c000001", 1), feature("c000002", 3), feature("c000003", 1))
    to_add, to_update, unchanged = merge_plan({"c000001": 1, "c000002": 2}, records)
    assert [record.id for record in to_add] == ["c000003"]
    assert [record.id for record in to_update] == ["c000002"]
    assert [record.id for record in unchanged] == ["c000001"]


def test_merge_plan_lower_version_updates():
    to_add, to_update, unchanged = merge_plan({"c000001": 5}, records_of(feature("c000001", 2)))
    assert [record.id for record in to_update] == ["c000001"]


def test_merge_plan_missing_version_updates():
    record = records_of(feature("c000001", 1))[0]
    record.version = None
    to_add, to_update, unchanged = merge_plan({"c000001": 1}, [record])
    assert to_update == [record]


def test_merge_plan_skips_missing_id():
    to_add, to_update, unchanged = merge_plan({}, records_of(feature(None)))
    assert to_add == []


# --- against the reference server -----------------------------------------------------------------


def import_cases(server, path: Path) -> int:
    """Import a GeoJSON file into the server and return how many cases it stored."""
    finished = server.import_file(path)
    assert finished.returncode == 0, finished.stderr
    match = re.search(r"imported (\d+)", finished.stdout + finished.stderr)
    assert match is not None, finished.stdout
    return int(match.group(1))


def server_client(server, role: str = "viewer") -> SosClient:
    return SosClient(ClientConfig(base_url=server.url, token=server.tokens[role]), sleep=lambda seconds: None)


@pytest.mark.realdata
def test_server_fetch_real_data(sos_server, shared_dir):
    imported = import_cases(sos_server, shared_dir / "data" / "sos" / "daklak_nov2025_requests.geojson")
    result = fetch_cases(server_client(sos_server), page_size=100)
    ids = [record.id for record in result.records]
    assert imported == 591
    assert len(ids) == imported
    assert len(set(ids)) == imported
    assert result.pages == math.ceil(imported / 100)
    assert result.rejected == []
    assert result.duplicates == []
    assert result.next_updated_since is not None


def test_server_fetch_case_files(sos_server, shared_dir):
    imported = sum(
        import_cases(sos_server, path) for path in sorted((shared_dir / "cases").glob("*.geojson"))
    )
    result = fetch_cases(server_client(sos_server), page_size=7)
    assert len(result.records) == imported
    assert result.rejected == []
    assert result.pages == math.ceil(imported / 7)


def test_server_incremental_after_patch(sos_server, shared_dir):
    import_cases(sos_server, shared_dir / "cases" / "null_geometry.geojson")
    import_cases(sos_server, shared_dir / "cases" / "loose_types.geojson")
    first = fetch_cases(server_client(sos_server))
    target = first.records[-1]
    server_client(sos_server, "officer").set_status(
        target.id, "supported", version=target.version, note="đội 3"
    )

    later = fetch_cases(server_client(sos_server), updated_since=first.next_updated_since)
    changed = {record.id: record for record in later.records}[target.id]
    assert later.full is False
    assert changed.status == "supported"
    assert changed.version == target.version + 1


def test_server_change_while_paging(sos_server, shared_dir):
    imported = sum(
        import_cases(sos_server, shared_dir / "cases" / name)
        for name in ("null_geometry.geojson", "loose_types.geojson", "html_injection.geojson")
    )
    officer = server_client(sos_server, "officer")
    last_case, last_version = None, None

    def change_last_case(received: int) -> None:
        # After the first page, change the case with the highest id, which is still on a later page.
        if received == 2:
            officer.set_status(last_case, "in_progress", version=last_version)

    everything = fetch_cases(server_client(sos_server))
    last_case, last_version = everything.records[-1].id, everything.records[-1].version
    result = fetch_cases(server_client(sos_server), page_size=2, on_progress=change_last_case)
    by_id = {record.id: record for record in result.records}
    assert len(result.records) == imported
    assert result.duplicates == []
    assert by_id[last_case].status == "in_progress"
