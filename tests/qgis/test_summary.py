"""Admin layers, the commune summary table and its exports, and sos:communesummary, in QGIS.

The real-data tests compare the summary with QGIS's own native:countpointsinpolygon, which neither the
plugin's reprojection nor its shapely code takes part in.
"""

from __future__ import annotations

import csv

import pytest
from osgeo import ogr
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from sos_qgis_plugin.admin_layers import assign_communes, guess_commune_fields, read_communes
from sos_qgis_plugin.core.communes import NO_LOCATION_LABEL, OUTSIDE_LABEL, SUMMARY_COLUMNS
from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.summary import (
    build_summary_layer,
    export_csv,
    export_xlsx,
    summarise_layers,
)

ADMIN_LAYER = "daklak_communes_2025"


def _polygon_layer(crs: str, fields: list[tuple[str, QVariant.Type]], rows: list[tuple[list, str]]):
    """Build a memory polygon layer in `crs` with the given fields and (attributes, WKT) rows."""
    layer = QgsVectorLayer(f"Polygon?crs={crs}", "admin", "memory")
    layer.dataProvider().addAttributes([QgsField(name, kind) for name, kind in fields])
    layer.updateFields()
    features = []
    for attributes, wkt in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes(attributes)
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def _square_communes():
    """Two communes in WGS 84: Hòa Xuân west of 109.0 E and Bình Kiến east of it, both 12.0 to 13.0 N."""
    return _polygon_layer(
        "EPSG:4326",
        [("ma_xa", QVariant.Type.String), ("ten_xa", QVariant.Type.String)],
        [
            (["002", "Hòa Xuân"], "POLYGON((108 12, 109 12, 109 13, 108 13, 108 12))"),
            (["001", "Bình Kiến"], "POLYGON((109 12, 110 12, 110 13, 109 13, 109 12))"),
        ],
    )


def _add_case(layer, case_id: str, status: str, point, people=None, in_flood=None):
    feature = QgsFeature(layer.fields())
    feature["id"] = case_id
    feature["status"] = status
    feature["people_count"] = NULL if people is None else people
    feature["household_count"] = 1
    feature["in_flood"] = NULL if in_flood is None else in_flood
    if point is not None:
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*point)))
    ok, _ = layer.dataProvider().addFeatures([feature])
    assert ok


@pytest.fixture
def admin_path(shared_dir):
    path = shared_dir / "data" / "admin" / "daklak_admin_2025.gpkg"
    if not path.is_file():
        pytest.skip("the commune layer is absent from ../shared/data")
    return path


@pytest.fixture
def real_admin(qgis_app, admin_path):
    layer = QgsVectorLayer(f"{admin_path}|layername={ADMIN_LAYER}", "communes", "ogr")
    assert layer.isValid()
    return layer


def test_guess_fields_real_layer(real_admin):
    assert guess_commune_fields(real_admin) == ("ward_code", "name")


def test_guess_fields_vietnamese(qgis_app):
    assert guess_commune_fields(_square_communes()) == ("ma_xa", "ten_xa")


def test_guess_fields_none(qgis_app):
    layer = _polygon_layer("EPSG:4326", [("dien_tich", QVariant.Type.Double)], [])

    assert guess_commune_fields(layer) == (None, None)


def test_read_communes_real(real_admin):
    communes = read_communes(real_admin)

    assert len(communes) == 102
    assert all(commune.geometry is not None for commune in communes)
    assert all(commune.code for commune in communes)


def test_read_communes_reprojected(qgis_app):
    # A commune stored in UTM zone 49N (metres): its WGS 84 bounds must come out in degrees.
    layer = _polygon_layer(
        "EPSG:32649",
        [("code", QVariant.Type.Int), ("name", QVariant.Type.String)],
        [([22015, "Tuy Hoà"], "POLYGON((300000 1440000, 310000 1440000, 310000 1450000, 300000 1440000))")],
    )

    commune = read_communes(layer)[0]

    minx, miny, maxx, maxy = commune.geometry.bounds
    assert commune.code == "22015"
    assert 109.0 < minx < maxx < 109.3
    assert 13.0 < miny < maxy < 13.2


def test_read_communes_missing_field(qgis_app):
    with pytest.raises(SosError):
        read_communes(_square_communes(), code_field="no_such_field")


def test_summary_layer_table(qgis_app, case_layer):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4, in_flood=True)
    _add_case(case_layer, "c2", "needs_help", (109.5, 12.5), people=None)
    _add_case(case_layer, "c3", "supported", (109.5, 12.5), people=7)
    _add_case(case_layer, "c4", "needs_help", (100.0, 20.0), people=2)
    _add_case(case_layer, "c5", "needs_help", None, people=3)

    summaries = summarise_layers(case_layer, _square_communes())
    layer = build_summary_layer(summaries)

    rows = [dict(zip(layer.fields().names(), feature.attributes())) for feature in layer.getFeatures()]
    assert layer.fields().names() == [name for name, _ in SUMMARY_COLUMNS]
    assert [row["name"] for row in rows] == ["Bình Kiến", "Hòa Xuân", OUTSIDE_LABEL, NO_LOCATION_LABEL]
    assert rows[0]["supported"] == 1
    assert rows[0]["people_waiting"] == 0
    assert rows[0]["people_unknown_cases"] == 1
    assert rows[1]["people_waiting"] == 4
    assert rows[1]["flood_cases"] == 1
    assert rows[1]["flood_people"] == 4
    assert rows[2]["cases_total"] == 1
    assert rows[3]["cases_total"] == 1
    assert layer.attributeAlias(layer.fields().indexOf("people_waiting")) == "People waiting"


def test_assign_communes_fields(qgis_app, case_layer):
    if case_layer.fields().indexOf("commune_code") < 0:
        pytest.skip("the case layer has no commune_code field yet")
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5))
    _add_case(case_layer, "c2", "needs_help", (109.0, 12.5))
    _add_case(case_layer, "c3", "needs_help", (100.0, 20.0))

    changed = assign_communes(case_layer, _square_communes())

    values = {f["id"]: (f["commune_code"], f["commune_name"]) for f in case_layer.getFeatures()}
    assert changed == 2
    assert values["c1"] == ("002", "Hòa Xuân")
    # On the shared border: the commune with the lower code.
    assert values["c2"] == ("001", "Bình Kiến")
    assert values["c3"][0] in (None, NULL)
    assert assign_communes(case_layer, _square_communes()) == 0


def test_export_xlsx_vietnamese(qgis_app, case_layer, tmp_path):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    path = tmp_path / "communes.xlsx"

    export_xlsx(summarise_layers(case_layer, _square_communes()), path)

    dataset = ogr.Open(str(path))
    layer = dataset.GetLayer(0)
    definition = layer.GetLayerDefn()
    headers = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    rows = [feature.GetField(1) for feature in layer]
    assert headers[:3] == ["Code", "Commune", "Needs help"]
    assert rows == ["Bình Kiến", "Hòa Xuân", OUTSIDE_LABEL, NO_LOCATION_LABEL]


def test_export_csv_bom(qgis_app, case_layer, tmp_path):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    path = tmp_path / "communes.csv"

    export_csv(summarise_layers(case_layer, _square_communes()), path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows[1]["name"] == "Hòa Xuân"
    assert rows[1]["people_waiting"] == "4"


def _register_algorithm(provider):
    from sos_qgis_plugin.processing.commune_summary import CommuneSummaryAlgorithm

    if provider.algorithm("communesummary") is None:
        assert provider.addAlgorithm(CommuneSummaryAlgorithm())
        provider.refreshAlgorithms = lambda: None


def test_algorithm_table_and_files(sos_provider, case_layer, tmp_path):
    import processing

    _register_algorithm(sos_provider)
    _add_case(case_layer, "c1", "in_progress", (108.5, 12.5), people=4)
    admin = _square_communes()

    result = processing.run(
        "sos:communesummary",
        {
            "INPUT": case_layer,
            "ADMIN": admin,
            "OUTPUT": "memory:",
            "CSV": str(tmp_path / "communes.csv"),
            "XLSX": str(tmp_path / "communes.xlsx"),
        },
    )

    table = result["OUTPUT"]
    table = table if isinstance(table, QgsVectorLayer) else QgsVectorLayer(table)
    rows = {feature["name"]: feature for feature in table.getFeatures()}
    assert table.featureCount() == 4
    assert rows["Hòa Xuân"]["in_progress"] == 1
    assert rows["Hòa Xuân"]["people_waiting"] == 4
    assert (tmp_path / "communes.csv").is_file()
    assert (tmp_path / "communes.xlsx").is_file()


@pytest.mark.realdata
def test_real_counts_match_qgis(real_admin, shared_dir, qgis_processing):
    import processing

    sos = shared_dir / "data" / "sos" / "daklak_nov2025_requests.geojson"
    if not sos.is_file():
        pytest.skip("the real SOS requests are absent from ../shared/data")
    cases = QgsVectorLayer(str(sos), "cases", "ogr")
    assert cases.isValid()

    summaries = summarise_layers(cases, real_admin)
    counted = processing.run(
        "native:countpointsinpolygon",
        {"POLYGONS": real_admin, "POINTS": cases, "FIELD": "NUMPOINTS", "OUTPUT": "memory:"},
    )["OUTPUT"]

    expected = {feature["ward_code"]: int(feature["NUMPOINTS"]) for feature in counted.getFeatures()}
    ours = {row.code: row.cases_total for row in summaries[:-2]}
    assert len(ours) == 102
    assert sum(ours.values()) + summaries[-2].cases_total + summaries[-1].cases_total == 591
    assert sum(expected.values()) == sum(ours.values())
    for code, count in expected.items():
        assert ours[code] == count, code


@pytest.mark.realdata
def test_real_summary_sorted(real_admin, shared_dir):
    from sos_qgis_plugin.core.text import vietnamese_sort_key

    summaries = summarise_layers(QgsVectorLayer("Point?crs=EPSG:4326", "empty", "memory"), real_admin)

    names = [row.name for row in summaries[:-2]]
    assert names == sorted(names, key=vietnamese_sort_key)
    # Đ is a letter of its own after D, and Ô one after O.
    assert names.index("Dur Kmăl") < names.index("Đắk Liêng") < names.index("Ea Bá")
    assert names.index("Ea Nuôl") < names.index("Ea Ô") < names.index("Ea Păl")
    assert names.index("Ô Loan") < names.index("Phú Hoà 1")


def test_reprojected_cases_same_summary(qgis_app, case_layer, tmp_path):
    # The same two communes stored in UTM 49N give the same counts as in WGS 84.
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    _add_case(case_layer, "c2", "needs_help", (109.5, 12.5), people=2)
    utm = QgsCoordinateReferenceSystem("EPSG:32649")
    admin = _square_communes()
    reprojected = _polygon_layer(
        "EPSG:32649",
        [("ma_xa", QVariant.Type.String), ("ten_xa", QVariant.Type.String)],
        [],
    )
    from qgis.core import QgsCoordinateTransform, QgsProject

    transform = QgsCoordinateTransform(admin.crs(), utm, QgsProject.instance())
    features = []
    for feature in admin.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        geometry = geometry.densifyByCount(50)
        geometry.transform(transform)
        copy = QgsFeature(reprojected.fields())
        copy.setAttributes(feature.attributes())
        copy.setGeometry(geometry)
        features.append(copy)
    reprojected.dataProvider().addFeatures(features)

    direct = summarise_layers(case_layer, admin)
    via_utm = summarise_layers(case_layer, reprojected)

    assert [(row.code, row.people_waiting) for row in via_utm] == [
        (row.code, row.people_waiting) for row in direct
    ]


def _wait_for(task, qgis_app, timeout_s: float = 30.0) -> None:
    import time

    from qgis.core import QgsTask

    deadline = time.monotonic() + timeout_s
    while task.status() not in (QgsTask.TaskStatus.Complete, QgsTask.TaskStatus.Terminated):
        assert time.monotonic() < deadline, "the summary task did not finish"
        qgis_app.processEvents()
        time.sleep(0.01)
    # finished() runs on the main thread after the status changes.
    for _ in range(50):
        qgis_app.processEvents()


def test_dialog_guesses_fields(qgis_new_project, case_layer):
    from qgis.core import QgsProject

    from sos_qgis_plugin.gui.summary_dialog import SummaryDialog

    admin = _square_communes()
    QgsProject.instance().addMapLayer(admin)

    dialog = SummaryDialog(case_layer, admin_layer_id=admin.id())

    assert dialog.admin_layer() is admin
    assert dialog.code_field() == "ma_xa"
    assert dialog.name_field() == "ten_xa"


def test_dialog_task_adds_table(qgis_app, qgis_new_project, case_layer, tmp_path):
    from qgis.core import QgsProject

    from sos_qgis_plugin.gui.summary_dialog import SummaryDialog

    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    admin = _square_communes()
    QgsProject.instance().addMapLayer(admin)
    dialog = SummaryDialog(case_layer, admin_layer_id=admin.id())
    dialog.csv_widget.setFilePath(str(tmp_path / "communes.csv"))

    task = dialog.start_task()
    _wait_for(task, qgis_app)

    tables = QgsProject.instance().mapLayersByName("SOS commune summary")
    assert len(tables) == 1
    assert tables[0].featureCount() == 4
    assert (tmp_path / "communes.csv").is_file()


def test_read_communes_merges_parts(qgis_app):
    # One commune stored as two features (an island and the mainland), and a second commune.
    layer = _polygon_layer(
        "EPSG:4326",
        [("ma_xa", QVariant.Type.String), ("ten_xa", QVariant.Type.String)],
        [
            (["001", "Bình Kiến"], "POLYGON((109 12, 110 12, 110 13, 109 13, 109 12))"),
            (["002", "Hòa Xuân"], "POLYGON((108 12, 109 12, 109 13, 108 13, 108 12))"),
            (["001", "Bình Kiến"], "POLYGON((111 12, 112 12, 112 13, 111 13, 111 12))"),
        ],
    )

    communes = read_communes(layer)

    assert [commune.code for commune in communes] == ["001", "002"]
    assert communes[0].geometry.geom_type == "MultiPolygon"
    assert communes[0].geometry.area == pytest.approx(2.0)


# Layers that put every case outside every commune


def _line_or_point_layer(geometry_type: str, wkt: str):
    layer = QgsVectorLayer(
        f"{geometry_type}?crs=EPSG:4326&field=ma_xa:string&field=ten_xa:string", "xa", "memory"
    )
    feature = QgsFeature(layer.fields())
    feature.setAttributes(["24400", "Đông Hòa"])
    feature.setGeometry(QgsGeometry.fromWkt(wkt))
    assert layer.dataProvider().addFeatures([feature])[0]
    return layer


@pytest.mark.parametrize(
    ("geometry_type", "wkt"),
    [("Point", "POINT(108.5 12.5)"), ("LineString", "LINESTRING(108 12, 109 13)")],
)
def test_read_communes_not_polygons(qgis_app, geometry_type, wkt):
    layer = _line_or_point_layer(geometry_type, wkt)

    with pytest.raises(SosError) as raised:
        read_communes(layer)

    assert "has no polygons" in raised.value.message


def test_read_communes_table_refused(qgis_app):
    table = QgsVectorLayer("None?field=ma_xa:string&field=ten_xa:string", "xa", "memory")

    with pytest.raises(SosError):
        read_communes(table)


def _swapped_communes():
    """The two square communes with latitude and longitude swapped (axis order read the wrong way)."""
    return _polygon_layer(
        "EPSG:4326",
        [("ma_xa", QVariant.Type.String), ("ten_xa", QVariant.Type.String)],
        [
            (["002", "Hòa Xuân"], "POLYGON((12 108, 12 109, 13 109, 13 108, 12 108))"),
            (["001", "Bình Kiến"], "POLYGON((12 109, 12 110, 13 110, 13 109, 12 109))"),
        ],
    )


def test_summary_swapped_axes_warns(qgis_app, case_layer):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    warnings: list = []

    summaries = summarise_layers(case_layer, _swapped_communes(), warnings=warnings)

    assert summaries[-2].cases_total == 1
    assert len(warnings) == 1
    assert "x and y swapped" in warnings[0]


def test_summary_far_communes_warn(qgis_app, case_layer):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    hanoi = _polygon_layer(
        "EPSG:4326",
        [("ma_xa", QVariant.Type.String), ("ten_xa", QVariant.Type.String)],
        [(["00001", "Phúc Xá"], "POLYGON((105.8 21, 105.9 21, 105.9 21.1, 105.8 21.1, 105.8 21))")],
    )
    warnings: list = []

    summarise_layers(case_layer, hanoi, warnings=warnings)

    assert len(warnings) == 1
    assert "axis order" in warnings[0]
    assert "x and y swapped" not in warnings[0]


def test_summary_overlap_no_warning(qgis_app, case_layer):
    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    warnings: list = []

    summarise_layers(case_layer, _square_communes(), warnings=warnings)

    assert warnings == []


def test_algorithm_swapped_axes_warns(sos_provider, case_layer):
    import processing
    from qgis.core import QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.warnings: list = []

        def pushWarning(self, warning: str) -> None:  # noqa: N802 - QGIS's name
            self.warnings.append(warning)

    _register_algorithm(sos_provider)
    _add_case(case_layer, "c1", "in_progress", (108.5, 12.5), people=4)
    feedback = Recorder()

    processing.run(
        "sos:communesummary",
        {"INPUT": case_layer, "ADMIN": _swapped_communes(), "OUTPUT": "memory:"},
        feedback=feedback,
    )

    assert any("x and y swapped" in text for text in feedback.warnings)


def test_algorithm_point_admin_refused(sos_provider, case_layer):
    import processing
    from qgis.core import QgsProcessingException

    _register_algorithm(sos_provider)
    _add_case(case_layer, "c1", "in_progress", (108.5, 12.5), people=4)
    points = _line_or_point_layer("Point", "POINT(108.5 12.5)")

    with pytest.raises(QgsProcessingException):
        processing.run("sos:communesummary", {"INPUT": case_layer, "ADMIN": points, "OUTPUT": "memory:"})


# Export paths


@pytest.mark.parametrize(("export", "name"), [(export_xlsx, "communes.xlsx"), (export_csv, "communes.csv")])
def test_export_missing_folder(qgis_app, case_layer, tmp_path, export, name):
    summaries = summarise_layers(case_layer, _square_communes())
    path = tmp_path / "missing" / name

    with pytest.raises(SosError) as raised:
        export(summaries, path)

    assert "does not exist" in raised.value.message
    assert not path.parent.exists()


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder that no user may write in: immutable for root (chattr +i), mode 0500 for anyone else."""
    import os
    import shutil
    import subprocess

    folder = tmp_path / "read_only"
    folder.mkdir()
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False).returncode != 0:
            pytest.skip("root cannot make a folder read-only here without chattr +i")
        yield folder
        subprocess.run([chattr, "-i", str(folder)], check=True)
    else:
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)


@pytest.mark.parametrize(("export", "name"), [(export_xlsx, "communes.xlsx"), (export_csv, "communes.csv")])
def test_export_read_only_folder(qgis_app, case_layer, read_only_folder, export, name):
    summaries = summarise_layers(case_layer, _square_communes())

    with pytest.raises(SosError) as raised:
        export(summaries, read_only_folder / name)

    assert "could not be written" in raised.value.message
    assert not (read_only_folder / name).exists()


def test_export_adds_suffix(qgis_app, case_layer, tmp_path):
    summaries = summarise_layers(case_layer, _square_communes())

    written_csv = export_csv(summaries, tmp_path / "communes")
    written_xlsx = export_xlsx(summaries, tmp_path / "communes")

    assert written_csv == str(tmp_path / "communes.csv")
    assert written_xlsx == str(tmp_path / "communes.xlsx")
    assert (tmp_path / "communes.csv").stat().st_size > 0
    assert (tmp_path / "communes.xlsx").stat().st_size > 0


def test_export_keeps_upper_suffix(qgis_app, case_layer, tmp_path):
    summaries = summarise_layers(case_layer, _square_communes())

    assert export_csv(summaries, tmp_path / "COMMUNES.CSV") == str(tmp_path / "COMMUNES.CSV")


@pytest.mark.parametrize(("export", "name"), [(export_csv, "communes.xlsx"), (export_xlsx, "communes.csv")])
def test_export_wrong_suffix(qgis_app, case_layer, tmp_path, export, name):
    summaries = summarise_layers(case_layer, _square_communes())

    with pytest.raises(SosError) as raised:
        export(summaries, tmp_path / name)

    assert "must end with" in raised.value.message
    assert not (tmp_path / name).exists()


def test_algorithm_xlsx_missing_folder(sos_provider, case_layer, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    _register_algorithm(sos_provider)
    _add_case(case_layer, "c1", "in_progress", (108.5, 12.5), people=4)
    path = tmp_path / "missing" / "communes.xlsx"

    with pytest.raises(QgsProcessingException):
        processing.run(
            "sos:communesummary",
            {"INPUT": case_layer, "ADMIN": _square_communes(), "OUTPUT": "memory:", "XLSX": str(path)},
        )

    assert not path.exists()


def test_dialog_wrong_suffix_stays_open(qgis_new_project, case_layer, tmp_path):
    from qgis.core import QgsProject

    from sos_qgis_plugin.gui.summary_dialog import SummaryDialog

    admin = _square_communes()
    QgsProject.instance().addMapLayer(admin)
    dialog = SummaryDialog(case_layer, admin_layer_id=admin.id())
    dialog.csv_widget.setFilePath(str(tmp_path / "communes.xlsx"))

    dialog.accept()

    assert dialog.task is None
    assert "must end with .csv" in dialog.message_label.text()


def test_dialog_swapped_axes_warns(qgis_app, qgis_new_project, qgis_iface, case_layer):
    from qgis.core import Qgis, QgsProject

    from sos_qgis_plugin.gui.summary_dialog import SummaryDialog

    _add_case(case_layer, "c1", "needs_help", (108.5, 12.5), people=4)
    admin = _swapped_communes()
    QgsProject.instance().addMapLayer(admin)
    dialog = SummaryDialog(case_layer, iface=qgis_iface, admin_layer_id=admin.id())
    qgis_iface.messageBar().clear_messages()

    dialog.task = dialog.start_task()
    _wait_for(dialog.task, qgis_app)

    warnings = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("x and y swapped" in text for text in warnings)
