"""The cluster's balancer configuration (deploy/cluster/haproxy.cfg.in, as cluster.py fills it
in): HAProxy accepts it, it listens on loopback only, keeps a browser on its replica by
cookie, checks each replica's /_stcore/health, refuses the metrics and takes the client
address from the connection (or from nginx in front); `make cluster` starts and stops it."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("monev_cluster",
                                               ROOT / "deploy" / "cluster" / "cluster.py")
cluster_py = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster_py)


def _config(tmp_path: Path, behind_proxy: bool = False) -> str:
    return cluster_py.haproxy_config([8601, 8602], "127.0.0.1:8500", tmp_path / "h.pid",
                                     behind_proxy)


def test_every_placeholder_is_filled_and_only_loopback_is_bound(tmp_path: Path) -> None:
    text = _config(tmp_path)
    assert "@" not in re.sub(r"#.*", "", text)
    binds = re.findall(r"^\s*bind\s+(\S+)", text, flags=re.M)
    assert binds == ["127.0.0.1:8500"]
    servers = re.findall(r"^\s*server\s+(\S+)\s+(\S+)\s+(.*)$", text, flags=re.M)
    assert [(name, addr) for name, addr, _ in servers] == [
        ("replika1", "127.0.0.1:8601"), ("replika2", "127.0.0.1:8602")]
    for _name, _addr, options in servers:      # one health check and one cookie value each
        assert "check" in options.split() and re.search(r"\bcookie r\d\b", options)
    assert "option httpchk GET /_stcore/health" in text
    assert re.search(r"^\s*cookie monev_replika insert indirect nocache httponly", text,
                     flags=re.M)
    assert "option redispatch" in text and "timeout tunnel" in text
    assert re.search(r"deny deny_status 404 if \{ path /_stcore/metrics \}", text)


def test_the_client_address_is_the_connections_unless_nginx_is_in_front(
        tmp_path: Path) -> None:
    own = _config(tmp_path)
    assert "http-request set-header X-Forwarded-For %[src]" in own
    behind = _config(tmp_path, behind_proxy=True)
    assert "X-Forwarded-For %[src]" not in behind and "option forwardfor" not in behind


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_haproxy_accepts_the_configuration(tmp_path: Path, behind_proxy: bool) -> None:
    if not Path(cluster_py.HAPROXY).exists():
        if os.environ.get("CI"):
            pytest.fail("haproxy tidak ada (.ci/run memasangnya)")
        pytest.skip("haproxy tidak ada (apt-get install haproxy)")
    path = tmp_path / "haproxy.cfg"
    path.write_text(_config(tmp_path, behind_proxy), encoding="utf-8")
    done = subprocess.run([cluster_py.HAPROXY, "-c", "-f", str(path)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_make_cluster_targets_bind_loopback_and_stop(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^cluster: ", makefile, flags=re.M)
    assert re.search(r"^cluster-stop:", makefile, flags=re.M)
    assert "deploy/cluster/cluster.py start --replicas $(N)" in makefile
    # Streamlit's replicas on loopback only.
    assert '"--server.address", "127.0.0.1"' in (ROOT / "deploy" / "cluster" /
                                                 "cluster.py").read_text(encoding="utf-8")
    # Nothing running: `stop` says so and succeeds.
    assert cluster_py.stop_running(tmp_path) == 0
