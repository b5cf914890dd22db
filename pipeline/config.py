"""The protocol: a YAML file loaded into frozen dataclasses and validated on load.

Validation is driven by the dataclasses themselves (field names, type hints, and `metadata` for
ranges, choices, patterns and file existence; pipeline/yaml_schema.py does it), so a later stage
adds a protocol key by adding a field. Every error names the YAML path (`sources[2].format`) and
suggests the closest valid key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from .errors import ConfigError, did_you_mean
from .fields import BIB_FIELDS
from .yaml_schema import SectionLoader, key_path, kind_of, load_yaml, read_yaml

FILE_FORMATS = ("ris", "wos", "bibtex", "endnote_xml", "nbib", "csv", "tsv", "xlsx", "reflist")
API_TYPES = ("openalex", "crossref", "eric", "semantic_scholar", "arxiv", "europepmc", "doaj", "core", "citations")
SOURCE_TYPES = ("file", "suggestions", *API_TYPES)
_EXTENSIONS = {
    ".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".xml": "endnote_xml", ".nbib": "nbib",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
}


#: Review ids and source names become folder names (data/<id>/, imports/<name>/, raw/<name>/):
#: letters, digits, "-" and "_", starting with a letter or digit — no "/", "\\", "." or "..".
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
SLUG_RULE = "letters, digits, - and _ only, starting with a letter or digit (it names a folder)"
_SLUG: dict[str, Any] = {"pattern": (SLUG, SLUG_RULE, 'e.g. "scopus_2026" or "micro-credentials"')}


def _range(low: float | None = None, high: float | None = None) -> dict[str, Any]:
    return {"range": (low, high)}


@dataclass(frozen=True)
class FileSource:
    """Records exported from a database without an open API, or a reference list."""

    name: str = field(metadata=_SLUG)
    path: Path = field(metadata={"must_exist": True})
    type: Literal["file"] = "file"
    format: str | None = field(default=None, metadata={"choices": FILE_FORMATS})
    id_column: str | None = None
    columns: dict[str, str] = field(default_factory=dict, metadata={"keys": BIB_FIELDS})  # {our field: their header}
    encoding: str | None = None
    sheet: str | None = None
    database: str | None = None
    platform: str | None = None
    query: str | None = None
    searched_on: dt.date | None = None
    optional: bool = False

    def resolved_format(self) -> str | None:
        """The format named in the protocol, or the one the file's extension implies."""
        return self.format or _EXTENSIONS.get(self.path.suffix.lower())


@dataclass(frozen=True)
class ApiSource:
    """A live database search through its API (connectors in `pipeline/sources/`)."""

    name: str = field(metadata=_SLUG)
    type: str = field(metadata={"choices": API_TYPES})
    query: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    max_records: int | None = field(default=None, metadata=_range(1, None))
    base_url: str | None = None
    database: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class SuggestionSource(FileSource):
    """Publications readers suggested (`type: suggestions`): a CSV/TSV/XLSX with the columns title,
    link, suggested_by and note. Its records are deduplicated and screened like any other and count
    in PRISMA under other methods ("suggested by readers"); see `pipeline.sources.suggestions`."""

    type: Literal["suggestions"] = "suggestions"  # type: ignore[assignment]
    format: str | None = field(default=None, metadata={"choices": ("csv", "tsv", "xlsx")})
    database: str | None = "Suggested by readers"


Source = Union[FileSource, ApiSource]  # a SuggestionSource is a FileSource


@dataclass(frozen=True)
class DedupeConfig:
    """Deduplication settings (the `dedupe:` section). Similarities are rapidfuzz ratios in 0..1.

    Two records are one work when a rule in `pipeline/stages/dedupe/decide.py` says so; these are
    the levels its rules use. Pairs above `review_title` that no rule merges go to the reviewer.
    """

    enabled: bool = True
    same_title: float = field(default=0.95, metadata=_range(0.5, 1.0))      # titles that are the same
    similar_title: float = field(default=0.90, metadata=_range(0.5, 1.0))   # close, with more to agree
    review_title: float = field(default=0.80, metadata=_range(0.5, 1.0))    # worth a reviewer's look
    same_authors: float = field(default=0.90, metadata=_range(0.5, 1.0))    # author lists that agree
    same_venue: float = field(default=0.85, metadata=_range(0.5, 1.0))      # journal names that agree
    max_year_gap: int = field(default=1, metadata=_range(0, 5))             # online first vs print
    max_block: int = field(default=17, metadata=_range(2, 100_000))         # larger: windowed (2 x window + 1)
    window: int = field(default=8, metadata=_range(1, 1000))                # neighbours in a large block


@dataclass(frozen=True)
class YearRule:
    """`screening.years`: keep works published after `after` and before `before` (both exclusive).

    `after: 2017` proposes excluding 2017 and earlier ("published before 2018"); a work without a
    year is sent to a reviewer, never excluded for it.
    """

    after: int | None = field(default=None, metadata=_range(1500, 2100))
    before: int | None = field(default=None, metadata=_range(1500, 2100))


@dataclass(frozen=True)
class DocTypeRule:
    """`screening.doc_types`: document types proposed for exclusion.

    Compared as words, after lower-casing, punctuation → spaces and plural → singular, so
    "erratum" matches "Erratum" and "Published Erratum"; a few synonyms count as the same type
    (erratum = correction = corrigendum, retraction = retracted, conference abstract = meeting
    abstract). A work without a type is not excluded by this rule.
    """

    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldWeights:
    """`screening.relevance.weights`: how much one term occurrence counts in each field."""

    title: float = field(default=3.0, metadata=_range(0, None))
    keywords: float = field(default=2.0, metadata=_range(0, None))
    abstract: float = field(default=1.0, metadata=_range(0, None))


@dataclass(frozen=True)
class RelevanceConfig:
    """`screening.relevance`: concept groups of search terms and the score thresholds.

    `groups` maps a concept name to its terms: `*` is a wildcard for the rest of a word
    (`teacher*`), a hyphen matches a hyphen, a space or nothing (`micro-credential*` also finds
    "micro credentials" and "microcredentials"), a space matches a space or a hyphen; matching
    ignores case. `require` lists groups that must match at all (else "not relevant" whatever the
    score). A work scoring below `floor` is proposed for exclusion, at or above `ceiling` for
    inclusion, in between it goes to a reviewer; either threshold may be null (never).
    """

    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require: tuple[str, ...] = ()
    weights: FieldWeights = field(default_factory=FieldWeights)
    floor: float | None = field(default=1.0, metadata=_range(0, None))
    ceiling: float | None = field(default=4.0, metadata=_range(0, None))


@dataclass(frozen=True)
class GeographyConfig:
    """`screening.geography`: which countries and regions a review covers.

    `mode: record` (the default) only describes each work's coverage; `include: [EU, IE]` proposes
    excluding works whose detected countries all lie outside those countries/regions (works with
    no detected place go to a reviewer); `exclude: [US]` proposes excluding works whose detected
    places all lie inside. Entries are ISO codes (IE, IRL), country names, or region names (EU,
    EHEA, OECD, Europe, Oceania, Global South, … or one defined under `regions`). `evidence`
    chooses where places are looked for: the `countries` column, `affiliations`, and `text`
    (title, abstract, keywords).
    """

    mode: Literal["record", "include", "exclude"] | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ("countries", "affiliations", "text")
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityLevel:
    """One level of the quality rubric; a work gets the first level whose conditions all hold.

    `doc_types`: the work's type contains one of these (compared like `doc_types.exclude`);
    `venue`: the work names a venue (journal, proceedings, book); `body`: a recognised body
    (`quality.bodies`) is its author, publisher or venue, owns its URL, or is named in its title.
    A level with no condition matches every work (a catch-all at the end).
    """

    name: str
    doc_types: tuple[str, ...] = ()
    venue: bool = False
    body: bool = False


DEFAULT_QUALITY_LEVELS: tuple[QualityLevel, ...] = (
    QualityLevel("peer-reviewed", doc_types=("journal article", "article", "review"), venue=True),
    QualityLevel("recognised body", body=True),
    QualityLevel("academic", doc_types=("book", "chapter", "conference", "proceeding", "thesis", "dissertation")),
    QualityLevel("grey literature", doc_types=(
        "report", "working paper", "preprint", "posted content", "web page", "blog", "news",
        "magazine", "policy", "standard", "generic", "other")),
)

#: Recognised bodies: intergovernmental organisations, EU institutions and agencies, quality
#: assurance agencies and ministries, and the higher-education associations that publish on
#: micro-credentials. Entries with a dot and no space are web domains (matched against the URL).
DEFAULT_BODIES: tuple[str, ...] = (
    "OECD", "UNESCO", "World Bank", "International Labour Organization", "ILO", "UNICEF",
    "Commonwealth of Learning", "Council of Europe", "European Commission",
    "Council of the European Union", "European Parliament", "Cedefop", "European Training Foundation",
    "Eurydice", "European University Association", "ENQA", "EQAR", "Bologna Follow-Up Group",
    "Inter-American Development Bank", "Asian Development Bank", "African Union", "QAA", "QQI",
    "HEQCO", "NZQA", "TEQSA", "Department for Education", "Department of Education",
    "Ministry of Education", "Jisc", "EDUCAUSE", "American Council on Education",
    "Universities UK", "Universities Australia", "Colleges and Institutes Canada", "ICDE", "EADTU",
    "oecd.org", "oecd-ilibrary.org", "unesco.org", "europa.eu", "coe.int", "worldbank.org",
    "ilo.org", "col.org", "eua.eu", "enqa.eu", "qaa.ac.uk", "qqi.ie", "heqco.ca", "nzqa.govt.nz",
    "teqsa.gov.au", "ed.gov", "gov.uk",
)


@dataclass(frozen=True)
class QualityConfig:
    """`screening.quality`: the rubric giving each work a quality level, with its evidence.

    `levels` (in order; the defaults are peer-reviewed, recognised body, academic, grey
    literature), `bodies` (the recognised bodies), `unrated` (the level of a work no level fits),
    and `exclude`: levels proposed for exclusion (none by default: reviewers judge quality).
    """

    levels: tuple[QualityLevel, ...] = DEFAULT_QUALITY_LEVELS
    bodies: tuple[str, ...] = DEFAULT_BODIES
    unrated: str = "unrated"
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReasonCodes:
    """`screening.reason_codes`: the reason each criterion gives when it proposes an exclusion.

    These become PRISMA exclusion reasons, so a protocol names them in its own words (and lists
    them in `reasons` for reviewers). `years` left empty says "published before 2018" for
    `after: 2017` and "published after 2023" for `before: 2024`.
    """

    years: str | None = None
    languages: str = "language"
    doc_types: str = "document type"
    relevance: str = "not relevant"
    geography: str = "outside geography"
    quality: str = "quality"


@dataclass(frozen=True)
class ScreeningConfig:
    """Screening criteria (the `screening:` section); see `pipeline.stages.screen.criteria`.

    `languages`: accepted languages as ISO 639 codes or English names (en, eng, English).
    `reasons`: the exclusion reasons reviewers choose from; `decisions`: their decision values;
    `accept_proposals`: let proposed decisions stand where no reviewer decided; `reviewers`: how
    many reviewers decide each work (2 = blind dual screening, disagreements become conflicts).
    """

    years: YearRule = field(default_factory=YearRule)
    languages: tuple[str, ...] = ()
    doc_types: DocTypeRule = field(default_factory=DocTypeRule)
    relevance: RelevanceConfig = field(default_factory=RelevanceConfig)
    geography: GeographyConfig = field(default_factory=GeographyConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    reason_codes: ReasonCodes = field(default_factory=ReasonCodes)
    reasons: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ("include", "exclude", "maybe")
    accept_proposals: bool = False
    reviewers: int = field(default=1, metadata=_range(1, 2))


@dataclass(frozen=True)
class CodingConfig:
    """`coding:` — where full texts are, and how proposed codes are treated.

    `fulltext`: a folder of PDFs or text files, matched to works by DOI, work id or title;
    `coders`: 2 compares two coders per theme (kappa, conflicts); `accept_proposals`: proposed
    codes count where no coder coded a theme (default true; false keeps them proposals only).
    """

    fulltext: Path | None = field(default=None, metadata={"must_exist": True})
    coders: int = field(default=1, metadata=_range(1, 2))
    accept_proposals: bool = True


@dataclass(frozen=True)
class SynthesisConfig:
    """Synthesis and report settings (the `synthesis:` section).

    `previous_version`: for an updated review, a CSV of the studies the previous version included
    (its included.csv, or any CSV with `work_id` and/or `doi`): the PRISMA diagram then takes the
    PRISMA 2020 template for updated reviews (previous studies + new studies = total).
    """

    title: str | None = None
    previous_version: Path | None = field(default=None, metadata={"must_exist": True})
    #: The issuer whose practice the report sets against the others' and the literature's
    #: (its name as in the Extraction sheet's issuer column; matched case-blind).
    client: str | None = None
    #: The report.docx page size.
    paper: Literal["A4", "Letter"] = "A4"


# --- The published site (`slr publish`, issue 19) -------------------------------------------

#: Category → the document types and reference-list headings it gathers (compared ignoring case,
#: punctuation and plurals); the first category that matches a work wins. The Observatory's own.
DEFAULT_SITE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Major policy initiatives": ("policy initiative", "policy", "legislation", "regulation", "standard",
                                 "framework", "Major Policy Initiatives"),
    "Reports": ("report", "working paper", "National & International Reports"),
    "Journal articles and commentary": ("journal article or commentary", "journal article", "article", "review",
                                        "editorial", "letter", "commentary", "book", "chapter", "book chapter",
                                        "conference paper", "proceedings", "preprint", "thesis", "dissertation"),
    "Events": ("event", "conference", "webinar", "workshop", "video", "podcast"),
}


@dataclass(frozen=True)
class SiteConfig:
    """`site:` — the published collection (`slr publish`, outputs/<id>/06_site/).

    `title` (default: the review's title), `description` (a paragraph under it), `url` (where the
    site is hosted, for the feed's links), `suggest` (a `mailto:` or `https://` address where readers
    send suggestions), `categories` (category → document types and reference-list headings, in the
    order shown), `other` (the category of works no category names), `landing_pages` (source name →
    the page that lists its records, the link of works with neither DOI nor URL).
    """

    title: str | None = None
    description: str | None = None
    url: str | None = None
    suggest: str | None = None
    categories: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_SITE_CATEGORIES))
    other: str = "Other sources"
    landing_pages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Protocol:
    """A whole review protocol. `root` is the review root every relative path is resolved from."""

    id: str = field(metadata=_SLUG)
    title: str
    research_questions: dict[str, str]
    sources: tuple[Source, ...]
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    codebook: Path | None = field(default=None, metadata={"must_exist": True})
    coding: CodingConfig = field(default_factory=CodingConfig)
    synthesis: SynthesisConfig = field(default_factory=SynthesisConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    root: Path = field(default=Path("."), metadata={"internal": True})
    path: Path = field(default=Path("config/review.yaml"), metadata={"internal": True})
    checksum: str = field(default="", metadata={"internal": True})

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        names = [s.name for s in self.sources]
        raise ConfigError(f'no source named "{name}" in {self.path}{did_you_mean(name, names)}',
                          hint=f"sources are: {', '.join(names)}")

    def section_checksum(self, *names: str) -> str:
        """A checksum of the named protocol sections, so a stage is stale only when its part changes."""
        raw = load_yaml(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        chosen = {name: (raw or {}).get(name) for name in names}
        return hashlib.sha256(repr(sorted(chosen.items())).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading


def load_protocol(path: Path | str, root: Path | str | None = None) -> Protocol:
    """Read and validate a protocol file; relative paths inside it resolve against `root`."""
    path = Path(path)
    root = Path(root) if root is not None else Path.cwd()
    if not path.is_absolute():
        path = root / path
    if not path.exists():
        raise ConfigError(f"protocol file not found: {path}",
                          hint="pass -c/--config PATH, or create one with `slr init DIR`")
    if not path.is_file():
        raise ConfigError(f"{path} is a folder, not a protocol file",
                          hint="pass -c/--config with the YAML file itself, e.g. config/review.yaml")
    text, data = read_yaml(path)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the protocol must be a mapping of keys (id, title, research_questions, sources)")
    loader = _ProtocolLoader(root=root.resolve(), file=path)
    protocol = loader.build(Protocol, data, "")
    names = [s.name for s in protocol.sources]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise ConfigError(f'{path}: sources[{index}].name: "{name}" is used twice', hint="give every source its own name")
    if not protocol.sources:
        raise ConfigError(f"{path}: sources: at least one source is needed")
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dataclasses.replace(protocol, root=root.resolve(), path=path, checksum=checksum)


def build_section(cls: type, data: Any, *, root: Path, file: Path, where: str = "") -> Any:
    """Validate `data` into the dataclass `cls` as the protocol is (errors name `file` and the key path)."""
    return _ProtocolLoader(root=root, file=file).build(cls, data, where)


class _ProtocolLoader(SectionLoader):
    """The protocol's loader: a source is a file, suggestions or API source, told apart by `type`."""

    def union(self, options: list[Any], value: Any, where: str, meta: Mapping[str, Any]) -> Any:
        if set(options) == {FileSource, ApiSource}:
            return self.source(value, where)
        return super().union(options, value, where, meta)

    def source(self, value: Any, where: str) -> Source:
        if not isinstance(value, Mapping):
            self.fail(where, f"expected a mapping (name, type, …), got {kind_of(value)}")
        kind = value.get("type")
        if kind is None:
            self.fail(key_path(where, "type"), "this key is required", hint=f"one of: {', '.join(SOURCE_TYPES)}")
        if kind not in SOURCE_TYPES:
            self.fail(key_path(where, "type"), f'unknown source type "{kind}"{did_you_mean(str(kind), SOURCE_TYPES)}',
                      hint=f"one of: {', '.join(SOURCE_TYPES)}")
        if kind in ("file", "suggestions"):
            source = self.build(FileSource if kind == "file" else SuggestionSource, value, where)
            if source.resolved_format() is None and source.path.suffix.lower() != ".txt":
                self.fail(key_path(where, "format"), f'cannot tell the format of "{source.path.name}" from its extension',
                          hint=f"set format: to one of {', '.join(FILE_FORMATS)}")
            return source
        return self.build(ApiSource, value, where)
