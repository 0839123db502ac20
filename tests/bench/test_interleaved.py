"""bench/ingest.py's interleaved timing: one call of each method per run, in turn, each after
its own setup, so the methods share the machine's phases."""

from __future__ import annotations

from bench.ingest import interleaved


def test_methods_take_turns_and_each_setup_runs_before_its_call() -> None:
    calls: list[str] = []
    results = interleaved([(lambda: calls.append("parse") or 1, None),
                           (lambda: calls.append("load") or 2, lambda: calls.append("fresh"))],
                          runs=3)
    assert calls == ["parse", "fresh", "load"] * 3
    assert [out for *_, out in results] == [1, 2]
    for median, low, high, _ in results:
        assert 0 <= low <= median <= high
