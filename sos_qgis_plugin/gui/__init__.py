"""Dialogs of the plugin; each .ui file sits beside the module that loads it."""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication

from ..core.errors import SosError


def error_message(error: BaseException) -> str:
    """Return the text to show for an error: the translated message of a SosError, else a generic sentence.

    Core errors built from a template keep it in `template` and its values in `values`. The template is looked
    up in the "SosErrors" translation context, and the English message is used when it has no translation.
    """
    if not isinstance(error, SosError):
        return QCoreApplication.translate(
            "SosErrors", "An unexpected error happened. See the SOS log for details."
        )
    template = getattr(error, "template", None)
    values = getattr(error, "values", None) or {}
    if template:
        translated = QCoreApplication.translate("SosErrors", template)
        if translated != template:
            try:
                return translated.format(**values)
            except (KeyError, IndexError, ValueError):
                return error.message
    return error.message
