"""The app as deployed (deploy/README.md): Streamlit with the production config
(deploy/streamlit.toml) makes no request off this machine, and behind nginx with the shipped
site file (deploy/nginx-monev.conf) it runs over TLS with a Secure session cookie, its
WebSocket passes, other host names and foreign WebSocket origins get nothing, and the server
metrics are refused. The nginx tests need Debian's nginx (`apt-get install nginx-light`,
which .ci/run installs) and openssl; outside CI they are skipped without them."""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.app.dbs import build_masterplan
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Server,
    _serving,
    sign_in,
    wait_listening,
)

HOST = "monev.test"   # the public name in the tests (RFC 2606: never a real host)
STREAMLIT_TOML = ROOT / "deploy" / "streamlit.toml"
NGINX_SITE = ROOT / "deploy" / "nginx-monev.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WS_KEY = base64.b64encode(b"monev-uji-16byte").decode()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on loopback with deploy/streamlit.toml as its account's config (HOST as the
    public name), on the small test masterplan."""
    base = tmp_path_factory.mktemp("deploy")
    config = STREAMLIT_TOML.read_text(encoding="utf-8")
    assert '"monev.example.go.id"' in config
    home = base / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "config.toml").write_text(
        config.replace('"monev.example.go.id"', f'"{HOST}"'), encoding="utf-8")
    path = build_masterplan(base / "db" / "monev.duckdb")
    with _serving(path, None, base, "deploy", env={"HOME": str(home)}) as running:
        yield running


def _hosts(requests: list[str]) -> set[str]:
    return {urlsplit(url).hostname or "" for url in requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")}


def _watch(tab) -> list[str]:
    """Every URL the tab requests from now on, WebSockets included."""
    seen: list[str] = []
    tab.on("request", lambda request: seen.append(request.url))
    tab.on("websocket", lambda ws: seen.append(ws.url))
    return seen


def test_the_app_requests_nothing_from_another_host(production: Server, page) -> None:
    """The sign-in page, the sign-in and the first page after it: every request goes to the
    server itself (no favicon, font or script from a public host), and the favicon is the
    app's own SVG, inline."""
    seen = _watch(page)
    page.goto(production.url)            # signs in (the page fixture) and lands on Ringkasan
    page.wait_for_load_state("networkidle")
    assert seen and _hosts(seen) == {"127.0.0.1"}, sorted(set(seen))
    icon = page.eval_on_selector("link[rel='shortcut icon']", "link => link.href")
    assert icon.startswith("data:image/svg+xml;base64,")


# ---------------------------------------------------------------- behind nginx


@dataclass(frozen=True)
class Front:
    """nginx in front of the production app: its ports and the app's."""

    https: int
    http: int
    app: int
    log: Path


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def _site(app_port: int, https: int, http: int, cert: Path, key: Path) -> str:
    """deploy/nginx-monev.conf as shipped, with the test's name, ports and certificate."""
    site = NGINX_SITE.read_text(encoding="utf-8")
    for old, new in (('"https://monev.example.go.id"', f'"https://{HOST}:{https}"'),
                     ("monev.example.go.id", HOST),
                     ("listen 80 default_server;", f"listen 127.0.0.1:{http} default_server;"),
                     ("listen 80;", f"listen 127.0.0.1:{http};"),
                     ("listen 443 ssl default_server;",
                      f"listen 127.0.0.1:{https} ssl default_server;"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
                     ("server 127.0.0.1:8501;", f"server 127.0.0.1:{app_port};"),
                     ("/etc/ssl/certs/monev.crt", str(cert)),
                     ("/etc/ssl/private/monev.key", str(key))):
        assert old in site, old
        site = site.replace(old, new)
    # IPv6 listeners: the same server blocks, not reachable from every test sandbox.
    return re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.M)


@pytest.fixture(scope="module")
def front(production: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    """Debian's nginx with the shipped site file, a self-signed certificate for HOST."""
    if not (Path(NGINX).exists() and shutil.which("openssl")):
        if os.environ.get("CI"):
            pytest.fail("nginx atau openssl tidak ada (.ci/run memasangnya)")
        pytest.skip("nginx tidak ada (apt-get install nginx-light)")
    base = tmp_path_factory.mktemp("nginx")
    cert, key = base / "monev.crt", base / "monev.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    app_port = int(urlsplit(production.url).port or 0)
    log = base / "error.log"
    for _ in range(3):   # a port taken between picking and binding: pick again
        https, http = _free_ports(2)
        (base / "monev.conf").write_text(_site(app_port, https, http, cert, key))
        (base / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {base}/nginx.pid;\nerror_log {log};\n"
            "events { worker_connections 64; }\n"
            f"http {{\n  access_log {base}/access.log;\n"
            + "".join(f"  {kind}_temp_path {base}/{kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {base}/monev.conf;\n}}\n")
        proc = subprocess.Popen([NGINX, "-p", str(base), "-c", str(base / "nginx.conf"),
                                 "-e", str(log), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_listening(https, proc, "nginx", log)
            break
        except RuntimeError:
            if "Address already in use" not in log.read_text(errors="replace"):
                raise
    else:
        raise RuntimeError(f"nginx: no free ports in 3 tries:\n{log.read_text()}")
    try:
        yield Front(https, http, app_port, log)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _exchange(port: int, request: str, sni: str | None = HOST) -> str:
    """Send a raw HTTP request (over TLS with this SNI unless ``sni`` is None) and return
    the response head; '' when the server closes the connection without answering."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE   # the test's self-signed certificate
    conn = context.wrap_socket(raw, server_hostname=sni) if sni else raw
    with conn:
        conn.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(4096)
            except (ConnectionResetError, ssl.SSLEOFError):
                break
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n")[0].decode("latin-1")


def _get(port: int, path: str, host: str, sni: str | None = HOST, **headers: str) -> str:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return _exchange(port, "\r\n".join(lines) + "\r\n\r\n", sni)


def _websocket(port: int, host: str, origin: str, sni: str | None = HOST) -> str:
    return _get(port, "/_stcore/stream", host, sni, Upgrade="websocket",
                Connection="Upgrade", Sec_WebSocket_Key=WS_KEY, Sec_WebSocket_Version="13",
                Sec_WebSocket_Protocol="streamlit", Origin=origin)


def _status(head: str) -> int | None:
    found = re.match(r"HTTP/1\.1 (\d{3})", head)
    return int(found[1]) if found else None


def test_nginx_refuses_metrics_other_names_and_foreign_websocket_origins(front: Front) -> None:
    public = f"{HOST}:{front.https}"
    assert _status(_get(front.https, "/_stcore/health", public)) == 200
    # The metrics: served by the app itself, refused by nginx.
    assert _status(_get(front.app, "/_stcore/metrics", "127.0.0.1", sni=None)) == 200
    assert _status(_get(front.https, "/_stcore/metrics", public)) == 404
    # DNS rebinding: the right certificate name with another Host header, or another name.
    assert _get(front.https, "/", f"rebind.example:{front.https}") == ""
    with pytest.raises(ssl.SSLError):
        _get(front.https, "/", f"rebind.example:{front.https}", sni="rebind.example")
    assert _get(front.http, "/", "rebind.example", sni=None) == ""
    # Plain HTTP under the app's name goes to HTTPS.
    plain = _get(front.http, "/", HOST, sni=None)
    assert _status(plain) == 301 and f"Location: https://{HOST}/" in plain
    # The WebSocket: passed for the app's own pages, refused for another origin.
    assert _status(_websocket(front.https, public, f"https://{public}")) == 101
    assert _status(_websocket(front.https, public, "https://evil.example")) == 403


def test_the_app_itself_opens_its_websocket_only_under_the_allowed_names(front: Front) -> None:
    """server.allowedHosts of deploy/streamlit.toml, without nginx in between."""
    app = front.app
    ok = _websocket(app, f"127.0.0.1:{app}", f"http://127.0.0.1:{app}", sni=None)
    assert _status(ok) == 101
    rebound = _websocket(app, f"rebind.example:{app}", f"http://rebind.example:{app}", sni=None)
    assert _status(rebound) != 101


def test_behind_nginx_the_app_works_over_tls_with_a_secure_cookie(front: Front,
                                                                  browser) -> None:
    """A person's browser: the sign-in runs over the WebSocket through nginx, the session
    cookie is Secure, and nothing is requested from anywhere but the app's name."""
    # A second chromium of the same Playwright, which resolves HOST to this machine.
    resolving = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
    try:
        context = resolving.new_context(ignore_https_errors=True, locale="id-ID")
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        seen = _watch(tab)
        tab.goto(f"https://{HOST}:{front.https}/")
        sign_in(tab)
        tab.wait_for_load_state("networkidle")
        cookies = {c["name"]: c for c in context.cookies()}
    finally:
        resolving.close()
    assert "monev_sesi" in cookies, sorted(cookies)
    assert cookies["monev_sesi"]["secure"] is True
    assert cookies["monev_sesi"]["sameSite"] == "Strict"
    assert _hosts(seen) == {HOST}, sorted(set(seen))
