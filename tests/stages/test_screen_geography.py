"""Geography: countries and regions from titles, abstracts, affiliations and country codes.

Real text throughout (tests/data/screening/, see PROVENANCE.md): Observatory titles, SYNERGY
Donners titles and abstracts, OpenAlex raw affiliations and institution countries, Web of
Science and Embase author addresses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pycountry
import pytest

from pipeline.config import GeographyConfig, ScreeningConfig
from pipeline.errors import ConfigError
from pipeline.records import clean_text
from pipeline.stages.screen import regions as R
from pipeline.stages.screen.criteria import propose
from pipeline.stages.screen.geography import country_code, find_places

DATA = Path(__file__).parent.parent / "data" / "screening"
# The page separates years from titles with no-break spaces; compare with plain spaces.
LISTING = re.sub(r"[ \xa0]+", " ", (DATA / "observatory_listing.txt").read_text(encoding="utf-8"))
COLUMNS = ("work_id", "title", "abstract", "authors", "year", "doi", "venue", "doc_type", "language",
           "keywords", "countries", "affiliations", "publisher", "url", "sources", "n_records")


def works(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame([{name: row.get(name) for name in COLUMNS} for row in rows], columns=list(COLUMNS))
    frame = frame.astype(object).where(frame.notna(), None)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame


def titled(*titles: str) -> pd.DataFrame:
    """Works from Observatory titles (each asserted to be in the listing)."""
    for title in titles:
        assert title in LISTING, title
    return works([{"work_id": f"w{i}", "title": title} for i, title in enumerate(titles)])


def run(frame: pd.DataFrame, **geography: Any) -> pd.DataFrame:
    return propose(frame, ScreeningConfig(geography=GeographyConfig(**geography)))


def addresses(name: str) -> list[str]:
    """Every AD (author address) line of a RIS file (rispy keeps only one per record)."""
    text = (DATA / name).read_text(encoding="utf-8-sig")
    return re.findall(r"^AD  - (.+?)\s*$", text, flags=re.MULTILINE)


# --- region lists -----------------------------------------------------------------------------


def test_region_list_sizes():
    assert (len(R.EU), len(R.EHEA), len(R.OECD)) == (27, 49, 38)
    assert len(R.REGIONS["Sub-Saharan Africa"]) == 53


def test_continents_partition_every_iso_country_but_antarctica():
    codes = {country.alpha_2 for country in pycountry.countries}
    assert len(codes) == 249
    placed = [code for members in R.CONTINENTS.values() for code in members]
    assert len(placed) == len(set(placed)) == 248
    assert codes - set(placed) == {"AQ"}
    assert R.GLOBAL_SOUTH | R.GLOBAL_NORTH == codes - {"AQ"} and not R.GLOBAL_SOUTH & R.GLOBAL_NORTH
    every_listed = set().union(*R.REGIONS.values())
    assert every_listed <= codes


@pytest.mark.parametrize(("code", "regions"), [
    ("IE", "EHEA; EU; Europe; Global North; OECD"),
    ("MY", "Asia; Global South"),
    ("NZ", "Australasia; Global North; OECD; Oceania"),
    ("CA", "Americas; Global North; Northern America; OECD"),
    ("NG", "Africa; Global South; Sub-Saharan Africa"),
    ("NO", "EHEA; Europe; Global North; Nordic countries; OECD"),
])
def test_regions_of_a_country(code, regions):
    out = run(works([{"work_id": "w", "title": "x", "countries": code}]))
    assert out.loc[0, "regions"] == regions


@pytest.mark.parametrize(("value", "code"), [
    ("DE", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("UK", "GB"), ("EL", "GR"), ("USA", "US"),
    ("United States of America", "US"), ("Türkiye", "TR"), ("Turkey", "TR"), ("South Korea", "KR"),
    ("Viet Nam", "VN"), ("Canada (Ontario)", "CA"), ("Europe", None), ("Nowhere", None),
])
def test_country_code(value, code):
    assert country_code(value) == code


# --- places in titles and abstracts -----------------------------------------------------------


@pytest.mark.parametrize(("title", "countries", "evidence"), [
    ("Ontario Micro-credentials Quality Framework", "CA", "title: 'Ontario' → CA"),
    ("National Micro-credentials Framework - Australia", "AU", "title: 'Australia' → AU"),
    ("MICROBOL Common Framework for Micro-credentials in the EHEA", None, "title: 'EHEA' → EHEA"),
    ("Towards a Multi-Campus Micro-Credentials (MC2) system in Ireland", "IE", "title: 'Ireland' → IE"),
    ("Aotearoa New Zealand's Rationale for Micro-credentials", "NZ", "title: 'Aotearoa New Zealand' → NZ"),
    ("NZ Approval of Micro-credentials", "NZ", "title: 'NZ' → NZ"),
    ("Malaysian Guide on Micro-credential", "MY", "title: 'Malaysian' → MY"),
    ("The Status of Microcredentials in Canadian Colleges and Institutes", "CA", "title: 'Canadian' → CA"),
    ("Micro-credentials and Educational Policy in the US", "US", "title: 'US' → US"),
    ("Micro-credentialing: Establishing a Wyoming Framework - EdD thesis", "US", "title: 'Wyoming' → US"),
    ("Survey on Micro-credentials: Small Learning Units at German Universities", "DE", "title: 'German' → DE"),
    ("QQA Report on Badging and Micro-credentialing within UK Higher Education", "GB", "title: 'UK' → GB"),
    ("Position Paper by the Netherlands", "NL", "title: 'the Netherlands' → NL"),
    ("Digital Badge Credentials in the Irish Food and agri-food Sector", "IE", "title: 'Irish' → IE"),
    ("Survey of Micro-credentialing Practice in Australasian Universities", None, "title: 'Australasian' → Australasia"),
    ("Micro-credentials in the EU and Global", None, "title: 'EU' → EU"),
    ("Challenges & Opportunities of Micro-credentials in Europe", None, "title: 'Europe' → Europe"),
    ("How and Why are Digital Badges being used in Higher Education in New Zealand?", "NZ", "title: 'New Zealand' → NZ"),
    ("Toward Just and Equitable Micro‐credentials: An Australian Perspective", "AU", "title: 'Australian' → AU"),
])
def test_places_in_observatory_titles(title, countries, evidence):
    out = run(titled(title))
    assert out.loc[0, "countries_detected"] == countries
    assert out.loc[0, "geography_evidence"] == evidence


@pytest.mark.parametrize("title", [
    "Micro-credentials: Hope or Hype?",
    "The Global Micro-credential Landscape: Charting a New Credential Ecology for Lifelong Learning",
    "Microcredentials should not get FEE-HELP Assistance",
    "Micro-credential Framework for BC Post-Secondary Education System",  # "BC" is not looked for
    "Micro-credentials: A Postdigital Counternarrative",
])
def test_titles_without_places(title):
    out = run(titled(title))
    assert out.loc[0, ["countries_detected", "regions", "geography_evidence"]].isna().all()


def test_places_in_donners_titles_and_abstracts():
    frame = pd.read_csv(DATA / "Donners_2021_flat.csv", dtype=str, keep_default_na=False)
    table = works([{"work_id": r.openalex_id, "title": clean_text(r.title), "abstract": clean_text(r.abstract)}
                   for r in frame.itertuples()])
    out = run(table).set_index("work_id")
    detected = out["countries_detected"].dropna()
    assert len(detected) == 69
    # Titles written in capitals are read in title case: "… IN UKRAINE", "… IN SPAIN".
    ukraine = out[out["title"].str.contains("CHILDREN WITH HAEMOPHILIA A WITH INHIBITORS IN UKRAINE", na=False)].iloc[0]
    assert ukraine["countries_detected"] == "UA" and "title: 'Ukraine' → UA" in ukraine["geography_evidence"]
    chinese = out[out["title"].str.startswith("Evaluation of the Pharmacokinetics, Pharmacodynamics, and Safety", na=False)].iloc[0]
    assert chinese["countries_detected"] == "CN; JP"
    assert chinese["regions"] == "Asia; Global North; Global South; OECD"
    assert chinese["geography_evidence"] == ("title: 'Chinese' → CN; abstract: 'Chinese' → CN; "
                                            "abstract: 'Japanese' → JP; abstract: 'Asian' → Asia")
    modelling = out[out["title"].str.startswith("Modelling future usage and cost of factor and emicizumab", na=False)].iloc[0]
    assert modelling["countries_detected"] == "GU; US"  # the abstract names Guam among US states


# --- affiliations and the countries column ----------------------------------------------------


def test_openalex_affiliations_and_institution_countries():
    item = json.loads((DATA / "openalex_work_W2741809807.json").read_text(encoding="utf-8"))
    affiliations = [text for a in item["authorships"] for text in a["raw_affiliation_strings"]]
    countries = [code for a in item["authorships"] for code in a["countries"]]
    row = {"work_id": item["id"], "title": item["title"], "affiliations": "; ".join(dict.fromkeys(affiliations)),
           "countries": "; ".join(dict.fromkeys(countries))}
    out = run(works([row]))
    assert out.loc[0, "countries_detected"] == "CA; US"
    evidence = out.loc[0, "geography_evidence"].split("; ")
    assert evidence[:3] == ["countries: 'US' → US", "countries: 'CA' → CA",
                            "affiliation: 'Impactstory, Sanford, NC, USA' → US"]
    assert ("affiliation: 'Canadian Institute for Studies in Publishing, Simon Fraser University, Vancouver, BC, "
            "Canada' → CA") in evidence
    assert "affiliation: 'Information School, University of Washington, Seattle, USA' → US" in evidence


@pytest.mark.parametrize(("address", "code"), [
    ("CUNY John Jay Coll Criminal Justice, New York, NY 10019 USA", "US"),
    ("Univ Gothenburg, Gothenburg, Sweden", "SE"),
    ("D.G. Adler, Department of Gastroenterology and Hepatology, University of Utah School of Medicine, "
     "Huntsman Cancer Center, Salt Lake City, UT, United States", "US"),
    ("T. Yamada, Department of Gastroenterological Surgery, Higashiosaka City Medical Center, Nishiiwata 3-4-5, "
     "Higashiosaka, Osaka, Japan", "JP"),
])
def test_the_last_country_of_an_address(address, code):
    assert address in addresses("asreview_web_of_science.txt") + addresses("asreview_embase.ris")
    out = run(works([{"work_id": "w", "title": "x", "affiliations": address}]))
    assert out.loc[0, "countries_detected"] == code
    assert out.loc[0, "geography_evidence"].endswith(f"→ {code}")


def test_evidence_kinds_can_be_switched_off():
    row = {"work_id": "w", "title": "National Micro-credentials Framework - Australia",
           "affiliations": "Univ Gothenburg, Gothenburg, Sweden", "countries": "SE"}
    assert run(works([row]))["countries_detected"][0] == "AU; SE"
    assert run(works([row]), evidence=("text",))["countries_detected"][0] == "AU"
    assert run(works([row]), evidence=("countries",))["geography_evidence"][0] == "countries: 'SE' → SE"


# --- include / exclude ------------------------------------------------------------------------

TITLES = (
    "Towards a Multi-Campus Micro-Credentials (MC2) system in Ireland",
    "National Micro-credentials Framework - Australia",
    "Micro-credentials: Hope or Hype?",
    "Challenges & Opportunities of Micro-credentials in Europe",
    "Micro-credentials and Educational Policy in the US",
)


def test_record_mode_only_describes():
    out = run(titled(*TITLES))
    assert out["proposed_criterion"].ne("geography").all()


def test_include_mode():
    out = run(titled(*TITLES), include=("EU", "IE"))
    assert out["proposed_decision"].tolist()[:3] == ["needs_human", "exclude", "needs_human"]
    assert out.loc[0, "proposed_criterion"] != "geography"  # Ireland is included
    assert out.loc[1, "proposed_reason"] == "outside geography"
    assert out.loc[1, "proposed_evidence"] == "AU outside include: EU, IE (title: 'Australia' → AU)"
    assert (out.loc[2, "proposed_criterion"], out.loc[2, "proposed_evidence"].split(" | ")[0]) == (
        "geography", "no country or region detected (include: EU, IE)")
    assert out.loc[3, "proposed_criterion"] != "geography"  # Europe overlaps the EU
    assert out.loc[4, "proposed_evidence"] == "US outside include: EU, IE (title: 'US' → US)"


def test_exclude_mode_and_a_protocol_region():
    out = run(titled(*TITLES), exclude=("United States",))
    assert out["proposed_criterion"].eq("geography").tolist() == [False, False, False, False, True]
    assert out.loc[4, "proposed_evidence"] == "US all within exclude: United States (title: 'US' → US)"
    dach = run(titled("Survey on Micro-credentials: Small Learning Units at German Universities", *TITLES[:2]),
               include=("DACH",), regions={"DACH": ("DE", "AT", "CH")})
    assert dach["proposed_criterion"].eq("geography").tolist() == [False, True, True]
    assert dach.loc[0, "regions"] == "DACH; EHEA; EU; Europe; Global North; OECD"


def test_geography_config_errors():
    with pytest.raises(ConfigError, match=r'screening\.geography\.include\[1\]: "Eurpe" is not a country or region \(did you mean "Europe"\?\)'):
        run(works([]), include=("IE", "Eurpe"))
    with pytest.raises(ConfigError, match=r"screening\.geography: set either include or exclude, not both"):
        run(works([]), include=("IE",), exclude=("US",))
    with pytest.raises(ConfigError, match=r"screening\.geography\.mode: is include, but include has no list"):
        run(works([]), mode="include")
    with pytest.raises(ConfigError, match=r"screening\.geography\.mode: is record, but exclude lists the places"):
        run(works([]), mode="record", exclude=("US",))
    with pytest.raises(ConfigError, match=r'screening\.geography\.evidence\[0\]: "affiliation" is not a kind of evidence \(did you mean "affiliations"\?\)'):
        run(works([]), evidence=("affiliation",))
    with pytest.raises(ConfigError, match=r'screening\.geography\.regions\.DACH\[2\]: "Schweiz" is not a country'):
        run(works([]), regions={"DACH": ("DE", "AT", "Schweiz")})


def test_find_places_prefers_the_longest_name_and_skips_ambiguous_ones():
    found = [(text, place.country or place.regions) for text, place in find_places(
        "Universities in New South Wales, Northern Ireland and Georgia; South African and Latin American students")]
    assert found == [("New South Wales", "AU"), ("Northern Ireland", "GB"), ("South African", "ZA"),
                     ("Latin American", ("Latin America and the Caribbean",))]
