"""Bytes to text: declared, misdeclared and undeclared charsets of Arabic pages."""

from __future__ import annotations

import pytest

from crawler.extraction import decode_html

TEXT = "<html><head>{meta}</head><body><p>العلاقات التركية الأمريكية</p></body></html>"


@pytest.mark.parametrize(
    ("codec", "http", "meta"),
    [
        ("utf-8", "utf-8", ""),
        ("utf-8", None, ""),  # nothing declared: UTF-8
        ("utf-8", "iso-8859-1", ""),  # a server's Latin-1 default on a UTF-8 page
        ("windows-1256", "windows-1256", ""),
        ("windows-1256", None, '<meta charset="windows-1256">'),
        ("windows-1256", "utf-8", '<meta charset="windows-1256">'),  # wrong HTTP header
        ("iso-8859-6", "iso-8859-6", ""),
        ("windows-1256", "no-such-charset", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'),
    ],
)
def test_arabic_decodes_right_whatever_the_declaration(codec: str, http: str | None, meta: str) -> None:
    page = TEXT.format(meta=meta)
    assert "العلاقات التركية الأمريكية" in decode_html(page.encode(codec), http)


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    text = decode_html(b"<p>\xff\xfe\xfa ok</p>", "utf-8")
    assert "ok" in text and "\ufffd" in text
