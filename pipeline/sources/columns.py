"""Column headers of the spreadsheet exports people bring, mapped to the record fields.

Headers are compared after `header_key` (lower case, letters and digits only), so "Source title",
"source_title" and "SOURCE TITLE" are one header. For each field the aliases are listed in order
of preference: the first one present in a file wins. A protocol's `columns:` mapping
({field: "their header"}) is applied before these.

Exports covered: Scopus CSV, Web of Science tab-delimited (two-letter tags), ERIC, ASReview,
Rayyan, Zotero CSV, Covidence, Embase CSV, EndNote-to-CSV tables and the flat CSVs of
deduplication benchmarks (bib-dedupe, ASySD).
"""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(header: object) -> str:
    """'Source title' → 'sourcetitle'."""
    return _NOT_ALNUM.sub("", str(header).lower())


#: field → header aliases (any spelling; compared through header_key).
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "Article Title", "TI", "Document Title", "primary_title", "Title of Article",
              "Study title", "Titles"),
    "abstract": ("abstract", "AB", "Abstract Note", "Abstracts", "Description"),
    "authors": ("authors", "Author Names", "author", "AU", "Author full names", "AF", "Author(s)",
                "Creator", "Authors with affiliations names", "Contributors"),
    "year": ("year", "Publication Year", "PY", "publication_year", "Year Published", "Date of Publication",
             "publicationdateyear", "Published Year", "Date", "pubyear", "date"),
    "doi": ("doi", "DI", "work_doi", "DOI Link", "Digital Object Identifier"),
    "venue": ("journal", "Source title", "Publication Title", "SO", "Source", "Journal/Book", "venue",
              "secondary_title", "Journal Title", "container-title", "Publication", "booktitle", "journal_title"),
    "volume": ("volume", "VL", "Vol", "Volume Number"),
    "issue": ("issue", "number", "IS", "Issue Number", "No"),
    "pages": ("pages", "Page range", "Page Numbers", "PG", "Pages Range"),
    "publisher": ("publisher", "PU", "Publisher Name"),
    "doc_type": ("Document Type", "type", "ENTRYTYPE", "ref_type", "Item Type", "DT", "Publication Type",
                 "document_type", "Reference Type", "pubtype", "Study type"),
    "language": ("language", "Language of Original Document", "LA", "Languages"),
    "keywords": ("keywords", "Author Keywords", "DE", "Manual Tags", "Automatic Tags", "Index Keywords",
                 "Keywords Plus", "subject", "Subjects", "descriptors", "Emtree Medical Index Terms", "tags",
                 "Indexing terms", "MeSH Terms"),
    "url": ("url", "Link", "Open URL Link", "URL Link", "links", "UR"),
    "countries": ("countries", "country", "Country of Study", "identifiersgeo", "Study Setting"),
    "affiliations": ("affiliations", "Affiliation", "C1", "Authors with affiliations", "Correspondence Address",
                     "Author Affiliations", "Institutions"),
}

#: Headers that hold a record's own id in common exports, in order of preference.
ID_ALIASES: tuple[str, ...] = ("record_id", "ID", "EID", "UT", "key", "Key", "Covidence #", "rec_number",
                               "accession", "Accession Number", "openalex_id", "pmid", "PMID", "PubMed ID")

#: Headers whose values are first-page / last-page pairs (Scopus, WoS) joined into `pages`.
PAGE_PAIRS: tuple[tuple[str, str], ...] = (("Page start", "Page end"), ("BP", "EP"), ("StartPage", "EndPage"))

#: Keyword columns joined to the first one found (Scopus, WoS and Zotero each have two).
KEYWORD_EXTRA: tuple[str, ...] = ("Index Keywords", "Keywords Plus", "Automatic Tags", "Emtree Medical Index Terms")

#: A Web of Science tab-delimited export: its headers are two-letter tags, and there "ID" is
#: Keywords Plus (not an id) and "UT" the accession number.
WOS_TAGS: frozenset[str] = frozenset({"pt", "ti", "ut"})
