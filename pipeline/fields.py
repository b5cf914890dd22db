"""The record table's columns (DESIGN.md, "The record columns"), without pandas.

Kept apart from pipeline/records.py so that the protocol loader can name the fields a column
mapping may use without importing pandas (`slr status` starts in a fraction of a second).
"""

from __future__ import annotations

#: Columns of the record table, in order (DESIGN.md, "The record columns").
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id", "source", "source_query", "source_record_id",
    "title", "abstract", "authors", "year", "doi", "venue", "volume", "issue", "pages",
    "publisher", "doc_type", "language", "keywords", "url",
    "countries", "affiliations",
    "retrieved_at", "run_id", "first_seen",
)

#: Bibliographic fields an importer may fill (everything but ids and provenance).
BIB_FIELDS: tuple[str, ...] = (
    "title", "abstract", "authors", "year", "doi", "venue", "volume", "issue", "pages",
    "publisher", "doc_type", "language", "keywords", "url", "countries", "affiliations",
)
