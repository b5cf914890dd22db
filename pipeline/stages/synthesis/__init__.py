"""Synthesis: the PRISMA 2020 counts with their invariants, the report tables, the catalogue.

Pure functions over the earlier stages' tables; drawing, documents and files live in
`pipeline/report/` and `pipeline/runner/synthesize.py`.
"""
