"""Run Monev Smart City as N replicas behind HAProxy on one machine (`make cluster N=2`).

    python deploy/cluster/cluster.py start [--replicas N] [--port 8500] [--db PATH]
    python deploy/cluster/cluster.py stop

``start`` runs in the foreground until Ctrl-C (or ``stop`` from another shell, which signals
the pid in ``<run>/cluster.pid``): it publishes the database's first snapshot, starts N
Streamlit processes on 127.0.0.1 (ports 8601, 8602, …) with ``MONEV_CLUSTER=1``, each
answering /_stcore/health, and HAProxy on 127.0.0.1:8500 in front of them (sticky by cookie,
WebSocket passed through, one health check per replica; haproxy.cfg.in). A replica that
exits is started again after two seconds. Every process is stopped on exit.

Every replica reads its page data from the newest snapshot (monev/store/snapshots.py) and
writes (uploads, sign-ins, settings) to the one live database file, in turn under DuckDB's
file lock; a write of data publishes the next snapshot before the lock is released.
The functions here are also used by tests/browser/test_cluster.py and bench/cluster.py.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("haproxy.cfg.in")
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
FIRST_PORT = 8601
FRONT_PORT = 8500
# The memory settings of `make run` (Makefile).
SERVE_ENV = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
# HAProxy is the front (no nginx before it): the client address Streamlit's sign-in limits
# count is the one HAProxy saw, never a header the client made up.
OWN_ADDRESS = "    http-request set-header X-Forwarded-For %[src]"
# Behind nginx (production, deploy/README.md): keep the X-Forwarded-For nginx set.
BEHIND_PROXY = "    # Behind nginx: X-Forwarded-For is nginx's ($remote_addr), passed on unchanged."


def haproxy_config(ports: list[int], bind: str, pidfile: Path,
                   behind_proxy: bool = False) -> str:
    """HAProxy's configuration for replicas on ``ports`` (127.0.0.1), listening on ``bind``."""
    servers = "\n".join(f"    server replika{i} 127.0.0.1:{port} check cookie r{i}"
                        for i, port in enumerate(ports, 1))
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in (("PIDFILE", str(pidfile)), ("BIND", bind), ("SERVERS", servers),
                        ("CLIENT_ADDRESS", BEHIND_PROXY if behind_proxy else OWN_ADDRESS)):
        text = text.replace(f"@{name}@", value)
    return text


def replica_env(db_path: Path, cookie_secret: str, replica: int,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of replica number ``replica``: the live database, cluster mode, and
    the cookie secret all replicas share (a browser moved to another replica keeps its
    upload token valid)."""
    return {**os.environ, **SERVE_ENV, "MONEV_DB": str(db_path), "MONEV_CLUSTER": "1",
            "MONEV_REPLICA": str(replica), "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
            "PYTHONUNBUFFERED": "1", **(extra or {})}


def start_replica(replica: int, port: int, db_path: Path, run_dir: Path, cookie_secret: str,
                  extra_env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """Start replica number ``replica`` (Streamlit on 127.0.0.1:``port``), logging to
    ``run_dir/replica-<n>.log``; returns at once (see :func:`wait_healthy`)."""
    log = open(run_dir / f"replica-{replica}.log", "ab")  # noqa: SIM115 - the child keeps it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=replica_env(db_path, cookie_secret, replica, extra_env),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def healthy(port: int) -> bool:
    """Whether the replica on ``port`` answers its health check."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                    timeout=2) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the process on ``port`` answers its health check (RuntimeError if it exits
    or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {proc.returncode}")
        if healthy(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"no answer on port {port} after {timeout:.0f} s")


def start_balancer(config: str, run_dir: Path) -> subprocess.Popen:
    """Check and start HAProxy in the foreground (``-db``) with ``config``."""
    path = run_dir / "haproxy.cfg"
    path.write_text(config, encoding="utf-8")
    check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(path)], capture_output=True,
                           text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refuses {path}: {check.stdout}{check.stderr}")
    log = open(run_dir / "haproxy.log", "ab")  # noqa: SIM115 - the child keeps it
    try:
        return subprocess.Popen([HAPROXY, "-db", "-f", str(path)], stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def publish_first(db_path: Path) -> Path:
    """The snapshot the replicas start from (published from the live database now)."""
    sys.path.insert(0, str(ROOT))
    from monev.store import snapshots
    return snapshots.publish_path(db_path)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run(replicas: int, front_port: int, first_port: int, db_path: Path, run_dir: Path,
        behind_proxy: bool = False) -> int:
    """Start the cluster and keep it running until SIGINT or SIGTERM; returns 0."""
    run_dir.mkdir(parents=True, exist_ok=True)
    pidfile = run_dir / "cluster.pid"
    pidfile.write_text(str(os.getpid()), encoding="ascii")
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    ports = [first_port + i for i in range(replicas)]
    secret = secrets.token_hex(32)
    procs: dict[int, subprocess.Popen] = {}
    balancer: subprocess.Popen | None = None
    try:
        print(f"snapshot pertama: {publish_first(db_path)}", flush=True)
        for i, port in enumerate(ports, 1):
            procs[i] = start_replica(i, port, db_path, run_dir, secret)
        for i, port in enumerate(ports, 1):
            wait_healthy(port, procs[i])
            print(f"replika {i}: http://127.0.0.1:{port} siap", flush=True)
        balancer = start_balancer(haproxy_config(
            ports, f"127.0.0.1:{front_port}", run_dir / "haproxy.pid", behind_proxy), run_dir)
        wait_healthy(front_port, balancer, timeout=20)   # through HAProxy: ready
        print(f"Monev Smart City ({replicas} replika): http://127.0.0.1:{front_port} "
              "(Ctrl-C atau 'make cluster-stop' untuk berhenti)", flush=True)
        while True:
            time.sleep(2)
            if balancer.poll() is not None:
                print("haproxy berhenti; klaster dihentikan", file=sys.stderr)
                return 1
            for i, port in enumerate(ports, 1):
                if procs[i].poll() is not None:
                    print(f"replika {i} berhenti ({procs[i].returncode}); dijalankan lagi",
                          file=sys.stderr, flush=True)
                    procs[i] = start_replica(i, port, db_path, run_dir, secret)
    except _Stop:
        print("klaster dihentikan", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in ([balancer] if balancer else []) + list(procs.values()):
            stop(proc)
        pidfile.unlink(missing_ok=True)


def stop_running(run_dir: Path) -> int:
    """Signal the cluster started with ``run_dir`` to stop and wait for it (``stop``)."""
    pidfile = run_dir / "cluster.pid"
    try:
        pid = int(pidfile.read_text(encoding="ascii"))
    except (OSError, ValueError):
        print("tidak ada klaster yang berjalan", file=sys.stderr)
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
        return 0
    for _ in range(150):
        if not pidfile.exists():
            return 0
        time.sleep(0.2)
    print(f"klaster (pid {pid}) belum berhenti setelah 30 detik", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    p = argparse.ArgumentParser(prog="cluster.py", description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=("start", "stop"))
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--port", type=int, default=FRONT_PORT, help="HAProxy's port (127.0.0.1)")
    p.add_argument("--first-port", type=int, default=FIRST_PORT)
    p.add_argument("--db", type=Path, default=Path(os.environ.get(
        "MONEV_DB", ROOT / "data" / "monev.duckdb")))
    p.add_argument("--run", type=Path, default=ROOT / "data" / "cluster",
                   help="folder of the logs, the pid and haproxy.cfg")
    p.add_argument("--behind-proxy", action="store_true",
                   help="nginx in front: keep its X-Forwarded-For")
    args = p.parse_args(argv)
    if args.command == "stop":
        return stop_running(args.run)
    if args.replicas < 1:
        p.error("--replicas: at least 1")
    return run(args.replicas, args.port, args.first_port, args.db.resolve(), args.run,
               args.behind_proxy)


if __name__ == "__main__":
    sys.exit(main())
