"""The "SOS" Processing provider."""

from __future__ import annotations

import logging
import os
from typing import Callable

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..dependencies import missing_dependencies
from .analyse_hazards import AnalyseHazardsAlgorithm
from .commune_summary import CommuneSummaryAlgorithm
from .fetch_cases import FetchCasesAlgorithm
from .set_status import SetStatusAlgorithm
from .situation_report import SituationReportAlgorithm

LOGGER = logging.getLogger("sos_qgis_plugin")

_ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "sos.svg")


class SosProvider(QgsProcessingProvider):
    """Provider `sos`: fetch cases, analyse hazards, set statuses, summarise by commune, write the report.

    The hazard analysis and the commune summary need shapely 2; without it these two algorithms are not
    registered and a warning in the log names the missing package. The other algorithms work without it.
    """

    def __init__(self, find_missing: Callable[[], list] = missing_dependencies) -> None:
        super().__init__()
        self._find_missing = find_missing

    def id(self) -> str:
        return "sos"

    def name(self) -> str:
        return QCoreApplication.translate("SosProvider", "SOS")

    def longName(self) -> str:
        return QCoreApplication.translate("SosProvider", "SOS rescue cases")

    def icon(self) -> QIcon:
        if os.path.isfile(_ICON_PATH):
            return QIcon(_ICON_PATH)
        return QgsProcessingProvider.icon(self)

    def helpId(self) -> str:
        return "sos"

    def loadAlgorithms(self) -> None:
        self.addAlgorithm(FetchCasesAlgorithm())
        self.addAlgorithm(SetStatusAlgorithm())
        self.addAlgorithm(SituationReportAlgorithm())
        shapely_missing = [missing for missing in self._find_missing() if missing.name == "shapely"]
        if shapely_missing:
            LOGGER.warning(
                "shapely 2 is missing (found %s): sos:analysehazards and sos:communesummary are not loaded",
                shapely_missing[0].found or "none",
            )
            return
        self.addAlgorithm(AnalyseHazardsAlgorithm())
        self.addAlgorithm(CommuneSummaryAlgorithm())
