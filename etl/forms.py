"""What the readers of the forms OPDs already fill (etl/e81.py, etl/rfk.py) share: a layout
profile as data (etl/profiles/*.csv: for each part of the form, its roles in order with the
phrases that name them) and reading the form's one sheet in the sandbox."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from pathlib import Path

from etl import sandbox
from etl import values as v
from etl.workbook import ParsedWorkbook, _limits

Profile = dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
PROFILES = Path(__file__).with_name("profiles")


@cache
def profile(name: str) -> Profile:
    """The layout ``etl/profiles/<name>.csv``: for each part (column, group, row, …), its roles
    in order with their phrases (normalised like headers)."""
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    with open(PROFILES / f"{name}.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            phrases = tuple(v.norm_header(p) for p in row["phrases"].split("|") if p.strip())
            out.setdefault(row["part"], []).append((row["role"], phrases))
    return {part: tuple(roles) for part, roles in out.items()}


def role(name: str, part: str, text: str, *, start: bool = False,
         whole: bool = False) -> str | None:
    """The first role of ``part`` in profile ``name`` one of whose phrases is in ``text``
    (normalised) as whole words: at its start when ``start``, the whole text when ``whole``."""
    padded = f" {text} "
    for found, phrases in profile(name)[part]:
        for phrase in phrases:
            if whole and text == phrase:
                return found
            if not whole and (padded.startswith(f" {phrase} ") if start
                              else f" {phrase} " in padded):
                return found
    return None


def read_sheet(book: ParsedWorkbook, data: bytes, sheet: str, kind: str,
               layout: Callable[[str, list[list], list, frozenset | set], object],
               issue_code: str) -> None:
    """Parse the form's sheet in a sandbox worker (the workbook limits apply) and lay it out
    into ``book.form``; the book's kind becomes ``kind``. A worker that fails is the usual
    "unreadable" refusal; a layout that answers with a text is a refusal saying it."""
    from etl.workbook import _unreadable
    try:
        _, grids = sandbox.call("grids", data, [sheet], _limits())  # type: ignore[misc]
    except Exception as exc:
        _unreadable(book, exc if not isinstance(exc, sandbox.TaskFailed) else ValueError())
        return
    grid, merged, percent = grids[sheet]
    book.kind = kind
    book.info_sheet = sheet
    form = layout(sheet, grid, merged, percent)
    if isinstance(form, str):
        book.issue(sheet, None, None, issue_code, None, form)
        return
    book.form = form
