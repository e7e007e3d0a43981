"""Medicare allowed amounts from the installed code tables, for ``claimkit ledger underpaid``.

* Drugs (a HCPCS code in the installed ASP pricing file of the quarter of service): the
  payment limit per billing unit — ASP + 6 %, what Medicare Part B allows for the drug.
* Professional services (a code with RVUs in the installed PPRRVU file of the year of
  service, e.g. 96372 or an E/M): total non-facility RVUs x the conversion factor, the
  national amount before the locality's GPCI adjustment (localities differ by a few
  per cent; the tolerance of ``ledger underpaid`` absorbs that, or give the payer's own
  fee schedule, which is looked up first).

:func:`medicare_prices` returns a :data:`ledger.underpaid.PriceLookup` that prices only
the payers named as Medicare (the 835's payer id, e.g. the MAC's), so a commercial
line is never held to the Medicare schedule.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from refdata.lookup import RefData

CENT = Decimal("0.01")
Price = tuple[Decimal, str] | None


def medicare_prices(payer_ids: Iterable[str], data_dir: str | os.PathLike[str] | None = None,
                    ) -> Callable[[str, str, tuple[str, ...], date], Price]:
    """A price lookup for the Medicare ``payer_ids`` from the installed ASP and PFS files."""
    payers = frozenset(payer_ids)
    ref = RefData(data_dir)

    def price(payer_id: str, code: str, modifiers: tuple[str, ...], dos: date) -> Price:
        if payer_id not in payers:
            return None
        asp = ref.asp_limit(code, dos)
        if asp is not None:
            limit, version = asp
            return _money(limit), f"Medicare ASP payment limit {version}"
        modifier = next((m for m in modifiers if m in ("26", "TC")), "")
        pfs = ref.pfs_rvu(code, modifier, dos)
        if pfs is not None:
            nonfac, _fac, conversion, version = pfs
            return (_money(nonfac * conversion),
                    f"Medicare PFS {version} (national, non-facility)")
        return None

    return price


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
