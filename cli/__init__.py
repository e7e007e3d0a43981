"""The ``claimkit`` command line: wiring and rendering only; the work is in the libraries."""
