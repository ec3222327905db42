"""Build the plugin folder QGIS loads, zip it for the plugin manager, or copy it into a QGIS profile.

The build copies sos_qgis_plugin/ without caches, puts metadata.txt and LICENSE inside it (QGIS reads
metadata.txt from the plugin folder) and compiles the translations with lrelease.
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN = "sos_qgis_plugin"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache")


def plugin_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def build(build_dir: Path) -> Path:
    """Copy the plugin into build_dir/sos_qgis_plugin with metadata and compiled translations."""
    target = build_dir / PLUGIN
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO / PLUGIN, target, ignore=IGNORED)
    shutil.copy2(REPO / "metadata.txt", target / "metadata.txt")
    shutil.copy2(REPO / "LICENSE", target / "LICENSE")
    lrelease = shutil.which("lrelease")
    for ts_file in sorted((target / "i18n").glob("*.ts")):
        if lrelease is None:
            # The committed .qm files are used as they are.
            print(
                f"lrelease not found: keeping the committed {ts_file.with_suffix('.qm').name}",
                file=sys.stderr,
            )
            continue
        subprocess.run(
            [lrelease, "-silent", str(ts_file), "-qm", str(ts_file.with_suffix(".qm"))], check=True
        )
    return target


def package(build_dir: Path, dist_dir: Path) -> Path:
    """Zip the built plugin folder as the QGIS plugin manager expects: one top-level folder."""
    folder = build(build_dir)
    dist_dir.mkdir(parents=True, exist_ok=True)
    archive = dist_dir / f"{PLUGIN}-{plugin_version()}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(build_dir))
    return archive


def install(build_dir: Path, profile_dir: Path) -> Path:
    """Copy the built plugin into PROFILE/python/plugins, replacing an older copy."""
    folder = build(build_dir)
    plugins_dir = profile_dir / "python" / "plugins"
    plugins_dir.mkdir(parents=True, exist_ok=True)
    target = plugins_dir / PLUGIN
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(folder, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["build", "package", "install"])
    parser.add_argument("--build-dir", type=Path, default=REPO / "build")
    parser.add_argument("--dist-dir", type=Path, default=REPO / "dist")
    parser.add_argument("--profile-dir", type=Path, help="QGIS profile folder that holds python/plugins")
    args = parser.parse_args(argv)

    if args.command == "build":
        print(build(args.build_dir))
    elif args.command == "package":
        print(package(args.build_dir, args.dist_dir))
    else:
        if args.profile_dir is None:
            parser.error("install needs --profile-dir")
        target = install(args.build_dir, args.profile_dir)
        print(f"Installed into {target}; enable it in Plugins > Manage and Install Plugins.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
