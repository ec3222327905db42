"""The plugin's exception types, and the marker for message templates that the QGIS side translates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - pylupdate5 looks for this Qt name
    """Mark a message template for pylupdate5, which scans source text for this Qt name; return it unchanged.

    The core imports no Qt, so the QGIS side looks the template up in `context` when it shows the message.
    Each call stays on one line, with `# noqa: E501  # fmt: skip` where it is long, because pylupdate5
    (PyQt 5.15) skips a call that ends with the trailing comma that ruff format adds when it splits one.
    """
    return text


@dataclass
class Message:
    """A message template and its values, for a value that is itself a translatable message.

    `str()` and `format()` give the English text `template.format(**values)`, so a template that contains a
    Message still formats to English in the core, and the QGIS side can translate both levels.
    """

    template: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.values)

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)


class SosError(Exception):
    """Error with a message for the user and details for the log.

    An error built from a message template keeps the literal template in `template` and its arguments in
    `values`, so the QGIS side can translate it. Both stay None and empty for a message without a template.
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.template: str | None = None
        self.values: dict[str, Any] = {}

    def __str__(self) -> str:
        return self.message


class RecordError(SosError):
    """One case record is invalid and cannot be kept.

    `reason` is an English sentence that names the field and the rejected value. When the reason was built
    from a message template, `template` holds the literal template and `values` its arguments, so the QGIS
    side can translate the template and fill in the values with `.format(**values)`.
    """

    def __init__(
        self,
        reason: str,
        field: str | None = None,
        details: str = "",
        *,
        template: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason, details)
        self.reason = reason
        self.field = field
        self.template = template
        self.values = dict(values or {})

    @classmethod
    def from_template(cls, template: str, field: str | None = None, **values: Any) -> RecordError:
        """Build a RecordError whose reason is `template.format(**values)`."""
        return cls(template.format(**values), field, template=template, values=values)
