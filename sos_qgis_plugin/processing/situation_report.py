"""Processing algorithm sos:situationreport: write the situation report PDF of a case layer."""

from __future__ import annotations

from typing import Any, Optional

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import SosError
from ..gui import error_message
from ..report import build_situation_report, check_admin_layer, style_loaded_hazard_layer
from ..style import apply_case_style, is_case_layer


class SituationReportAlgorithm(QgsProcessingAlgorithm):
    """Write the two-page situation report (map, commune table, chart) of a case layer to a PDF.

    Print layouts belong to the main thread, so the algorithm carries FlagNoThreading and Processing runs it
    there, also from a model or `qgis_process`.
    """

    INPUT = "INPUT"
    HAZARD_LAYERS = "HAZARD_LAYERS"
    ADMIN_LAYER = "ADMIN_LAYER"
    ADMIN_CODE_FIELD = "ADMIN_CODE_FIELD"
    ADMIN_NAME_FIELD = "ADMIN_NAME_FIELD"
    TITLE = "TITLE"
    OUTPUT = "OUTPUT"
    COMMUNES = "COMMUNES"

    def createInstance(self) -> SituationReportAlgorithm:
        return SituationReportAlgorithm()

    def name(self) -> str:
        return "situationreport"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosSituationReport", "Situation report (PDF)")

    def flags(self) -> Any:
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosSituationReport",
            "Writes a two-page PDF for commanders: the map of cases over the hazard layers with a legend, "
            "scale bar, north arrow and the time of the data (Vietnam time), the totals of cases waiting, "
            "a table per commune of the admin layer (cases and people waiting, in flood, in a landslide "
            "zone, supported) and a chart of cases created over time by status. The communes are drawn on "
            "the map as grey boundaries. Counts unknown for some cases are marked, never shown as 0. "
            "Without an admin layer the table is left out. The code and name fields of the admin layer are "
            "guessed when left empty. "
            "Labels follow the language of QGIS.",
        )

    def initAlgorithm(self, configuration: Optional[dict] = None) -> None:
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.INPUT,
                QCoreApplication.translate("SosSituationReport", "Case layer"),
                [QgsProcessing.SourceType.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.HAZARD_LAYERS,
                QCoreApplication.translate("SosSituationReport", "Hazard layers"),
                QgsProcessing.SourceType.TypeMapLayer,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.ADMIN_LAYER,
                QCoreApplication.translate("SosSituationReport", "Admin layer (commune polygons)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        for name, description in (
            (self.ADMIN_CODE_FIELD, QCoreApplication.translate("SosSituationReport", "Commune code field")),
            (self.ADMIN_NAME_FIELD, QCoreApplication.translate("SosSituationReport", "Commune name field")),
        ):
            self.addParameter(
                QgsProcessingParameterField(
                    name, description, parentLayerParameterName=self.ADMIN_LAYER, optional=True
                )
            )
        self.addParameter(
            QgsProcessingParameterString(
                self.TITLE, QCoreApplication.translate("SosSituationReport", "Title"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT,
                QCoreApplication.translate("SosSituationReport", "Situation report"),
                QCoreApplication.translate("SosSituationReport", "PDF files (*.pdf)"),
            )
        )
        self.addOutput(
            QgsProcessingOutputNumber(
                self.COMMUNES, QCoreApplication.translate("SosSituationReport", "Communes in the table")
            )
        )

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict:
        case_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if case_layer is None or "status" not in case_layer.fields().names():
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSituationReport", "The input layer is not an SOS case layer: it has no field status."
                )
            )
        hazard_layers = self.parameterAsLayerList(parameters, self.HAZARD_LAYERS, context)
        admin_layer = self.parameterAsVectorLayer(parameters, self.ADMIN_LAYER, context)
        title = self.parameterAsString(parameters, self.TITLE, context).strip() or None
        out_pdf = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not out_pdf.lower().endswith(".pdf"):
            out_pdf += ".pdf"
        project = context.project() or QgsProject.instance()
        # Layers given as file paths (a model, a script, qgis_process) are not in the project and have no
        # style yet, so they get the case style and a plain hazard style. Project layers keep the user's.
        if project.mapLayer(case_layer.id()) is None and not is_case_layer(case_layer):
            apply_case_style(case_layer)
        for layer in hazard_layers:
            if project.mapLayer(layer.id()) is None:
                style_loaded_hazard_layer(layer)

        summaries = None
        try:
            if admin_layer is not None:
                from ..summary import summarise_layers

                # Processing lets a layer object of any geometry through, so check before summarising.
                check_admin_layer(admin_layer)

                code_field = self.parameterAsString(parameters, self.ADMIN_CODE_FIELD, context) or None
                name_field = self.parameterAsString(parameters, self.ADMIN_NAME_FIELD, context) or None
                summaries = summarise_layers(case_layer, admin_layer, code_field, name_field)
            path = build_situation_report(
                project,
                case_layer,
                hazard_layers,
                summaries,
                out_pdf,
                title=title,
                feedback=feedback,
                admin_layer=admin_layer,
            )
        except ImportError as error:
            # The commune summary needs shapely 2, and the report without an admin layer does not.
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSituationReport",
                    "The commune table needs the Python package shapely 2. "
                    "Install it or leave out the admin layer.",
                )
            ) from error
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        feedback.pushInfo(
            QCoreApplication.translate("SosSituationReport", "Situation report written to {}").format(path)
        )
        communes = 0
        if summaries is not None:
            communes = sum(1 for row in summaries if getattr(row, "kind", "commune") == "commune")
        return {self.OUTPUT: path, self.COMMUNES: communes}
