"""Two replicas behind HAProxy (deploy/cluster/): an upload through replica A shows on replica B
within 10 s in B's open session; with B killed, A's sessions go on and a browser whose cookie
names B is served by A; B started again shows what changed while it was down (a withdrawal
made with the CLI, published as a snapshot). Needs Debian's haproxy (.ci/run installs it);
outside CI the test is skipped without it."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monev.store import db, snapshots
from tests.app.dbs import build_masterplan
from tests.browser.conftest import (
    CHROMIUM_ARGS,  # noqa: F401 - the browser fixture's arguments, imported for the record
    ROOT,
    VIEWPORT,
    Workbooks,
    _ensure_account,
    _workbooks,
    sign_in,
    wait_listening,
    worker_suffix,
)
from tests.browser.test_pages_in_browser import settle, upload

_spec = importlib.util.spec_from_file_location("monev_cluster",
                                               ROOT / "deploy" / "cluster" / "cluster.py")
cluster_py = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cluster_py)

RIWAYAT = "Riwayat Unggah"
PICKED = "Pilih muatan untuk melihat rincian"
DEADLINE_S = 10.0


@dataclass
class Cluster:
    """Two replicas and HAProxy, with what the test needs to stop and restart them."""

    url: str
    db_path: Path
    books: Workbooks
    run_dir: Path
    secret: str
    ports: list[int]
    procs: dict[int, subprocess.Popen] = field(default_factory=dict)

    def restart(self, replica: int) -> None:
        """Start replica number ``replica`` again on its port and wait for its health."""
        port = self.ports[replica - 1]
        self.procs[replica] = cluster_py.start_replica(replica, port, self.db_path,
                                                       self.run_dir, self.secret)
        cluster_py.wait_healthy(port, self.procs[replica])


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The small test masterplan served by two replicas in cluster mode behind HAProxy."""
    if not Path(cluster_py.HAPROXY).exists():
        if os.environ.get("CI"):
            pytest.fail("haproxy tidak ada (.ci/run memasangnya)")
        pytest.skip("haproxy tidak ada (apt-get install haproxy)")
    base = tmp_path_factory.mktemp("cluster")
    path = build_masterplan(base / "data" / "monev.duckdb")
    _ensure_account(path)
    books = _workbooks(path, 2025, 1)
    run_dir = base / "run"
    run_dir.mkdir()
    first = snapshots.publish_path(path)
    assert snapshots.current(path) == first
    front, *ports = _free_ports(3)
    found = Cluster(f"http://127.0.0.1:{front}", path, books, run_dir, secrets.token_hex(32),
                    ports)
    balancer = None
    try:
        for i, port in enumerate(ports, 1):
            found.procs[i] = cluster_py.start_replica(i, port, path, run_dir, found.secret)
        for i, port in enumerate(ports, 1):
            cluster_py.wait_healthy(port, found.procs[i], timeout=90)
        balancer = cluster_py.start_balancer(cluster_py.haproxy_config(
            ports, f"127.0.0.1:{front}", run_dir / "haproxy.pid"), run_dir)
        wait_listening(front, balancer, "haproxy")
        yield found
    finally:
        for proc in ([balancer] if balancer else []) + list(found.procs.values()):
            cluster_py.stop(proc)
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        for log in run_dir.glob("*.log"):
            shutil.copy(log, artifacts / f"cluster-{log.stem}{worker_suffix()}.log")


def _tab(browser, cluster: Cluster, replica: int | None):
    """A new browser (context) whose balancer cookie names ``replica`` (None: no cookie),
    and its tab; the replica that answers each page load is recorded in ``tab.replicas``."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    if replica is not None:
        context.add_cookies([{"name": "monev_replika", "value": f"r{replica}",
                              "url": cluster.url}])
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.replicas = []
    tab.on("response", lambda r: tab.replicas.append(r.headers.get("x-monev-replika"))
           if r.request.resource_type == "document" else None)
    return context, tab


def _open(tab, cluster: Cluster) -> None:
    """Load the app (a new Streamlit session), sign in and wait for the first page."""
    tab.goto(cluster.url)
    sign_in(tab)
    settle(tab)
    tab.evaluate("() => { window.__monevSameTab = true; }")  # gone if the tab reloads


def _nav(tab, title: str) -> None:
    """Open a page from the sidebar: a rerun of the same Streamlit session, no reload."""
    tab.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    tab.wait_for_selector(f"h1:has-text('{title}')", timeout=30_000)
    settle(tab)


def _picked(tab) -> str:
    return tab.get_by_role("combobox", name=PICKED).input_value()


def _until(tab, wanted: str, deadline: float) -> str:
    """Switch the same session between two pages until Riwayat Unggah's newest load ends with
    ``wanted`` or the deadline (time.monotonic()) passes; returns the last value seen."""
    seen = ""
    while True:
        _nav(tab, RIWAYAT)
        seen = _picked(tab)
        if seen.endswith(wanted) or time.monotonic() > deadline:
            return seen
        _nav(tab, "Ringkasan")


def _back_in_rotation(cluster: Cluster, replica: int, deadline: float) -> bool:
    """Wait until HAProxy's health check has taken ``replica`` back: a request whose cookie
    names it is answered by it (False when the deadline, time.monotonic(), passes)."""
    request = urllib.request.Request(f"{cluster.url}/_stcore/health",
                                     headers={"Cookie": f"monev_replika=r{replica}"})
    while True:
        with urllib.request.urlopen(request, timeout=5) as answer:
            if answer.headers.get("X-Monev-Replika") == f"replika{replica}":
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)  # HAProxy checks every second: no event to wait on


def _load_id(path: Path, file_name: str) -> int:
    with db.opened(path, read_only=True, retries=50) as con:
        return int(con.execute("SELECT max(load_id) FROM load WHERE file_name = ?",
                               [file_name]).fetchone()[0])


def test_upload_on_a_shows_on_b_and_b_survives_a_restart(cluster: Cluster, browser) -> None:
    books = cluster.books
    ctx_a, tab_a = _tab(browser, cluster, 1)
    ctx_b, tab_b = _tab(browser, cluster, 2)
    try:
        _open(tab_a, cluster)
        _open(tab_b, cluster)
        assert set(tab_a.replicas) == {"replika1"}, tab_a.replicas
        assert set(tab_b.replicas) == {"replika2"}, tab_b.replicas
        _nav(tab_b, RIWAYAT)
        before = _picked(tab_b)
        assert "laporan_baik.xlsx" not in before, before

        # 1. The upload, through replica A.
        _nav(tab_a, "Unggah Data")
        upload(tab_a, "laporan_baik.xlsx", books.good)
        tab_a.wait_for_selector("text=/1 file siap dimuat, 0 ditolak/", timeout=60_000)
        settle(tab_a)
        tab_a.get_by_role("button", name="Muat ke database").click()
        tab_a.wait_for_selector(f"text=/Berhasil memuat laporan OPD {books.opd}/",
                                timeout=60_000)
        loaded_at = time.monotonic()

        # 2. Replica B's open session shows it within 10 s, on a rerun, without a reload.
        seen = _until(tab_b, "laporan_baik.xlsx (Aktif)", loaded_at + DEADLINE_S)
        assert seen.endswith("laporan_baik.xlsx (Aktif)"), seen
        assert time.monotonic() - loaded_at <= DEADLINE_S + 5  # the last poll's own time
        assert tab_b.evaluate("() => window.__monevSameTab === true")
        assert set(tab_b.replicas) == {"replika2"}, tab_b.replicas

        # 3. Replica B dies: A's session goes on; a browser whose cookie names B is served.
        cluster.procs[2].send_signal(signal.SIGKILL)
        cluster.procs[2].wait(timeout=15)
        _nav(tab_a, RIWAYAT)
        assert _picked(tab_a).endswith("laporan_baik.xlsx (Aktif)")
        assert tab_a.evaluate("() => window.__monevSameTab === true")
        ctx_c, tab_c = _tab(browser, cluster, 2)
        try:
            _open(tab_c, cluster)
            assert set(tab_c.replicas) == {"replika1"}, tab_c.replicas
            _nav(tab_c, RIWAYAT)
            assert _picked(tab_c).endswith("laporan_baik.xlsx (Aktif)")
        finally:
            ctx_c.close()

        # 4. While B is down, the CLI withdraws the load (and publishes a snapshot).
        load_id = _load_id(cluster.db_path, "laporan_baik.xlsx")
        done = subprocess.run(
            [sys.executable, "-m", "etl", "withdraw", str(load_id), "--db",
             str(cluster.db_path), "--user", "admin.demo"], cwd=ROOT, capture_output=True,
            text=True, timeout=120, env={**os.environ, "MONEV_CLUSTER": ""})
        assert done.returncode == 0, done.stdout + done.stderr

        # 5. B started again: a browser sent to it sees the withdrawal.
        cluster.restart(2)
        assert _back_in_rotation(cluster, 2, time.monotonic() + DEADLINE_S)
        ctx_d, tab_d = _tab(browser, cluster, 2)
        try:
            _open(tab_d, cluster)
            assert set(tab_d.replicas) == {"replika2"}, tab_d.replicas
            _nav(tab_d, RIWAYAT)
            assert _picked(tab_d).endswith("laporan_baik.xlsx (Ditarik)"), _picked(tab_d)
        finally:
            ctx_d.close()
        # A's session, still open, shows the withdrawal too.
        seen = _until(tab_a, "laporan_baik.xlsx (Ditarik)", time.monotonic() + DEADLINE_S)
        assert seen.endswith("laporan_baik.xlsx (Ditarik)"), seen
        assert tab_a.evaluate("() => window.__monevSameTab === true")
    finally:
        ctx_a.close()
        ctx_b.close()


def test_cluster_starts_and_stops_cleanly(tmp_path: Path) -> None:
    """`make cluster`'s command: it publishes the first snapshot, serves through HAProxy and,
    on `cluster.py stop` (what `make cluster-stop` runs), stops every process it started."""
    if not Path(cluster_py.HAPROXY).exists():
        pytest.skip("haproxy tidak ada (apt-get install haproxy)")
    path = build_masterplan(tmp_path / "data" / "monev.duckdb")
    front, first = _free_ports(2)
    run_dir = tmp_path / "run"
    script = ROOT / "deploy" / "cluster" / "cluster.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), "start", "--replicas", "1", "--port", str(front),
         "--first-port", str(first), "--db", str(path), "--run", str(run_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        said = []
        for line in proc.stdout:                   # its own report of each step, in order
            said.append(line)
            if "Ctrl-C" in line:
                break
        assert any("Ctrl-C" in line for line in said), "".join(said)
        assert snapshots.current(path) is not None
        assert cluster_py.healthy(front)           # through HAProxy
        stopped = subprocess.run([sys.executable, str(script), "stop", "--run", str(run_dir)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert proc.wait(timeout=30) == 0
        assert not cluster_py.healthy(first) and not cluster_py.healthy(front)
        assert not (run_dir / "cluster.pid").exists()
    finally:
        if proc.poll() is None:     # it stops what it started on SIGTERM
            cluster_py.stop(proc, timeout=30)
