"""Column headers of the spreadsheet exports people bring, mapped to the record fields.

Headers are compared after `header_key` (lower case, letters and digits only), so "Source title",
"source_title" and "SOURCE TITLE" are one header. For each field the aliases are listed in order
of preference: the first one present in a file wins. A protocol's `columns:` mapping
({field: "their header"}) is applied before these.

Exports covered (headers as each writes them):
- Scopus CSV: Authors, Author full names, Title, Year, Source title, Volume, Issue, Page start,
  Page end, DOI, Link, Affiliations, Abstract, Author Keywords, Index Keywords, Publisher,
  Language of Original Document, Document Type, EID;
- Web of Science tab-delimited: two-letter tags PT AU AF TI SO DE ID AB C1 PU PY VL IS BP EP PG DI
  DT LA UT (there ID is Keywords Plus and PG the page count, so neither is read as such);
- ERIC (API fields as CSV): id, title, author, description, subject, publicationdateyear,
  publicationtype, source, publisher, language;
- ASReview: record_id, title, abstract, authors, keywords, year, doi, (label_included is not a field);
- Rayyan: key, title, authors, journal, volume, issue, pages, year, publisher, url, abstract, doi, keywords;
- Zotero CSV: Key, Item Type, Publication Year, Author, Title, Publication Title, DOI, Url,
  Abstract Note, Pages, Issue, Volume, Publisher, Language, Manual Tags, Automatic Tags;
- Covidence: Title, Authors, Abstract, Published Year, Journal, Volume, Issue, Pages,
  Accession Number, DOI, Covidence #;
- Embase CSV: Title, Author Names, Correspondence Address, Source (venue, year, volume, issue and
  pages in one cell), Abstract, Emtree Medical Index Terms, keywords, Open URL Link (holds the DOI);
- EndNote-to-CSV tables and the flat CSVs of deduplication benchmarks (bib-dedupe, ASySD).
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
    "year": ("year", "Publication Year", "PY", "publication_year", "Published Year", "Year Published",
             "publicationdateyear", "Date of Publication", "pubyear", "Date"),
    "doi": ("doi", "DI", "work_doi", "DOI Link", "Digital Object Identifier"),
    "venue": ("journal", "Source title", "Publication Title", "SO", "Source", "Journal/Book", "venue",
              "secondary_title", "Journal Title", "container-title", "Publication", "booktitle", "journal_title"),
    "volume": ("volume", "VL", "Vol", "Volume Number"),
    "issue": ("issue", "number", "IS", "Issue Number", "No"),
    "pages": ("pages", "Page range", "Page Numbers", "Pages Range"),
    "publisher": ("publisher", "PU", "Publisher Name"),
    # Zotero's "Item Type" before a plain "type": Zotero also has a "Type" column (a thesis's
    # "Doctoral dissertation"), empty for most items.
    "doc_type": ("Document Type", "Item Type", "ENTRYTYPE", "ref_type", "DT", "Publication Type", "publicationtype",
                 "document_type", "doc_type", "Reference Type", "type", "pubtype", "Study type"),
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
#: Fields whose aliases differ in a Web of Science table (Keywords Plus join as extra keywords).
WOS_ONLY: dict[str, tuple[str, ...]] = {"keywords": ("DE",)}

#: Item types written as identifiers (Zotero's "journalArticle") in the record table's words.
ITEM_TYPES: dict[str, str] = {
    "journalArticle": "journal article", "magazineArticle": "magazine article",
    "newspaperArticle": "newspaper article", "conferencePaper": "conference paper", "book": "book",
    "bookSection": "book chapter", "report": "report", "thesis": "thesis", "webpage": "web page",
    "blogPost": "web page", "preprint": "preprint", "document": "generic", "manuscript": "manuscript",
    "dataset": "dataset", "computerProgram": "software", "patent": "patent", "presentation": "presentation",
    "encyclopediaArticle": "encyclopedia article", "dictionaryEntry": "encyclopedia article",
    "statute": "policy", "bill": "policy", "hearing": "policy", "case": "legal case",
}
