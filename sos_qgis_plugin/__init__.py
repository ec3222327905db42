"""SOS Rescue Map: live SOS cases, hazard overlay and status write-back for QGIS."""


def classFactory(iface):  # noqa: N802 - name fixed by the QGIS plugin API
    """Return the plugin instance that QGIS loads."""
    from .plugin import SosPlugin

    return SosPlugin(iface)
