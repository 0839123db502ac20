"""The evaluation's tables are not journaled: a rebuild carries them over and a backup and
restore give them back, with the survey's archived file."""

from __future__ import annotations

from datetime import datetime

from etl.backup import backup, restore, table_rows
from etl.rebuild import rebuild
from etl.survey import import_survey
from monev.domain import evaluation as ev
from monev.store import evaluation as store

REGION = "35.23"
TABLES = ("eval_edition", "eval_score", "eval_survey", "eval_survey_program",
          "eval_survey_answer", "eval_evidence", "public_page")
CSV = ("Kode Program;Tingkat kepuasan (1-5);Saran\n"
       + "GOV-01;4;Bagus\n" * 2 + "GOV-01;5;\n").encode()


def _evaluated(env) -> None:
    con = env.con
    store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                       min_respondents=3, actor="admin.uji")
    store.save_score(con, REGION, 2025, "output", 3.5, origin="diisi", actor="admin.uji")
    result = import_survey(con, CSV, "survei.csv", region=REGION, year=2025,
                           actor="admin.uji", archive=env.archive)
    assert result.status == "loaded", result.issues
    store.add_evidence(con, REGION, 2025, "sk_dewan", actor="admin.uji", archive=env.archive,
                       url="https://jdih.contoh.go.id/sk-dewan")
    store.set_public(con, REGION, True, actor="admin.uji")


def test_a_rebuild_keeps_the_evaluation(mp_env):
    _evaluated(mp_env)
    mp_env.close()
    before = table_rows(mp_env.path)
    done = rebuild(mp_env.path, actor="admin.uji", now=datetime(2025, 5, 1, 8, 0))
    after = table_rows(mp_env.path)
    assert {t: after[t] for t in TABLES} == {t: before[t] for t in TABLES}
    assert all(len(before[t]) for t in TABLES)
    assert done.carried["eval_survey"] == 1


def test_a_backup_and_restore_give_the_evaluation_back(mp_env, tmp_path):
    _evaluated(mp_env)
    mp_env.close()
    before = table_rows(mp_env.path)
    folder = backup(mp_env.path, tmp_path / "cadangan")
    restore(folder, mp_env.path)  # the same server: its key checks the signature
    after = table_rows(mp_env.path)
    assert {t: after[t] for t in TABLES} == {t: before[t] for t in TABLES}
