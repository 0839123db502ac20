"""The rule settings an administrator changes: stored per region ('*' = every region), checked
against the rules they make, written in one transaction and audited.

The settings themselves (names, defaults, help texts, the checks that keep the rules
consistent) are declared in ``monev.domain.settings``; ``monev.engine.rules_for`` reads them.
A region's value wins over the national ('*') one, which wins over the default. The masterplan
structure (``horizons``, ``dimensions``) is not edited here: the intake's vocabulary and the
``dimension`` table decide what a workbook may say, so changing them is a migration, not a
setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb

from monev.domain.settings import DEFAULT, SETTINGS, Rules, coerce, rules_from
from monev.store.accounts import audit

NATIONAL = "*"
STRUCTURAL = frozenset({"horizons", "dimensions"})
EDITABLE: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.name not in STRUCTURAL)
ACTION = "settings_change"


class SettingRejected(ValueError):
    """A change that would make the rules invalid (message in Bahasa Indonesia); nothing was
    written."""


@dataclass(frozen=True)
class Effective:
    """One setting as a region sees it: its value and where the value comes from."""

    name: str
    value: object
    source: str          # 'bawaan' (default), 'nasional' ('*') or 'wilayah' (the region's own)
    default: object


def stored(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, object]:
    """The values stored for exactly ``region`` ('*' for the national rows), typed like their
    defaults; structural and unknown names are left out."""
    rows = con.execute("SELECT name, value_json FROM setting WHERE region_code = ? "
                       "ORDER BY name", [region]).fetchall()
    return {name: coerce(name, json.loads(value)) for name, value in rows
            if name in EDITABLE}


def effective(con: duckdb.DuckDBPyConnection, region: str) -> list[Effective]:
    """Every editable setting for ``region`` ('*': the national value) in declaration order."""
    national = stored(con, NATIONAL)
    own = stored(con, region) if region != NATIONAL else {}
    out = []
    for name in EDITABLE:
        if name in own:
            value, source = own[name], "wilayah"
        elif name in national:
            value, source = national[name], "nasional"
        else:
            value, source = DEFAULT.setting(name), "bawaan"
        out.append(Effective(name, value, source, DEFAULT.setting(name)))
    return out


def change(con: duckdb.DuckDBPyConnection, region: str, changes: Mapping[str, object | None],
           *, actor: str, scope: str | None = None,
           now: datetime | None = None) -> dict[str, tuple[object, object]]:
    """Store new values for ``region`` (None removes the region's own value, so the national
    one or the default applies again); returns name -> (old, new) of what changed.

    Every region whose rules the change reaches ('*' reaches every region with values of its
    own) must still have consistent rules, or :class:`SettingRejected` is raised and nothing is
    written. An account bound to a region (``scope``) may change only that region. Each
    changed setting is one ``settings_change`` audit event with the old and new value.
    """
    if scope is not None and region != scope:
        raise SettingRejected(f"Akun Anda hanya dapat mengubah pengaturan wilayah {scope}.")
    before, after, diff = _proposed(con, region, changes)
    if not diff:
        return {}
    _check_rules(con, region, after)
    now = now or datetime.now().replace(microsecond=0)
    con.begin()
    try:
        for name, (old, new) in diff.items():
            con.execute("DELETE FROM setting WHERE region_code = ? AND name = ?",
                        [region, name])
            if new is not None:
                con.execute("INSERT INTO setting VALUES (?, ?, ?)",
                            [region, name, json.dumps(new)])
            audit(con, actor, ACTION, name, {"wilayah": region, "sebelum": old, "sesudah": new},
                  now)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return diff


def preview(con: duckdb.DuckDBPyConnection, region: str, changes: Mapping[str, object | None],
            regency: str) -> tuple[Rules, Rules]:
    """The rules ``regency`` has now and would have after ``change(con, region, changes)``,
    checked as that change would be (SettingRejected); nothing is written or audited."""
    _, after, diff = _proposed(con, region, changes)
    if diff:
        _check_rules(con, region, after)
    national = stored(con, NATIONAL)
    own = stored(con, regency)
    new_national = after if region == NATIONAL else national
    new_own = after if region == regency else own
    return rules_from({**national, **own}), rules_from({**new_national, **new_own})


def _proposed(con: duckdb.DuckDBPyConnection, region: str,
              changes: Mapping[str, object | None]
              ) -> tuple[dict[str, object], dict[str, object], dict[str, tuple[object, object]]]:
    """The region's stored values before and after ``changes``, and name -> (old, new) of
    those that differ; each value checked and typed on its own."""
    _known_region(con, region)
    new_values = {name: _checked_value(name, value) for name, value in changes.items()}
    before = stored(con, region)
    after = {k: v for k, v in {**before, **new_values}.items() if v is not None}
    diff = {name: (before.get(name), after.get(name)) for name in new_values
            if before.get(name) != after.get(name)}
    return before, after, diff


def history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> list[dict[str, object]]:
    """The latest setting changes, newest first: event_at, actor, name, region, old, new."""
    rows = con.execute(
        """SELECT event_at, actor, target, detail FROM audit_event WHERE action = ?
           ORDER BY event_at DESC, audit_id DESC LIMIT ?""", [ACTION, limit]).fetchall()
    out = []
    for event_at, actor, name, detail in rows:
        d = json.loads(detail) if detail else {}
        out.append({"event_at": event_at, "actor": actor, "name": name,
                    "region": d.get("wilayah"), "old": d.get("sebelum"),
                    "new": d.get("sesudah")})
    return out


def _checked_value(name: str, value: object | None) -> object | None:
    if name not in EDITABLE:
        raise SettingRejected(f"Pengaturan '{name}' tidak dapat diubah di sini.")
    if value is None:
        return None
    try:
        return coerce(name, value)
    except (TypeError, ValueError) as exc:
        raise SettingRejected(str(exc)) from None


def _known_region(con: duckdb.DuckDBPyConnection, region: str) -> None:
    if region != NATIONAL and not con.execute(
            "SELECT 1 FROM ref_regency WHERE code = ?", [region]).fetchone():
        raise SettingRejected(f"Wilayah {region} tidak dikenal.")


def _check_rules(con: duckdb.DuckDBPyConnection, region: str,
                 values: Mapping[str, object]) -> None:
    """Raise SettingRejected unless the rules of every region the change reaches are valid."""
    national = values if region == NATIONAL else stored(con, NATIONAL)
    if region == NATIONAL:
        own: dict[str, Mapping[str, object]] = {NATIONAL: {}}
        own.update((r, stored(con, r)) for (r,) in con.execute(
            "SELECT DISTINCT region_code FROM setting WHERE region_code <> ? ORDER BY 1",
            [NATIONAL]).fetchall())
    else:
        own = {region: dict(values)}
    for r, values_r in own.items():
        try:
            rules_from({**national, **values_r})
        except (TypeError, ValueError) as exc:
            where = "" if r in (region, NATIONAL) else (
                f" (pada wilayah {r}, yang punya nilai sendiri)")
            raise SettingRejected(f"{exc}{where}") from None
