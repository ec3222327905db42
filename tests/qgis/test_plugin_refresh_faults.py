"""Auto-refresh under network faults, through the plugin as QGIS runs it.

A scripted server on 127.0.0.1 returns 401 for an expired token, or accepts the connection and never
responds. The plugin must show one "sign in again" message and pause auto-refresh, and keep at most one
refresh in flight, skipping timer ticks instead of queueing them.
"""

from __future__ import annotations

import html
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qgis.core import Qgis
from qgis.PyQt.QtCore import QCoreApplication

from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import Settings


class _ScriptedServer:
    """A loopback HTTP server whose every GET gets the same scripted behaviour; counts the requests."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                owner.requests += 1
                if owner.behaviour == "hang":
                    # Accept and send no response until the test ends.
                    owner.release.wait(30)
                    return
                body = b'{"type": "about:blank", "title": "Unauthorized", "status": 401}'
                self.send_response(401)
                self.send_header("Content-Type", "application/problem+json")
                self.send_header("WWW-Authenticate", "Bearer")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted_server(request):
    server = _ScriptedServer(request.param)
    yield server
    server.stop()


@pytest.fixture
def plugin(qgis_iface, qgis_new_project, scripted_server, tmp_path):
    settings = Settings()
    saved = (settings.service_url, settings.authcfg_id, settings.refresh_interval_s, settings.cases_gpkg_path)
    settings.service_url = scripted_server.url
    settings.authcfg_id = "unused"
    settings.refresh_interval_s = 1

    def client_factory(base_url, authcfg_id, settings=None):
        # The token is never read from the authentication database here: the scripted server ignores it.
        return SosClient(
            ClientConfig(base_url=base_url, token="expired-token", read_timeout_s=20, max_retries=0)
        )

    plugin = SosPlugin(qgis_iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    plugin.initGui()
    qgis_iface.messageBar().clear_messages()
    yield plugin
    plugin.unload()
    # QgsSettings outlive the test: put back what other tests may read.
    settings.service_url, settings.authcfg_id, settings.refresh_interval_s, settings.cases_gpkg_path = saved


def _process_events_for(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def _messages(iface, level) -> list[str]:
    return [html.unescape(text) for text in iface.messageBar().get_messages(level)]


@pytest.mark.parametrize("scripted_server", ["401"], indirect=True)
def test_expired_token_pauses_refresh(plugin, qgis_iface, scripted_server):
    plugin.start_auto_refresh()
    plugin.fetch_now(automatic=True)
    _process_events_for(4.0)

    warnings = _messages(qgis_iface, Qgis.MessageLevel.Warning) + _messages(
        qgis_iface, Qgis.MessageLevel.Critical
    )
    sign_in = [text for text in warnings if "sign in again" in text.lower()]
    assert len(sign_in) == 1
    assert not plugin.timer.isActive()
    requests_after_pause = scripted_server.requests
    _process_events_for(2.5)
    assert scripted_server.requests == requests_after_pause


@pytest.mark.parametrize("scripted_server", ["hang"], indirect=True)
def test_hung_server_one_refresh_in_flight(plugin, scripted_server):
    plugin.start_auto_refresh()
    plugin.fetch_now(automatic=True)

    # The refresh interval is 1 s: several ticks pass while the first fetch hangs.
    _process_events_for(4.0)

    assert plugin.fetch_running()
    assert scripted_server.requests == 1
    # Once the server lets go, the fetch ends and the next tick may start another.
    scripted_server.release.set()
    _process_events_for(3.0)
    assert scripted_server.requests >= 2
