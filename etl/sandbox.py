"""Parse untrusted spreadsheet bytes in a child process that may die without harm.

python-calamine builds every sheet as a dense grid before anyone can ask its size: one cell
at XFD1048576 asks for 512 GiB and Rust aborts the whole process, and an ``.xls`` or ``.ods``
is parsed whole as soon as it is opened. openpyxl (the marked copy of a rejected file) builds
a Python object per cell of a merged range. So nothing of either library runs on uploaded
bytes in the server's process. A worker process does it:

* its address space is limited (``MEMORY_LIMIT``): an allocation beyond it fails at once
  instead of swapping the machine, and the worker dies or raises ``MemoryError``;
* it runs at a lower CPU priority (nice 5), so page views of other users go first;
* the caller waits at most a deadline, then kills it;
* what it sends back is unpickled with a whitelist (lists, dicts, numbers, text, dates), so
  even a worker that a file took over could not make the server run code.

A worker that dies is a refusal of that file (``WorkerDied``, with the sheet it was reading),
never the server's death. Idle workers are kept for the next file (at most ``MAX_WORKERS`` run
at once: the machines have two cores); one starts in about 0.1 s.

The functions a worker runs are named in ``TASKS`` (module, function); each takes a
``progress(text)`` callable as its last argument, telling the caller what it is reading.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import selectors
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from etl.safety import UnsafeFile

MEMORY_LIMIT = 1536 * 2**20   # address space of a worker; a legitimate national masterplan
                              # (250,000 rows) needs about 600 MiB
PARSE_SECONDS = 120.0         # a worker silent for longer than this is killed
RECYCLE_RSS = 256 * 2**20     # a worker that grew past this ends after its answer, so that
                              # an idle worker never sits on the memory of a large file
MAX_WORKERS = 2
NICE = 5                      # below page views, without starving a legitimate upload
ROOT = Path(__file__).resolve().parents[1]
TASKS: dict[str, tuple[str, str]] = {
    "grids": ("etl.workbook", "read_grids_here"),
    "annotate": ("etl.annotate", "annotate_here"),
    "peek": ("etl.lookalike", "peek_here"),
}
_HEADER = struct.Struct(">Q")
_ALLOWED = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
            ("datetime", "timedelta"), ("datetime", "timezone"), ("builtins", "set"),
            ("builtins", "frozenset"), ("builtins", "bytearray")}


class WorkerDied(Exception):
    """The worker ended while reading a file: the file exceeded what may be read safely."""

    def __init__(self, reading: str | None):
        super().__init__(f"worker died while reading {reading or 'the file'}")
        self.reading = reading


class TaskFailed(Exception):
    """The task raised an unexpected error in the worker (a damaged file, most often)."""


class _SafeUnpickler(pickle.Unpickler):
    """Only plain data comes back from a worker: no class outside ``_ALLOWED``."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed from a worker")


def _loads(payload: bytes) -> object:
    return _SafeUnpickler(io.BytesIO(payload)).load()


def call(task: str, *args: object, seconds: float = PARSE_SECONDS,
         progress: Callable[[str], None] | None = None) -> object:
    """Run ``TASKS[task](*args, progress)`` in a worker and return its result.

    Raises the ``UnsafeFile`` the task raised (a refusal with the user's message),
    ``WorkerDied`` when the worker ended without an answer (memory limit, abort), ``UnsafeFile``
    with check ``terlalu_lama`` when it did not answer within ``seconds`` (it is killed), and
    ``TaskFailed`` for any other error of the task.
    """
    with _SLOTS:
        worker = _take()
        try:
            return worker.run(task, args, seconds, progress)
        except (UnsafeFile, TaskFailed):
            if worker.check == "terlalu_lama":
                worker.kill()  # it is still busy with the file
            raise
        except BaseException:  # dead, or the frames are out of step: never reuse it
            worker.kill()
            raise
        finally:
            _give_back(worker)


class _Worker:
    """One worker process and the framed pipe to it."""

    def __init__(self) -> None:
        env = {**os.environ, "RUST_BACKTRACE": "0", "PYTHONPATH": str(ROOT),
               "MALLOC_ARENA_MAX": "2"}
        self.retiring = False
        self.check = ""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "etl.sandbox", str(MEMORY_LIMIT)], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.proc.poll() is None

    def kill(self) -> None:
        """End the process now (it holds nothing the server needs)."""
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]

    def run(self, task: str, args: tuple, seconds: float,
            progress: Callable[[str], None] | None) -> object:
        request = pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)
        reading: str | None = None
        try:
            self.proc.stdin.write(_HEADER.pack(len(request)) + request)  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(reading) from exc
        deadline = time.monotonic() + seconds
        self.check = ""
        while True:
            try:
                frame = self._frame(deadline, reading)
            except UnsafeFile as exc:
                self.check = exc.check
                raise
            kind, *rest, self.retiring = _loads(frame)  # type: ignore[misc]
            if kind == "progress":
                reading = rest[0]
                if progress is not None:
                    progress(reading)
            elif kind == "ok":
                return rest[0]
            elif kind == "unsafe":
                raise UnsafeFile(rest[0], rest[1])
            else:
                raise TaskFailed(rest[0])

    def _frame(self, deadline: float, reading: str | None) -> bytes:
        header = self._exactly(_HEADER.size, deadline, reading)
        return self._exactly(_HEADER.unpack(header)[0], deadline, reading)

    def _exactly(self, size: int, deadline: float, reading: str | None) -> bytes:
        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        chunks = bytearray()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while len(chunks) < size:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise UnsafeFile("terlalu_lama", _too_long(reading))
                chunk = os.read(fd, min(size - len(chunks), 1 << 20))
                if not chunk:
                    raise WorkerDied(reading)
                chunks += chunk
        return bytes(chunks)


def _too_long(reading: str | None) -> str:
    where = f"Sheet '{reading}'" if reading else "File ini"
    return (f"{where} terlalu lama dibaca (lebih dari {PARSE_SECONDS:.0f} detik), sehingga "
            "pembacaan dihentikan. Hapus isian di luar tabel laporan atau pisahkan isinya, "
            "simpan, lalu unggah ulang.")


_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
_POOL_LOCK = threading.Lock()
_idle: list[_Worker] = []
_all: list[_Worker] = []


def _take() -> _Worker:
    with _POOL_LOCK:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.kill()
        worker = _Worker()
        _all.append(worker)
        return worker


def _give_back(worker: _Worker) -> None:
    if worker.retiring:
        worker.kill()  # it said it ends after this answer
    with _POOL_LOCK:
        if worker.alive() and worker not in _idle:
            _idle.append(worker)
        elif worker in _all:
            _all.remove(worker)


@atexit.register
def shutdown() -> None:
    """End every worker (at exit, or for a test that wants fresh ones)."""
    with _POOL_LOCK:
        for worker in _all:
            worker.kill()
        _all.clear()
        _idle.clear()


def worker_pids() -> list[int]:
    """The process ids of the running workers (for tests and the benchmark)."""
    with _POOL_LOCK:
        return [w.proc.pid for w in _all if w.alive()]


# --- the worker's side -------------------------------------------------------------------

def _resident_bytes() -> int:
    """This process's resident set now. Not ``ru_maxrss``: on Linux a child inherits its
    parent's peak across fork and exec, so a worker of a 300 MB server would retire at once."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _serve(limit: int) -> None:
    """Answer requests on stdin until it closes. Runs only in the worker process."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with contextlib.suppress(OSError):
        os.nice(NICE)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames

    def send(*message: object) -> None:
        retiring = _resident_bytes() > RECYCLE_RSS
        payload = pickle.dumps((*message, retiring), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(payload)) + payload)
        out.flush()

    while True:
        header = inp.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        task, args = pickle.loads(inp.read(_HEADER.unpack(header)[0]))
        module, name = TASKS[task]
        try:
            result = getattr(import_module(module), name)(
                *args, lambda text: send("progress", text))
        except UnsafeFile as exc:
            send("unsafe", exc.check, exc.message)
        except MemoryError:
            return  # the caller sees the worker end: too large to read safely
        except Exception as exc:  # damaged content raises many types
            send("failed", f"{type(exc).__name__}: {str(exc)[:300]}")
        else:
            send("ok", result)
        if _resident_bytes() > RECYCLE_RSS:
            return  # the answer said so: the caller does not reuse this worker


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
