"""The SOS service token, kept only in the QGIS authentication database.

QGIS 3.22 has no authentication method that sends an API header, so the token sits in the encrypted config map
of a "Basic" authentication configuration under the key "sos_token", and the plugin reads it back each time it
builds a client. Settings and project files keep only the configuration's id.

Call these functions on the main thread: the authentication manager may ask the user for the master password.
"""

from __future__ import annotations

import logging

from qgis.core import QgsApplication, QgsAuthMethodConfig
from qgis.PyQt.QtCore import QCoreApplication

from .core.errors import SosError

TOKEN_KEY = "sos_token"
AUTH_METHOD = "Basic"
CONFIG_NAME = "SOS service"

LOGGER = logging.getLogger("sos_qgis_plugin")


def _ready_manager():
    """Return the authentication manager once its master password is set; raise SosError when it cannot be."""
    manager = QgsApplication.authManager()
    if manager.isDisabled():
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "The QGIS authentication system is disabled, so the token cannot be stored safely. "
                "Check the authentication settings of QGIS (Settings > Options > Authentication).",
            ),
            "QgsAuthManager.isDisabled() is True: " + manager.disabledMessage(),
        )
    # setMasterPassword(True) asks the user for the password when none is set in this session and
    # returns False when the user cancels or gives a wrong one.
    if not manager.masterPasswordIsSet() and not manager.setMasterPassword(True):
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "The SOS token cannot be stored or read because the QGIS master password is not set. "
                "Enter the master password when QGIS asks for it, then try again.",
            ),
            "QgsAuthManager.setMasterPassword(True) returned False",
        )
    return manager


def store_token(token: str, authcfg_id: str = "") -> str:
    """Store the token in the QGIS authentication database and return the authentication configuration id.

    Updates the configuration authcfg_id when it exists, else creates a new one named "SOS service".
    Leading and trailing white space of the token is dropped. Raises SosError when the token is empty, the
    master password is not set or the database rejects the write.
    """
    token = token.strip()
    if not token:
        raise SosError(
            QCoreApplication.translate(
                "Auth", "The token is empty. Paste the token that the SOS service gave you."
            ),
            "empty token",
        )
    manager = _ready_manager()

    config = QgsAuthMethodConfig()
    exists = bool(authcfg_id) and authcfg_id in manager.configIds()
    if exists:
        loaded, config = manager.loadAuthenticationConfig(authcfg_id, config, True)
        exists = loaded and config.method() == AUTH_METHOD
    if not exists:
        config = QgsAuthMethodConfig(AUTH_METHOD)
        config.setName(CONFIG_NAME)
    config.setConfig(TOKEN_KEY, token)

    if exists:
        ok = manager.updateAuthenticationConfig(config)
    else:
        ok, config = manager.storeAuthenticationConfig(config)
    if not ok or not config.id():
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "The token could not be saved in the QGIS authentication database. "
                "See the SOS log for details.",
            ),
            "QgsAuthManager refused to {} authentication configuration {!r}".format(
                "update" if exists else "store", authcfg_id
            ),
        )
    LOGGER.info("Token stored in authentication configuration %s", config.id())
    return config.id()


def read_token(authcfg_id: str) -> str:
    """Return the token stored in the authentication configuration authcfg_id.

    Raises SosError when no id is given, or the configuration does not exist, cannot be decrypted or holds
    no token.
    """
    if not authcfg_id:
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "No token is stored for the SOS service. "
                "Use SOS > Connect… to enter the service URL and token.",
            ),
            "no authcfg id in the settings",
        )
    manager = _ready_manager()
    if authcfg_id not in manager.configIds():
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "The stored token was not found in the QGIS authentication database. "
                "Use SOS > Connect… to enter the token again.",
            ),
            f"authentication configuration {authcfg_id!r} does not exist",
        )
    loaded, config = manager.loadAuthenticationConfig(authcfg_id, QgsAuthMethodConfig(), True)
    token = config.config(TOKEN_KEY, "").strip() if loaded else ""
    if not token:
        raise SosError(
            QCoreApplication.translate(
                "Auth",
                "The stored token could not be read from the QGIS authentication database. "
                "Use SOS > Connect… to enter the token again.",
            ),
            f"authentication configuration {authcfg_id!r} has no {TOKEN_KEY!r} entry or failed to decrypt",
        )
    return token


def remove_token(authcfg_id: str) -> None:
    """Delete the authentication configuration authcfg_id; does nothing when it is empty or does not exist."""
    if not authcfg_id:
        return
    manager = QgsApplication.authManager()
    if authcfg_id not in manager.configIds():
        return
    if not manager.removeAuthenticationConfig(authcfg_id):
        raise SosError(
            QCoreApplication.translate(
                "Auth", "The stored token could not be removed from the QGIS authentication database."
            ),
            f"QgsAuthManager refused to remove authentication configuration {authcfg_id!r}",
        )
    LOGGER.info("Token removed with authentication configuration %s", authcfg_id)
