"""Processing algorithm sos:analysehazards: write hazard fields and priorities into a case layer in place."""

from __future__ import annotations

from typing import Any, Optional

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDistance,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterVectorLayer,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import SosError
from ..gui import error_message
from ..hazard_layers import (
    analyse_snapshots,
    read_case_snapshot,
    snapshot_case_source,
    snapshot_hazard_sources,
)
from ..tasks import HazardSliceWriter, plan_hazard_writes, read_case_versions


class AnalyseHazardsAlgorithm(QgsProcessingAlgorithm):
    """Overlay a case layer with flood and landslide layers and write the results into it.

    The layers are read in prepareAlgorithm (main thread), the analysis runs in processAlgorithm (any thread)
    and the results are written in postProcessAlgorithm (main thread), so the project layer is only changed on
    the thread that owns it.
    """

    INPUT = "INPUT"
    FLOOD_LAYERS = "FLOOD_LAYERS"
    LANDSLIDE_LAYERS = "LANDSLIDE_LAYERS"
    LANDSLIDE_RADIUS = "LANDSLIDE_RADIUS"
    ADMIN_LAYER = "ADMIN_LAYER"
    IN_FLOOD = "IN_FLOOD"
    IN_LANDSLIDE_ZONE = "IN_LANDSLIDE_ZONE"
    UNKNOWN = "UNKNOWN"
    REPAIRED = "REPAIRED"

    def __init__(self) -> None:
        super().__init__()
        self._layer: Any = None
        self._case_source: Any = None
        self._snapshots: list = []
        self._analysis: Any = None
        self._weights: Any = None
        self._communes: Optional[list] = None
        self._plan: Any = None

    def createInstance(self) -> AnalyseHazardsAlgorithm:
        return AnalyseHazardsAlgorithm()

    def name(self) -> str:
        return "analysehazards"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosAnalyseHazards", "Analyse hazards for SOS cases")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosAnalyseHazards",
            "Checks every case of the case layer against flood layers (polygons, or "
            "rasters of depth in metres) and landslide layers (zones as polygons, past events as points), "
            "in any CRS, and writes in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, "
            "hazard_note and priority into the case layer. A case counts as near a landslide within the "
            "landslide radius, in metres, unless a point has its own radius in a field radius_m or "
            "danger_radius_m. A case that cannot be analysed gets an empty (unknown) value, never 'not in "
            "flood'. Invalid hazard polygons are repaired and counted. The priority uses the weights of the "
            "plugin's settings, and priority_reason says in a few words why. With an admin layer, each "
            "case's commune_code and commune_name are filled too.",
        )

    def initAlgorithm(self, configuration: Optional[dict] = None) -> None:
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.INPUT,
                QCoreApplication.translate("SosAnalyseHazards", "Case layer"),
                [QgsProcessing.SourceType.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.FLOOD_LAYERS,
                QCoreApplication.translate("SosAnalyseHazards", "Flood layers"),
                QgsProcessing.SourceType.TypeMapLayer,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.LANDSLIDE_LAYERS,
                QCoreApplication.translate("SosAnalyseHazards", "Landslide layers"),
                QgsProcessing.SourceType.TypeVectorAnyGeometry,
                optional=True,
            )
        )
        radius = QgsProcessingParameterDistance(
            self.LANDSLIDE_RADIUS,
            QCoreApplication.translate("SosAnalyseHazards", "Landslide radius"),
            1000.0,
            minValue=0.0,
        )
        radius.setDefaultUnit(QgsUnitTypes.DistanceUnit.DistanceMeters)
        self.addParameter(radius)
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.ADMIN_LAYER,
                QCoreApplication.translate("SosAnalyseHazards", "Admin layer (communes)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        for name, description in (
            (self.IN_FLOOD, QCoreApplication.translate("SosAnalyseHazards", "Cases in a flood zone")),
            (
                self.IN_LANDSLIDE_ZONE,
                QCoreApplication.translate("SosAnalyseHazards", "Cases in or near a landslide zone"),
            ),
            (
                self.UNKNOWN,
                QCoreApplication.translate("SosAnalyseHazards", "Cases with unknown flood status"),
            ),
            (self.REPAIRED, QCoreApplication.translate("SosAnalyseHazards", "Hazard geometries repaired")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, description))

    def prepareAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        self._layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if self._layer is None or "id" not in self._layer.fields().names():
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosAnalyseHazards", "The input layer is not an SOS case layer: it has no field id."
                )
            )
        flood_layers = self.parameterAsLayerList(parameters, self.FLOOD_LAYERS, context)
        landslide_layers = self.parameterAsLayerList(parameters, self.LANDSLIDE_LAYERS, context)
        if not flood_layers and not landslide_layers:
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosAnalyseHazards", "Choose at least one flood or landslide layer."
                )
            )
        self._case_source = snapshot_case_source(self._layer)
        self._snapshots, warnings = snapshot_hazard_sources(flood_layers, landslide_layers)
        for warning in warnings:
            feedback.reportError(warning)
        from ..settings import Settings

        self._weights = Settings().priority_weights
        admin_layer = self.parameterAsVectorLayer(parameters, self.ADMIN_LAYER, context)
        if admin_layer is not None:
            from ..admin_layers import read_communes

            try:
                self._communes = read_communes(admin_layer, transform_context=context.transformContext())
            except SosError as error:
                raise QgsProcessingException(error_message(error)) from error
        return True

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict:
        radius_m = self.parameterAsDouble(parameters, self.LANDSLIDE_RADIUS, context)
        try:
            # The versions first, so that a case changed before the write is seen as changed.
            base = read_case_versions(self._case_source)
            cases = read_case_snapshot(self._case_source, self._layer.crs(), context.transformContext())
            self._analysis = analyse_snapshots(
                cases,
                self._snapshots,
                radius_m,
                context.transformContext(),
                is_cancelled=feedback.isCanceled,
                on_progress=lambda percent: feedback.setProgress(percent * 0.9),
                weights=self._weights,
                compute_priorities=False,
            )
            self._plan = plan_hazard_writes(
                base, cases, self._analysis, self._weights, self._communes, feedback.isCanceled
            )
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        for warning in self._analysis.warnings:
            feedback.reportError(warning)
        return self._outputs()

    def postProcessAlgorithm(self, context: QgsProcessingContext, feedback: QgsProcessingFeedback) -> dict:
        try:
            written = HazardSliceWriter(self._layer, self._plan, lambda result: None).write_all()
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        feedback.pushInfo(
            QCoreApplication.translate("SosAnalyseHazards", "Hazard fields written for {} cases.").format(
                written.written - written.missing - written.moved
            )
        )
        return self._outputs()

    def _outputs(self) -> dict:
        analysis = self._analysis
        return {
            self.IN_FLOOD: analysis.in_flood,
            self.IN_LANDSLIDE_ZONE: analysis.in_landslide_zone,
            self.UNKNOWN: analysis.unknown,
            self.REPAIRED: len(analysis.repairs),
        }
