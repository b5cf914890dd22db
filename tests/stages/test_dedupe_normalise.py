"""Normalisation: spelling variants of one value map to one form.

The inputs are values seen in the real sets of tests/data/dedupe (the set is named in each case)
unless a case says it is made up to show one behaviour.
"""

from __future__ import annotations

import pytest

from pipeline.stages.dedupe.compare import venue_similarity
from pipeline.stages.dedupe.normalise import (
    author_key,
    author_keys,
    is_generic_title,
    normal_doi,
    normal_pages,
    normal_title,
    normal_venue,
    normal_volume,
    pages_agree,
    strip_title_notes,
    title_kind,
)


@pytest.mark.parametrize(("raw", "expected"), [
    # respiratory: a translated title in brackets
    ("[A study on the use of mycobacterium vaccine in the treatment of tuberculous pleurisy]",
     "a study on the use of mycobacterium vaccine in the treatment of tuberculous pleurisy"),
    # cytology: MEDLINE's notes after the title of the article itself
    ("Management of cervical premalignant lesions. [Review] [97 refs]", "management of cervical premalignant lesions"),
    ("Dynamics of HPV16 DNA load reflect the natural history of cervical HPV-associated lesions"
     " [Erratum appears in J Clin Virol. 2006 Oct;37(2):137]",
     "dynamics of hpv16 dna load reflect the natural history of cervical hpv associated lesions"),
    # respiratory: the whole title in quotes
    ('"Treatment for POEMS (polyneuropathy, organomegaly, endocrinopathy, M-protein, and skin changes) syndrome"',
     "treatment for poems polyneuropathy organomegaly endocrinopathy m protein and skin changes syndrome"),
    # made up: HTML entities and tags, accents, Greek letters, typographic dashes, roman numerals
    ("Effects of <i>Lactobacillus</i> &amp; β-glucan on Straße – a phase II study",
     "effects of lactobacillus beta glucan on strasse a phase 2 study"),
    ("Über α-Zellen bei Typ-1- und type I Diabetes", "uber alpha zellen bei typ 1 und type 1 diabetes"),
    # errata are compared by the title they correct (copper:485; the second is Web of Science's
    # form, as in bib-dedupe's haematology set): their kind keeps them from the article itself
    ("Erratum: Efficacy of thermal treatment and copper-silver ionization",
     "efficacy of thermal treatment and copper silver ionization"),
    ("Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)",
     "eculizumab for atypical hemolytic uremic syndrome"),
])
def test_normal_title(raw: str, expected: str) -> None:
    assert normal_title(raw) == expected


def test_title_note_in_parentheses_inside_a_title_is_kept() -> None:
    # made up: "comment in" as ordinary words must not cut the title
    assert strip_title_notes("Patient comment in social media") == "Patient comment in social media"


@pytest.mark.parametrize(("title", "kind"), [
    ("erratum: efficacy of thermal treatment and copper-silver ionization for controlling legionella", "erratum"),  # copper
    ("invited commentary: is monitoring of human papillomavirus infection for viral persistence ready", "comment"),  # cytology
    ("commentary on future directions in the management of non-small cell lung cancer", "comment"),  # respiratory
    # respiratory: "response to" a treatment is an article, not a reply
    ("response to radiofrequency ablation of pulmonary tumours: a prospective, intention-to-treat", "article"),
    ("correction of hypoxemia during one-lung ventilation", "article"),  # made up
    ("correction to: effects of the copper intrauterine device", "erratum"),  # made up
    ("re: the effect of intrapleural streptokinase", "comment"),  # made up
    ("re-evaluation of intrapleural streptokinase", "article"),  # made up
    ("the authors reply", "reply"),  # made up
    ("eculizumab for atypical hemolytic-uremic syndrome (vol 360, pg 542, 2009)", "erratum"),  # Web of Science
    ("retraction note: a trial of x", "retraction"),  # made up
])
def test_title_kind(title: str, kind: str) -> None:
    assert title_kind(title) == kind


@pytest.mark.parametrize(("title", "generic"), [
    ("response", True), ("summary", True),  # the one-word titles in cytology and respiratory
    ("editorial", True), ("correction", True), ("abstracts", True), ("reply to smith", True), ("", True),
    ("a trial of intrapleural streptokinase", False),  # respiratory: short but specific
])
def test_generic_title(title: str, generic: bool) -> None:
    assert is_generic_title(title) is generic


@pytest.mark.parametrize(("name", "key"), [
    ("Zuna, R E", "zuna r"),  # cytology: BibTeX form
    ("Zuna, R. E.", "zuna r"),
    ("R. E. Zuna", "zuna r"),  # made up: given names first
    ("Zuna RE", "zuna r"),  # made up: PubMed form
    ("Adeli K.", "adeli k"),  # diabetes: surname, initials
    ("Gan L. M.", "gan l"),
    ("El Hachmane M.", "elhachmane m"),  # diabetes: two-word surname
    ("Jonsson-Rylander A. C.", "jonssonrylander a"),
    ("Gálvez, R.", "galvez r"),  # copper: accent (the other copy has "Galvez")
    ("Wang, Tingting", "wang t"),  # respiratory: full given name = initial
])
def test_author_key(name: str, key: str) -> None:
    assert author_key(name) == key


def test_author_keys_drop_et_al_and_repeats() -> None:
    # copper:191 ends its author list with "et al.,"
    assert author_keys("Souli, M.; Antoniadou, A.; et al.,; Souli, M.") == ("souli m", "antoniadou a")


@pytest.mark.parametrize(("raw", "expected"), [
    ("288-97", "288-297"),  # the example
    ("221-8", "221-228"),  # diabetes
    ("e133-9", "e133-e139"),  # copper
    ("479‐486", "479-486"),  # copper: U+2010 hyphen
    ("083-087", "83-87"),  # copper: leading zeros
    ("R153", "r153"),  # copper: article number
    ('"230-5, 246-51, 233-8"', "230-235,233-238,246-251"),  # respiratory: several ranges
    ("233-238+230-235+246-251", "230-235,233-238,246-251"),  # respiratory: the same, written otherwise
    ("iii33-iii44", "iii33-iii44"),  # respiratory: supplement pages
    ("1428-1428", "1428"),  # diabetes
    ("11-Sep", ""), ("Nov-19", ""),  # diabetes: a spreadsheet turned "9-11" and "11-19" into dates
    ("Suppl-29", ""), ("t-8", ""),  # cytology: broken exports
    ("(no pagination)", ""),
    ("iii-vi", "rom3-rom6"), ("xii", "rom12"),  # made: roman front-matter pages, where editorials are
])
def test_normal_pages(raw: str, expected: str) -> None:
    assert normal_pages(raw) == expected


@pytest.mark.parametrize(("a", "b", "agreement"), [
    ("488", "487-488", "same"),  # cytology: a page inside the other's range
    ("1-6", "e12724", "missing"),  # cytology: printed pages against an article number
    ("e137960", "137960", "same"),  # diabetes: the number with and without its letter
    ("s334", "a254-a255", "different"),  # diabetes: two supplements
    ("51", "52", "different"),  # diabetes: two abstracts
    ("iii33-iii44", "iii19-iii32", "different"),  # respiratory: FOCUS 2 and FOCUS 1
    ("230-235,233-238,246-251", "233-238", "same"),
    ("", "12-19", "missing"),
    # issue 16: ranges compared at both ends
    ("3-8", "3-4", "different"),  # made: a serial's editorial on 3-8 and another on 3-4
    ("288-297", "288-297", "same"),  # "288-97" after normal_pages
    ("742-748", "742-749", "same"),  # respiratory 344/346: the last page miscounted
    ("676-682", "678-684", "same"),  # respiratory 646/647: shifted by two
    ("1-126", "1-150", "missing"),  # cytology 766/768: overlapping, neither close nor twice as long
    ("rom3-rom4", "rom3-rom8", "different"),  # made: front pages iii-iv and iii-viii
])
def test_pages_agree(a: str, b: str, agreement: str) -> None:
    assert pages_agree(a, b) == agreement


@pytest.mark.parametrize(("raw", "expected"), [
    ("38 (Supplement 1)", "38"), ("10 Suppl 2", "10"), ("29A", "29a"),  # diabetes, respiratory
    ("1)", ""), ("A)", ""),  # diabetes: the tail of a split "(Supplement 1)"
    ("Japanese journal of clinical medicine. 69", "69"),  # diabetes: the journal in the volume
    ("96-98", "96"),
])
def test_normal_volume(raw: str, expected: str) -> None:
    assert normal_volume(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82", "10.1097/mol.0b013e3282ffaf82"),  # diabetes
    ("10.1016/s0025-7753%2817%2930624-3", "10.1016/s0025-7753(17)30624-3"),  # diabetes: URL-escaped
    ("doi:10.1186/cc5084", "10.1186/cc5084"),
    ("not a doi", ""),
])
def test_normal_doi(raw: str, expected: str) -> None:
    assert normal_doi(raw) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("J Hosp Infect", "Journal of Hospital Infection"),  # copper
    ("Am J Infect Control", "American journal of infection control"),  # copper
    ("British Medical Journal", "BMJ"),  # respiratory: an acronym
    ("Dtsch-Med-Wochenschr", "Deutsche Medizinische Wochenschrift"),  # respiratory: letters dropped
    ("Langenbecks Arch Surg", "Langenbeck's Archives of Surgery"),  # respiratory
    ("Critical Care", "Critical care (London, England)"),  # copper: a place in brackets
    ("Journal of Clinical Oncology", "Journal of clinical oncology : official journal of the American Society of Clinical Oncology"),
    ("Circulation", "Circulation. Conference: American Heart Association's Scientific Sessions"),  # diabetes
    ("Chinese Journal of Lung Cancer", "Zhongguo fei ai za zhi = Chinese journal of lung cancer"),  # respiratory
    ("Cir Cir", "Cirugia y Cirujanos"),  # respiratory: Spanish "y"
    # bib-dedupe's special_cases set: a conference's acronym, year and "proceedings"
    ("Americas Conference on Information Systems", "Amcis 2017 Proceedings"),
    ("Proceedings of the Annual Hawaii International Conference on System Sciences", "HICSS"),
    ("JAMA", "Journal of the American Medical Association"),
])
def test_venue_variants_agree(a: str, b: str) -> None:
    assert venue_similarity(normal_venue(a), normal_venue(b)) == 1.0


@pytest.mark.parametrize(("a", "b"), [
    ("Diabetologia", "Diabetes"),  # diabetes: two journals of one field
    ("Diabetes", "Diabetes Care"),  # made up: a name inside a longer one is not the same journal
    ("PLoS ONE", "Journal of Clinical Oncology"),  # respiratory
    ("International Journal of Cancer", "Journal of Cancer"),  # made up: two journals
])
def test_different_venues_do_not_agree(a: str, b: str) -> None:
    assert venue_similarity(normal_venue(a), normal_venue(b)) < 0.85
