"""Checks for the Python packages the plugin needs beyond QGIS, and how to install them on each platform.

requests is needed for every call to the SOS service; shapely 2 only for hazard analysis, so a QGIS without it
can still fetch cases and change statuses.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from qgis.PyQt.QtCore import QCoreApplication

SHAPELY_MIN_VERSION: tuple[int, ...] = (2, 0)


@dataclass(frozen=True)
class Missing:
    """A package that is absent or too old: import name, requirement and version found (None if absent)."""

    name: str
    required: str
    found: Optional[str]

    @property
    def pip_requirement(self) -> str:
        """The requirement as pip reads it, e.g. "shapely>=2"."""
        return self.name + self.required


def _version_tuple(version: str) -> tuple[int, ...]:
    numbers = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
    return tuple(numbers)


def _import_version(module_name: str) -> Optional[str]:
    """Return the module's __version__, "" when it has none, or None when it cannot be imported."""
    try:
        module = importlib.import_module(module_name)
    except (ImportError, OSError):
        # OSError: a package whose native library (GEOS for shapely) fails to load is as good as absent.
        return None
    return str(getattr(module, "__version__", ""))


def missing_dependencies(
    import_version: Callable[[str], Optional[str]] = _import_version,
) -> list[Missing]:
    """Check shapely >= 2 and requests; return what is absent or too old, empty when everything is usable.

    import_version maps a module name to its version text: "" when unknown, None when the import fails.
    A shapely whose version cannot be read counts as too old, because shapely 1.x lacks the vectorised API.
    """
    missing: list[Missing] = []

    requests_version = import_version("requests")
    if requests_version is None:
        missing.append(Missing("requests", "", None))

    shapely_version = import_version("shapely")
    if shapely_version is None or _version_tuple(shapely_version) < SHAPELY_MIN_VERSION:
        missing.append(Missing("shapely", ">=2", shapely_version))

    return missing


def _quoted(requirements: Sequence[str]) -> str:
    return " ".join(f'"{requirement}"' for requirement in requirements)


def install_hint(platform: str = sys.platform, requirements: Sequence[str] = ("shapely>=2",)) -> str:
    """Return a translated sentence with the command that installs the requirements on a platform.

    platform is a sys.platform value ("win32", "darwin", "linux"); any other value gets the Linux hint.
    """
    packages = _quoted(requirements)
    if platform.startswith("win"):
        return QCoreApplication.translate(
            "Dependencies",
            "Close QGIS, open the OSGeo4W Shell from the Start menu and run: "
            "python -m pip install {packages}",
        ).format(packages=packages)
    if platform == "darwin":
        # NOTE: the path is that of the official QGIS macOS bundle. A Homebrew or MacPorts QGIS has its own
        # python3.
        return QCoreApplication.translate(
            "Dependencies",
            "Close QGIS, open Terminal and run: "
            "/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install --user {packages}",
        ).format(packages=packages)
    # Debian 12 and later refuse "pip install --user" outside a venv (PEP 668) without
    # --break-system-packages, and Debian 12's own python3-shapely is 1.8, too old.
    return QCoreApplication.translate(
        "Dependencies",
        "Install your distribution's python3-shapely package if it is version 2 or later, "
        "or run: python3 -m pip install --user --break-system-packages {packages}",
    ).format(packages=packages)


def describe_missing(missing: Sequence[Missing]) -> str:
    """Return a translated sentence naming each missing package and the version found."""
    parts = []
    for item in missing:
        if item.found is None:
            parts.append(
                QCoreApplication.translate("Dependencies", "{name} {required} is not installed").format(
                    name=item.name, required=item.required
                )
            )
        else:
            parts.append(
                QCoreApplication.translate(
                    "Dependencies", "{name} {required} is needed, {found} is installed"
                ).format(name=item.name, required=item.required, found=item.found or "?")
            )
    return "; ".join(parts)
