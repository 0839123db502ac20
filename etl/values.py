"""Parsers for the cell values found in real Pemda workbooks.

Each parser takes a raw cell value (as calamine returns it: str, float, int, bool, date,
datetime or None) and returns the clean value, None for an empty cell, or raises
``ValueError`` with a Bahasa Indonesia hint saying what was expected.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def norm_header(text: object) -> str:
    """Lower-case a header or label and reduce punctuation and spaces to single spaces."""
    if text is None:
        return ""
    return _norm_text(text) if isinstance(text, str) else _norm_text(str(text))


@lru_cache(maxsize=8192)
def _norm_text(text: str) -> str:
    # headers, labels and vocabulary repeat in every workbook: a dict lookup, not a regex
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only strings and NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == "" or value.strip() == "-"
    return isinstance(value, float) and math.isnan(value)


def parse_number(value: object) -> float | None:
    """Parse a number stored as such or typed as Indonesian text (1.234,5; Rp 1.500.000; 75 %)."""
    if type(value) is float:
        return None if math.isnan(value) else value
    if type(value) is int:
        return float(value)
    if is_blank(value):
        return None
    if isinstance(value, (bool, date, datetime)):
        raise ValueError("harus berupa angka")
    text = _SPACES.sub("", str(value)).replace("\u00a0", "")
    text = re.sub(r"^(?i:rp)\.?", "", text).rstrip("%")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-()")
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        raise ValueError("harus berupa angka, misalnya 1.234,5")
    if "," in text:
        if text.count(",") > 1 or not re.fullmatch(r"\d{1,3}(\.\d{3})*,\d+|\d+,\d+", text):
            raise ValueError("format angka tidak dikenali; tulis seperti 1.234,5")
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1 or re.fullmatch(r"\d{1,3}\.\d{3}", text):
        # 1.500.000 or 1.234: Indonesian thousands separators.
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            raise ValueError("format angka tidak dikenali; tulis seperti 1.500.000")
        text = text.replace(".", "")
    number = float(text)
    return -number if negative else number


def parse_int(value: object) -> int | None:
    """Parse a whole number (e.g. a year), accepting 2025, 2025.0 and '2.025'-free text."""
    number = parse_number(value)
    if number is None:
        return None
    if number != int(number):
        raise ValueError("harus bilangan bulat")
    return int(number)


def parse_year(value: object) -> int | None:
    """Parse a four-digit year between 2000 and 2100."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        year = int(value)
    else:
        year = parse_int(value)
    if year is None:
        return None
    if not 2000 <= year <= 2100:
        raise ValueError("tahun harus empat angka, misalnya 2025")
    return year


def parse_tw(value: object) -> int | None:
    """Parse a triwulan written as 1, 'I', 'TW I', 'TW-2', 'Triwulan 1', 'Triwulan III' or 'Q1'."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value in (1, 2, 3, 4):
            return int(value)
        raise ValueError("triwulan harus 1 sampai 4 (TW I–IV)")
    text = norm_header(value)
    text = re.sub(r"^(triwulan|tw|q|kuartal|trw)\s*", "", text)
    text = re.sub(r"^(s d|sd)\s*(tw)?\s*", "", text).strip()
    if text in _ROMAN:
        return _ROMAN[text]
    if text in ("1", "2", "3", "4"):
        return int(text)
    raise ValueError("triwulan tidak dikenali; tulis TW I, TW II, TW III atau TW IV")


def parse_period(value: object) -> int:
    """Parse a target period: blank or 'Tahunan' is 0 (annual), otherwise a triwulan 1..4."""
    if is_blank(value) or norm_header(value) in ("tahunan", "tahun", "annual", "0"):
        return 0
    tw = parse_tw(value)
    assert tw is not None
    return tw


def parse_bool(value: object) -> bool | None:
    """Parse Ya/Tidak (also Y/T, Yes/No, 1/0, TRUE/FALSE, a check mark)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = norm_header(value)
    if text in ("ya", "y", "yes", "1", "true", "benar", "v", "x") or str(value).strip() == "✓":
        return True
    if text in ("tidak", "t", "no", "n", "0", "false", "bukan", "salah"):
        return False
    raise ValueError("isi dengan Ya atau Tidak")


def parse_date(value: object) -> date | None:
    """Parse a date cell or text dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd or '30 September 2025'."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
                           (r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", "dmy")):
        match = re.fullmatch(pattern, text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    match = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", text)
    if match and match.group(2).lower()[:3] in _MONTHS:
        try:
            return date(int(match.group(3)), _MONTHS[match.group(2).lower()[:3]],
                        int(match.group(1)))
        except ValueError:
            pass
    raise ValueError("tanggal tidak dikenali; tulis seperti 30/09/2025")


_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "mei": 5, "may": 5, "jun": 6, "jul": 7,
           "agu": 8, "aug": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11, "des": 12, "dec": 12}


def parse_text(value: object) -> str | None:
    """Text with surrounding and repeated spaces removed; numbers written back without '.0'."""
    if type(value) is str:
        text = " ".join(value.split())
        return None if text in ("", "-") else text
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return " ".join(str(value).split())


def parse_code(value: object) -> str | None:
    """A code (program, indicator, OPD): text without spaces around, upper-cased."""
    text = parse_text(value)
    return None if text is None else text.upper().replace(" ", "")


def parse_codelist(value: object) -> tuple[str, ...]:
    """A list of codes separated by commas, semicolons or new lines."""
    text = parse_text(value)
    if text is None:
        return ()
    return tuple(dict.fromkeys(c for c in (parse_code(p) for p in re.split(r"[,;\n/]", text))
                               if c))


def parse_village_code(value: object) -> str | None:
    """A Kemendagri village code: '35.23.01.2001' (also accepts '3523012001')."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{10}", text):
        text = f"{text[:2]}.{text[2:4]}.{text[4:6]}.{text[6:]}"
    if not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", text):
        raise ValueError("kode desa/kelurahan harus seperti 35.23.01.2001")
    return text


def parse_region_code(value: object) -> str | None:
    """A Kemendagri kabupaten/kota code: '35.23' (also accepts '3523')."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{4}", text):
        text = f"{text[:2]}.{text[2:]}"
    if not re.fullmatch(r"\d{2}\.\d{2}", text):
        raise ValueError("kode wilayah harus seperti 35.23")
    return text


def vocabulary(options: dict[str, tuple[str, ...]], hint: str):
    """Build a parser mapping any alias (normalised) onto its canonical option."""
    lookup = {norm_header(alias): key for key, aliases in options.items()
              for alias in (key, *aliases)}

    def parse(value: object) -> str | None:
        if is_blank(value):
            return None
        try:
            return lookup[norm_header(value)]
        except KeyError:
            raise ValueError(hint) from None

    parse.__doc__ = f"Parse one of: {', '.join(options)}."
    parse.options = tuple(options)  # type: ignore[attr-defined]
    return parse
