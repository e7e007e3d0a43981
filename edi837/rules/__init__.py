"""Rule families. Importing this package registers every rule with the engine.

One module per family; each rule is a function with an id, a readable name, a
contract category, a default severity and a Why / Bad / Good / References
docstring. Catalog ids (INJ-0xx) refer to shared reference §A.12; POL-0xx to the
billing guide's payer-policy checks that the reference's catalog has no id for
(POL-001 timely filing, reference §C.7; POL-002 prior authorization, §C.2 AUTH;
POL-011 self-administered drug exclusion, reference SAD [S5b]).

Id scheme: ``R96372-0NN`` for rules about the injection and its drug lines
(NN follows the catalog family: 00x drug link, 01x coding, 02x bundling,
03x modifiers, 04x units, 05x drug data, 06x JW/JZ, 07x place of service, 08x
checks that need the official tables: crosswalk, FDA directory, SAD lists, HCPCS file);
``R837-0NN`` for rules that apply to any 837P claim or line (00x claim
integrity, 01x code validity, 02x diagnosis pointers and codes, 03x
modifiers/units, 04x payer policy: timely filing, prior authorization, medical
necessity).

Clearinghouse edit families (issue 12) use ``R96372-1NN`` (100 charges, 101
allergen immunotherapy, 102 telehealth, 11x routes, 12x vaccine and immune
globulin administration, 13x JW waste, 140 NOC with a specific code) and
``R837-05N`` add-on codes, ``R837-06N`` provider identifiers, ``R837-07N``
patient age and sex, ``R837-08N`` dates, ``R837-09N`` duplicates across the run.
"""

from edi837.rules import (  # noqa: F401 - imported to register the rules
    addons,
    allergy,
    authorization,
    bundling,
    charges,
    claim,
    coding,
    dates,
    diagnosis,
    diagnosis_codes,
    documentation,
    drug_data,
    drug_link,
    drug_tables,
    duplicates,
    elements,
    medical_necessity,
    modifiers,
    noc_specific,
    patient,
    place_of_service,
    providers,
    routes,
    telehealth,
    timely_filing,
    units,
    vaccines,
    waste,
)
