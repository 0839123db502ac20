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


_CURRENCY = re.compile(r"^(?i:rp|idr)\.?")
_NO_CENTS = re.compile(r"[.,]-+$")  # "Rp 50.000,-" and "Rp 50.000.-": no cents
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")  # 1.234 / 1.500.000: thousands dots
_WHOLE = re.compile(r"0|[1-9]\d*")  # an integer part with no stray leading zero


def parse_number(value: object) -> float | None:
    """Parse a number stored as such or typed as Indonesian text.

    Accepted: ``1.234,5``; ``Rp 1.500.000``, ``Rp. 1.234,00``, ``Rp1.234``, ``IDR 1.000``;
    the "no cents" endings ``Rp 774.600.000,-`` and ``50.000.-``; ``75 %``; a leading minus
    (``-3``, ``-Rp 1.000``, ``Rp -1.000``) or brackets ``(1.000)`` for a negative number.

    In Indonesian writing the dot separates thousands and the comma is the decimal mark, so
    a text with a comma is read that way (``1.234,5``, ``1,234`` is 1.234). A text with dots
    only has at most one reading, taken when it exists and refused otherwise:

    * ``1.234`` / ``1.500.000``: every group after a dot has three digits and the first
      group 1-3 digits not starting with 0: thousands (1234, 1500000);
    * one dot that cannot be a thousands dot: a decimal point as on an English keyboard:
      ``0.755`` (a thousands group never follows a lone 0: 0.755, never 755), ``12.5``,
      ``75.50``, ``1.2345``, ``1234.567``;
    * anything else (``12.34.5``, ``01.5``, ``1.234.56``) has no clear reading: refused.

    A trailing minus (``1.000-``) or unbalanced brackets are refused: "negative" or a typo?
    """
    if type(value) is float:
        return None if math.isnan(value) else value
    if type(value) is int:
        return float(value)
    if is_blank(value):
        return None
    if isinstance(value, (bool, date, datetime)):
        raise ValueError("harus berupa angka")
    text = _CURRENCY.sub("", _SPACES.sub("", str(value)).replace("\u00a0", ""), count=1)
    negative = False
    if text.startswith("-"):  # -3, Rp -1.000, -Rp 1.000
        negative, text = True, text[1:]
    elif text.startswith("(") and text.endswith(")"):  # (1.000), (Rp 1.000), Rp (1.000)
        negative, text = True, text[1:-1]
    if negative:
        text = _CURRENCY.sub("", text, count=1)
    text = _NO_CENTS.sub("", text).removesuffix("%")
    if text.endswith("-") or "(" in text or ")" in text:
        raise ValueError("tanda minus/kurung tidak jelas; tulis angka negatif seperti -1.234")
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        raise ValueError("harus berupa angka, misalnya 1.234,5")
    number = _read_digits(text)
    return -number if negative else number


def _read_digits(text: str) -> float:
    """The value of digits with dots and commas, by the rules of ``parse_number``."""
    if "," in text:
        whole, _, decimals = text.partition(",")
        if not (decimals.isdigit() and (whole.isdigit() or _GROUPED.fullmatch(whole))):
            raise ValueError("format angka tidak dikenali; tulis seperti 1.234,5")
        return float(f"{whole.replace('.', '')}.{decimals}")
    if "." not in text:
        return float(text)
    if _GROUPED.fullmatch(text):
        return float(text.replace(".", ""))
    whole, _, decimals = text.partition(".")
    if "." in decimals or not (decimals.isdigit() or whole) or (
            whole and not _WHOLE.fullmatch(whole)):
        raise ValueError("format angka tidak dikenali; tulis seperti 1.500.000 (ribuan) "
                         "atau 1.234,5 (desimal)")
    return float(text)


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
    """Parse a triwulan written as 1, 'I', 'TW I', 'TW-2', 'TW ke-2', 'Triwulan 1',
    'Triwulan III', 'Triwulan ke-4', 'Triwulan Kedua', 'Triwulan Keempat', 'Q1' or
    's.d. TW II'."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value in (1, 2, 3, 4):
            return int(value)
        raise ValueError("triwulan harus 1 sampai 4 (TW I–IV)")
    text = norm_header(value)
    text = re.sub(r"^(s d|sd|sampai dengan)\s*", "", text)
    text = re.sub(r"^(triwulan|tw|q|kuartal|trw)\s*", "", text)
    text = re.sub(r"^ke\s*", "", text)  # ke-4, keempat, ke IV
    if text in _TW_WORDS:
        return _TW_WORDS[text]
    raise ValueError("triwulan tidak dikenali; tulis TW I, TW II, TW III atau TW IV")


_TW_WORDS = {**_ROMAN, "1": 1, "2": 2, "3": 3, "4": 4, "satu": 1, "pertama": 1, "dua": 2,
             "tiga": 3, "empat": 4}


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
    """Parse a date cell or text dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or a month
    written out: '30 September 2025', '20 Nopember 2025', '16 Pebruari 2026', '17 Agt 2026',
    '1 Sept. 2025', '30-Sep-2025', '30.Sep.2025' (see ``_MONTHS``)."""
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
    match = re.fullmatch(r"(\d{1,2})[\s/.-]*([A-Za-z]+)[\s/.,-]*(\d{4})", text)
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match and month:
        try:
            return date(int(match.group(3)), month, int(match.group(1)))
        except ValueError:
            pass
    raise ValueError("tanggal tidak dikenali; tulis seperti 30/09/2025")


def _month_words() -> dict[str, int]:
    """Every month spelling read in a date: the full names in Indonesian (also the old
    spellings Pebruari, Nopember), in English, every start of them of three letters or more
    (Sep, Sept, Agust, Peb, Nop, Des) and the usual short forms that are not a start (Agt,
    Ags, Agst, Mrt). A start shared by two months would be dropped (none is: "ma" is too short)."""
    names = {1: ("januari", "january"), 2: ("februari", "pebruari", "february"),
             3: ("maret", "march"), 4: ("april",), 5: ("mei", "may"),
             6: ("juni", "june"), 7: ("juli", "july"), 8: ("agustus", "august"),
             9: ("september",), 10: ("oktober", "october"),
             11: ("november", "nopember"), 12: ("desember", "december")}
    words: dict[str, set[int]] = {}
    for month, spellings in names.items():
        for name in spellings:
            for end in range(3, len(name) + 1):
                words.setdefault(name[:end], set()).add(month)
    for word, month in (("agt", 8), ("ags", 8), ("agst", 8), ("mrt", 3)):
        words.setdefault(word, set()).add(month)
    return {word: next(iter(months)) for word, months in words.items() if len(months) == 1}


_MONTHS = _month_words()


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
