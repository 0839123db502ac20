"""Checks that run on the raw bytes before any parser sees them.

The file type is sniffed from the content, never the name. Zip containers (xlsx, xlsm, ods)
are checked for member count, per-member and total uncompressed size and compression ratio
from the central directory, and their XML parts for DTDs (entity expansion bombs), all before
parsing, so a hostile file costs bounded memory and time.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import olefile

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
MAX_MEMBER_BYTES = 300 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_RATIO = 150          # uncompressed / compressed, checked on members above RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
XML_PROLOG_BYTES = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class UnsafeFile(Exception):
    """The file is not a spreadsheet we can safely open; the message is for the user."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: 'xlsx', 'xlsm', 'ods' or 'xls'."""

    format: str


def sniff(data: bytes) -> Sniffed:
    """Identify the spreadsheet format from the bytes and refuse anything unsafe."""
    if len(data) == 0:
        raise UnsafeFile("kosong", "File kosong (0 byte). Unggah ulang file laporan yang benar.")
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeFile("terlalu_besar", f"Ukuran file {len(data) / 2**20:.0f} MB melebihi batas "
                         f"{MAX_FILE_BYTES // 2**20} MB. Pisahkan atau kurangi isinya.")
    if data.startswith(OLE_MAGIC):
        return Sniffed(_sniff_ole(data))
    if data.startswith(ZIP_MAGIC):
        return Sniffed(_sniff_zip(data))
    raise UnsafeFile("bukan_spreadsheet", "File ini bukan spreadsheet (xlsx, xlsm, xls atau ods). "
                     "Simpan ulang dari Excel atau LibreOffice Calc sebagai .xlsx.")


def _sniff_ole(data: bytes) -> str:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises several types for damaged files
        raise UnsafeFile("rusak", "File rusak dan tidak dapat dibuka. Simpan ulang dari Excel "
                         "lalu unggah kembali.") from exc
    with ole:
        streams = {"/".join(s).lower() for s in ole.listdir()}
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise UnsafeFile("berpassword", "File dilindungi kata sandi. Buka di Excel, hapus kata "
                         "sandi (File > Info > Protect Workbook), simpan, lalu unggah ulang.")
    if "workbook" in streams or "book" in streams:
        return "xls"
    raise UnsafeFile("bukan_spreadsheet", "File Office ini bukan spreadsheet. Unggah file Excel "
                     "(.xlsx/.xls) atau LibreOffice Calc (.ods).")


def _sniff_zip(data: bytes) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeFile("rusak", "File rusak atau terpotong (arsip zip tidak utuh). Simpan ulang "
                         "dari Excel lalu unggah kembali.") from exc
    with zf:
        _check_zip_sizes(infos)
        names = {i.filename for i in infos}
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            content_types = _read_prefix(zf, "[Content_Types].xml", XML_PROLOG_BYTES)
            fmt = "xlsm" if b"macroEnabled" in content_types else "xlsx"
        elif "mimetype" in names and _read_prefix(zf, "mimetype", 100).startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"):
            fmt = "ods"
        else:
            raise UnsafeFile("bukan_spreadsheet", "Arsip zip ini bukan workbook Excel atau "
                             "LibreOffice. Unggah file .xlsx, .xls atau .ods.")
        for info in infos:
            if info.filename.endswith((".xml", ".rels", ".vml")):
                _check_xml_prolog(zf, info.filename)
    return fmt


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    bomb = UnsafeFile("bom_zip", "File ditolak: isi terkompresinya tidak wajar (bom dekompresi) "
                      "atau melebihi batas ukuran. Simpan ulang dari Excel dan unggah kembali.")
    if len(infos) > MAX_MEMBERS:
        raise bomb
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise bomb
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise bomb
        total += info.file_size
    if total > MAX_UNZIPPED_BYTES:
        raise bomb


def _read_prefix(zf: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        with zf.open(name) as fh:
            return fh.read(size)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UnsafeFile("rusak", "File rusak atau terpotong. Simpan ulang dari Excel lalu "
                         "unggah kembali.") from exc


_PROLOG = re.compile(rb"\s*(<\?xml[^>]*\?>)?\s*(<!--.*?-->\s*)*", re.S)


def _check_xml_prolog(zf: zipfile.ZipFile, name: str) -> None:
    head = _read_prefix(zf, name, XML_PROLOG_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    rest = head[_PROLOG.match(head).end():]
    if rest[:9].upper() == b"<!DOCTYPE" or b"<!ENTITY" in head.upper():
        raise UnsafeFile("xml_berbahaya", "File ditolak: bagian XML-nya memuat deklarasi DOCTYPE/"
                         "ENTITY (pola serangan 'billion laughs'). Simpan ulang dari Excel.")
    if rest and not rest.startswith(b"<"):
        raise UnsafeFile("rusak", "File rusak: bagian XML-nya tidak valid. Simpan ulang dari "
                         "Excel.")
