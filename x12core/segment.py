"""The Segment value: one X12 segment with its place in the file.

Elements are kept as raw strings; composites and repetitions are split only
when asked for, because most rules read a handful of elements and splitting
everything up front would dominate the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """Separators declared by an ISA header (X12.5: ISA is fixed at 106 characters).

    ``element`` is the character at offset 3, ``repetition`` ISA11 (5010), ``component``
    ISA16, ``segment`` the character right after ISA16.
    """

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"


DEFAULT_DELIMITERS = Delimiters()


class Segment:
    """One segment: ``tag``, ``elements`` and where it sits.

    ``elements[0]`` is the tag, so ``seg[1]`` is the first data element, matching the
    guide's designators (``SV101`` is ``seg[1]``). Missing trailing elements read as
    ``""``.

    Location attributes: ``index`` (1-based ordinal in the file, ISA = 1), ``position``
    (1-based position inside its ST/SE, ST = 1; 0 for envelope segments), ``offset``
    (byte offset of the first character), ``line`` (1-based physical line).
    """

    __slots__ = ("delimiters", "elements", "index", "line", "offset", "position", "tag")

    def __init__(
        self,
        elements: list[str],
        delimiters: Delimiters = DEFAULT_DELIMITERS,
        index: int = 0,
        position: int = 0,
        offset: int = 0,
        line: int = 0,
    ) -> None:
        # x12core.blocks.fast_run sets these fields itself (keep the two in step).
        self.tag = elements[0]
        self.elements = elements
        self.delimiters = delimiters
        self.index = index
        self.position = position
        self.offset = offset
        self.line = line

    def __getitem__(self, i: int) -> str:
        els = self.elements
        return els[i] if i < len(els) else ""

    def __len__(self) -> int:
        """Number of data elements (the tag is not counted)."""
        return len(self.elements) - 1

    def __repr__(self) -> str:
        return f"Segment({self.text()!r}, index={self.index}, line={self.line})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self.elements == other.elements

    __hash__ = None  # type: ignore[assignment]

    def components(self, i: int) -> list[str]:
        """Element ``i`` split on the component separator (``SV101`` -> ``[HC, 96372, 25]``)."""
        return self[i].split(self.delimiters.component)

    def component(self, i: int, j: int) -> str:
        """Component ``j`` (1-based) of element ``i``; ``""`` when absent (``SV101-2``)."""
        parts = self[i].split(self.delimiters.component)
        return parts[j - 1] if 0 < j <= len(parts) else ""

    def repeats(self, i: int) -> list[str]:
        """Element ``i`` split on the repetition separator (5010 ISA11)."""
        value = self[i]
        return value.split(self.delimiters.repetition) if value else []

    def get(self, designator: str) -> str:
        """Value by guide designator: ``"CLM01"``, ``"SV101-2"``, ``"CLM05-3"``.

        Convenience for tools and tests; hot paths index directly.
        """
        body, _, comp = designator.partition("-")
        i = int(body[len(self.tag) :] if body.startswith(self.tag) else body[-2:])
        return self.component(i, int(comp)) if comp else self[i]

    def text(self) -> str:
        """The segment as X12 text with its own separators, without the terminator."""
        return self.delimiters.element.join(self.elements)


# Envelope control segments: the reader and the envelope walk treat them one by one.
CONTROL_TAGS = frozenset({"ISA", "GS", "GE", "IEA", "ST", "SE"})
# Tags already found valid (and not control tags). The reader hands on runs of segments
# with these tags without a per-segment check, and the envelope checks only the others
# (a membership test instead of four string checks for most segments). Bounded: a file
# of junk cannot grow it without limit.
KNOWN_TAGS: set[str] = set()


def valid_tag(tag: str) -> bool:
    """Is ``tag`` a segment identifier (2-3 upper-case letters or digits)? A valid tag
    that is not a control tag is remembered in :data:`KNOWN_TAGS`."""
    valid = 2 <= len(tag) <= 3 and tag.isalnum() and tag.upper() == tag
    if valid and len(KNOWN_TAGS) < 512 and tag not in CONTROL_TAGS:
        KNOWN_TAGS.add(tag)
    return valid
