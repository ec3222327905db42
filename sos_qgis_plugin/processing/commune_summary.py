"""Processing algorithm sos:communesummary: cases per commune as a table, optionally as CSV and XLSX."""

from __future__ import annotations

from typing import Any, Optional

from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import SosError
from ..gui import error_message


class CommuneSummaryAlgorithm(QgsProcessingAlgorithm):
    """Count the cases of a case layer per commune of an admin layer.

    Both layers are read in prepareAlgorithm (main thread), and the counting and the file exports run in
    processAlgorithm (any thread).
    """

    INPUT = "INPUT"
    ADMIN = "ADMIN"
    CODE_FIELD = "CODE_FIELD"
    NAME_FIELD = "NAME_FIELD"
    OUTPUT = "OUTPUT"
    CSV = "CSV"
    XLSX = "XLSX"

    def __init__(self) -> None:
        super().__init__()
        self._snapshot: Any = None
        self._communes: list = []

    def createInstance(self) -> CommuneSummaryAlgorithm:
        return CommuneSummaryAlgorithm()

    def name(self) -> str:
        return "communesummary"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Summarise SOS cases by commune")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosCommuneSummaryAlgorithm",
            "Counts the cases of the case layer in each commune of the admin layer: cases by status, "
            "people and households still waiting (needs help or in progress), and how many of those wait "
            "in a flood zone or a landslide zone, as the last hazard analysis found. A case whose people "
            "count is unknown is counted apart, never as 0. The table has one row per commune in "
            "Vietnamese alphabetical order, then a row for cases outside every commune and one for cases "
            "without a location. The code and name fields are guessed when left empty. The CSV file is "
            "UTF-8 with a byte order mark and English column names; the XLSX file has translated column "
            "headers. A file name without an extension gets .csv or .xlsx, and one with another extension "
            "is refused. A warning is shown when the commune layer does not overlap the cases (often "
            "latitude and longitude swapped).",
        )

    def initAlgorithm(self, configuration: Optional[dict] = None) -> None:
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.INPUT,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Case layer"),
                [QgsProcessing.SourceType.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.ADMIN,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Commune layer"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CODE_FIELD,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Commune code field"),
                parentLayerParameterName=self.ADMIN,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.NAME_FIELD,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Commune name field"),
                parentLayerParameterName=self.ADMIN,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Commune summary"),
                QgsProcessing.SourceType.TypeVector,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.CSV,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "CSV file"),
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "CSV files (*.csv)"),
                optional=True,
                createByDefault=False,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.XLSX,
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Excel file"),
                QCoreApplication.translate("SosCommuneSummaryAlgorithm", "Excel files (*.xlsx)"),
                optional=True,
                createByDefault=False,
            )
        )

    def prepareAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        from ..admin_layers import read_communes
        from ..summary import snapshot_cases

        cases = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        admin = self.parameterAsVectorLayer(parameters, self.ADMIN, context)
        code_field = self.parameterAsString(parameters, self.CODE_FIELD, context) or None
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or None
        if cases is None or "status" not in cases.fields().names():
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosCommuneSummaryAlgorithm",
                    "The input layer is not an SOS case layer: it has no field status.",
                )
            )
        try:
            self._communes = read_communes(admin, code_field, name_field, context.transformContext())
            self._snapshot = snapshot_cases(cases)
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        return True

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict:
        from ..summary import (
            export_csv,
            export_xlsx,
            output_path,
            summarise_snapshot,
            summary_features,
            summary_fields,
        )

        csv_path = self.parameterAsFileOutput(parameters, self.CSV, context)
        xlsx_path = self.parameterAsFileOutput(parameters, self.XLSX, context)
        warnings: list[str] = []
        try:
            # Bad paths stop the algorithm before the summary is counted; the exports check them again.
            if csv_path:
                output_path(csv_path, ".csv")
            if xlsx_path:
                output_path(xlsx_path, ".xlsx")
            summaries = summarise_snapshot(self._snapshot, self._communes, feedback.isCanceled, warnings)
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        for warning in warnings:
            feedback.pushWarning(warning)
        if feedback.isCanceled():
            return {}
        feedback.setProgress(60)

        fields = summary_fields()
        sink, sink_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.NoGeometry
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for feature in summary_features(summaries, fields):
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)

        results: dict[str, Any] = {self.OUTPUT: sink_id}
        try:
            if csv_path:
                results[self.CSV] = export_csv(summaries, csv_path)
            if xlsx_path:
                results[self.XLSX] = export_xlsx(summaries, xlsx_path)
        except SosError as error:
            raise QgsProcessingException(error_message(error)) from error
        located = sum(row.cases_total for row in summaries[:-2])
        feedback.pushInfo(
            QCoreApplication.translate(
                "SosCommuneSummaryAlgorithm",
                "{} communes, {} cases in a commune, {} outside, {} without a location.",
            ).format(  # noqa: E501  # fmt: skip
                len(summaries) - 2, located, summaries[-2].cases_total, summaries[-1].cases_total
            )
        )
        feedback.setProgress(100)
        return results
