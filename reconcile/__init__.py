"""Reconciliation of sent 837P claims with 835 remittances, and the audit scorecard.

This package sits above :mod:`edi837` and :mod:`remit835` (which never import each
other) and below :mod:`ledger` and :mod:`cli`:

- :class:`reconcile.engine.Reconciler` -- index sent claims, stream remits, match and
  settle (statuses, root causes, predicted_by).
- :func:`reconcile.report.reconcile_report` -- the report records and views.
- :func:`reconcile.audit.build_scorecard` -- per provider / payer / batch scorecard.
"""
