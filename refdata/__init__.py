"""Official code tables (CMS NCCI, HCPCS, ASP, FDA NDC, PFS, ICD-10-CM) installed locally.

``claimkit data install FILE...`` reads the files exactly as CMS and the FDA
distribute them (zips, the members inside, ``.xlsx`` copies), recognises each
table from member names and header lines, checks it (row floors, header
positions, known-answer canaries) and compiles it into one SQLite store per data
directory, one dataset per kind and version (quarter), with a manifest of every
installed file. The scan then looks up only the codes a batch uses, in the table
in force on each line's date of service (:mod:`refdata.lookup`).

Modules: :mod:`refdata.sources` (zips, encodings, xlsx), :mod:`refdata.kinds`
(recognising a table), :mod:`refdata.readers_*` (one reader per layout),
:mod:`refdata.store` (SQLite schema and queries), :mod:`refdata.install`
(atomic, idempotent install with sanity gates), :mod:`refdata.fetch` (download).
"""
