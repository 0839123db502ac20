"""Editions and the Indeks Pencapaian: weights and scale are data per edition (a changed weight
moves the index), a missing score leaves the index uncomputed, every change is audited."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from monev.domain import evaluation as ev
from monev.engine import evaluation as en
from monev.store import evaluation as store

REGION = "35.23"
AT = datetime(2026, 11, 20, 9, 0)
SCORES = {"baseline": 3.0, "output": 3.5, "outcome": 4.0, "impact": 2.5, "quick_win": 3.0}


def test_index_is_the_weighted_mean_and_missing_scores_leave_it_uncomputed():
    result = ev.achievement_index(SCORES, ev.DEFAULT_WEIGHTS)
    # 10% × 3 + 20% × 3,5 + 30% × 4 + 30% × 2,5 + 10% × 3
    assert result.value == pytest.approx(0.3 + 0.7 + 1.2 + 0.75 + 0.3)
    partial = ev.achievement_index({**SCORES, "impact": None}, ev.DEFAULT_WEIGHTS)
    assert partial.value is None and partial.missing == ("impact",)
    assert "Impact" in partial.text_missing


def test_edition_settings_are_checked_in_indonesian():
    assert ev.edition_problems(ev.DEFAULT_WEIGHTS, 5.0, 50) == []
    wrong = ev.edition_problems({**ev.DEFAULT_WEIGHTS, "impact": 20.0}, 5.0, 50)
    assert wrong == ["Jumlah bobot kelima dimensi harus 100%, sekarang 90%."]
    assert ev.edition_problems(ev.DEFAULT_WEIGHTS, 0.0, 0)[0].startswith("Nilai maksimum")
    assert ev.score_problem(5.5, 5.0) == "Nilai harus antara 0 dan 5 (skala edisi ini)."


def test_changing_an_editions_weights_moves_its_index_and_is_audited(env):
    con = env.con
    store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                       min_respondents=50, actor="admin.uji", now=AT)
    for code, score in SCORES.items():
        store.save_score(con, REGION, 2025, code, score, origin="diisi", actor="admin.uji",
                         now=AT)
    before = en.overview(con, REGION).index.iloc[0]["index"]
    # the other edition of domain.md §6: Outcome 30, Impact 20, Quick Win 20
    other = {"baseline": 10.0, "output": 20.0, "outcome": 30.0, "impact": 20.0,
             "quick_win": 20.0}
    store.save_edition(con, REGION, 2025, weights=other, scale_max=5.0, min_respondents=50,
                       actor="admin.uji", now=AT)
    after = en.overview(con, REGION).index.iloc[0]["index"]
    assert before == pytest.approx(3.25)
    assert after == pytest.approx(3.30)  # impact (2,5) weighs less, quick win (3) more
    rows = con.execute("SELECT action, target, detail FROM audit_event WHERE action LIKE "
                       "'evaluation_%' ORDER BY audit_id").fetchall()
    assert [r[0] for r in rows] == ["evaluation_edition", *["evaluation_score"] * 5,
                                    "evaluation_edition"]
    last = json.loads(rows[-1][2])
    assert last["sebelum"]["bobot"]["impact"] == 30.0
    assert last["sesudah"]["bobot"]["impact"] == 20.0


def test_refused_changes_write_nothing(env):
    con = env.con
    with pytest.raises(store.EvaluationRefused, match="harus 100%"):
        store.save_edition(con, REGION, 2025, weights={**ev.DEFAULT_WEIGHTS, "output": 0.0},
                           scale_max=5.0, min_respondents=50, actor="admin.uji")
    assert store.editions(con, REGION) == []
    store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=4.0,
                       min_respondents=50, actor="admin.uji")
    with pytest.raises(store.EvaluationRefused, match="antara 0 dan 4"):
        store.save_score(con, REGION, 2025, "outcome", 4.5, origin="diisi", actor="admin.uji")
    assert store.score_map(con, REGION, 2025) == {}
    n_audit = con.execute("SELECT count(*) FROM audit_event WHERE action LIKE 'evaluation_%'"
                          ).fetchone()[0]
    assert n_audit == 1  # only the edition that was saved


def test_baseline_is_the_change_since_the_previous_edition(env):
    con = env.con
    for year, outcome in ((2024, 3.0), (2025, 4.0)):
        store.save_edition(con, REGION, year, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                           min_respondents=50, actor="admin.uji")
        for code, score in {**SCORES, "outcome": outcome}.items():
            store.save_score(con, REGION, year, code, score, origin="diisi", actor="a")
    index = en.overview(con, REGION).index.set_index("year")
    assert pd_is_missing(index.loc[2024, "change"])
    assert index.loc[2025, "change"] == pytest.approx(0.3)  # 30% × (4 − 3)
    # another scale is not compared
    store.save_edition(con, REGION, 2026, weights=ev.DEFAULT_WEIGHTS, scale_max=100.0,
                       min_respondents=50, actor="admin.uji")
    for code in ev.CODES:
        store.save_score(con, REGION, 2026, code, 70.0, origin="diisi", actor="a")
    index = en.overview(con, REGION).index.set_index("year")
    assert index.loc[2026, "index"] == pytest.approx(70.0)
    assert pd_is_missing(index.loc[2026, "change"])


def pd_is_missing(value: object) -> bool:
    return value is None or value != value


def test_several_scores_are_saved_together_or_not_at_all(env):
    con = env.con
    store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                       min_respondents=50, actor="admin.uji")
    with pytest.raises(store.EvaluationRefused, match="Impact"):
        store.save_scores(con, REGION, 2025, {"output": 3.0, "impact": 7.0}, origin="diisi",
                          actor="admin.uji")
    assert store.score_map(con, REGION, 2025) == {}
    store.save_scores(con, REGION, 2025, {"output": 3.0, "impact": 4.5}, origin="diisi",
                      actor="admin.uji")
    with pytest.raises(store.EvaluationRefused, match="lebih kecil dari nilai yang sudah"):
        store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=4.0,
                           min_respondents=50, actor="admin.uji")
    assert store.edition(con, REGION, 2025).scale_max == 5.0
