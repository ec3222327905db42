"""The plugin logger "sos_qgis_plugin", forwarded to the QGIS message log under the tag "SOS".

Every record that reaches the QGIS log passes a redaction filter first, so a bearer token or a phone number
that slips into a message or a traceback is masked.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Optional

from qgis.core import Qgis, QgsMessageLog

LOGGER_NAME = "sos_qgis_plugin"
LOG_TAG = "SOS"
MASK = "***"

_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization)(['\"]?\s*[:=]\s*['\"]?)[^'\",}\r\n]+")
_TOKEN_PARAM = re.compile(r"(?i)\b(token|sos_token|password|api_key)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",&}]+")
# A phone number: an optional "+" then 9 to 15 digits, in groups split by single spaces, dots or dashes, and
# optionally a "(+84)"-style prefix. A run that starts like an ISO date (2025-11-20) is a time, not a phone.
_PHONE = re.compile(r"(?<![\w+])(?:\(\+?\d{1,3}\)\s?)?(?!\d{4}-\d{2}-\d{2})\+?\d(?:[ .\-]?\d){8,14}(?!\w)")


def redact(text: str) -> str:
    """Mask bearer tokens, authorization headers, token parameters and phone-like digit runs in a text."""
    text = _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)
    text = _AUTH_HEADER.sub(lambda match: f"{match.group(1)}{match.group(2)}{MASK}", text)
    text = _TOKEN_PARAM.sub(lambda match: f"{match.group(1)}{match.group(2)}{MASK}", text)
    return _PHONE.sub(MASK, text)


class RedactionFilter(logging.Filter):
    """Rewrite a record's message and traceback text with redact(); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _qgis_level(levelno: int) -> Qgis.MessageLevel:
    if levelno >= logging.ERROR:
        return Qgis.MessageLevel.Critical
    if levelno >= logging.WARNING:
        return Qgis.MessageLevel.Warning
    return Qgis.MessageLevel.Info


class QgsMessageLogHandler(logging.Handler):
    """Send log records to the QGIS message log under LOG_TAG.

    QgsMessageLog.logMessage may be called from task threads: QGIS queues the message to the main thread.
    """

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.addFilter(RedactionFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # The Log Messages panel renders HTML, and a log line may quote the server or a record.
            message = html.escape(self.format(record), quote=False)
            QgsMessageLog.logMessage(message, LOG_TAG, _qgis_level(record.levelno), False)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller, as logging.Handler does
            self.handleError(record)


def get_logger() -> logging.Logger:
    """Return the plugin logger "sos_qgis_plugin"."""
    return logging.getLogger(LOGGER_NAME)


def install_log_handler(level: int = logging.INFO) -> QgsMessageLogHandler:
    """Attach the QGIS message log handler to the plugin logger once; return the handler that is attached."""
    logger = get_logger()
    existing: Optional[QgsMessageLogHandler] = next(
        (handler for handler in logger.handlers if isinstance(handler, QgsMessageLogHandler)), None
    )
    if existing is not None:
        return existing
    handler = QgsMessageLogHandler()
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return handler


def remove_log_handler(handler: Optional[logging.Handler]) -> None:
    """Detach a handler from the plugin logger and close it; does nothing for None."""
    if handler is None:
        return
    get_logger().removeHandler(handler)
    handler.close()
