"""The archive of accepted files (content-addressed by sha256) and its journal.

The journal (journal.jsonl) lists, in order, every accepted load, restore and delete with who
and when; ``python -m etl rebuild`` replays it to recreate the database with identical content.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path

FORMAT_EXT = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "ods": ".ods"}


def sha256(data: bytes) -> str:
    """Hex sha256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


class Archive:
    """Files by hash under ``root/files`` and the event journal ``root/journal.jsonl``."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    @property
    def journal_path(self) -> Path:
        """Path of the journal file."""
        return self.root / "journal.jsonl"

    @staticmethod
    def relpath(file_hash: str, fmt: str) -> str:
        """Where the bytes with this hash live, relative to the archive root."""
        return f"files/{file_hash[:2]}/{file_hash}{FORMAT_EXT.get(fmt, '')}"

    def store(self, data: bytes, file_hash: str, fmt: str) -> str:
        """Write the bytes once, atomically and durably (synced before the load that names
        them is committed), and return their path relative to the root."""
        rel = self.relpath(file_hash, fmt)
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _sync_dir(path.parent)
        return rel

    def store_in_background(self, files: Sequence[tuple[bytes, str, str]]) -> Future[list[str]]:
        """Store files (bytes, hash, format) on the archive's own thread: its writes and
        fsyncs release the GIL, so they overlap the inserts of the load that names the
        files. The caller waits on the future before committing that load."""
        return _archive_writer().submit(lambda: [self.store(*f) for f in files])

    def read(self, rel: str) -> bytes:
        """The archived bytes at a relative path; checks the hash in the name."""
        data = (self.root / rel).read_bytes()
        if sha256(data) != Path(rel).stem:
            raise ValueError(f"archive file {rel} does not match its hash")
        return data

    def append(self, *entries: dict) -> None:
        """Append events to the journal, in order, and flush them to disk (one sync)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.journal_path, "a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(e, ensure_ascii=False, default=str) + "\n"
                             for e in entries))
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> Iterator[dict]:
        """Journal entries in order."""
        if not self.journal_path.exists():
            return
        with open(self.journal_path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def _sync_dir(path: Path) -> None:
    """Make a rename in a folder durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@cache
def _archive_writer() -> ThreadPoolExecutor:
    """The process's archive-writing thread (one: files are stored in order)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="monev-archive")
