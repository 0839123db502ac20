"""One problem found in an uploaded file, named by file, sheet, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """A problem that blocks a load; ``message`` says in Bahasa Indonesia how to fix it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    check: str
    value: str | None
    message: str

    def place(self) -> str:
        """Where the problem is, e.g. "sheet 'Realisasi Kinerja', baris 12, kolom 'Realisasi'"."""
        parts = []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row:
            parts.append(f"baris {self.row}")
        if self.column:
            parts.append(f"kolom '{self.column}'")
        return ", ".join(parts)

    def text(self) -> str:
        """The full message: file, place, problem and fix."""
        place = self.place()
        return f"{self.file}: {place + ': ' if place else ''}{self.message}"

    def as_row(self) -> dict[str, object]:
        """A flat dict for tables and downloads (Indonesian column names)."""
        return {"File": self.file, "Sheet": self.sheet, "Baris": self.row,
                "Kolom": self.column, "Pemeriksaan": self.check, "Nilai": self.value,
                "Pesan": self.message}


class Rejected(Exception):
    """Raised inside a load to abort it; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(i.text() for i in issues[:3]))
        self.issues = issues
