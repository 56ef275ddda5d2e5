"""Read the text back out of a PDF that fpdf2 wrote (no PDF library is installed).

Enough of PDF for fpdf2's output: objects `N 0 obj … endobj`, Flate streams, Type0 fonts with a
ToUnicode CMap (bfchar/bfrange), and text shown with Tj/TJ inside BT … ET. Text comes out in the
order it is drawn, which for shaped right-to-left text is the visual order (left to right).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_FONT_REFS = re.compile(rb"/Font\s*<<(.*?)>>", re.S)
_REF = re.compile(rb"/(\w+)\s+(\d+) 0 R")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass
class PdfDocument:
    """The parts of a PDF the tests look at."""

    pages_text: list[str]
    cmaps: dict[str, dict[int, str]]  # font resource name → code → text

    @property
    def text(self) -> str:
        return "\n".join(self.pages_text)


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(match.group(1)): match.group(2) for match in _OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    found = _STREAM.search(body)
    if not found:
        return b""
    raw = found.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body[: found.start()] else raw


def _hex_code(value: bytes) -> int:
    return int(value.strip(b"<>"), 16)


def _hex_text(value: bytes) -> str:
    return bytes.fromhex(value.strip(b"<>").decode()).decode("utf-16-be")


def parse_cmap(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap as code → text."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"(<[0-9A-Fa-f]+>)\s*(<[0-9A-Fa-f]+>)", block):
            mapping[_hex_code(code)] = _hex_text(text)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(
            rb"(<[0-9A-Fa-f]+>)\s*(<[0-9A-Fa-f]+>)\s*(<[0-9A-Fa-f]+>)", block
        ):
            first = ord(_hex_text(start)[0])
            for offset, code in enumerate(range(_hex_code(low), _hex_code(high) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _literal(content: bytes, index: int) -> tuple[bytes, int]:
    """The PDF literal string starting at content[index] == "(" and the index after it."""
    out = bytearray()
    depth = 0
    index += 1
    while index < len(content):
        char = content[index : index + 1]
        if char == b"\\":
            following = content[index + 1 : index + 2]
            if following in _ESCAPES:
                out += _ESCAPES[following]
                index += 2
            elif following.isdigit():
                digits = re.match(rb"[0-7]{1,3}", content[index + 1 : index + 4]).group(0)
                out.append(int(digits, 8))
                index += 1 + len(digits)
            else:
                out += following
                index += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            if depth == 0:
                return bytes(out), index + 1
            depth -= 1
        out += char
        index += 1
    raise ValueError("unterminated string")


def _decode(raw: bytes, cmap: dict[int, str]) -> str:
    return "".join(
        cmap.get(int.from_bytes(raw[i : i + 2], "big"), "\ufffd") for i in range(0, len(raw) - 1, 2)
    )


def content_text(content: bytes, cmaps: dict[str, dict[int, str]]) -> str:
    """The text a content stream draws: one line per BT … ET block."""
    lines: list[str] = []
    current: list[str] = []
    font: dict[int, str] = {}
    pending_name = ""
    index = 0
    while index < len(content):
        char = content[index : index + 1]
        if char == b"(":
            raw, index = _literal(content, index)
            current.append(_decode(raw, font))
            continue
        if char == b"<" and content[index : index + 2] != b"<<":
            end = content.index(b">", index)
            current.append(_decode(bytes.fromhex(content[index + 1 : end].decode()), font))
            index = end + 1
            continue
        if char == b"/":
            match = re.match(rb"/(\w+)", content[index:])
            pending_name = match.group(1).decode()
            index += len(match.group(0))
            continue
        match = re.match(rb"[A-Za-z*']+", content[index:])
        if match:
            operator = match.group(0)
            if operator == b"Tf":
                font = cmaps.get(pending_name, {})
            elif operator == b"ET" and current:
                lines.append("".join(current))
                current = []
            index += len(operator)
            continue
        index += 1
    return "\n".join(line for line in lines if line)


def read_pdf(data: bytes) -> PdfDocument:
    """Parse fpdf2 output: the text of every page and the fonts' code → text maps."""
    assert data.startswith(b"%PDF-"), "not a PDF"
    objects = _objects(data)
    font_objects: dict[str, int] = {}
    for block in _FONT_REFS.findall(data):
        for name, number in _REF.findall(block):
            font_objects[name.decode()] = int(number)
    cmaps: dict[str, dict[int, str]] = {}
    for name, number in font_objects.items():
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[number])
        cmaps[name] = parse_cmap(_stream(objects[int(to_unicode.group(1))])) if to_unicode else {}
    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page\b", body):
            contents = re.search(rb"/Contents (\d+) 0 R", body)
            pages.append(content_text(_stream(objects[int(contents.group(1))]), cmaps))
    return PdfDocument(pages_text=pages, cmaps=cmaps)
