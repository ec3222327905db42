"""Dependency check and install hints."""

from __future__ import annotations

from sos_qgis_plugin.dependencies import Missing, describe_missing, install_hint, missing_dependencies


def _versions(**found):
    return lambda name: found.get(name)


def test_installed_environment_complete():
    assert missing_dependencies() == []


def test_shapely_absent():
    assert missing_dependencies(_versions(requests="2.32.5")) == [Missing("shapely", ">=2", None)]


def test_shapely_too_old():
    assert missing_dependencies(_versions(requests="2.32.5", shapely="1.8.5")) == [
        Missing("shapely", ">=2", "1.8.5")
    ]


def test_shapely_unknown_version_counts_old():
    assert missing_dependencies(_versions(requests="2.32.5", shapely="")) == [Missing("shapely", ">=2", "")]


def test_shapely_two_accepted():
    assert missing_dependencies(_versions(requests="2.0", shapely="2.0.1")) == []


def test_requests_absent():
    assert missing_dependencies(_versions(shapely="2.1.0")) == [Missing("requests", "", None)]


def test_hint_windows():
    assert "OSGeo4W Shell" in install_hint("win32")
    assert 'python -m pip install "shapely>=2"' in install_hint("win32")


def test_hint_macos():
    assert (
        '/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install --user "shapely>=2"'
        in install_hint("darwin")
    )


def test_hint_linux():
    assert 'python3 -m pip install --user --break-system-packages "shapely>=2"' in install_hint("linux")


def test_hint_lists_requirements():
    assert '"shapely>=2" "requests"' in install_hint("linux", ["shapely>=2", "requests"])


def test_describe_missing_names_version():
    text = describe_missing([Missing("shapely", ">=2", "1.8.5")])
    assert "shapely" in text
    assert "1.8.5" in text
