"""The situation report: PDF pages, map, commune table and chart, in English and Vietnamese."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsPrintLayout,
    QgsProcessingAlgorithm,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime, QTime, QTimeZone, QTranslator
from qgis.PyQt.QtGui import QImage

from sos_qgis_plugin.case_layer import CaseLayerStore, create_or_open_case_layer
from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.core.records import parse_features
from sos_qgis_plugin.report import (
    CaseTotals,
    _totals_text,
    add_commune_table,
    add_title_label,
    boundary_layer_for_map,
    build_situation_report,
    count_cell_text,
    dense_extent,
    read_case_data,
    summary_row,
)
from sos_qgis_plugin.report_chart import build_timeline, chart_caption, write_timeline_svg
from sos_qgis_plugin.style import apply_case_style

QM_FILE = Path(__file__).resolve().parents[2] / "sos_qgis_plugin" / "i18n" / "sos_qgis_plugin_vi.qm"
STATUS_CYCLE = ("needs_help", "in_progress", "supported", "needs_help", "unreachable", "duplicate")
FIRST_CASE_UTC = datetime(2025, 11, 19, 1, 0, tzinfo=timezone.utc)
CASE_COUNT = 60
DATA_TIME = datetime(2026, 12, 4, 7, 5, tzinfo=timezone.utc)


def _case_features() -> list:
    """Sixty cases over 30 hours near Tuy Hoa; every fifth has no people count, the last has no location."""
    features = []
    for index in range(CASE_COUNT):
        created = FIRST_CASE_UTC + timedelta(minutes=30 * index)
        geometry = {"type": "Point", "coordinates": [109.0 + 0.005 * index, 12.9 + 0.003 * (index % 20)]}
        features.append(
            {
                "type": "Feature",
                "id": f"c{index:07d}",
                "geometry": None if index == CASE_COUNT - 1 else geometry,
                "properties": {
                    "status": STATUS_CYCLE[index % len(STATUS_CYCLE)],
                    "people_count": None if index % 5 == 0 else 1 + index % 7,
                    "household_count": 1,
                    "created_at": created.isoformat(),
                    "updated_at": (created + timedelta(hours=2)).isoformat(),
                    "version": 1,
                    "description": "<b>Nhà ngập</b> & cần thuyền",
                },
            }
        )
    return features


def _pdf_text(path: Path, page: int) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _pdf_words(path: Path, page: int) -> str:
    """Return the text of one PDF page in reading order with every run of whitespace made one space.

    A label that wraps over several lines then reads as one sentence. NFKC turns the ligatures that the PDF
    font uses ("ﬂ" in "flood") back into letters.
    """
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(unicodedata.normalize("NFKC", result.stdout).split())


def _page_count(path: Path) -> int:
    if shutil.which("pdfinfo") is not None:
        output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", output, re.MULTILINE).group(1))
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def _render_pages(path: Path, out_dir: Path) -> list:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))


@pytest.fixture
def report_project(qgis_app, tmp_path):
    """A project with a styled case layer of 60 cases, hazard fields set, and one flood polygon layer."""
    project = QgsProject.instance()
    project.clear()
    cases = create_or_open_case_layer(str(tmp_path / "cases.gpkg"))
    CaseLayerStore(cases).apply_records(parse_features(_case_features()).records)
    fields = cases.fields()
    flood_index = fields.indexFromName("in_flood")
    landslide_index = fields.indexFromName("in_landslide_zone")
    changes = {
        feature.id(): {flood_index: feature.id() % 3 == 0, landslide_index: feature.id() % 10 == 0}
        for feature in cases.getFeatures()
    }
    assert cases.dataProvider().changeAttributeValues(changes)
    apply_case_style(cases)

    flood = QgsVectorLayer("Polygon?crs=EPSG:4326", "Flood zone", "memory")
    zone = QgsFeature()
    zone.setGeometry(QgsGeometry.fromRect(QgsRectangle(109.0, 12.85, 109.15, 13.0)))
    assert flood.dataProvider().addFeatures([zone])[0]
    project.addMapLayers([flood, cases])
    project.setCrs(cases.crs())
    yield project, cases, flood
    project.clear()


def _waiting_indexes() -> list:
    return [
        i for i in range(CASE_COUNT) if STATUS_CYCLE[i % len(STATUS_CYCLE)] in ("needs_help", "in_progress")
    ]


def _clear_field(layer: QgsVectorLayer, name: str) -> None:
    index = layer.fields().indexFromName(name)
    changes = {feature.id(): {index: None} for feature in layer.getFeatures()}
    assert layer.dataProvider().changeAttributeValues(changes)


def _commune_layer(name: str = "Test communes") -> QgsVectorLayer:
    """Two square communes side by side over the test cases, in a memory layer."""
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=code:string&field=name:string", name, "memory")
    features = []
    for code, left in (("22001", 108.95), ("22002", 109.15)):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([code, f"Xã {code}"])
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(left, 12.8, left + 0.2, 13.1)))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


def _summaries(count: int) -> list:
    return [
        {
            "code": f"{22000 + index}",
            "name": f"Xã Hoà {index}",
            "waiting_cases": index % 4,
            "people_waiting": index,
            "waiting_in_flood": index % 2,
            "waiting_in_landslide": 0,
            "by_status": {"needs_help": index % 4, "supported": 1},
        }
        for index in range(count)
    ]


@pytest.fixture
def vietnamese(qgis_app):
    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_timeline_hourly_buckets():
    start = datetime(2025, 11, 19, 8, 10)
    timeline = build_timeline([(start, "needs_help"), (start + timedelta(hours=2), "supported"), (None, "x")])

    assert timeline.hourly
    assert len(timeline.bucket_starts) == 3
    assert timeline.counts["needs_help"] == [1, 0, 0]
    assert timeline.counts["supported"] == [0, 0, 1]
    assert timeline.undated == 1


def test_timeline_daily_buckets():
    start = datetime(2025, 11, 2, 23, 0)
    timeline = build_timeline([(start, "needs_help"), (start + timedelta(days=9), "bogus")])

    assert not timeline.hourly
    assert len(timeline.bucket_starts) == 10
    assert timeline.counts["other"][-1] == 1


def test_timeline_svg_written(qgis_app, tmp_path):
    timeline = build_timeline([(datetime(2025, 11, 19, 8), "needs_help")])
    path = tmp_path / "chart.svg"

    write_timeline_svg(timeline, str(path), 120, 80)

    assert "<svg" in path.read_text(encoding="utf-8")


def test_timeline_wrong_clocks():
    start = datetime(2025, 11, 19, 8, 0)
    cases = [(start + timedelta(hours=hour), "needs_help") for hour in range(5)]
    cases += [(datetime(1970, 1, 1, 7), "needs_help"), (datetime(9999, 12, 30, 7), "supported")]

    timeline = build_timeline(cases, data_time=datetime(2025, 11, 19, 20, 0))

    assert timeline.hourly
    assert len(timeline.bucket_starts) == 5
    assert timeline.total() == 5
    assert timeline.out_of_window == 2
    assert "supported" not in timeline.counts


def test_timeline_window_sixty_days():
    newest = datetime(2025, 11, 19, 8, 0)
    cases = [(newest - timedelta(days=days), "needs_help") for days in (0, 10, 59, 61, 400)]

    timeline = build_timeline(cases, data_time=newest)

    assert not timeline.hourly
    assert len(timeline.bucket_starts) == 60
    assert timeline.out_of_window == 2


def test_timeline_future_without_data_time():
    now = datetime.now()
    timeline = build_timeline(
        [(now - timedelta(hours=2), "needs_help"), (datetime(2999, 1, 1), "needs_help")]
    )

    assert timeline.total() == 1
    assert timeline.out_of_window == 1


def test_caption_counts_left_out():
    timeline = build_timeline(
        [
            (datetime(2025, 11, 19, 8), "needs_help"),
            (datetime(1970, 1, 1), "needs_help"),
            (None, "supported"),
        ],
        data_time=datetime(2025, 11, 19, 9),
    )

    caption = chart_caption(timeline)

    assert "implausible creation time" in caption
    assert "1 cases" not in caption
    assert caption.endswith(": 1.")


def test_timeline_labels_year(qgis_app, tmp_path):
    start = datetime(2025, 12, 20, 8)
    end = start + timedelta(days=20)
    timeline = build_timeline([(start, "needs_help"), (end, "supported")], data_time=end)
    path = tmp_path / "chart.svg"

    write_timeline_svg(timeline, str(path), 120, 80)

    svg = path.read_text(encoding="utf-8")
    assert "20/12/2025" in svg
    assert "2026" in svg


def test_timeline_labels_no_year(qgis_app, tmp_path):
    start = datetime(2025, 11, 2, 8)
    end = start + timedelta(days=9)
    timeline = build_timeline([(start, "needs_help"), (end, "supported")], data_time=end)
    path = tmp_path / "chart.svg"

    write_timeline_svg(timeline, str(path), 120, 80)

    svg = path.read_text(encoding="utf-8")
    assert ">02/11<" in svg
    assert "2025" not in svg


def test_case_data_counts(report_project):
    _, cases, _ = report_project
    waiting = _waiting_indexes()
    people = sum(1 + i % 7 for i in waiting if i % 5 != 0)

    data = read_case_data(cases)

    assert data.totals.cases == CASE_COUNT
    assert data.totals.waiting_cases == len(waiting)
    assert data.totals.people_waiting == people
    assert data.totals.people_unknown_cases == sum(1 for i in waiting if i % 5 == 0)
    assert data.totals.households_unknown_cases == 0
    assert data.totals.flood_unknown_cases == 0
    assert data.timeline.hourly
    assert data.timeline.total() == CASE_COUNT


def _set_created_at(layer: QgsVectorLayer, fid_to_utc: dict) -> None:
    index = layer.fields().indexFromName("created_at")
    changes = {}
    for fid, (year, month, day, hour) in fid_to_utc.items():
        moment = QDateTime(QDate(year, month, day), QTime(hour, 0), QTimeZone.utc())
        changes[fid] = {index: moment}
    assert layer.dataProvider().changeAttributeValues(changes)


def test_case_data_wrong_clocks(report_project):
    _, cases, _ = report_project
    fids = sorted(feature.id() for feature in cases.getFeatures())
    _set_created_at(cases, {fids[0]: (1970, 1, 1, 0), fids[1]: (9999, 12, 31, 23)})

    timeline = read_case_data(cases).timeline

    assert timeline.hourly
    assert timeline.out_of_window == 2
    assert timeline.total() == CASE_COUNT - 2


def test_report_wrong_clock_caption(report_project, tmp_path):
    project, cases, flood = report_project
    fids = sorted(feature.id() for feature in cases.getFeatures())
    _set_created_at(cases, {fids[0]: (9999, 12, 30, 0)})
    started = time.perf_counter()

    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"), data_time=DATA_TIME)

    assert time.perf_counter() - started < 5
    assert "(after the time of the data, or over 60 days before the newest case): 1." in _pdf_words(
        Path(path), 2
    )


def test_totals_text_one_case():
    totals = CaseTotals(cases=1, waiting_cases=1, people_unknown_cases=1, flood_unknown_cases=1)
    totals.by_status["supported"] = 1

    text = _totals_text(totals)

    assert "1 cases" not in text
    assert "Cases waiting for help: 1" in text
    assert "Cases supported: 1" in text


def test_case_data_unanalysed_flags(report_project):
    _, cases, _ = report_project
    _clear_field(cases, "in_flood")

    totals = read_case_data(cases).totals

    assert totals.waiting_in_flood == 0
    assert totals.flood_unknown_cases == len(_waiting_indexes())
    assert totals.landslide_unknown_cases == 0


def test_case_data_rejects_other_layer(qgis_app):
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "points", "memory")
    from sos_qgis_plugin.core.errors import SosError

    with pytest.raises(SosError):
        read_case_data(layer)


def test_summary_row_from_dict():
    row = summary_row(_summaries(3)[2])

    assert row["name"] == "Xã Hoà 2"
    assert row["people_waiting"] == 2
    assert row["supported"] == 1
    assert row["households_waiting"] == 0


def test_summary_row_from_commune_summary():
    pytest.importorskip("shapely", minversion="2")
    from sos_qgis_plugin.core.communes import CommuneSummary

    summary = CommuneSummary("commune", "22015", "Tuy Hoà")
    summary.waiting_cases, summary.flood_cases, summary.households_waiting = 4, 3, 7
    summary.people_unknown_cases = 4
    summary.cases_by_status["supported"] = 2

    row = summary_row(summary)

    assert row["waiting_in_flood"] == 3
    assert row["households_waiting"] == 7
    assert row["supported"] == 2
    assert row["people_unknown"] == 4
    assert row["households_unknown"] == 0


@pytest.mark.parametrize(
    ("known", "unknown", "waiting", "text"),
    [(12, 0, 5, "12"), (0, 0, 0, "0"), (12, 3, 5, "12 +3?"), (0, 5, 5, "?"), (0, 2, 2, "?")],
)
def test_count_cell_text(known, unknown, waiting, text):
    assert count_cell_text(known, unknown, waiting) == text


def test_table_marks_unknown_counts(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    summaries = _summaries(2)
    summaries[0].update(waiting_cases=3, people_waiting=0, people_unknown_cases=3)
    summaries[1].update(waiting_cases=3, people_waiting=5, people_unknown_cases=1)

    table, _ = add_commune_table(layout, summaries, 10, 10, 160, 150, page=0)

    people_column = 2
    cells = [row[people_column].content() for row in table.tableContents()]
    assert cells[0] == "?"
    assert cells[1] == "5 +1?"
    # The total row adds the known sums and the unknown cases of every commune.
    assert cells[-1] == "5 +4?"


def test_table_leaves_out_communes(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()

    table, left_out = add_commune_table(layout, _summaries(80), 10, 10, 160, 150, page=0)

    communes_in_table = len(table.tableContents()) - 1
    assert left_out > 0
    assert communes_in_table + left_out == 80
    # The communes with the most cases waiting, then people waiting, come first.
    assert table.tableContents()[0][0].content() == "Xã Hoà 79"


def test_table_many_communes_fast(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    summaries = _summaries(400)
    started = time.perf_counter()

    table, left_out = add_commune_table(layout, summaries, 10, 16, 160, 180, page=0)

    assert time.perf_counter() - started < 1.0
    assert len(table.tableContents()) - 1 + left_out == 400
    assert table.tableContents()[0][0].content() == "Xã Hoà 399"


def test_table_fills_frame(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    summaries = _summaries(3300)
    started = time.perf_counter()

    table, left_out = add_commune_table(layout, summaries, 10, 16, 160, 180, page=0)
    elapsed = time.perf_counter() - started
    shown = [row[0].content() for row in table.tableContents()[:-1]]
    fitting_height = table.totalHeight()
    # One more commune row must overflow the frame, else the table left out a commune that fits.
    contents = table.tableContents()
    table.setTableContents([contents[0], *contents])
    overflowing_height = table.totalHeight()

    assert elapsed < 1.0
    assert len(shown) > 10
    assert len(shown) + left_out == 3300
    assert fitting_height <= 180
    assert overflowing_height > 180


def test_table_keeps_order_when_it_fits(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()

    table, left_out = add_commune_table(layout, _summaries(5), 10, 10, 160, 150, page=0)

    assert left_out == 0
    assert [row[0].content() for row in table.tableContents()][:2] == ["Xã Hoà 0", "Xã Hoà 1"]


def test_report_two_pages(report_project, tmp_path):
    project, cases, flood = report_project

    path = build_situation_report(
        project, cases, [flood], _summaries(80), str(tmp_path / "report.pdf"), data_time=DATA_TIME
    )

    assert Path(path).is_file()
    assert _page_count(Path(path)) == 2


def test_report_map_page_text(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"), data_time=DATA_TIME)

    text = _pdf_text(Path(path), 1)

    assert "Data as of 04/12/2026 14:05 (UTC+7)" in text
    assert "Situation report: SOS cases" in text
    assert "Needs help" in text
    assert "Flood zone" in text
    assert "Cases waiting for help: 30" in text


def test_report_table_page_text(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], _summaries(80), str(tmp_path / "r.pdf"))

    text = _pdf_text(Path(path), 2)

    assert "Xã Hoà 79" in text
    assert "Total (communes: 80)" in text
    assert "Communes left out of the table but" in text
    assert "Cases created per hour" in text


def test_report_people_unknown(report_project, tmp_path):
    project, cases, flood = report_project
    _clear_field(cases, "people_count")
    waiting = len(_waiting_indexes())
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 1)

    assert f"People waiting: unknown (waiting cases without a count: {waiting} of {waiting})" in text
    assert "People waiting: 0" not in text


def test_report_people_partly_unknown(report_project, tmp_path):
    project, cases, flood = report_project
    waiting = _waiting_indexes()
    people = sum(1 + i % 7 for i in waiting if i % 5 != 0)
    unknown = sum(1 for i in waiting if i % 5 == 0)
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 1)

    assert (
        f"People waiting: at least {people} (waiting cases without a count: {unknown} of {len(waiting)})"
        in text
    )
    assert f"Households waiting: {len(waiting)}" in text


def test_report_flood_not_analysed(report_project, tmp_path):
    project, cases, flood = report_project
    _clear_field(cases, "in_flood")
    waiting = len(_waiting_indexes())
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 1)

    assert (
        f"Cases waiting in a flood zone: unknown (waiting cases not analysed: {waiting} of {waiting})" in text
    )


def test_report_unknown_table_note(report_project, tmp_path):
    project, cases, flood = report_project
    summaries = _summaries(3)
    summaries[1].update(waiting_cases=2, people_waiting=0, people_unknown_cases=2)
    path = build_situation_report(project, cases, [flood], summaries, str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 2)

    assert "? = unknown for every waiting case" in text


def test_report_no_unknown_note(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], _summaries(3), str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 2)

    assert "? = unknown" not in text


def test_report_commune_boundaries(report_project, tmp_path):
    project, cases, flood = report_project
    communes = _commune_layer()
    renderer_before = communes.renderer().dump()
    path = build_situation_report(
        project, cases, [flood, communes], _summaries(2), str(tmp_path / "r.pdf"), admin_layer=communes
    )

    text = _pdf_words(Path(path), 1)

    assert "Commune boundaries" in text
    # The admin layer is drawn once, as boundaries, even when it is also among the hazard layers.
    assert "Test communes" not in text
    assert communes.renderer().dump() == renderer_before


def test_boundary_layer_copy(qgis_app):
    communes = _commune_layer()

    boundaries = boundary_layer_for_map(communes)

    assert boundaries.featureCount() == 2
    assert boundaries.name() == "Commune boundaries"
    assert boundaries.labelsEnabled()
    assert boundaries.fields().names() == ["name"]
    assert boundaries.id() != communes.id()


def test_boundary_layer_rejects_points(qgis_app):
    points = QgsVectorLayer("Point?crs=EPSG:4326", "points", "memory")

    assert boundary_layer_for_map(points) is None


def test_report_rejects_point_admin(report_project, tmp_path):
    project, cases, flood = report_project

    with pytest.raises(SosError):
        build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"), admin_layer=cases)

    assert not (tmp_path / "r.pdf").exists()


def test_report_label_note(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    text = _pdf_words(Path(path), 1)

    assert "Number beside a case: people, or households when the people count is unknown." in text


def test_dense_extent_cluster():
    cluster = [(109.0 + 0.001 * (i % 10), 12.9 + 0.001 * (i // 10)) for i in range(40)]
    outliers = [(108.0, 12.0), (110.0, 14.0), (108.2, 13.9), (109.9, 12.1)]
    points = cluster + outliers
    extent = QgsRectangle(108.0, 12.0, 110.0, 14.0)

    box = dense_extent(points, extent)

    assert box is not None
    assert box.xMinimum() >= 109.0
    assert box.xMaximum() <= 109.01
    assert box.yMaximum() <= 12.91


def test_dense_extent_spread():
    points = [(109.0 + 0.01 * (i % 10), 12.9 + 0.01 * (i // 10)) for i in range(100)]

    assert dense_extent(points, QgsRectangle(109.0, 12.9, 109.09, 12.99)) is None


def test_dense_extent_few_cases():
    points = [(109.0, 12.9)] * 10 + [(110.0, 14.0)]

    assert dense_extent(points, QgsRectangle(109.0, 12.9, 110.0, 14.0)) is None


def test_report_detail_map(report_project, tmp_path):
    project, cases, flood = report_project
    geometries = {}
    for feature in cases.getFeatures():
        if not feature.hasGeometry():
            continue
        index = feature.id()
        if index % 12 == 0:
            point = QgsPointXY(108.6 + 0.01 * index, 13.4)
        else:
            point = QgsPointXY(109.0 + 0.001 * (index % 7), 12.9 + 0.001 * (index % 5))
        geometries[feature.id()] = QgsGeometry.fromPointXY(point)
    assert cases.dataProvider().changeGeometryValues(geometries)
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    assert "Detail: the area with most cases" in _pdf_words(Path(path), 2)
    assert "Dashed box: the area of the detail map on page 2." in _pdf_words(Path(path), 1)


def test_report_no_detail_map(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    assert "Detail:" not in _pdf_words(Path(path), 2)
    assert "Dashed box" not in _pdf_words(Path(path), 1)


def test_title_label_shrinks(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    text = "Trường hợp theo thời gian và trạng thái"

    label = add_title_label(layout, text, 10, 10, 80, 9, points=12)

    assert label.sizeForText().width() <= 80
    assert label.font().pointSizeF() < 12


def test_title_label_keeps_size(report_project):
    project, _, _ = report_project
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()

    label = add_title_label(layout, "Cases", 10, 10, 80, 9, points=12)

    assert label.font().pointSizeF() == 12


def test_report_without_admin(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"))

    text = _pdf_text(Path(path), 2)

    assert "No admin layer was given" in text


def test_report_title_plain_text(report_project, tmp_path):
    project, cases, flood = report_project
    title = "Báo cáo <b>lũ</b> & sạt lở"
    path = build_situation_report(project, cases, [flood], None, str(tmp_path / "r.pdf"), title=title)

    text = _pdf_text(Path(path), 1)

    assert title in text


def test_report_missing_folder(report_project, tmp_path):
    from sos_qgis_plugin.core.errors import SosError

    project, cases, flood = report_project
    with pytest.raises(SosError):
        build_situation_report(project, cases, [flood], None, str(tmp_path / "missing" / "r.pdf"))


def test_report_pages_render(report_project, tmp_path):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], _summaries(30), str(tmp_path / "r.pdf"))

    pages = _render_pages(Path(path), tmp_path)

    assert len(pages) == 2
    for page in pages:
        image = QImage(str(page))
        assert image.width() > image.height()
        # A page with map, table or chart has many distinct colours; a blank page has one.
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 20


def test_report_vietnamese(report_project, tmp_path, vietnamese):
    project, cases, flood = report_project
    path = build_situation_report(project, cases, [flood], _summaries(5), str(tmp_path / "vi.pdf"))

    map_text = _pdf_text(Path(path), 1)
    table_text = _pdf_text(Path(path), 2)

    assert "Cần hỗ trợ" in map_text
    assert QCoreApplication.translate("SosReport", "Situation report: SOS cases") in map_text
    assert QCoreApplication.translate("SosReport", "Cases over time by status") in table_text
    assert "Situation report: SOS cases" not in map_text
    assert "Commune" not in table_text


def test_algorithm_writes_pdf(report_project, qgis_processing, tmp_path):
    import processing

    from sos_qgis_plugin.processing.situation_report import SituationReportAlgorithm

    _, cases, flood = report_project
    out = str(tmp_path / "hourly.pdf")

    result = processing.run(
        SituationReportAlgorithm(),
        {"INPUT": cases, "HAZARD_LAYERS": [flood], "TITLE": "Hourly report", "OUTPUT": out},
    )

    assert result["OUTPUT"] == out
    assert _page_count(Path(out)) == 2
    assert result["COMMUNES"] == 0


def test_algorithm_adds_pdf_suffix(report_project, qgis_processing, tmp_path):
    import processing

    from sos_qgis_plugin.processing.situation_report import SituationReportAlgorithm

    _, cases, _ = report_project

    result = processing.run(SituationReportAlgorithm(), {"INPUT": cases, "OUTPUT": str(tmp_path / "report")})

    assert result["OUTPUT"] == str(tmp_path / "report.pdf")
    assert _page_count(tmp_path / "report.pdf") == 2


def test_algorithm_rejects_point_admin(report_project, qgis_processing, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from sos_qgis_plugin.processing.situation_report import SituationReportAlgorithm

    _, cases, _ = report_project
    started = time.perf_counter()

    with pytest.raises(QgsProcessingException, match="not a valid polygon layer"):
        processing.run(
            SituationReportAlgorithm(),
            {"INPUT": cases, "ADMIN_LAYER": cases, "OUTPUT": str(tmp_path / "r.pdf")},
        )

    assert time.perf_counter() - started < 2.0


def test_algorithm_main_thread():
    from sos_qgis_plugin.processing.situation_report import SituationReportAlgorithm

    flags = SituationReportAlgorithm().flags()

    assert flags & QgsProcessingAlgorithm.Flag.FlagNoThreading


@pytest.mark.realdata
def test_algorithm_real_communes(report_project, qgis_processing, shared_dir, tmp_path):
    pytest.importorskip("shapely", minversion="2")
    import processing

    from sos_qgis_plugin.processing.situation_report import SituationReportAlgorithm

    admin_path = shared_dir / "data" / "admin" / "daklak_admin_2025.gpkg"
    if not admin_path.is_file():
        pytest.skip("the commune polygons are absent from ../shared/data")
    _, cases, flood = report_project
    admin = f"{admin_path}|layername=daklak_communes_2025"
    out = tmp_path / "communes.pdf"

    result = processing.run(
        SituationReportAlgorithm(),
        {"INPUT": cases, "HAZARD_LAYERS": [flood], "ADMIN_LAYER": admin, "OUTPUT": str(out)},
    )

    text = _pdf_text(out, 2)
    assert result["COMMUNES"] > 100
    assert "Total (communes: {})".format(result["COMMUNES"]) in text
    assert "Commune boundaries" in _pdf_words(out, 1)


def test_dialog_writes_report(report_project, tmp_path):
    from sos_qgis_plugin.gui.report_dialog import ReportDialog
    from sos_qgis_plugin.settings import Settings

    project, cases, flood = report_project
    dialog = ReportDialog(cases, project=project, settings=Settings(), data_time=DATA_TIME)
    written = []
    dialog.reportWritten.connect(written.append)
    dialog.output_widget.setFilePath(str(tmp_path / "dialog"))

    dialog.run_report()

    assert written == [str(tmp_path / "dialog.pdf")]
    assert dialog.hazard_layer_ids() == [flood.id()]
    assert _page_count(tmp_path / "dialog.pdf") == 2


@pytest.mark.realdata
def test_dialog_admin_task(report_project, shared_dir, tmp_path):
    pytest.importorskip("shapely", minversion="2")
    from sos_qgis_plugin.gui.report_dialog import ReportDialog
    from sos_qgis_plugin.settings import Settings

    admin_path = shared_dir / "data" / "admin" / "daklak_admin_2025.gpkg"
    if not admin_path.is_file():
        pytest.skip("the commune polygons are absent from ../shared/data")
    project, cases, _ = report_project
    admin = QgsVectorLayer(f"{admin_path}|layername=daklak_communes_2025", "Communes", "ogr")
    project.addMapLayer(admin)
    dialog = ReportDialog(cases, project=project, settings=Settings())
    dialog.admin_combo.setLayer(admin)
    written = []
    dialog.reportWritten.connect(written.append)
    dialog.output_widget.setFilePath(str(tmp_path / "admin.pdf"))

    dialog.run_report()
    deadline = time.monotonic() + 60
    while not written and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)

    assert written == [str(tmp_path / "admin.pdf")]
    assert admin.id() not in dialog.hazard_layer_ids()
    assert "Total (" in _pdf_text(tmp_path / "admin.pdf", 2)
    assert "Commune boundaries" in _pdf_words(tmp_path / "admin.pdf", 1)
