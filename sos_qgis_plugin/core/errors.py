"""The plugin's exception types."""

from __future__ import annotations

from typing import Any


class SosError(Exception):
    """Error with a message for the user and details for the log."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details

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
