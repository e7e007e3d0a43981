"""The ISA header: where an interchange declares its delimiters (X12.5).

The element separator is the byte right after ``ISA``, the repetition separator is
ISA11 (version 00501 and later), the component separator is ISA16, and the segment
terminator is the byte after ISA16.
"""

from __future__ import annotations

from x12core.errors import NotX12Error
from x12core.segment import Delimiters

ISA_LENGTH = 106
_LEADING_WS = " \t\r\n"


def _looks_utf16(text: str) -> bool:
    """A UTF-16 byte-order mark, or ASCII letters interleaved with NUL bytes (``I\0S\0A\0``)."""
    if text.startswith(("\xff\xfe", "\xfe\xff")):
        return True
    head = text[:12]
    return len(head) == 12 and (
        (head[1::2] == "\x00" * 6 and "\x00" not in head[0::2])
        or (head[0::2] == "\x00" * 6 and "\x00" not in head[1::2]))


def parse_isa_header(text: str, path: str) -> tuple[Delimiters, int]:
    """Read the delimiters from an ISA header at the start of ``text``.

    Returns the delimiters and the length of the ISA segment including its
    terminator. The fixed 106-character layout is what the standard requires; a
    header padded differently is still read by counting its 16 elements (the
    envelope layer reports the bad length as a finding).
    """
    if not text:
        raise NotX12Error(path, "file is empty")
    if _looks_utf16(text):
        raise NotX12Error(path, "the file is UTF-16 text; save it as ASCII or UTF-8 (X12 is "
                          "one byte per character)")
    if "\x00" in text[:ISA_LENGTH]:
        raise NotX12Error(path, "binary data (NUL bytes) where an ISA header was expected")
    if not text.startswith("ISA"):
        found = text[:3].encode("unicode_escape").decode("ascii")
        raise NotX12Error(path, f"does not start with an ISA segment (found {found!r})")
    if len(text) < 4:
        raise NotX12Error(path, f"truncated ISA header ({len(text)} of {ISA_LENGTH} characters)")
    element = text[3]
    if element.isalnum() or element in _LEADING_WS:
        raise NotX12Error(path, f"ISA element separator {element!r} is not a delimiter")
    # ISA16 is the 16th element; the segment terminator is the character after it.
    pos = 3
    for _ in range(15):
        pos = text.find(element, pos + 1, pos + 1 + 80)
        if pos < 0:
            shown = min(len(text), ISA_LENGTH)
            raise NotX12Error(path, f"truncated ISA header ({shown} of {ISA_LENGTH} characters)")
    if pos + 2 >= len(text):
        raise NotX12Error(path, f"truncated ISA header ({len(text)} of {ISA_LENGTH} characters)")
    component = text[pos + 1]
    terminator = text[pos + 2]
    if terminator.isalnum() or terminator in (element, component):
        raise NotX12Error(path, "ISA header has no segment terminator after ISA16")
    fields = text[: pos + 2].split(element)
    repetition = fields[11] if len(fields) > 11 else ""
    version = fields[12] if len(fields) > 12 else ""
    # ISA11 is the repetition separator from version 00501 on; in 00401 it is "U".
    if version < "00501" or len(repetition) != 1 or repetition.isalnum():
        repetition = ""
    delimiters = Delimiters(element=element, component=component, repetition=repetition,
                            segment=terminator)
    return delimiters, pos + 3
