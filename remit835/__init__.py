"""835 remittances: streaming reader, balancing, root causes, reports.

Library entry points (the reconciler and scripts use these; the CLI only wires them):

- :func:`remit835.parse.read_remits` -> one :class:`~remit835.parse.PaymentStream` per ST*835
  (``.header``, iterate for :class:`~remit835.model.Claim`, ``.finish()`` -> Payment);
  :func:`~remit835.parse.iter_claims` for a flat claim stream.
- :class:`remit835.causes.CauseMap` (``CauseMap.load(overlay)``; ``classify(group, carc, rarcs)``).
- :func:`remit835.outcome.assess` -> claim and line statuses with classified adjustments.
"""

from remit835.causes import Cause, CauseMap
from remit835.model import Adjustment, Claim, Payment, PaymentHeader, ServiceLine
from remit835.outcome import ClaimOutcome, LineOutcome, assess
from remit835.parse import iter_claims, load_remits, read_remits

__all__ = ["Adjustment", "Cause", "CauseMap", "Claim", "ClaimOutcome", "LineOutcome", "Payment",
           "PaymentHeader", "ServiceLine", "assess", "iter_claims", "load_remits", "read_remits"]
