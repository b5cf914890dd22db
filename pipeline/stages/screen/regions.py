"""Region lists and the place-name forms that geography detection looks for.

Data only; the logic is in `geography.py`. Countries are ISO 3166-1 alpha-2 codes (pycountry's).

Sources of the lists, so that a reviewer can check them:
- continents and sub-regions: UN M49 "Standard country or area codes for statistical use"
  (Taiwan, absent from M49, is placed in Eastern Asia; Antarctica belongs to none);
- EU: the 27 member states since 1 February 2020;
- EHEA: the 49 members of the European Higher Education Area (Russia and Belarus are members
  whose rights of representation were suspended in 2022; they stay on the list);
- OECD: the 38 member countries (Costa Rica joined in 2021);
- Global South: an operational definition, because there is no official list — the economies
  UNCTAD classes as developing: Africa, Latin America and the Caribbean, Asia except Israel,
  Japan, the Republic of Korea and Cyprus, Oceania except Australia and New Zealand. Global North
  is every other country. A protocol that needs another cut defines its own region
  (`screening.geography.regions`).
"""

from __future__ import annotations

def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: UN M49 sub-regions (the building blocks of the continents below).
M49_SUBREGIONS: dict[str, frozenset[str]] = {
    "Northern Africa": _codes("DZ EG LY MA SD TN EH"),
    "Eastern Africa": _codes("IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"),
    "Middle Africa": _codes("AO CM CF TD CG CD GQ GA ST"),
    "Southern Africa": _codes("BW SZ LS NA ZA"),
    "Western Africa": _codes("BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    "Caribbean": _codes("AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"),
    "Central America": _codes("BZ CR SV GT HN MX NI PA"),
    "South America": _codes("AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"),
    "Northern America": _codes("BM CA GL PM US"),
    "Central Asia": _codes("KZ KG TJ TM UZ"),
    "Eastern Asia": _codes("CN HK MO KP JP MN KR TW"),
    "South-eastern Asia": _codes("BN KH ID LA MY MM PH SG TH TL VN"),
    "Southern Asia": _codes("AF BD BT IN IR MV NP PK LK"),
    "Western Asia": _codes("AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"),
    "Eastern Europe": _codes("BY BG CZ HU PL MD RO RU SK UA"),
    "Northern Europe": _codes("AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB"),
    "Southern Europe": _codes("AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES"),
    "Western Europe": _codes("AT BE FR DE LI LU MC NL CH"),
    "Australia and New Zealand": _codes("AU CX CC HM NZ NF"),
    "Melanesia": _codes("FJ NC PG SB VU"),
    "Micronesia": _codes("GU KI MH FM NR MP PW UM"),
    "Polynesia": _codes("AS CK PF NU PN WS TK TO TV WF"),
}


def _union(*names: str) -> frozenset[str]:
    return frozenset().union(*(M49_SUBREGIONS[name] for name in names))


AFRICA = _union("Northern Africa", "Eastern Africa", "Middle Africa", "Southern Africa", "Western Africa")
LATIN_AMERICA = _union("Caribbean", "Central America", "South America")
ASIA = _union("Central Asia", "Eastern Asia", "South-eastern Asia", "Southern Asia", "Western Asia")
EUROPE = _union("Eastern Europe", "Northern Europe", "Southern Europe", "Western Europe")
OCEANIA = _union("Australia and New Zealand", "Melanesia", "Micronesia", "Polynesia")

#: The five M49 continents: every ISO country but Antarctica (AQ) is in exactly one.
CONTINENTS: dict[str, frozenset[str]] = {
    "Africa": AFRICA,
    "Americas": LATIN_AMERICA | M49_SUBREGIONS["Northern America"],
    "Asia": ASIA,
    "Europe": EUROPE,
    "Oceania": OCEANIA,
}

EU = _codes("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE")
EHEA = _codes(
    "AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR VA HU IS IE IT KZ LV LI LT LU MT MD ME NL "
    "MK NO PL PT RO RU SM RS SK SI ES SE CH TR UA GB"
)
OECD = _codes(
    "AU AT BE CA CL CO CR CZ DK EE FI FR DE GR HU IS IE IL IT JP KR LV LT LU MX NL NZ NO PL PT SK SI ES "
    "SE CH TR GB US"
)
GLOBAL_SOUTH = AFRICA | LATIN_AMERICA | (ASIA - _codes("IL JP KR CY")) | (OCEANIA - _codes("AU NZ"))
GLOBAL_NORTH = frozenset().union(*CONTINENTS.values()) - GLOBAL_SOUTH

#: Every built-in region a protocol may name in `geography.include` / `exclude`.
REGIONS: dict[str, frozenset[str]] = {
    **CONTINENTS,
    "Latin America and the Caribbean": LATIN_AMERICA,
    "Northern America": M49_SUBREGIONS["Northern America"],
    "Sub-Saharan Africa": AFRICA - M49_SUBREGIONS["Northern Africa"],
    "EU": EU,
    "EHEA": EHEA,
    "OECD": OECD,
    "Australasia": _codes("AU NZ"),
    "Nordic countries": _codes("DK FI IS NO SE FO GL AX"),
    "Global South": GLOBAL_SOUTH,
    "Global North": GLOBAL_NORTH,
}

#: Other names a protocol may use for a built-in region (compared case-insensitively).
REGION_ALIASES: dict[str, str] = {
    "european union": "EU",
    "eu27": "EU",
    "european higher education area": "EHEA",
    "latin america": "Latin America and the Caribbean",
    "north america": "Northern America",
    "nordic": "Nordic countries",
    "nordics": "Nordic countries",
    "the americas": "Americas",
}

#: Codes people write that are not ISO alpha-2: the UK (GB) and Greece in EU usage (EL).
CODE_ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR"}

#: Place-name forms that pycountry's names miss, as they appear in titles, abstracts and
#: affiliations (matched case-sensitively, whole words).
COUNTRY_FORMS: dict[str, str] = {
    "USA": "US", "U.S.A.": "US", "U.S.A": "US", "U.S.": "US", "US": "US", "United States": "US",
    "America": "US", "Americans": "US", "American": "US", "African American": "US",
    "African-American": "US",
    "UK": "GB", "U.K.": "GB", "Britain": "GB", "Great Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB", "British": "GB", "Scottish": "GB",
    "Welsh": "GB",
    "Republic of Ireland": "IE", "Éire": "IE",
    "Aotearoa": "NZ", "Aotearoa New Zealand": "NZ", "NZ": "NZ",
    "Russia": "RU", "South Korea": "KR", "Korea": "KR", "Republic of Korea": "KR", "North Korea": "KP",
    "Vietnam": "VN", "Laos": "LA", "Syria": "SY", "Brunei": "BN", "Palestine": "PS", "Iran": "IR",
    "Turkey": "TR", "Türkiye": "TR", "Czech Republic": "CZ", "Ivory Coast": "CI", "Cape Verde": "CV",
    "Swaziland": "SZ", "Macedonia": "MK", "Burma": "MM", "East Timor": "TL", "Holland": "NL",
    "the Netherlands": "NL", "Vatican": "VA", "Macau": "MO", "Hong Kong SAR": "HK", "UAE": "AE",
    "PRC": "CN", "Mainland China": "CN", "Congo": "CG", "DR Congo": "CD", "DRC": "CD",
    "Democratic Republic of the Congo": "CD", "Micronesia": "FM", "Moldova": "MD", "Tanzania": "TZ",
    "Bolivia": "BO", "Venezuela": "VE", "New Guinea": "PG", "NSW": "AU",
}

#: Adjectives in titles such as "Australian Micro-credentials" or "German Universities".
#: Left out on purpose: English, French, Spanish, Portuguese and Arabic (languages of many
#: countries) and Indian (American Indian, Indian Ocean).
ADJECTIVES: dict[str, str] = {
    "Australian": "AU", "Canadian": "CA", "Irish": "IE", "German": "DE", "Dutch": "NL",
    "Italian": "IT", "Greek": "GR", "Swedish": "SE", "Norwegian": "NO", "Danish": "DK",
    "Finnish": "FI", "Icelandic": "IS", "Polish": "PL", "Czech": "CZ", "Slovak": "SK",
    "Hungarian": "HU", "Romanian": "RO", "Bulgarian": "BG", "Croatian": "HR", "Serbian": "RS",
    "Slovenian": "SI", "Austrian": "AT", "Swiss": "CH", "Belgian": "BE", "Estonian": "EE",
    "Latvian": "LV", "Lithuanian": "LT", "Ukrainian": "UA", "Russian": "RU", "Maltese": "MT",
    "Cypriot": "CY", "Luxembourgish": "LU", "Turkish": "TR", "Israeli": "IL", "Iranian": "IR",
    "Saudi": "SA", "Emirati": "AE", "Egyptian": "EG", "Nigerian": "NG", "Kenyan": "KE",
    "Ghanaian": "GH", "Ethiopian": "ET", "South African": "ZA", "Chinese": "CN", "Japanese": "JP",
    "Korean": "KR", "South Korean": "KR", "Malaysian": "MY", "Singaporean": "SG", "Indonesian": "ID",
    "Thai": "TH", "Vietnamese": "VN", "Filipino": "PH", "Pakistani": "PK", "Bangladeshi": "BD",
    "Sri Lankan": "LK", "Mexican": "MX", "Brazilian": "BR", "Argentine": "AR", "Argentinian": "AR",
    "Chilean": "CL", "Colombian": "CO", "Peruvian": "PE", "New Zealand": "NZ", "Taiwanese": "TW",
}

#: Countries whose states or provinces (pycountry subdivision names) count as the country:
#: "Ontario" → CA, "Wyoming" → US, "Queensland" → AU.
SUBDIVISION_COUNTRIES: tuple[str, ...] = ("US", "CA", "AU")

#: Names never used as evidence because they name two places: Georgia (the country, the US
#: state), Victoria (the Australian state, the Canadian city, the lake).
AMBIGUOUS_NAMES: frozenset[str] = frozenset({"Georgia", "Victoria"})

#: Region names in running text → the regions they refer to. "OECD" alone names an author
#: (the organisation), so only "OECD countries" counts as coverage.
REGION_FORMS: dict[str, tuple[str, ...]] = {
    "Europe": ("Europe",), "European": ("Europe",),
    "EU": ("EU",), "European Union": ("EU",), "European Commission": ("EU",),
    "European Council": ("EU",), "European Parliament": ("EU",),
    "Council of the European Union": ("EU",), "EU member states": ("EU",),
    "EHEA": ("EHEA",), "European Higher Education Area": ("EHEA",), "Bologna Process": ("EHEA",),
    "OECD countries": ("OECD",), "OECD member countries": ("OECD",), "OECD member states": ("OECD",),
    "Africa": ("Africa",), "African": ("Africa",),
    "Sub-Saharan Africa": ("Sub-Saharan Africa",), "sub-Saharan Africa": ("Sub-Saharan Africa",),
    "Asia": ("Asia",), "Asian": ("Asia",),
    "Asia-Pacific": ("Asia", "Oceania"), "Asia Pacific": ("Asia", "Oceania"),
    "Americas": ("Americas",),
    "Latin America": ("Latin America and the Caribbean",),
    "Latin American": ("Latin America and the Caribbean",),
    "South America": ("Latin America and the Caribbean",),
    "South American": ("Latin America and the Caribbean",),
    "Central America": ("Latin America and the Caribbean",),
    "Caribbean": ("Latin America and the Caribbean",),
    "North America": ("Northern America",), "North American": ("Northern America",),
    "Oceania": ("Oceania",), "Pacific Islands": ("Oceania",),
    "Australasia": ("Australasia",), "Australasian": ("Australasia",),
    "Nordic": ("Nordic countries",), "Scandinavia": ("Nordic countries",),
    "Scandinavian": ("Nordic countries",),
    "Global South": ("Global South",), "global South": ("Global South",),
    "developing countries": ("Global South",), "Developing Countries": ("Global South",),
    "low- and middle-income countries": ("Global South",), "LMICs": ("Global South",),
    "Global North": ("Global North",), "global North": ("Global North",),
    "developed countries": ("Global North",), "Developed Countries": ("Global North",),
}
