"""Replicas behind HAProxy (deploy/cluster/) and the single writer, on the national dataset.

* **Views per second with 1 and 2 replicas**: the cluster as ``make cluster`` runs it (cluster
  mode, every replica reading the newest snapshot) with 1 and then 2 replicas, the same
  ``sessions`` protocol-level sessions (bench/load.py) opening every page through HAProxy
  with no pause (a throughput test), and the CPU every replica and HAProxy used. Run side by
  side in one process, so both see the same machine.
* **Loads per second of the single writer**: one quarterly report of one regency loaded as
  ``python -m etl load`` does (``load_paths``: open, check, commit, close), alternately
  without publishing and with the snapshot published after the commit, and the publication
  alone (checkpoint, copy, fsync, check, rename).
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.serve import BENCH_USER, NO_PAUSE, ROOT, cpu_seconds, ensure_account, free_port

if TYPE_CHECKING:
    from bench.load import LoadResult


def cluster_module() -> Any:
    """deploy/cluster/cluster.py as a module (it is a script, not in a package)."""
    spec = importlib.util.spec_from_file_location("monev_cluster",
                                                  ROOT / "deploy" / "cluster" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class ReplicaRun:
    """One phase: ``replicas`` replicas under the same load."""

    replicas: int
    load: LoadResult
    replica_cpu_s: float
    haproxy_cpu_s: float


def _wait_port(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


def serve(db_path: Path, replicas: int, sessions: int, work: Path,
          think_s: tuple[float, float] = NO_PAUSE, timeout_s: float = 60,
          phase_s: float = 900, log: Callable[[str], None] | None = None) -> ReplicaRun:
    """Run ``replicas`` replicas on db_path (its newest snapshot) behind HAProxy and put
    ``sessions`` sessions on them; the measurements of the browsing phase."""
    import secrets

    from bench.load import run_load
    from monev.store import snapshots

    cl = cluster_module()
    run_dir = work / f"run-{replicas}"
    run_dir.mkdir(parents=True, exist_ok=True)
    password = ensure_account(db_path)
    snapshots.publish_path(db_path)
    secret = secrets.token_hex(32)
    front = free_port()
    ports = [free_port() for _ in range(replicas)]
    procs: list[subprocess.Popen] = []
    balancer = None
    try:
        for i, port in enumerate(ports, 1):
            procs.append(cl.start_replica(i, port, db_path, run_dir, secret))
        for port, proc in zip(ports, procs, strict=True):
            cl.wait_healthy(port, proc, timeout=120)
        balancer = cl.start_balancer(cl.haproxy_config(ports, f"127.0.0.1:{front}",
                                                       run_dir / "haproxy.pid"), run_dir)
        _wait_port(front)
        pids = [p.pid for p in procs]

        def cpu() -> tuple[float, float]:
            return sum(cpu_seconds(pid) for pid in pids), cpu_seconds()

        haproxy0 = cpu_seconds(balancer.pid)
        load = asyncio.run(run_load(front, BENCH_USER, password, sessions=sessions,
                                    limit_s=timeout_s, phase_s=phase_s, think_s=think_s,
                                    cpu=cpu, log=log))
        return ReplicaRun(replicas, load, load.server_cpu_s,
                          cpu_seconds(balancer.pid) - haproxy0)
    finally:
        for proc in ([balancer] if balancer else []) + procs:
            cl.stop(proc)


def _report(db_path: Path, variant: int) -> bytes:
    """A quarterly report of the first regency's first OPD with realisations, every value
    raised by ``variant`` (so each load differs from the last and is a real load)."""
    from etl.template import laporan_rows, write_workbook
    from monev.store import db, uploads

    with db.opened(db_path, read_only=True) as con:
        region = str(uploads.active_regions(con)["region_code"].iloc[0])
        for opd in uploads.masterplan_opds(con, region)["opd_code"]:
            info, rows = laporan_rows(con, region, opd, 2026, 4)
            if rows["realisasi"]:
                break
    for row in rows["realisasi"]:
        base = row.get("target_tw") or row.get("target_tahun") or 1
        row["realisasi"] = float(base) + variant
    buf = io.BytesIO()
    write_workbook("laporan", buf, info, rows, meta={"kode_wilayah": region, "kode_opd": opd,
                                                     "tahun": 2026, "triwulan": 4})
    return buf.getvalue()


@dataclass
class WriterRun:
    """The single writer's timings (seconds, one value per run)."""

    plain: list[float] = field(default_factory=list)      # load, nothing published
    published: list[float] = field(default_factory=list)  # load + snapshot published
    publish_only: list[float] = field(default_factory=list)
    size_mb: float = 0.0


def writer(db_path: Path, work: Path, runs: int = 5,
           log: Callable[[str], None] | None = None) -> WriterRun:
    """Load one report ``runs`` times without and ``runs`` times with publishing, in turns,
    into a copy of db_path; then time the publication alone."""
    from etl.load import load_paths
    from monev.store import db, snapshots

    live = work / "writer" / "monev.duckdb"
    live.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(db_path, live)
    pointer = snapshots.snapshot_dir(live) / snapshots.POINTER
    out = WriterRun(size_mb=live.stat().st_size / 2**20)
    files = []
    for i in range(2 * runs + 1):
        path = work / "writer" / f"laporan_{i}.xlsx"
        path.write_bytes(_report(live, i))
        files.append(path)
    load_paths(live, files[:1], actor="bench")          # warm-up (schema check, caches)
    snapshots.publish_path(live)
    for i in range(runs):
        for publish, times in ((False, out.plain), (True, out.published)):
            if not publish:
                pointer.unlink(missing_ok=True)     # no cluster: nothing is published
            elif not pointer.exists():
                snapshots.publish_path(live)        # a cluster again (not timed)
            path = files[1 + 2 * i + publish]
            t0 = time.perf_counter()
            result = load_paths(live, [path], actor="bench")
            times.append(time.perf_counter() - t0)
            if result[0].status != "loaded":
                raise RuntimeError(f"writer bench: {result[0].message}")
            if publish and snapshots.current(live) is None:
                raise RuntimeError("writer bench: nothing published")
    for _ in range(runs):
        with db.writer(live) as con:
            t0 = time.perf_counter()
            snapshots.publish(con, live)
        out.publish_only.append(time.perf_counter() - t0)
    if log:
        log(f"  writer: load {statistics.median(out.plain) * 1000:.0f} ms, with the snapshot "
            f"{statistics.median(out.published) * 1000:.0f} ms, publication alone "
            f"{statistics.median(out.publish_only) * 1000:.0f} ms ({out.size_mb:.0f} MB)")
    return out


def run(db_path: Path, sessions: int = 30, replicas: tuple[int, ...] = (1, 2, 1),
        writer_runs: int = 5, log: Callable[[str], None] | None = None,
        ) -> tuple[list[ReplicaRun], WriterRun]:
    """Every measurement of this part on a copy of db_path (the national dataset). The
    phases run one after another, 1 replica before and after 2 (the machine's speed drifts:
    the two 1-replica phases show by how much)."""
    work = Path(tempfile.mkdtemp(prefix="monev-bench-cluster-"))
    try:
        live = work / "data" / "monev.duckdb"
        live.parent.mkdir(parents=True)
        shutil.copy(db_path, live)
        phases = []
        for n in replicas:
            if log:
                log(f"  {n} replica(s) behind HAProxy, {sessions} sessions, no pause …")
            phases.append(serve(live, n, sessions, work, log=log))
        return phases, writer(db_path, work, writer_runs, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
