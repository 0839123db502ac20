"""The production configuration (deploy/) and `make run`: the app listens on loopback only,
names the host names it answers to, and nginx in front terminates TLS, passes the WebSocket,
checks the host name and refuses the server metrics. The served behaviour is checked in
tests/browser/test_deployment.py; these checks read the files as Streamlit, nginx and make do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAMLIT_TOML = ROOT / "deploy" / "streamlit.toml"
NGINX_SITE = ROOT / "deploy" / "nginx-monev.conf"


def _production() -> dict:
    return tomllib.loads(STREAMLIT_TOML.read_text(encoding="utf-8"))


def test_production_config_binds_loopback_and_allows_only_named_hosts() -> None:
    server = _production()["server"]
    assert server["address"] == "127.0.0.1"
    hosts = server["allowedHosts"]
    assert hosts and "*" not in hosts, "an empty list or '*' accepts any Host header"
    assert server["enableCORS"] is True and server["enableXsrfProtection"] is True
    assert server.get("enableAgentApi") is False


def test_every_option_of_the_production_config_is_a_streamlit_option() -> None:
    from streamlit import config

    known = config.get_config_options()
    named = [f"{section}.{key}" for section, values in _production().items() for key in values]
    assert named and [n for n in named if n not in known] == []


def test_streamlit_reads_it_as_the_service_accounts_config_beside_the_repositorys(
        tmp_path: Path) -> None:
    """Installed as ~/.streamlit/config.toml (deploy/README.md), it is merged with the
    repository's .streamlit/config.toml: both sets of values are in force."""
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    shutil.copy(STREAMLIT_TOML, home / ".streamlit" / "config.toml")
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT,
                           env={**os.environ, "HOME": str(home)}, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert re.search(r'^address = "127\.0\.0\.1"$', text, re.M)
    hosts = re.search(r"^allowedHosts = \[\n((?:    .*\n)+)\]", text, re.M)
    assert hosts and '"monev.example.go.id"' in hosts.group(1)
    assert re.search(r"^baseFontSize = 18$", text, re.M)      # the repository's theme
    assert re.search(r"^maxUploadSize = 50$", text, re.M)     # and its upload limit


def test_nginx_site_refuses_metrics_checks_the_host_and_passes_the_websocket() -> None:
    site = NGINX_SITE.read_text(encoding="utf-8")
    metrics = re.search(r"location = /_stcore/metrics \{\s*return 404;\s*\}", site)
    assert metrics, "the metrics endpoint must be refused"
    stream = re.search(r"location = /_stcore/stream \{(.*?)\n    \}", site, re.S)
    assert stream and "proxy_set_header Upgrade $http_upgrade;" in stream.group(1)
    assert "proxy_set_header Connection $monev_connection;" in stream.group(1)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in stream.group(1)
    # Every name the app answers to is in allowedHosts; any other name gets no answer.
    names = set(re.findall(r"^\s*server_name ([^;]+);", site, re.M)) - {"_"}
    assert names and names <= set(_production()["server"]["allowedHosts"])
    assert "ssl_reject_handshake on;" in site and "return 444;" in site
    assert "server 127.0.0.1:8501;" in site


@pytest.mark.skipif(shutil.which("make") is None, reason="make tidak ada")
def test_make_run_listens_on_loopback_unless_told_otherwise() -> None:
    def command(*extra: str) -> str:
        done = subprocess.run(["make", "-n", "run", *extra], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.replace("\\\n", " ")

    assert re.search(r"streamlit run app\.py .*--server\.address 127\.0\.0\.1\b", command())
    assert "--server.address 0.0.0.0" in command("ADDRESS=0.0.0.0")
