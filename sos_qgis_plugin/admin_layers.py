"""Admin (commune) layers: guessing the code and name fields, reading communes, assigning cases to them.

Every function here reads or writes QGIS layers and must run on the thread that owns them (the main thread
for project layers). Reading is cheap for the hundreds of communes of a province. shapely is imported only
when communes are read, so the plugin loads on a QGIS whose Python lacks shapely 2.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeatureRequest,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant

from .core.errors import SosError

if TYPE_CHECKING:
    from .core.communes import Commune

LOGGER = logging.getLogger("sos_qgis_plugin")

WGS84 = "EPSG:4326"

# Field names tried for the commune code and name, in this order of preference, compared without case.
# They cover the 2025 commune layers of Vietnam (ward_code, name), Vietnamese names (ma_xa, ten_xa) and
# common English ones.
CODE_FIELD_CANDIDATES = (
    "ward_code",
    "commune_code",
    "ma_xa",
    "maxa",
    "ma_dvhc",
    "madvhc",
    "ma_phuong_xa",
    "code",
    "ma",
    "adm3_pcode",
)
NAME_FIELD_CANDIDATES = (
    "name",
    "ten_xa",
    "tenxa",
    "ten",
    "ten_dvhc",
    "tendvhc",
    "commune_name",
    "ward_name",
    "name_vi",
    "adm3_vi",
    "adm3_name",
    "name_en",
)

CASE_COMMUNE_CODE_FIELD = "commune_code"
CASE_COMMUNE_NAME_FIELD = "commune_name"


def guess_commune_fields(layer: QgsVectorLayer) -> tuple[Optional[str], Optional[str]]:
    """Guess the (code field, name field) of a commune layer; either is None when no field fits.

    Known names come first (CODE_FIELD_CANDIDATES, NAME_FIELD_CANDIDATES, compared without case). Failing
    those, the first field whose name contains "code" or starts with "ma" is the code, and the first text
    field whose name contains "name" or starts with "ten" is the name. The two are never the same field.
    """
    names = [field.name() for field in layer.fields()]
    by_lower = {name.lower(): name for name in names}
    code = next((by_lower[c] for c in CODE_FIELD_CANDIDATES if c in by_lower), None)
    if code is None:
        code = next((n for n in names if "code" in n.lower() or n.lower().startswith("ma")), None)
    name = next((by_lower[c] for c in NAME_FIELD_CANDIDATES if c in by_lower and by_lower[c] != code), None)
    if name is None:
        text_fields = [
            f.name() for f in layer.fields() if f.type() == QVariant.Type.String and f.name() != code
        ]
        name = next((n for n in text_fields if "name" in n.lower() or n.lower().startswith("ten")), None)
    return code, name


def _text_of(value: Any) -> str:
    """Return an attribute as text: "" for NULL, and an integral number without ".0" (22015.0 gives 22015)."""
    if value is None or value == NULL:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _field_error(layer: QgsVectorLayer, field: str) -> SosError:
    return SosError(
        QCoreApplication.translate("SosCommunes", "The admin layer {layer} has no field {field}.").format(
            layer=layer.name(), field=field
        ),
        f"admin layer {layer.id()} lacks field {field!r}",
    )


def read_communes(
    layer: QgsVectorLayer,
    code_field: Optional[str] = None,
    name_field: Optional[str] = None,
    transform_context: Optional[QgsCoordinateTransformContext] = None,
) -> list[Commune]:
    """Read the communes of an admin layer as shapely geometries in WGS 84 (lon, lat), in layer order.

    Missing field names are guessed with `guess_commune_fields`. When no code field is found, the name
    serves as the code, and when no name field is found, the code serves as the name. Curved geometries
    are segmentised and Z and M are dropped. A feature without a geometry, or whose geometry cannot be
    reprojected, is kept with geometry None, so it gets a summary row but no case. Features with the same
    code and name (a commune stored in several parts) become one commune whose geometry is the union of
    the repaired parts. Other invalid polygons are left to CommuneIndex, which repairs them. Raises
    SosError when the layer is invalid, when a named field is missing, or when neither a code nor a name
    field can be found.
    """
    import shapely

    from .core.communes import Commune, repair_commune_geometry

    if layer is None or not layer.isValid():
        raise SosError(
            QCoreApplication.translate("SosCommunes", "The admin layer is missing or cannot be read."),
            "read_communes got an invalid layer",
        )
    geometry_type = QgsWkbTypes.geometryType(layer.wkbType())
    # UnknownGeometry (a layer of mixed types) passes, and its non-polygon features get no area in
    # CommuneIndex. A point, line or table layer would put every case outside every commune.
    if geometry_type != QgsWkbTypes.GeometryType.PolygonGeometry and (
        geometry_type != QgsWkbTypes.GeometryType.UnknownGeometry
    ):
        raise SosError(
            QCoreApplication.translate(
                "SosCommunes",
                "The admin layer {layer} has no polygons ({type}). Choose a polygon layer of communes.",
            ).format(layer=layer.name(), type=QgsWkbTypes.displayString(layer.wkbType())),
            f"admin layer {layer.id()} has geometry type {QgsWkbTypes.displayString(layer.wkbType())}",
        )
    guessed_code, guessed_name = guess_commune_fields(layer)
    code_field = code_field or guessed_code
    name_field = name_field or guessed_name
    for field in (code_field, name_field):
        if field and layer.fields().indexOf(field) < 0:
            raise _field_error(layer, field)
    if not code_field and not name_field:
        raise SosError(
            QCoreApplication.translate(
                "SosCommunes",
                "No commune code or name field was found in the admin layer {layer}. Choose the fields "
                "by hand.",
            ).format(layer=layer.name()),
            "fields: {}".format(", ".join(layer.fields().names())),
        )

    context = transform_context or QgsProject.instance().transformContext()
    transform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem(WGS84), context)
    request = QgsFeatureRequest().setSubsetOfAttributes(
        [name for name in (code_field, name_field) if name], layer.fields()
    )
    parts: dict[tuple[str, str, Optional[int]], list[Any]] = {}
    unreadable = 0
    for feature in layer.getFeatures(request):
        code = _text_of(feature[code_field]) if code_field else ""
        name = _text_of(feature[name_field]) if name_field else ""
        geometry = None
        qgs_geometry = feature.geometry()
        if not qgs_geometry.isNull() and not qgs_geometry.isEmpty():
            try:
                qgs_geometry.transform(transform)
                if QgsWkbTypes.isCurvedType(qgs_geometry.wkbType()):
                    qgs_geometry.convertToStraightSegment()
                geometry = shapely.force_2d(shapely.from_wkb(bytes(qgs_geometry.asWkb())))
            except (QgsCsException, shapely.errors.GEOSException) as error:
                unreadable += 1
                LOGGER.warning(
                    "Admin layer %s, feature %s: geometry not read: %s", layer.name(), feature.id(), error
                )
        # A feature without code and name is a commune of its own, keyed by its feature id.
        key = (code, name, None) if code or name else ("", "", feature.id())
        parts.setdefault(key, []).append(geometry)

    communes: list[Commune] = []
    merged = 0
    for (code, name, _feature_id), geometries in parts.items():
        if len(geometries) == 1:
            geometry = geometries[0]
        else:
            merged += len(geometries) - 1
            repaired = [repair_commune_geometry(part) for part in geometries]
            polygons = [part for part in repaired if part is not None]
            geometry = shapely.union_all(polygons) if polygons else None
        communes.append(Commune(code or name, name or code, geometry))
    LOGGER.info(
        "Admin layer %s: %d communes read (code field %s, name field %s, %d parts merged, "
        "%d geometries not read)",
        layer.name(),
        len(communes),
        code_field,
        name_field,
        merged,
        unreadable,
    )
    return communes


def commune_extent_warning(
    communes: Sequence[Commune], lons: Sequence[float], lats: Sequence[float]
) -> Optional[str]:
    """Return a translated warning when the communes' extent misses the cases' extent, else None.

    Coordinates are WGS 84 degrees, as read_communes returns them. A miss puts every case outside every
    commune, so the warning names axis order (latitude and longitude swapped) as the likely cause. A
    separate message states it as the cause when the communes would overlap the cases with x and y
    swapped. Needs shapely 2.
    """
    from .core.communes import EXTENTS_DISJOINT, EXTENTS_SWAPPED, compare_extents

    outcome = compare_extents(communes, lons, lats)
    if outcome == EXTENTS_SWAPPED:
        return QCoreApplication.translate(
            "SosCommunes",
            "The commune layer does not overlap the cases, but would with x and y swapped: its coordinates "
            "look like latitude, longitude instead of longitude, latitude (axis order). Every case counts "
            "as outside every commune until the layer or its CRS is fixed.",
        )
    if outcome == EXTENTS_DISJOINT:
        return QCoreApplication.translate(
            "SosCommunes",
            "The commune layer does not overlap the cases, so every case counts as outside every commune. "
            "A likely cause is axis order (latitude and longitude swapped) or a wrong CRS on the layer.",
        )
    return None


def point_lon_lat(geometry: Any, transform: QgsCoordinateTransform) -> tuple[float, float]:
    """Return a point geometry's WGS 84 (lon, lat) through `transform`, or (NaN, NaN) when it has none."""
    nan = float("nan")
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return nan, nan
    try:
        point = transform.transform(geometry.asPoint()) if not geometry.isMultipart() else None
    except QgsCsException:
        return nan, nan
    if point is None:
        # NOTE: case layers contain single points, so a multipoint is located by its first part only.
        parts = geometry.asMultiPoint()
        if not parts:
            return nan, nan
        try:
            point = transform.transform(parts[0])
        except QgsCsException:
            return nan, nan
    return point.x(), point.y()


def assign_communes(
    case_layer: QgsVectorLayer,
    admin_layer: QgsVectorLayer,
    code_field: Optional[str] = None,
    name_field: Optional[str] = None,
) -> int:
    """Fill the commune_code and commune_name fields of every case and return how many cases changed.

    Cases outside every commune, or without a location, get NULL in both fields. The write goes through
    the data provider, so feature ids and the selection stay. A case layer without the two fields is left
    unchanged and 0 is returned (logged at WARNING). Raises SosError as `read_communes` does, and when the
    provider rejects the change.

    NOTE: reads every case on the calling thread; on 100,000 cases that blocks QGIS for a second or two.
    """
    from .core.communes import CommuneIndex

    fields = case_layer.fields()
    code_index = fields.indexOf(CASE_COMMUNE_CODE_FIELD)
    name_index = fields.indexOf(CASE_COMMUNE_NAME_FIELD)
    if code_index < 0 or name_index < 0:
        LOGGER.warning(
            "Case layer %s has no %s and %s fields; communes not assigned",
            case_layer.name(),
            CASE_COMMUNE_CODE_FIELD,
            CASE_COMMUNE_NAME_FIELD,
        )
        return 0
    index = CommuneIndex(read_communes(admin_layer, code_field, name_field))

    context = QgsProject.instance().transformContext()
    transform = QgsCoordinateTransform(case_layer.crs(), QgsCoordinateReferenceSystem(WGS84), context)
    fids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    current: list[tuple[Any, Any]] = []
    request = QgsFeatureRequest().setSubsetOfAttributes([code_index, name_index])
    for feature in case_layer.getFeatures(request):
        fids.append(feature.id())
        lon, lat = point_lon_lat(feature.geometry(), transform)
        lons.append(lon)
        lats.append(lat)
        current.append((feature[code_index], feature[name_index]))

    located = index.locate(lons, lats)
    changes: dict[int, dict[int, Any]] = {}
    for fid, found, (old_code, old_name) in zip(fids, located, current):
        if found is None:
            code, name = NULL, NULL
        else:
            commune = index.communes[found]
            code, name = commune.code, commune.name
        if _text_of(old_code) != _text_of(code) or _text_of(old_name) != _text_of(name):
            changes[fid] = {code_index: code, name_index: name}
    if changes and not case_layer.dataProvider().changeAttributeValues(changes):
        errors = "; ".join(case_layer.dataProvider().errors()[-3:])
        raise SosError(
            QCoreApplication.translate(
                "SosCommunes", "The communes could not be written into the case layer {layer}."
            ).format(layer=case_layer.name()),
            f"changeAttributeValues failed: {errors}",
        )
    if changes:
        case_layer.triggerRepaint()
    LOGGER.info(
        "Case layer %s: %d cases lie in a commune of admin layer %s, %d changed",
        case_layer.name(),
        sum(1 for value in located if value is not None),
        admin_layer.name(),
        len(changes),
    )
    return len(changes)
