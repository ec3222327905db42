"""Build the core SOS client with the token from the authentication database and the QGIS network settings.

The proxy comes from QgsNetworkAccessManager (Settings > Options > Network), the extra CA bundle from the
plugin settings or the REQUESTS_CA_BUNDLE environment variable. TLS certificates are verified in every case.
"""

from __future__ import annotations

import os
from typing import Optional
from urllib.parse import quote, urlsplit

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtNetwork import QNetworkProxy

from .auth import read_token
from .core.api_client import ClientConfig, SosClient
from .core.errors import SosError
from .settings import Settings

_PROXY_SCHEMES = {
    QNetworkProxy.ProxyType.HttpProxy: "http",
    QNetworkProxy.ProxyType.HttpCachingProxy: "http",
    # requests needs PySocks ("requests[socks]") for SOCKS, else the first request fails with an error.
    QNetworkProxy.ProxyType.Socks5Proxy: "socks5h",
}


def _is_excluded(url: str, prefixes: list) -> bool:
    # QGIS matches its exclude and no-proxy lists as plain prefixes of the request URL.
    return any(prefix.strip() and url.startswith(prefix.strip()) for prefix in prefixes)


def proxies_for(url: str, manager: Optional[QgsNetworkAccessManager] = None) -> Optional[dict[str, str]]:
    """Map the QGIS proxy settings to a requests proxies dict for url.

    Returns None when QGIS uses no proxy of its own (requests then follows the system environment), a dict
    that bypasses every proxy when url matches the QGIS exclude or no-proxy list, else the proxy for http and
    https with its user and password.
    """
    manager = manager or QgsNetworkAccessManager.instance()
    excluded = list(manager.excludeList()) + list(manager.noProxyList())
    if _is_excluded(url, excluded):
        # requests reads "no_proxy" from the proxies dict, so this also stops HTTP_PROXY from the environment.
        return {"no_proxy": urlsplit(url).hostname or "*"}

    proxy = manager.fallbackProxy()
    scheme = _PROXY_SCHEMES.get(proxy.type())
    if scheme is None or not proxy.hostName():
        # NoProxy, DefaultProxy (the system proxy, which requests reads from the environment) and FTP proxies.
        return None

    credentials = ""
    if proxy.user():
        credentials = quote(proxy.user(), safe="")
        if proxy.password():
            credentials += ":" + quote(proxy.password(), safe="")
        credentials += "@"
    port = f":{proxy.port()}" if proxy.port() > 0 else ""
    proxy_url = f"{scheme}://{credentials}{proxy.hostName()}{port}"
    return {"http": proxy_url, "https": proxy_url}


def ca_bundle_path(settings: Settings) -> Optional[str]:
    """Return the extra CA bundle file: the plugin setting, else REQUESTS_CA_BUNDLE, else None (certifi).

    Raises SosError when the configured file does not exist, rather than silently trusting the default bundle.
    """
    path = settings.ca_bundle_path or os.environ.get("REQUESTS_CA_BUNDLE", "")
    if not path:
        return None
    if not os.path.isfile(path):
        raise SosError(
            QCoreApplication.translate(
                "Network", "The CA certificate file {path} does not exist. Fix the path in the SOS settings."
            ).format(path=path),
            f"CA bundle {path!r} is not a file",
        )
    return path


def client_config(base_url: str, token: str, settings: Optional[Settings] = None) -> ClientConfig:
    """Build the client configuration for base_url with an explicit token and the QGIS network settings.

    Raises SosError when the URL is not an http or https URL or the CA bundle file is missing.
    """
    settings = settings or Settings()
    base_url = base_url.strip()
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SosError(
            QCoreApplication.translate(
                "Network",
                "The service URL {url} is not valid. Enter a URL that starts with https:// or http://.",
            ).format(url=base_url),
            f"invalid service URL {base_url!r}",
        )
    return ClientConfig(
        base_url=base_url,
        token=token,
        connect_timeout_s=settings.connect_timeout_s,
        read_timeout_s=settings.read_timeout_s,
        total_timeout_s=settings.total_timeout_s,
        proxies=proxies_for(base_url),
        ca_bundle=ca_bundle_path(settings),
    )


def build_client(base_url: str, authcfg_id: str, settings: Optional[Settings] = None) -> SosClient:
    """Build a client for base_url with the token stored in authcfg_id; call on the main thread.

    Raises SosError when the token cannot be read (see auth.read_token) or the configuration is invalid.
    """
    if not base_url.strip():
        raise SosError(
            QCoreApplication.translate(
                "Network",
                "No SOS service is configured. Use SOS > Connect… to enter the service URL and token.",
            ),
            "empty service URL",
        )
    token = read_token(authcfg_id)
    return SosClient(client_config(base_url, token, settings))


def build_client_for_token(base_url: str, token: str, settings: Optional[Settings] = None) -> SosClient:
    """Build a client for base_url with a token the user typed, e.g. to test a connection before saving."""
    return SosClient(client_config(base_url, token.strip(), settings))
