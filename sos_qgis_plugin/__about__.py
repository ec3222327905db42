"""Plugin name and version, read from metadata.txt so that they are written only once.

Installed plugins carry metadata.txt inside their folder; in the source tree it sits at the repository root.
"""

from __future__ import annotations

import configparser
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find_metadata() -> Path:
    for candidate in (_PACKAGE_DIR / "metadata.txt", _PACKAGE_DIR.parent / "metadata.txt"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"metadata.txt not found beside {_PACKAGE_DIR} or in its parent folder")


def _read_metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(_find_metadata(), encoding="utf-8")
    return parser["general"]


_METADATA = _read_metadata()

__title__: str = _METADATA["name"]
__version__: str = _METADATA["version"]
__summary__: str = _METADATA["description"]
__tracker__: str = _METADATA["tracker"]
__repository__: str = _METADATA["repository"]
PLUGIN_PACKAGE = _PACKAGE_DIR.name
