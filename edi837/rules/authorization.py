"""Prior authorization: drugs and services the payer profile lists need REF*G1 on the claim."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.policy import PolicyList
from edi837.rules.common import at_code
from x12core.findings import Severity


@rule("R837-042", "prior-authorization-missing", category="authorization",
      severity=Severity.ERROR, catalog=("POL-002",), needs="policy:prior_authorization")
def prior_authorization_missing(claim: Claim, ctx: ClaimContext) -> Iterable[Hit]:
    """A drug or service on the profile's prior-authorization lists, with no REF*G1.

    Why:
    Payers require prior authorization for high-cost injectables and biologics
    (denosumab, leuprolide, long-acting antipsychotics, infliximab ...) and deny a
    line without it (CO-197, CO-15); the authorization number goes in 2300 REF*G1
    (the whole claim) or 2400 REF*G1 (one line). Which codes need it is payer data:
    the profile's ``[policy] prior_authorization`` names lists in
    ``edi837/data/policy.toml`` or in the profile (original Medicare lists none).

    Bad:
        CLM*PCN1*3200***11:B:1*Y*A*Y*Y~
        HI*ABK:M810~
        SV1*HC:J0897*3200*UN*60***1~

    Good:
        CLM*PCN1*3200***11:B:1*Y*A*Y*Y~
        REF*G1*PA12345678~
        HI*ABK:M810~
        SV1*HC:J0897*3200*UN*60***1~

    References:
    Billing guide: obtain prior authorization when needed. Reference §C.2 AUTH;
    CARC 197, 15; 005010X222A1 2300 and 2400 REF*G1 [S25]; lists in
    edi837/data/policy.toml (each with its source and effective date).
    """
    if claim.prior_authorization:  # the engine runs it only for claims with a listed code
        return ()
    return _missing(claim, ctx, ctx.profile.policy.prior_auth)


def _missing(claim: Claim, ctx: ClaimContext,
             required: dict[str, tuple[PolicyList, ...]]) -> Iterator[Hit]:
    for line in claim.lines:
        lists = required.get(line.code)
        if lists is None or line.prior_authorization:
            continue
        in_force = [p for p in lists if p.in_force(line.service_date)]
        if in_force:
            names = ", ".join(p.name for p in in_force)
            yield at_code(line, f"{line.code} needs prior authorization under the "
                          f"{ctx.profile.name} profile ({names}) and the claim has no REF*G1",
                          "Put the authorization number in 2300 REF*G1 (or 2400 REF*G1 on "
                          "this line); without an authorization, get one (or a retro-"
                          "authorization) before sending.")
