"""Dialogs of the plugin; each .ui file sits beside the module that loads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QDialogButtonBox, QWidget

from ..core.errors import Message, SosError


def translate_template(template: str, values: Mapping[str, Any], english: str) -> str:
    """Translate a core message template in the "SosErrors" context and fill in its values.

    A value that is a core Message is translated the same way first. `english` is returned when the
    translation does not fit the values, for example when it names a placeholder the values lack.
    """
    filled = dict(values)
    for key, value in values.items():
        if isinstance(value, Message):
            filled[key] = translate_template(value.template, value.values, str(value))
    translated = QCoreApplication.translate("SosErrors", template)
    try:
        return translated.format(**filled)
    except (KeyError, IndexError, ValueError):
        return english


def error_message(error: BaseException) -> str:
    """Return the text to show for an error: the translated message of a SosError, else a generic sentence.

    Core errors built from a template keep it in `template` and its values in `values`. The template is looked
    up in the "SosErrors" translation context, and the English message is used when it has no translation.
    """
    if not isinstance(error, SosError):
        return QCoreApplication.translate(
            "SosErrors", "An unexpected error happened. See the SOS log for details."
        )
    if not error.template or QCoreApplication.translate("SosErrors", error.template) == error.template:
        return error.message
    return translate_template(error.template, error.values, error.message)


def rejection_reason(rejection: Any) -> str:
    """Return the translated reason of a core Rejection, or its English reason when it has no template."""
    template = getattr(rejection, "template", None)
    reason = str(getattr(rejection, "reason", rejection))
    if not template:
        return reason
    return translate_template(template, getattr(rejection, "values", None) or {}, reason)


def _standard_button_texts() -> dict:
    # Debian's Qt 5 has no Vietnamese translation of its own, so QGIS in Vietnamese would still show Qt's
    # English "Cancel" and "Close". The plugin's translation carries these labels instead.
    buttons = QDialogButtonBox.StandardButton
    return {
        buttons.Ok: QCoreApplication.translate("SosButtons", "OK"),
        buttons.Cancel: QCoreApplication.translate("SosButtons", "Cancel"),
        buttons.Close: QCoreApplication.translate("SosButtons", "Close"),
        buttons.Apply: QCoreApplication.translate("SosButtons", "Apply"),
        buttons.Save: QCoreApplication.translate("SosButtons", "Save"),
        buttons.Help: QCoreApplication.translate("SosButtons", "Help"),
        buttons.Reset: QCoreApplication.translate("SosButtons", "Reset"),
        buttons.RestoreDefaults: QCoreApplication.translate("SosButtons", "Restore Defaults"),
        buttons.Yes: QCoreApplication.translate("SosButtons", "Yes"),
        buttons.No: QCoreApplication.translate("SosButtons", "No"),
        buttons.Discard: QCoreApplication.translate("SosButtons", "Discard"),
        buttons.Open: QCoreApplication.translate("SosButtons", "Open"),
        buttons.Retry: QCoreApplication.translate("SosButtons", "Retry"),
    }


def translate_standard_buttons(widget: QWidget) -> None:
    """Set the translated label of every standard button of the button boxes inside widget.

    A button whose text the dialog already changed (for example "Write report") keeps that text.
    """
    texts = _standard_button_texts()
    for box in widget.findChildren(QDialogButtonBox):
        for button in box.buttons():
            standard = box.standardButton(button)
            if standard in texts and button.text().replace("&", "") in _QT_DEFAULT_LABELS:
                button.setText(texts[standard])


# The English labels Qt gives standard buttons; a label outside this set was set by the dialog itself.
_QT_DEFAULT_LABELS = frozenset(
    {
        "OK",
        "Cancel",
        "Close",
        "Apply",
        "Save",
        "Help",
        "Reset",
        "Restore Defaults",
        "Yes",
        "No",
        "Discard",
        "Open",
        "Retry",
    }
)
