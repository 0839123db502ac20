"""Hostile workbooks cannot take the process down, eat its memory or its CPU.

Each test reproduces an attack of the hardening issue on real files: a 13 KB xlsx with one
cell at XFD1048576 (calamine would ask for 512 GiB and abort the process), a 5.6 KB xls with a
cell at row 65536, column 256 of a declared sheet (a 16.7 million cell grid), and a rejected
file with thousands of problems to mark. Timing is measured by the benchmark; these tests
check that the harm is gone: the test process (the server, in production) survives, the
parse happens in a worker, the file is refused naming the sheet, nothing is loaded.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from etl import sandbox
from etl.annotate import MAX_LISTED, MAX_MARKS, SUMMARY_SHEET, CannotAnnotate, annotate
from etl.issues import Issue
from etl.workbook import read_workbook
from tests.etl.test_rejections import _unchanged
from tests.formats import grids_of, to_ods, to_xls
from tests.helpers import RECEIVED, Env, report_bytes

ROOT = Path(__file__).resolve().parents[2]


def with_far_cell(xlsx: bytes, sheet: str, ref: str = "XFD1048576") -> bytes:
    """The workbook with one more cell far away, written as Excel would (sparse: the file
    stays small)."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    wb[sheet][ref] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xls_with_far_cell(xlsx: bytes, sheet: str) -> bytes:
    """The workbook as .xls with a cell at the last row and column BIFF8 allows."""
    grids = grids_of(xlsx)
    grid = grids[sheet]
    while len(grid) < 65536:
        grid.append([])
    grid[65535] = [None] * 255 + ["x"]
    return to_xls(grids)


@pytest.fixture
def report(mp_env: Env) -> bytes:
    return report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 12}}})


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("sheet", ["Realisasi Kinerja", "Info", "_meta"])
def test_a_cell_at_xfd1048576_in_a_declared_sheet_is_refused(mp_env: Env, report: bytes,
                                                             sheet: str) -> None:
    hostile = with_far_cell(report, sheet)
    assert len(hostile) < 20_000
    before = mp_env.snapshot()
    result = mp_env.load(hostile, "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "terlalu_luas"
    assert f"Sheet '{sheet}'" in issue.message and "XFD1048576" in issue.message
    assert _unchanged(before, mp_env.snapshot())   # nothing loaded, no half-load


def test_a_far_cell_in_a_sheet_no_layout_reads_is_never_parsed(mp_env: Env,
                                                               report: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(report))
    wb.create_sheet("Catatan")["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    clean = read_workbook(report, "laporan.xlsx")
    book = read_workbook(out.getvalue(), "laporan.xlsx")
    assert not book.issues
    assert {k: t.columns for k, t in book.tables.items()} == {
        k: t.columns for k, t in clean.tables.items()}


def test_a_dead_worker_is_replaced_for_the_next_file(mp_env: Env, report: bytes) -> None:
    read_workbook(with_far_cell(report, "Realisasi Kinerja"), "laporan.xlsx")
    book = read_workbook(report, "laporan.xlsx")
    assert not book.issues and len(book.tables["realisasi"]) > 0


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_huge_grid_in_a_legacy_file_is_refused_in_the_worker(mp_env: Env, report: bytes,
                                                               fmt: str) -> None:
    if fmt == "xls":
        hostile = xls_with_far_cell(report, "Realisasi Kinerja")
    else:  # ods: one row repeated a million times, which LibreOffice writes in a few bytes
        hostile = to_ods_repeated(report)
    assert len(hostile) < 100_000
    rss = max_rss_mb()
    before = mp_env.snapshot()
    result = mp_env.load(hostile, f"laporan.{fmt}", received_on=RECEIVED)
    assert result.status == "rejected"
    assert [i.check for i in result.issues] in (["terlalu_luas"], ["terlalu_banyak_baris"],
                                                ["bom_zip"])
    assert _unchanged(before, mp_env.snapshot())
    # The grid was built in a worker: this process did not grow by the grid's size
    # (16.7 million cells are more than 500 MB as calamine values alone).
    assert max_rss_mb() - rss < 200
    with pytest.raises(CannotAnnotate):  # a refused file is never opened again to mark it
        annotate(hostile, f"laporan.{fmt}", result.issues)


def to_ods_repeated(xlsx: bytes) -> bytes:
    """The report as .ods whose report sheet ends in one value repeated down a million rows."""
    import re
    import zipfile

    ods = to_ods(grids_of(xlsx))
    src = zipfile.ZipFile(io.BytesIO(ods))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "content.xml":
                text = data.decode()
                start = text.index('table:name="Realisasi Kinerja"')
                end = text.index("</table:table>", start)
                row = ('<table:table-row table:number-rows-repeated="1000000">'
                       '<table:table-cell office:value-type="string"><text:p>x</text:p>'
                       '</table:table-cell></table:table-row>')
                text = text[:end] + row + text[end:]
                data = re.sub(r"\s+$", "", text).encode()
            dst.writestr(item, data)
    return out.getvalue()


def test_the_cli_dry_run_survives_and_says_why(tmp_path: Path, mp_env: Env,
                                               report: bytes) -> None:
    """`etl load --dry-run` used to exit 134 (abort) on this file."""
    path = tmp_path / "laporan.xlsx"
    path.write_bytes(with_far_cell(report, "Realisasi Kinerja"))
    mp_env.close()
    done = subprocess.run([sys.executable, "-m", "etl", "--db", str(mp_env.path), "load",
                           str(path), "--dry-run"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stderr
    assert "terlalu besar untuk dibaca dengan aman" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_past_its_deadline_is_killed() -> None:
    from bench.ingest import masterplan
    from etl.safety import UnsafeFile
    from etl.workbook import _limits

    data = masterplan(20, 10, 10)   # a few seconds of parsing
    sandbox.shutdown()  # a fresh pool: one worker, the one the deadline kills
    sandbox.call("grids", data, [], _limits())
    [pid] = sandbox.worker_pids()
    with pytest.raises(UnsafeFile) as raised:
        sandbox.call("grids", data, None, _limits(), seconds=0.05)
    assert raised.value.check == "terlalu_lama"
    assert "terlalu lama dibaca" in raised.value.message
    assert pid not in sandbox.worker_pids()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_only_plain_data_comes_back_from_a_worker() -> None:
    import pickle

    evil = pickle.dumps(("ok", os.system, False))
    with pytest.raises(pickle.UnpicklingError):
        sandbox._loads(evil)


def many_problems(xlsx: bytes, n: int) -> tuple[bytes, list[Issue]]:
    """The report with ``n`` more rows in Realisasi Kinerja, and one problem on each."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb["Realisasi Kinerja"]
    first = ws.max_row + 1
    for i in range(n):
        ws.append([None, "GOV-01", f"GOV-99.{i}", "x", "y", 1, "%", 1, "salah"])
    out = io.BytesIO()
    wb.save(out)
    issues = [Issue("l.xlsx", "Realisasi Kinerja", first + i, "Realisasi", "format", "salah",
                    f"Nilai 'salah' tidak valid (baris {first + i}).") for i in range(n)]
    return out.getvalue(), issues


def test_thousands_of_problems_are_marked_in_one_pass_and_capped(report: bytes,
                                                                 monkeypatch) -> None:
    content, issues = many_problems(report, 4050)
    # Nothing of openpyxl runs in this process: the copy is made in a worker.
    monkeypatch.setattr(openpyxl, "load_workbook", _forbidden)
    out = annotate(content, "l.xlsx", issues)
    monkeypatch.undo()
    assert sum(m is not None for m in out.marks) == MAX_MARKS
    assert all(m.exact and m.column == 9 for m in out.marks[:MAX_MARKS])
    wb = openpyxl.load_workbook(io.BytesIO(out.data))
    ws = wb["Realisasi Kinerja"]
    commented = [c for row in ws.iter_rows() for c in row if c.comment is not None]
    assert len(commented) == MAX_MARKS
    summary = wb[SUMMARY_SHEET]
    assert "Hanya 300 masalah pertama" in summary["A3"].value
    listed = [row[6] for row in summary.iter_rows(min_row=5, values_only=True)]
    assert listed == [i.message for i in issues]   # every problem listed, none cut


def _forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("openpyxl.load_workbook ran in the server's process")


def test_more_problems_than_listed_are_counted(report: bytes) -> None:
    content, issues = many_problems(report, 10)
    issues = issues * (MAX_LISTED // 10 + 1)
    out = annotate(content, "l.xlsx", issues)
    summary = openpyxl.load_workbook(io.BytesIO(out.data))[SUMMARY_SHEET]
    assert summary.cell(5 + MAX_LISTED, 7).value == (
        f"… dan {len(issues) - MAX_LISTED} masalah lainnya (lihat halaman unggah).")


def test_a_worker_is_reused_however_large_the_server_grew(report: bytes) -> None:
    """A child inherits its parent's peak RSS across fork and exec (Linux): the worker of a
    300 MB server must not take that for its own and retire after every file."""
    from etl.workbook import _limits

    ballast = bytearray(sandbox.RECYCLE_RSS + 2**25)  # this process now peaks above it
    ballast[::4096] = b"x" * len(ballast[::4096])
    sandbox.shutdown()
    sandbox.call("grids", report, None, _limits())
    first = sandbox.worker_pids()
    sandbox.call("grids", report, None, _limits())
    assert sandbox.worker_pids() == first and len(first) == 1
    del ballast
