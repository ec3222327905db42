"""The service client of the SOS algorithms, built the same way for each of them."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessingException

from ..core.errors import SosError
from ..gui import error_message


def build_algorithm_client(service_url: str, authcfg: str) -> Any:
    """Build the client for an algorithm run; raise QgsProcessingException with a translated message.

    Call it from prepareAlgorithm, on the main thread: reading the token may make the authentication manager
    ask for the master password.
    """
    from ..network import build_client

    try:
        return build_client(service_url, authcfg)
    except SosError as error:
        raise QgsProcessingException(error_message(error)) from error
