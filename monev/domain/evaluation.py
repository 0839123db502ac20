"""The Kominfo/Komdigi Smart City evaluation as plain rules (domain.md §6): five dimensions,
weights per edition, a score scale, the Indeks Pencapaian and the proposals made from our data.

Weights, the scale's maximum and the survey's minimum respondents are *settings per edition*
(stored in ``eval_edition``); the defaults below are domain.md's, marked there as unverified.
Nothing here reads a database or draws anything.

The index is the weighted mean of the five scores, on the edition's scale. A dimension without
a score makes the index "belum dapat dihitung" (never a number made of a missing 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# (code, label, what it measures) in the ministry's order.
DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("baseline", "Baseline",
     "Peningkatan sejak evaluasi sebelumnya (pertama kali: kondisi sebelum bergabung)."),
    ("output", "Output",
     "Fondasi: Perbup/Perwali masterplan, SK Dewan Smart City dan Tim Pelaksana, kelembagaan, "
     "anggaran program smart city."),
    ("outcome", "Outcome",
     "Sejauh mana rencana masterplan dijalankan: capaian dan program berjalan dari yang "
     "direncanakan."),
    ("impact", "Impact",
     "Manfaat yang dirasakan warga: survei kepuasan warga per program."),
    ("quick_win", "Quick Win", "Inovasi dan kemajuan program quick win."),
)
CODES: tuple[str, ...] = tuple(code for code, _, _ in DIMENSIONS)
LABELS: dict[str, str] = {code: label for code, label, _ in DIMENSIONS}

# Defaults (setting): one edition's weights from domain.md §6; scale maximum unverified.
DEFAULT_WEIGHTS: dict[str, float] = {"baseline": 10.0, "output": 20.0, "outcome": 30.0,
                                     "impact": 30.0, "quick_win": 10.0}
DEFAULT_SCALE_MAX = 5.0
DEFAULT_MIN_RESPONDENTS = 50
ORIGIN_LABELS = {"diisi": "Diisi", "usulan": "Usulan dari data"}


@dataclass(frozen=True)
class Edition:
    """One evaluation edition's settings: weights (%) per dimension, scale, survey size."""

    year: int
    weights: Mapping[str, float]
    scale_max: float = DEFAULT_SCALE_MAX
    min_respondents: int = DEFAULT_MIN_RESPONDENTS


def edition_problems(weights: Mapping[str, float], scale_max: float,
                     min_respondents: int) -> list[str]:
    """Why these edition settings cannot be saved (Bahasa Indonesia); empty when they can."""
    problems = []
    missing = [LABELS[c] for c in CODES if c not in weights]
    if missing:
        problems.append(f"Bobot belum diisi: {', '.join(missing)}.")
        return problems
    for code in CODES:
        w = weights[code]
        if not isinstance(w, (int, float)) or math.isnan(w) or not 0 <= w <= 100:
            problems.append(f"Bobot {LABELS[code]} harus antara 0 dan 100 (%), bukan {w!r}.")
    if not problems:
        total = sum(float(weights[c]) for c in CODES)
        if abs(total - 100.0) > 1e-6:
            problems.append(f"Jumlah bobot kelima dimensi harus 100%, sekarang "
                            f"{number_text(total)}%.")
    if not isinstance(scale_max, (int, float)) or math.isnan(scale_max) \
            or not 0 < scale_max <= 1000:
        problems.append(f"Nilai maksimum skala harus lebih dari 0, bukan {scale_max!r}.")
    if not isinstance(min_respondents, int) or not 1 <= min_respondents <= 100_000:
        problems.append("Minimum responden per program harus bilangan bulat 1 sampai 100.000.")
    return problems


def score_problem(score: float, scale_max: float) -> str | None:
    """Why a dimension's score is not valid on the edition's scale (None when it is)."""
    if not isinstance(score, (int, float)) or math.isnan(score) or not 0 <= score <= scale_max:
        return f"Nilai harus antara 0 dan {number_text(scale_max)} (skala edisi ini)."
    return None


@dataclass(frozen=True)
class IndexResult:
    """The Indeks Pencapaian (None when a dimension has no score) and what it stands on."""

    value: float | None
    missing: tuple[str, ...]          # dimension codes without a score
    contributions: dict[str, float]   # code -> weight × score / 100 (scored dimensions)

    @property
    def text_missing(self) -> str:
        """'belum ada nilai: Impact, Quick Win' (empty when complete)."""
        return ("belum ada nilai: " + ", ".join(LABELS[c] for c in self.missing)
                if self.missing else "")


def achievement_index(scores: Mapping[str, float | None],
                      weights: Mapping[str, float]) -> IndexResult:
    """Indeks Pencapaian = Σ weight% × score over the five dimensions (weights sum to 100).

    A dimension without a score leaves the index uncomputed (value None) and is named."""
    missing = tuple(c for c in CODES if scores.get(c) is None
                    or (isinstance(scores.get(c), float) and math.isnan(scores[c])))  # type: ignore[arg-type]
    contributions = {c: float(weights[c]) * float(scores[c]) / 100.0  # type: ignore[arg-type]
                     for c in CODES if c not in missing}
    value = None if missing else sum(contributions.values())
    return IndexResult(value, missing, contributions)


def change(current: float | None, previous: float | None) -> float | None:
    """current − previous (None when either is missing): the Baseline's improvement."""
    if current is None or previous is None:
        return None
    return float(current) - float(previous)


def share_to_scale(share: float | None, scale_max: float) -> float | None:
    """A share 0..1 (capped) expressed on the edition's scale, rounded to 2 decimals."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return None
    return round(min(max(float(share), 0.0), 1.0) * scale_max, 2)


def outcome_proposal(capaian: float | None, pct_running: float | None,
                     scale_max: float) -> float | None:
    """Proposed Outcome score: the mean of overall capaian (capped at 100%) and programs
    running ÷ planned (%), on the edition's scale. None when either figure is missing."""
    if capaian is None or pct_running is None:
        return None
    if math.isnan(capaian) or math.isnan(pct_running):
        return None
    return share_to_scale((min(capaian, 100.0) + min(pct_running, 100.0)) / 200.0, scale_max)


def quick_win_proposal(capaian: list[float | None], scale_max: float) -> float | None:
    """Proposed Quick Win score: the mean capaian of the quick-win programs that have one
    (each capped at 100%), on the edition's scale. None when none has a capaian."""
    values = [min(float(v), 100.0) for v in capaian
              if v is not None and not math.isnan(float(v))]
    if not values:
        return None
    return share_to_scale(sum(values) / len(values) / 100.0, scale_max)


def impact_proposal(satisfaction: list[tuple[float, int]], survey_scale: float,
                    min_respondents: int, scale_max: float) -> float | None:
    """Proposed Impact score: the mean satisfaction of the programs whose survey reached the
    minimum respondents, converted from the survey's scale (1..survey_scale) to the edition's.
    None when no program reached it."""
    kept = [s for s, n in satisfaction if n >= min_respondents]
    if not kept or survey_scale <= 0:
        return None
    return share_to_scale(sum(kept) / len(kept) / survey_scale, scale_max)


PROPOSAL_RULES = {
    "outcome": "rata-rata capaian keseluruhan (maks. 100%) dan program berjalan dari yang "
               "direncanakan, dikali nilai maksimum skala",
    "quick_win": "rata-rata capaian program quick win (masing-masing maks. 100%), dikali "
                 "nilai maksimum skala",
    "impact": "rata-rata kepuasan program yang respondennya memenuhi minimum, dibagi skala "
              "survei, dikali nilai maksimum skala",
}


def number_text(value: float) -> str:
    """12.5 -> '12,5'; 100.0 -> '100' (Indonesian decimal comma)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# ---------------------------------------------------------------- Output: the evidence checklist

EVIDENCE_ITEMS: tuple[tuple[str, str], ...] = (
    ("dasar_hukum", "Perbup/Perwali Masterplan Smart City"),
    ("sk_dewan", "SK Dewan Smart City"),
    ("sk_tim", "SK Tim Pelaksana Smart City"),
    ("kelembagaan", "Kelembagaan (sekretariat, unit pelaksana)"),
    ("anggaran", "Anggaran program smart city per dimensi (DPA/APBD)"),
)
EVIDENCE_LABELS: dict[str, str] = dict(EVIDENCE_ITEMS)
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES: dict[str, tuple[bytes, str]] = {      # type -> (magic bytes, MIME type)
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}
MAX_URL_CHARS = 500


def document_type(data: bytes) -> str:
    """The type of an evidence document from its first bytes (never its name): 'pdf', 'png'
    or 'jpeg'; raises ValueError (Bahasa Indonesia) for anything else or a file too large."""
    if not data:
        raise ValueError("File kosong (0 byte).")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValueError(f"Ukuran file {len(data) / 2**20:.1f} MB melebihi batas "
                         f"{MAX_EVIDENCE_BYTES // 2**20} MB untuk dokumen bukti.")
    for kind, (magic, _) in DOCUMENT_TYPES.items():
        if data.startswith(magic):
            return kind
    raise ValueError("Dokumen bukti harus PDF, PNG atau JPEG (dikenali dari isi file, bukan "
                     "namanya). Simpan atau pindai ulang sebagai PDF.")


def link_problem(url: str) -> str | None:
    """Why a link cannot be kept as evidence (None when it can): only http(s) addresses,
    without spaces, at most MAX_URL_CHARS characters."""
    from urllib.parse import urlsplit

    text = url.strip()
    if not text:
        return "Tautan kosong."
    if len(text) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        return f"Tautan tidak sah: tanpa spasi dan paling panjang {MAX_URL_CHARS} karakter."
    try:
        parts = urlsplit(text)
    except ValueError:
        return "Tautan tidak sah."
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Tautan harus alamat web yang diawali https:// (atau http://)."
    return None
