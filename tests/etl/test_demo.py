"""The Kabupaten Tuban demo: built once per module through the real load door, then checked."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from etl.archive import Archive, sha256
from etl.demo import TODAY, _pin_timestamps, _reset, build_demo
from etl.template import masterplan_template
from monev.domain.accumulation import expected_to_date, year_to_date, ytd_series
from monev.domain.capaian import capaian
from monev.domain.flags import attainment_flag, imbalance, is_stagnant
from monev.domain.village import ALL_STAGES, STAGES, village_status
from monev.domain.workdays import report_due_date
from monev.store import db
from tests.app.dbs import demo_build

REGION = "35.23"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """build_demo's database, workbooks and counts (built once per test run, read here)."""
    build = demo_build(tmp_path_factory)
    return {"stats": build.stats, "db": build.db, "dir": build.workbooks}


@pytest.fixture(scope="module")
def con(demo: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = db.connect(demo["db"], read_only=True)
    yield connection
    connection.close()


def _active(con: duckdb.DuckDBPyConnection, table: str) -> str:
    return f"(SELECT t.* FROM {table} t JOIN active_load a USING (load_id))"


# ---------------------------------------------------------------- the loads


def test_every_workbook_written_was_loaded_and_none_rejected(demo: dict, con) -> None:
    stats = demo["stats"]
    files = sorted(demo["dir"].glob("*.xlsx"))
    assert stats["rejected"] == 0
    assert len(files) == stats["workbooks"] == stats["loaded"]
    assert con.execute("SELECT count(*) FROM load").fetchone()[0] == len(files)
    assert con.execute("SELECT count(*) FROM load_event WHERE action = 'reject'"
                       ).fetchone()[0] == 0
    names = {r[0] for r in con.execute("SELECT file_name FROM load").fetchall()}
    assert names == {f.name for f in files}


def test_archived_files_match_their_hashes(demo: dict, con) -> None:
    archive = Archive(db.archive_root(demo["db"]))
    rows = con.execute("SELECT file_hash, archive_path, file_name FROM load").fetchall()
    for file_hash, rel, name in rows:
        data = archive.read(rel)  # also checks the hash in the file name
        assert sha256(data) == file_hash
        assert (demo["dir"] / name).read_bytes() == data
    journal = [e for e in archive.entries() if e["event"] == "load"]
    assert len(journal) == len(rows)


def test_a_corrected_resubmission_supersedes_and_history_keeps_both(con) -> None:
    closed = con.execute(
        """SELECT l.load_id, l.scope_key FROM load_activation a JOIN load l USING (load_id)
           WHERE a.active_until IS NOT NULL""").fetchall()
    assert closed, "no load was superseded"
    for load_id, scope in closed:
        loads = con.execute("SELECT load_id FROM load WHERE scope_key = ? ORDER BY load_id",
                            [scope]).fetchall()
        assert len(loads) == 2 and loads[0][0] == load_id
        old, new = (con.execute("SELECT count(*) FROM realisation WHERE load_id = ?",
                                [i]).fetchone()[0] for (i,) in loads)
        assert old > 0 and new > 0
        changed = con.execute(
            """SELECT count(*) FROM realisation o FULL JOIN realisation n
                 ON o.indicator_code = n.indicator_code AND o.load_id = ? AND n.load_id = ?
               WHERE (o.load_id = ? OR o.load_id IS NULL) AND (n.load_id = ? OR n.load_id IS NULL)
                 AND o.value IS DISTINCT FROM n.value""",
            [loads[0][0], loads[1][0], loads[0][0], loads[1][0]]).fetchone()[0]
        assert changed > 0, "the correction changed no value"


def test_some_opd_quarter_is_missing_and_some_reports_are_late(con) -> None:
    programs = con.execute(f"SELECT lead_opd_code, start_year, end_year FROM "
                           f"{_active(con, 'program')}").fetchall()
    loads = {(o, y, t) for o, y, t, in con.execute(
        "SELECT opd_code, year, tw FROM load WHERE kind = 'laporan'").fetchall()}
    due = {(opd, y, tw) for opd, start, end in programs for y in range(start, end + 1)
           for tw in range(1, 5) if (y, tw) <= (2026, 3)}
    missing = due - loads
    assert missing
    assert {opd for opd, _, _ in missing} <= {opd for opd, _, _ in loads}
    received = con.execute("SELECT year, tw, received_on FROM load WHERE kind = 'laporan'"
                           ).fetchall()
    late = [r for r in received if r[2] > report_due_date(r[0], r[1])]
    assert 3 <= len(late) < len(received) / 3
    assert max(r[2] for r in received) <= TODAY


def test_realisation_spans_2023_tw1_to_2026_tw3(con) -> None:
    periods = {(y, t) for y, t in con.execute(
        f"SELECT DISTINCT year, tw FROM {_active(con, 'realisation')}").fetchall()}
    assert (2023, 1) in periods and (2026, 3) in periods
    assert (2026, 4) not in periods
    assert all((y, t) <= (2026, 3) for y, t in periods)
    bases = {b for (b,) in con.execute("SELECT DISTINCT basis FROM load WHERE kind = 'laporan'"
                                       ).fetchall()}
    assert bases == {"tw", "sdtw"}


# ---------------------------------------------------------------- the masterplan


def test_masterplan_shape(con) -> None:
    dims = {d for (d,) in con.execute(
        f"SELECT DISTINCT dimension_code FROM {_active(con, 'program')}").fetchall()}
    assert dims == {"GOV", "BRA", "ECO", "LIV", "SOC", "ENV"}
    n_programs = con.execute(f"SELECT count(*) FROM {_active(con, 'program')}").fetchone()[0]
    assert 30 <= n_programs <= 40
    n_opd = con.execute(f"SELECT count(*) FROM {_active(con, 'opd')}").fetchone()[0]
    assert 14 <= n_opd <= 17
    horizons = {h for (h,) in con.execute(
        f"SELECT DISTINCT horizon FROM {_active(con, 'program')}").fetchall()}
    assert horizons == {"Quick Win", "Jangka Pendek", "Jangka Menengah", "Jangka Panjang"}
    n_ind, pols, accs = con.execute(
        f"SELECT count(*), list(DISTINCT polarity), list(DISTINCT accumulation) "
        f"FROM {_active(con, 'indicator')}").fetchone()
    assert 70 <= n_ind <= 90
    assert set(pols) == {"positif", "negatif"}
    assert set(accs) == {"jumlah", "posisi_akhir", "rata_rata"}


def test_every_indicator_has_a_target_for_every_program_year(con) -> None:
    gaps = con.execute(f"""
        SELECT i.indicator_code, y.year FROM {_active(con, 'indicator')} i
        JOIN {_active(con, 'program')} p USING (program_code)
        CROSS JOIN range(2023, 2033) y(year)
        WHERE y.year BETWEEN p.start_year AND p.end_year AND NOT EXISTS (
            SELECT 1 FROM {_active(con, 'target')} t WHERE t.indicator_code = i.indicator_code
              AND t.year = y.year AND t.tw = 0)""").fetchall()
    assert gaps == []
    quarterly = con.execute(f"SELECT DISTINCT year FROM {_active(con, 'target')} WHERE tw > 0"
                            ).fetchall()
    assert {y for (y,) in quarterly} == {2025, 2026}


def test_villages_are_real_and_both_kinds_appear(con) -> None:
    rows = con.execute(f"""
        SELECT vp.village_code, v.regency_code, v.kind
        FROM {_active(con, 'village_plan')} vp LEFT JOIN ref_village v
          ON v.code = vp.village_code""").fetchall()
    assert 100 <= len(rows) <= 200
    assert all(regency == REGION for _, regency, _ in rows)
    assert {kind for _, _, kind in rows} == {"desa", "kelurahan"}
    programs = con.execute(f"SELECT count(DISTINCT program_code) FROM "
                           f"{_active(con, 'village_plan')}").fetchone()[0]
    assert 4 <= programs <= 6


# ---------------------------------------------------------------- the story in 2026


def _stage_dates(con) -> dict[tuple[str, str], dict[str, date]]:
    out: dict[tuple[str, str], dict[str, date]] = {}
    for prog, village, stage, reached in con.execute(
            f"SELECT program_code, village_code, stage, min(reached_on) FROM "
            f"{_active(con, 'village_stage')} GROUP BY ALL").fetchall():
        out.setdefault((prog, village), {})[stage] = reached
    return out


def test_every_stage_is_someone_s_latest_and_the_calendar_has_rawan_and_bergeser(con) -> None:
    dates = _stage_dates(con)
    plans = con.execute(f"SELECT program_code, village_code, route, funding_year FROM "
                        f"{_active(con, 'village_plan')}").fetchall()
    assert {(p, v) for p, v, _, _ in plans} == set(dates)
    latest = {max(d, key=d.get) for d in dates.values()}
    assert latest == set(ALL_STAGES)
    statuses = set()
    for prog, village, route, year in plans:
        assert set(dates[(prog, village)]) <= set(STAGES[route])
        statuses.add(village_status(route, year, dates[(prog, village)], TODAY).status)
    assert {"beroperasi", "sesuai_jadwal", "rawan", "bergeser"} <= statuses


def _capaian_2026_tw3(con) -> dict[str, tuple[float | None, bool]]:
    inds = con.execute(f"SELECT indicator_code, polarity, accumulation, baseline FROM "
                       f"{_active(con, 'indicator')}").fetchall()
    targets: dict[str, dict[int, float]] = {}
    for code, tw, value in con.execute(
            f"SELECT indicator_code, tw, value FROM {_active(con, 'target')} WHERE year = 2026"
            ).fetchall():
        targets.setdefault(code, {})[tw] = value
    values: dict[str, dict[int, tuple[float, str]]] = {}
    for code, tw, value, basis in con.execute(
            f"SELECT indicator_code, tw, value, basis FROM {_active(con, 'realisation')} "
            f"WHERE year = 2026").fetchall():
        values.setdefault(code, {})[tw] = (value, basis)
    out = {}
    for code, polarity, acc, baseline in inds:
        if code not in targets or code not in values:
            continue
        quarterly = {q: v for q, v in targets[code].items() if q > 0} or None
        expected = [expected_to_date(targets[code][0], baseline, acc, n, quarterly)[0]
                    for n in (1, 2, 3)]
        ytd = year_to_date(values[code], acc, 3)
        value = capaian(ytd, expected[2], polarity).value if ytd is not None else None
        out[code] = (value, is_stagnant(ytd_series(values[code], acc, 3), expected))
    return out


def test_2026_has_on_track_lagging_critical_and_stagnant_indicators(con) -> None:
    result = _capaian_2026_tw3(con)
    flags = [attainment_flag(v) for v, _ in result.values() if v is not None]
    assert flags.count(None) > len(flags) / 2          # most are on track
    assert flags.count("tertinggal") >= 3
    assert flags.count("kritis") >= 2
    assert sum(stagnant for _, stagnant in result.values()) >= 1


def test_budget_stays_under_pagu_and_some_fisik_drifts_from_keuangan(con) -> None:
    budget = con.execute(f"SELECT program_code, funding_source, year, tw, pagu, realisasi, "
                         f"basis FROM {_active(con, 'budget')}").fetchall()
    series: dict[tuple, dict[int, tuple[float, str]]] = {}
    pagu: dict[tuple, float] = {}
    for prog, src, year, tw, amount, real, basis in budget:
        series.setdefault((prog, src, year), {})[tw] = (real, basis)
        pagu[(prog, src, year)] = amount
        assert 1e8 <= amount <= 1e10
    for key, values in series.items():
        assert year_to_date(values, "jumlah", 4) <= pagu[key]
    fisik = dict(((p, tw), f) for p, tw, f in con.execute(
        f"SELECT program_code, tw, fisik_pct FROM {_active(con, 'program_progress')} "
        f"WHERE year = 2026").fetchall())
    drift = 0
    for prog, tw in fisik:
        keys = [k for k in series if k[0] == prog and k[2] == 2026]
        keu = sum(year_to_date(series[k], "jumlah", tw) or 0 for k in keys) / sum(
            pagu[k] for k in keys) * 100
        drift += imbalance(fisik[(prog, tw)], keu)
    assert drift >= 2
    kendala = con.execute(f"SELECT count(*) FROM {_active(con, 'program_progress')} "
                          f"WHERE year = 2026 AND tindak_lanjut IS NOT NULL").fetchone()[0]
    assert kendala >= 5


# ---------------------------------------------------------------- small pieces


def test_pinned_timestamps_make_identical_bytes() -> None:
    first, second = io.BytesIO(), io.BytesIO()
    masterplan_template(first, REGION)
    masterplan_template(second, REGION)
    stamp = datetime(2023, 1, 16, 9, 0)
    assert _pin_timestamps(first.getvalue(), stamp) == _pin_timestamps(second.getvalue(), stamp)
    assert b"2023-01-16T09:00:00Z" in _core_xml(_pin_timestamps(first.getvalue(), stamp))


def _core_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("docProps/core.xml")


def test_refuses_an_archive_without_its_database(tmp_path: Path) -> None:
    archive = db.archive_root(tmp_path / "monev.duckdb")
    archive.mkdir(parents=True)
    (archive / "journal.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        build_demo(tmp_path / "monev.duckdb", tmp_path / "out")
    assert not (tmp_path / "monev.duckdb").exists()


def test_never_deletes_a_database_that_is_not_a_demo(mp_env, tmp_path: Path) -> None:
    """`python -m etl demo` run against the real database (it is the default path) refuses,
    and the data and its archive stay as they were."""
    mp_env.close()
    before = mp_env.path.read_bytes()
    journal = db.archive_root(mp_env.path) / "journal.jsonl"
    journal_before = journal.read_bytes()
    with pytest.raises(FileExistsError, match="bukan database demo"):
        build_demo(mp_env.path, tmp_path / "out")
    assert mp_env.path.read_bytes() == before and journal.read_bytes() == journal_before


def test_an_earlier_demo_database_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "monev.duckdb"
    db.ensure_database(path)
    with db.opened(path) as con:
        con.execute("INSERT INTO setting VALUES ('*', 'demo', 'true')")
    _reset(path, tmp_path / "out")
    assert not path.exists()
