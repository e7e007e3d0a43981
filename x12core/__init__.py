"""Shared X12 plumbing: streaming reader, envelopes, findings, rendering, pyx12 adapter.

This package knows nothing about claims or remittances; ``edi837`` and
``remit835`` build on it.
"""

from x12core.errors import NotX12Error
from x12core.segment import Delimiters, Segment

__all__ = ["Delimiters", "NotX12Error", "Segment"]
