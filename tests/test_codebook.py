"""The micro-credentials codebook covers every theme of the study; bad codebooks are named errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import ConfigError

ROOT = Path(__file__).parent.parent
BOOK = ROOT / "config" / "codebook.yaml"

#: The study's themes (shared/seeds/000_4ca7d282f39142f4.txt), in its order.
RQ1 = ["definitions", "purposes", "accreditation_recognition", "referencing_cataloguing", "portability_stackability",
       "stakeholders"]
RQ2 = ["purposes", "platforms", "assessment", "awards", "credits", "stacking", "portability", "quality_assurance",
       "qualification_frameworks", "costs", "stakeholders"]


def test_every_theme_of_the_study_is_there_and_every_code_has_a_pattern() -> None:
    book = load_codebook(BOOK)
    assert list(book.research_questions["RQ1"].themes) == RQ1
    assert list(book.research_questions["RQ2"].themes) == RQ2
    for rq, theme, name, code in book.codes():
        assert code.definition.strip(), f"{rq}.{theme}.{name} has no definition"
        assert any(t.strip() for t in code.terms) or code.regex, f"{rq}.{theme}.{name} has no pattern"
    assert sum(1 for _ in book.codes()) == 64
    assert book.version == "1.1"


def test_field_vocabulary_is_covered() -> None:
    terms = {t.lower() for _, _, _, code in load_codebook(BOOK).codes() for t in code.terms}
    for term in ("ects", "eqf", "futurelearn", "coursera", "edx", "credly", "digitary", "open badge*",
                 "european learning model", "digital wallet*", "stackab*"):
        assert term in terms, term


def _book(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("version: '1'\nresearch_questions:\n  RQ1: {question: q, themes: {t: {label: T, codes: {c: {definition: d}}}}}\n",
     "research_questions.RQ1.themes.t.codes.c: the code has no pattern"),
    ("version: '1'\nresearch_questions:\n  RQ1: {question: q, themes: {t: {label: T, codes: {c: {definition: d, terms: [x], regex: ['(']}}}}}\n",
     "research_questions.RQ1.themes.t.codes.c.regex[0]: not a regular expression"),
    ("version: '1'\nresearch_questions:\n  RQ1: {question: q, themes: {t: {label: T, codes: {c: {definiton: d, terms: [x]}}}}}\n",
     'research_questions.RQ1.themes.t.codes.c.definiton: unknown key "definiton" (did you mean "definition"?)'),
    ("research_questions: {}\n", "version: this key is required"),
])
def test_bad_codebooks(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_codebook(_book(tmp_path, text))
    assert message in str(err.value)
