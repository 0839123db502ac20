"""The DTD check reads only each XML part's prolog, inflated straight from the archive's
bytes: a DOCTYPE wherever the prolog puts it is refused, an ordinary part is not, and the
member's storage (deflated or stored) makes no difference."""

from __future__ import annotations

import io
import zipfile

import pytest

from etl.safety import FIRST_READ, XML_PROLOG_BYTES, UnsafeFile, sniff
from tests.helpers import masterplan_bytes

DOCTYPE = b'<!DOCTYPE lolz [<!ENTITY lol "lol">]>'


def with_workbook_xml(prolog: bytes, *, stored: bool = False) -> bytes:
    """The test masterplan with ``prolog`` put before xl/workbook.xml's root element."""
    src = zipfile.ZipFile(io.BytesIO(masterplan_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                root = data.index(b"<workbook")
                data = prolog + data[root:]
                item.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            dst.writestr(item, data)
    return out.getvalue()


def refused(data: bytes) -> UnsafeFile:
    with pytest.raises(UnsafeFile) as caught:
        sniff(data)
    return caught.value


@pytest.mark.parametrize("stored", [False, True])
@pytest.mark.parametrize("comment_bytes", [10, 4 * FIRST_READ])
def test_an_ordinary_prolog_passes(stored, comment_bytes):
    # a comment longer than the first read is read past, not taken for a hidden declaration
    prolog = (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
              b"<!--" + b"c" * comment_bytes + b"-->\n"
              b'<?mso-application progid="Excel.Sheet"?>\n')
    assert sniff(with_workbook_xml(prolog, stored=stored)).format == "xlsx"


@pytest.mark.parametrize("stored", [False, True])
@pytest.mark.parametrize("comment_bytes", [0, FIRST_READ, 20_000])
def test_a_doctype_anywhere_in_the_prolog_is_refused(stored, comment_bytes):
    # past the first read, the check reads on: a long comment cannot hide the DOCTYPE
    comment = b"<!--" + b"x" * comment_bytes + b"-->\n" if comment_bytes else b""
    prolog = b'<?xml version="1.0"?>\n' + comment + DOCTYPE + b"\n"
    exc = refused(with_workbook_xml(prolog, stored=stored))
    assert exc.check == "xml_berbahaya" and "DOCTYPE" in exc.message


def test_a_prolog_longer_than_the_limit_is_refused():
    prolog = b'<?xml version="1.0"?>\n<!--' + b"x" * XML_PROLOG_BYTES + b"-->\n" + DOCTYPE
    exc = refused(with_workbook_xml(prolog))
    assert exc.check == "xml_berbahaya" and "tidak wajar panjangnya" in exc.message


def test_text_before_the_root_element_is_damaged():
    exc = refused(with_workbook_xml(b'<?xml version="1.0"?>\nbukan xml '))
    assert exc.check == "rusak"


def test_a_corrupt_deflate_stream_is_damaged_not_a_crash():
    data = bytearray(with_workbook_xml(b""))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 8] = b"\xff" * 8  # an invalid block type
    assert refused(bytes(data)).check == "rusak"
