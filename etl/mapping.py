"""Names mapped once: propose masterplan codes for the texts of an OPD's own forms, save the
admin's choice, list what is saved (``python -m etl pemetaan usul|simpan|daftar`` and the
upload page).

Suggestions are ranked by similarity (rapidfuzz WRatio on the texts without case, spacing or
punctuation), then, between equal scores, by the program the indicator's row sits under, the
unit, and whether the program is the OPD's own. A text is proposed a code only from
SUGGEST_FROM; below that its ``kode`` stays empty for a person to fill (or '-': not part of
the masterplan, its rows are skipped).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import e81
from etl.validate import Expect
from etl.workbook import read_workbook
from monev.store import intake
from monev.store import mapping as store

SUGGEST_FROM = 60    # score (0-100) from which a text is proposed its best match
CHOICES = 5          # suggestions kept per text
MAX_TEXTS = 200      # texts proposed per file (a form with more is no OPD's E.81)
COLUMNS = ("jenis", "teks", "kode", "skor", "wilayah", "opd", "nama_di_masterplan",
           "saran_lain")


@dataclass
class Option:
    """A masterplan code a text may mean, with its name and similarity (0-100)."""

    code: str
    name: str
    score: int


@dataclass
class Proposal:
    """A text of a form to map, with its ranked options (best first)."""

    kind: str
    text: str
    region: str
    opd: str | None
    file: str
    row: int
    options: list[Option] = field(default_factory=list)

    @property
    def best(self) -> Option | None:
        """The option proposed (None below SUGGEST_FROM)."""
        return self.options[0] if self.options and self.options[0].score >= SUGGEST_FROM \
            else None


class MappingRefused(Exception):
    """A file or mapping sheet that cannot be used, in words for the user."""


def propose(con: duckdb.DuckDBPyConnection, files: list[tuple[str, bytes]],
            expect: Expect) -> list[Proposal]:
    """The texts of E.81 files still to map, each with its ranked suggestions (one proposal
    per text and region, in the order met). Raises MappingRefused for a file that is not an
    E.81 form or whose region has no masterplan."""
    out: list[Proposal] = []
    seen: set[tuple[str, str, str]] = set()
    for name, data in files:
        book = read_workbook(data, Path(name).name)
        from etl import rfk  # a FORM RFK maps its program texts the same way
        form_module = rfk if book.kind == rfk.KIND else e81
        if book.kind not in (e81.KIND, rfk.KIND) or book.form is None:
            reason = "; ".join(i.message for i in book.issues[:2])
            raise MappingRefused(f"{name}: bukan formulir E.81 atau FORM RFK yang dapat dibaca"
                                 + (f" ({reason})" if reason else "") + ".")
        form: e81.E81Form = book.form  # type: ignore[assignment]
        target, state = form_module.target_of(con, form, expect,  # type: ignore[arg-type]
                                              lambda r: intake.masterplan_state(con, r))
        if state is None:
            where = target.region or "(tidak diketahui)"
            raise MappingRefused(f"{name}: masterplan wilayah {where} belum dimuat; muat "
                                 "masterplannya dulu, atau sebutkan --wilayah.")
        mapped = store.in_force(con, target.region)  # type: ignore[arg-type]
        res = form_module.resolve_texts(form, state, target.opd, mapped)  # type: ignore[arg-type]
        cands = candidates(state, target.opd)
        programs_of = _program_codes(form, res, cands)
        for text in res.unmapped[:MAX_TEXTS]:
            key = (target.region or "", text.kind, store.text_key(text.text))
            if key in seen:
                continue
            seen.add(key)
            hint = programs_of.get(store.text_key(text.program_text or ""))
            out.append(Proposal(text.kind, text.text, target.region or "", target.opd,
                                Path(name).name, text.row,
                                suggest(text, cands, hint)))
    return out


def _program_codes(form: e81.E81Form, res: e81.Resolution, cands: Candidates,
                   ) -> dict[str, str]:
    """The program code each program text of the form resolves to, or is proposed."""
    codes = {store.text_key(item.uraian): code for item, code in res.programs}
    for text in res.unmapped:
        if text.kind == "program":
            options = suggest(text, cands, None)
            if options and options[0].score >= SUGGEST_FROM:
                codes[store.text_key(text.text)] = options[0].code
    return codes


@dataclass
class _Choices:
    """The codes of one kind with what ranks them: processed names, program, unit, own."""

    codes: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    own: list[bool] = field(default_factory=list)


@dataclass
class Candidates:
    """The region's programs and indicators, ready to rank against a text (built once per
    file, so a form of many texts costs one pass over the masterplan per text in C)."""

    program: _Choices
    indikator: _Choices


def candidates(state: object, opd: str | None) -> Candidates:
    """The masterplan's programs and indicators as choices for ``opd``'s texts."""
    from rapidfuzz import utils
    programs = state.programs  # type: ignore[attr-defined]
    lead = programs["lead_opd_code"].to_dict()
    prog = _Choices()
    for code, name in programs["name"].items():
        prog.codes.append(code)
        prog.labels.append(name)
        prog.names.append(utils.default_process(name))
        prog.programs.append(code)
        prog.units.append("")
        prog.own.append(lead.get(code) == opd)
    ind = _Choices()
    frame = state.indicators  # type: ignore[attr-defined]
    for code, name, unit, program in zip(frame.index, frame["name"], frame["unit"],
                                         frame["program_code"], strict=True):
        ind.codes.append(code)
        ind.labels.append(f"{name} ({unit})")
        ind.names.append(utils.default_process(name))
        ind.programs.append(program)
        ind.units.append(store.text_key(unit))
        ind.own.append(lead.get(program) == opd)
    return Candidates(prog, ind)


def suggest(text: e81.Text, cands: Candidates, program: str | None) -> list[Option]:
    """The masterplan codes ``text`` may mean, best first (CHOICES of them): by similarity,
    then (equal scores) under the row's program, of the same unit, of the OPD's own."""
    from rapidfuzz import fuzz, process, utils
    choices = cands.program if text.kind == "program" else cands.indikator
    if not choices.codes:
        return []
    scores = process.cdist([utils.default_process(text.text)], choices.names,
                           scorer=fuzz.WRatio)[0]
    unit = store.text_key(text.unit or "")
    ranked = sorted(range(len(choices.codes)), key=lambda i: (
        -round(float(scores[i])), not (program is not None and choices.programs[i] == program),
        not (unit and choices.units[i] == unit), not choices.own[i], choices.codes[i]))
    return [Option(choices.codes[i], choices.labels[i], round(float(scores[i])))
            for i in ranked[:CHOICES]]


def write_csv(proposals: list[Proposal]) -> str:
    """The proposals as the mapping sheet: one row per text, ``kode`` the best suggestion
    (empty when none is close enough)."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(COLUMNS)
    for p in proposals:
        best = p.best
        others = "; ".join(f"{o.code} ({o.score})" for o in p.options[1:] if o.score > 0)
        out.writerow([p.kind, p.text, best.code if best else "",
                      best.score if best else (p.options[0].score if p.options else ""),
                      p.region, p.opd or "", best.name if best else "", others])
    return buf.getvalue()


def read_csv(text: str, region: str | None) -> list[tuple[str, str, str, str]]:
    """The filled rows of a mapping sheet as (region, kind, text, code); raises
    MappingRefused naming each row that cannot be read."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows and "jenis" not in text:
        raise MappingRefused("Lembar pemetaan kosong atau tanpa kolom jenis, teks, kode.")
    missing = [c for c in ("jenis", "teks", "kode") if c not in (rows[0] if rows else {})]
    if rows and missing:
        raise MappingRefused("Kolom " + ", ".join(missing) + " tidak ada di lembar pemetaan "
                             "(perlu kolom jenis, teks, kode).")
    out, problems = [], []
    for n, row in enumerate(rows, start=2):
        code = (row.get("kode") or "").strip()
        if not code:
            continue
        kind = (row.get("jenis") or "").strip().lower()
        text = (row.get("teks") or "").strip()
        where = (row.get("wilayah") or "").strip() or region
        if kind not in store.KINDS:
            problems.append(f"baris {n}: jenis '{kind}' tidak dikenal (program atau indikator)")
        elif not text:
            problems.append(f"baris {n}: teks kosong")
        elif not where:
            problems.append(f"baris {n}: wilayah tidak diketahui; isi kolom wilayah atau "
                            "sebutkan --wilayah")
        else:
            out.append((where, kind, text, code.upper() if code != store.SKIP else code))
    if problems:
        raise MappingRefused("Lembar pemetaan ditolak, tidak ada yang disimpan: "
                             + "; ".join(problems) + ".")
    return out


def check_codes(con: duckdb.DuckDBPyConnection,
                rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The problems of (region, kind, text, code) rows: a region without a masterplan, a code
    that is no program or indicator of that region's active masterplan."""
    problems = []
    for region, kind, text, code in rows:
        if code == store.SKIP:
            continue
        state = intake.masterplan_state(con, region)
        if state is None:
            problems.append(f"'{text}': masterplan wilayah {region} belum dimuat")
            continue
        known = state.lead_of if kind == "program" else state.indicator_info
        if code not in known:
            what = "program" if kind == "program" else "indikator"
            problems.append(f"'{text}': kode {what} '{code}' tidak ada di masterplan wilayah "
                            f"{region}")
    return problems


def save_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]], *,
              actor: str) -> store.Saved:
    """Check then save (region, kind, text, code) rows, all or nothing (MappingRefused)."""
    problems = check_codes(con, rows)
    if problems:
        raise MappingRefused("Pemetaan ditolak, tidak ada yang disimpan: "
                             + "; ".join(problems) + ". Pilih kode dari masterplan (atau '-' "
                             "untuk teks yang bukan bagian masterplan).")
    total = store.Saved()
    for region in dict.fromkeys(r[0] for r in rows):
        done = store.save(con, region, [(k, t, c) for g, k, t, c in rows if g == region],
                          actor=actor)
        total.added += done.added
        total.changed += done.changed
        total.same += done.same
    return total


def proposals_for_upload(con: duckdb.DuckDBPyConnection, name: str, data: bytes,
                         expect: Expect) -> list[Proposal]:
    """The upload page's question: the texts of one uploaded E.81 still to map (none for any
    other file, or when the file cannot be mapped yet: its dry run says why)."""
    try:
        return propose(con, [(name, data)], expect)
    except MappingRefused:
        return []
