"""Hand-made 835 texts for the remit tests: envelopes with exact counts around bodies.

Bodies are written with ``*`` and ``:``; :func:`interchange` wraps one or more
transactions (each a list of segments between ST and SE) in ISA/GS ... GE/IEA.
"""

from __future__ import annotations

from tests.x12text import isa


def transaction(body: list[str], control: str = "0001") -> list[str]:
    return [f"ST*835*{control}", *body, f"SE*{len(body) + 2}*{control}"]


def interchange(*transactions: list[str], control: str = "000000901", group: str = "901",
                terminator: str = "~\n") -> str:
    segs = [isa(control),
            f"GS*HP*PAYERID*RECEIVERID*20250315*1200*{group}*X*005010X221A1"]
    for i, body in enumerate(transactions, start=1):
        segs.extend(transaction(body, f"{i:04d}"))
    segs += [f"GE*{len(transactions)}*{group}", f"IEA*1*{control}"]
    return "".join(s + terminator for s in segs)


def header(amount: str, trace: str = "EFT0001", payer: str = "ACME HEALTH PLAN",
           payer_id: str = "88801", method: str = "ACH", credit: str = "C") -> list[str]:
    return [
        f"BPR*I*{amount}*{credit}*{method}*CCP*01*999999999*DA*123456*1512345678**01*"
        "999988880*DA*98765*20250315",
        f"TRN*1*{trace}*1512345678",
        "DTM*405*20250314",
        f"N1*PR*{payer}*XV*{payer_id}",
        "N3*100 PAYER WAY",
        "N4*HARTFORD*CT*06101",
        "REF*2U*PAYER01",
        "PER*BL*EDI SUPPORT*TE*8005551212",
        "N1*PE*SUNRISE CLINIC*XX*1234567893",
        "REF*TJ*123456789",
    ]


# A paid claim: two lines, contractual write-down and coinsurance on each.
PAID_CLAIM = [
    "CLP*PCN0001*1*225*144*36*MB*ICN0001*11*1",
    "NM1*QC*1*DOE*JANE****MI*1EG4TE5MK72",
    "DTM*050*20250305",
    "SVC*HC:99213:25*125*72**1",
    "DTM*472*20250301",
    "CAS*CO*45*35",
    "CAS*PR*2*18",
    "REF*6R*PCN0001-1",
    "AMT*B6*90",
    "SVC*HC:96372*100*72**1",
    "DTM*472*20250301",
    "CAS*CO*45*10*1*59*0",
    "CAS*PR*2*18",
    "REF*6R*PCN0001-2",
    "AMT*B6*90",
]

# A denied drug line (CO-16 + M119) and its administration paid.
DRUG_CLAIM = [
    "CLP*PCN0002*1*85.01*32**MB*ICN0002*11*1",
    "NM1*QC*1*ROE*RICHARD****MI*2FG5UF6NL83",
    "SVC*HC:J1885:JZ*25.01*0**2",
    "DTM*472*20250302",
    "CAS*CO*16*25.01",
    "REF*6R*PCN0002-1",
    "LQ*HE*M119",
    "SVC*HC:96372*60*32**1",
    "DTM*472*20250302",
    "CAS*CO*45*28",
    "REF*6R*PCN0002-2",
]
