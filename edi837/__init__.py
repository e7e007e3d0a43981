"""837P (005010X222A1) claims: model, streaming parser, rule engine, rules and scan.

Entry points other features reuse:

* :func:`edi837.parse.iter_claims` - one :class:`~edi837.model.Claim` at a time.
* :func:`edi837.scan.scan_file` - claims with their findings and held/clean status.
* :data:`edi837.registry.REGISTRY` - every rule with its id, name, category and doc.
"""
