"""The declared workbook layouts (etl/spec/*.csv): sheets, columns, header aliases, types.

A new header variant seen in a Pemda file is one more alias in columns.csv, not new code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from etl.values import norm_header

SPEC_DIR = Path(__file__).with_name("spec")
KINDS = ("masterplan", "laporan", "revisi")


@dataclass(frozen=True)
class Column:
    """One declared column: canonical field, header shown in templates, type, aliases."""

    field: str
    header: str
    type: str
    required: bool
    locked: bool
    aliases: tuple[str, ...]

    def names(self) -> set[str]:
        """Every normalised header text that maps to this column."""
        return {norm_header(n) for n in (self.field.replace("_", " "), self.header,
                                         *self.aliases)}


@dataclass(frozen=True)
class Sheet:
    """One declared sheet of a workbook kind."""

    kind: str
    key: str
    title: str
    layout: str  # 'table' or 'kv' (label in column A, value in column B)
    required: bool
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]

    def names(self) -> list[str]:
        """Normalised sheet names that identify this sheet, best first."""
        return [norm_header(n) for n in (self.title, *self.aliases)]

    def column(self, field: str) -> Column:
        """The column declared for ``field``."""
        return _by_field(self)[field]


@cache
def _by_field(spec: Sheet) -> dict[str, Column]:
    return {c.field: c for c in spec.columns}


def _split(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split("|") if a.strip())


@cache
def sheets(kind: str) -> tuple[Sheet, ...]:
    """The declared sheets of a workbook kind, in template order."""
    with open(SPEC_DIR / "columns.csv", encoding="utf-8") as fh:
        cols = [r for r in csv.DictReader(fh) if r["kind"] == kind]
    with open(SPEC_DIR / "sheets.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == kind]
    return tuple(
        Sheet(kind=kind, key=r["sheet"], title=r["title"], layout=r["layout"],
              required=r["required"] == "yes", aliases=_split(r["aliases"]),
              columns=tuple(Column(field=c["field"], header=c["header"], type=c["type"],
                                   required=c["required"] == "yes",
                                   locked=c["locked"] == "yes", aliases=_split(c["aliases"]))
                            for c in cols if c["sheet"] == r["sheet"]))
        for r in rows)


def sheet(kind: str, key: str) -> Sheet:
    """The declared sheet ``key`` of workbook kind ``kind``."""
    return next(s for s in sheets(kind) if s.key == key)
