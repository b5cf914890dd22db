"""Geography: the countries and regions a work covers, each with the evidence it was read from.

Where places are looked for (each can be switched off with `geography.evidence`):
- `countries`: the record's countries column (ISO codes or names, e.g. OpenAlex institutions,
  ERIC's study setting) → "countries: 'DE' → DE";
- `affiliations`: each affiliation gives the last country named in it, because addresses end
  with the country ("…, Vancouver, BC, Canada") → "affiliation: '…, Essen, Germany' → DE";
- `text`: every country and region named in the title, abstract and keywords → "title:
  'Ontario' → CA", "abstract: 'European Union' → EU".

Names are pycountry's (name, common and official names, with and without accents), the forms in
`regions.COUNTRY_FORMS` (USA, UK, Aotearoa New Zealand, …), adjectives (Australian, Irish, …),
US states, Canadian provinces and Australian states, and the region forms of
`regions.REGION_FORMS` (Europe, EU, EHEA, Latin America, Global South, …). Matching is
case-sensitive on whole words (so "chad" and "us" are not places); titles written all in capitals
are title-cased first. The longest name wins ("New South Wales" is Australia, not Wales;
"Papua New Guinea" is not Guinea). Georgia and Victoria are ambiguous and never used.

The `regions` column lists every region (built-in and the protocol's own) that contains a
detected country, plus the regions named in the text. Decisions (`include` / `exclude` mode) use
the detected countries and the member countries of the regions named in the text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ahocorasick_rs
import pycountry

from ...config import GeographyConfig
from ...errors import ConfigError, did_you_mean
from . import regions as R
from .relevance import DASHES, fold

EVIDENCE_KINDS: tuple[str, ...] = ("countries", "affiliations", "text")
TEXT_FIELDS: tuple[str, ...] = ("title", "abstract", "keywords")
_MAX_EVIDENCE = 12


@dataclass(frozen=True)
class Place:
    """What a name in text refers to: a country code, or one or more region names."""

    country: str | None
    regions: tuple[str, ...] = ()


@dataclass
class Coverage:
    """The places detected for one work, with evidence strings."""

    countries: set[str]
    regions: set[str]  # regions named directly in the text
    evidence: list[str]


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[ahocorasick_rs.AhoCorasick, tuple[str, ...], tuple[Place, ...]]:
    forms: dict[str, Place] = {}

    def add(name: str | None, place: Place) -> None:
        if not name or name in R.AMBIGUOUS_NAMES:
            return
        for variant in (name, fold(name)):
            forms.setdefault(variant, place)

    # Explicit forms first: they win over pycountry's names where both exist.
    for name, code in {**R.COUNTRY_FORMS, **R.ADJECTIVES}.items():
        add(name, Place(code))
    for name, targets in R.REGION_FORMS.items():
        add(name, Place(None, targets))
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
            if name and ", " not in name:  # "Korea, Republic of" is not how text names a country
                add(name, Place(country.alpha_2))
    for code in R.SUBDIVISION_COUNTRIES:
        for subdivision in pycountry.subdivisions.get(country_code=code) or ():
            if subdivision.parent_code is None and subdivision.type in ("State", "District", "Province", "Territory"):
                add(subdivision.name, Place(code))
    names = tuple(forms)
    automaton = ahocorasick_rs.AhoCorasick(list(names), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                           implementation=ahocorasick_rs.Implementation.DFA)
    return automaton, names, tuple(forms[name] for name in names)


def find_places(text: str) -> list[tuple[str, Place]]:
    """Places named in text, left to right, longest name first: [(name as written, place)]."""
    if not text:
        return []
    if text.isupper():
        text = text.title()
    if not text.isascii():
        for dash in DASHES:
            if dash in text:
                text = text.replace(dash, "-")
    automaton, names, places = _gazetteer()
    out = []
    size = len(text)
    # Leftmost-longest: at each start the longest name; a hit inside a word is not a place.
    for index, start, end in automaton.find_matches_as_indexes(text):
        if start and text[start - 1].isalnum():
            continue
        if end < size and text[end].isalnum():
            continue
        out.append((text[start:end], places[index]))
    return out


@functools.lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """An ISO alpha-2 code from a code (DE, DEU, UK), a name (Germany) or a common form (USA)."""
    text = " ".join(str(value).split())
    if not text:
        return None
    upper = text.upper()
    if upper in R.CODE_ALIASES:
        return R.CODE_ALIASES[upper]
    if len(text) in (2, 3) and text.isalpha():
        found = pycountry.countries.get(**{"alpha_2" if len(text) == 2 else "alpha_3": upper})
        if found:
            return found.alpha_2
    if text in R.COUNTRY_FORMS:
        return R.COUNTRY_FORMS[text]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        places = [place.country for _, place in find_places(text) if place.country]
        return places[-1] if places else None


def region_name(value: str, custom: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The canonical name of a built-in or custom region (case-insensitive), or None."""
    key = " ".join(str(value).split()).lower()
    for name in [*(custom or {}), *R.REGIONS]:
        if name.lower() == key:
            return name
    return R.REGION_ALIASES.get(key)


def region_members(config: GeographyConfig) -> dict[str, frozenset[str]]:
    """Every region the protocol can use: the built-in ones and its own (`geography.regions`)."""
    members = dict(R.REGIONS)
    for name, codes in config.regions.items():
        members[name] = frozenset(code for code in (country_code(c) for c in codes) if code)
    return members


def check(config: GeographyConfig, where: str = "screening.geography") -> None:
    """Raise ConfigError naming the YAML key of an unknown country, region or setting."""
    for index, kind in enumerate(config.evidence):
        if kind not in EVIDENCE_KINDS:
            raise ConfigError(f'{where}.evidence[{index}]: "{kind}" is not a kind of evidence{did_you_mean(kind, EVIDENCE_KINDS)}',
                              hint=f"allowed: {', '.join(EVIDENCE_KINDS)}")
    for name, codes in config.regions.items():
        for index, code in enumerate(codes):
            if not country_code(code):
                raise ConfigError(f'{where}.regions.{name}[{index}]: "{code}" is not a country',
                                  hint="use ISO codes (DE, AT, CH) or country names")
    if config.include and config.exclude:
        raise ConfigError(f"{where}: set either include or exclude, not both",
                          hint="include: [...] keeps only those places; exclude: [...] drops works only about them")
    implied = "include" if config.include else "exclude" if config.exclude else "record"
    if config.mode is not None and config.mode != implied:
        raise ConfigError(f"{where}.mode: is {config.mode}, but "
                          + (f"{implied} lists the places" if implied != "record" else f"{config.mode} has no list"),
                          hint=f"write mode: {implied}, or give the {config.mode} list"
                          if config.mode != "record" else f"remove mode: record, or the {implied} list")
    entries = config.include or config.exclude
    key = "include" if config.include else "exclude"
    choices = [*config.regions, *R.REGIONS]
    for index, entry in enumerate(entries):
        if not country_code(entry) and not region_name(entry, config.regions):
            raise ConfigError(
                f'{where}.{key}[{index}]: "{entry}" is not a country or region{did_you_mean(str(entry), choices)}',
                hint=f"use ISO codes (IE), country names (Ireland) or regions: {', '.join(choices)}")


def mode(config: GeographyConfig) -> str:
    """record, include or exclude: as set, or implied by which list the protocol gives."""
    return "include" if config.include else "exclude" if config.exclude else "record"


def detect(
    countries: Sequence[str | None], affiliations: Sequence[str | None],
    texts: Mapping[str, Sequence[str | None]], config: GeographyConfig,
) -> list[Coverage]:
    """Detect every work's countries and regions from the kinds of evidence the protocol allows."""
    use = set(config.evidence)
    columns = [(name, texts[name]) for name in TEXT_FIELDS if name in texts] if "text" in use else []
    # The same country values and affiliations recur across works: read each once.
    listed: dict[str, tuple[str, str] | None] = {}
    addressed: dict[str, tuple[str, str] | None] = {}
    out = []
    for row in range(len(countries)):
        found: dict[str, None] = {}
        named: dict[str, None] = {}
        evidence: dict[str, None] = {}
        value = countries[row] if "countries" in use else None
        for item in value.split("; ") if isinstance(value, str) else ():
            if item not in listed:
                code = country_code(item)
                listed[item] = (code, f"countries: '{item}' → {code}") if code else None
            if listed[item]:
                found[listed[item][0]] = None
                evidence[listed[item][1]] = None
        value = affiliations[row] if "affiliations" in use else None
        for item in value.split("; ") if isinstance(value, str) else ():
            if item not in addressed:
                codes = [place.country for _, place in find_places(item) if place.country]
                addressed[item] = (codes[-1], f"affiliation: '{_short(item)}' → {codes[-1]}") if codes else None
            if addressed[item]:
                found[addressed[item][0]] = None
                evidence[addressed[item][1]] = None
        for name, column in columns:
            value = column[row]
            if not isinstance(value, str):
                continue
            for surface, place in find_places(value):
                if place.country:
                    found[place.country] = None
                    evidence[f"{name}: '{surface}' → {place.country}"] = None
                else:
                    named.update(dict.fromkeys(place.regions))
                    evidence[f"{name}: '{surface}' → {', '.join(place.regions)}"] = None
        out.append(Coverage(set(found), set(named), list(evidence)))
    return out


class Geography:
    """A compiled geography section: region membership, the listed area, and per-work verdicts."""

    def __init__(self, config: GeographyConfig) -> None:
        self.config = config
        self.mode = mode(config)
        self.members = region_members(config)
        self.regions_of: dict[str, tuple[str, ...]] = {}
        for name, codes in self.members.items():
            for code in codes:
                self.regions_of.setdefault(code, ())
                self.regions_of[code] += (name,)
        self.entries = config.include or config.exclude
        self.area: set[str] = set()
        for entry in self.entries:
            region = region_name(entry, config.regions)
            self.area |= self.members[region] if region else {country_code(entry)}
        self._names: dict[frozenset[str], set[str]] = {}

    def describe(self, coverage: Coverage) -> tuple[str | None, str | None, str | None]:
        """The output columns for one work: countries_detected, regions, geography_evidence."""
        key = frozenset(coverage.countries)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = {name for code in key for name in self.regions_of.get(code, ())}
        countries = "; ".join(sorted(key)) or None
        regions = "; ".join(sorted(names | coverage.regions)) or None
        items = coverage.evidence
        evidence = "; ".join(items[:_MAX_EVIDENCE])
        if len(items) > _MAX_EVIDENCE:
            evidence += f"; … (+{len(items) - _MAX_EVIDENCE} more)"
        return countries, regions, evidence or None

    def decide(self, coverage: Coverage) -> tuple[str | None, str]:
        """The verdict for one work: (None | "exclude" | "needs_human", evidence)."""
        if self.mode == "record":
            return None, ""
        covered = set(coverage.countries)
        for region in coverage.regions:
            covered |= self.members.get(region, frozenset())
        listing = ", ".join(self.entries)
        places = "; ".join(sorted(coverage.countries) + sorted(coverage.regions))
        if self.mode == "include":
            if not covered:
                return "needs_human", f"no country or region detected (include: {listing})"
            if covered & self.area:
                return None, ""
            return "exclude", f"{places} outside include: {listing} ({_evidence(coverage)})"
        if covered and covered <= self.area:
            return "exclude", f"{places} all within exclude: {listing} ({_evidence(coverage)})"
        return None, ""


def _evidence(coverage: Coverage) -> str:
    items = coverage.evidence[:3]
    more = len(coverage.evidence) - len(items)
    return "; ".join(items) + (f"; … (+{more} more)" if more > 0 else "")


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
