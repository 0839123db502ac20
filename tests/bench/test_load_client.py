"""The protocol-level load client (bench/load.py) against the served app on a tiny dataset:
sessions sign in and open pages over Streamlit's websocket protocol, without a browser."""

from __future__ import annotations

import asyncio

import pytest

from bench.load import Session, ViewFailed, run_load
from bench.national import build_national
from bench.serve import BENCH_USER, Server, ensure_account

PAGES = ("Capaian Program", "Anggaran")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """The app served on a two-regency national dataset; (port, password)."""
    folder = tmp_path_factory.mktemp("load")
    db_path = folder / "national.duckdb"
    build_national(db_path, regions=2)
    password = ensure_account(db_path)
    with Server(db_path, folder / "serve.log") as server:
        yield server.port, password


def test_two_sessions_sign_in_and_open_pages(served: tuple[int, str]) -> None:
    port, password = served

    async def one(i: int) -> list[tuple[str, bool, int]]:
        session = Session(port, limit_s=60)
        try:
            form = await session.open()
            assert form.ok and form.submit_ids and not session.signed_in
            signed = await session.sign_in(form, BENCH_USER, password)
            assert session.signed_in, signed.problems
            views = [("sign-in", signed.ok, signed.deltas)]
            for title in PAGES[i:] + PAGES[:i]:
                run = await session.open_page(title)
                views.append((title, run.ok, run.deltas))
                assert session.title_of(session.page_hash) == title
            return views
        finally:
            await session.close()

    async def both() -> list[list[tuple[str, bool, int]]]:
        return await asyncio.gather(one(0), one(1))

    for views in asyncio.run(asyncio.wait_for(both(), timeout=120)):
        assert [v[0] for v in views[1:]] in (list(PAGES), list(reversed(PAGES)))
        for name, ok, deltas in views:
            assert ok and deltas > 0, name


def test_wrong_password_stays_on_the_form(served: tuple[int, str]) -> None:
    port, _ = served

    async def go() -> tuple[bool, bool, list[str]]:
        session = Session(port, limit_s=30)
        try:
            form = await session.open()
            run = await session.sign_in(form, BENCH_USER, "not-the-password")
            return session.signed_in, bool(run.submit_ids and run.text_inputs), run.problems
        finally:
            await session.close()

    signed_in, form_again, problems = asyncio.run(go())
    assert not signed_in and form_again
    assert any("salah" in p for p in problems)      # "Nama pengguna atau kata sandi salah."


def test_run_load_counts_every_view(served: tuple[int, str]) -> None:
    port, password = served
    result = asyncio.run(run_load(port, BENCH_USER, password, sessions=2, rounds=2,
                                  limit_s=60, phase_s=120, pages=PAGES))
    assert result.signed_in == 2 and sorted(result.pages) == sorted(PAGES)
    assert len(result.made("page")) == result.planned["page"] == 2 * 2 * len(PAGES)
    assert result.failed("page") == 0, result.failures
    assert all(v.deltas > 0 for v in result.views)
    assert 0 < result.quantile(0.5, "page") <= result.quantile(0.95, "page") < 60


def test_a_reading_pace_pauses_before_every_view(served: tuple[int, str]) -> None:
    port, password = served
    result = asyncio.run(run_load(port, BENCH_USER, password, sessions=2, limit_s=60,
                                  phase_s=120, pages=PAGES, think_s=(0.4, 0.6)))
    assert result.think_s == (0.4, 0.6) and result.failed("page") == 0, result.failures
    # Each session opened its pages one after another, pausing at least 0.4 s before each.
    assert result.wall_s >= 0.4 * len(PAGES) + sum(
        v.seconds for v in result.views if v.kind == "page" and v.session == 0)


def test_a_view_past_its_limit_does_not_spoil_the_next(served: tuple[int, str]) -> None:
    port, password = served

    async def go() -> tuple[str, str, bool, int]:
        session = Session(port, limit_s=60)
        try:
            await session.sign_in(await session.open(), BENCH_USER, password)
            session.limit_s = 0.001               # no run finishes this fast
            try:
                await session.open_page(PAGES[0])
                late = "answered"
            except ViewFailed as exc:
                late = str(exc)
            session.limit_s = 60
            run = await session.open_page(PAGES[1])
            return late, session.title_of(session.page_hash), run.ok, run.deltas
        finally:
            await session.close()

    late, shown, ok, deltas = asyncio.run(asyncio.wait_for(go(), timeout=120))
    assert late.startswith("no answer within")
    assert shown == PAGES[1] and ok and deltas > 0
