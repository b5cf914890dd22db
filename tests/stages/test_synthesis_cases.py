"""Issuer case studies: values matched through the codebook's vocabulary and rapidfuzz; the client
set against the other issuers and the literature.

The two issuer rows are the demo's extraction ledger (data/demo/ledger/extraction.csv, taken from
the seed pages); the third issuer and its values are made for the test (no real source reports them).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.stages.synthesis.cases import Vocabulary, compare, prompts

ROOT = Path(__file__).parents[2]
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")
LEDGER = pd.read_csv(ROOT / "data" / "demo" / "ledger" / "extraction.csv")
IB, NIDL = "International Baccalaureate (IB)", "National Institute for Digital Learning (DCU)"


def test_vocabulary_matches_spellings_and_near_spellings() -> None:
    vocab = Vocabulary(BOOK.vocabulary)
    assert vocab.canonical("ECTS credits") == vocab.canonical("ECTS") == "ECTS"
    assert vocab.canonical("micro-credential (pilot from April 2023)") == "micro-credential"
    assert vocab.canonical("Digital Badges") == "digital badge"
    assert vocab.canonical("Futurelearn.") == "FutureLearn"
    # Outside the vocabulary, two near spellings count as one (the first seen is kept).
    assert vocab.canonical("Skillnet Ireland") == "Skillnet Ireland"
    assert vocab.canonical("Skillnet Irland") == "Skillnet Ireland"
    assert vocab.canonical("Credly") == "Credly" and vocab.canonical("Moodle") == "Moodle"


def test_issuers_compared_with_the_client() -> None:
    extra = pd.DataFrame([{"issuer": "Example University", "award": "digital badges", "credits": "ECTS credits",
                           "platform": "Futurelearn", "source": "W0"}])
    extraction = pd.concat([LEDGER, extra], ignore_index=True)
    compared = compare(extraction, ["award", "credits", "platform", "cost"], BOOK.vocabulary, IB).set_index("field")
    # Before: "micro-credential" and "micro-credential (pilot from April 2023)" were two values,
    # and "ECTS" / "ECTS credits" did not agree.
    assert compared.loc["award", "shared"] == f"micro-credential ({NIDL}, {IB})"
    assert compared.loc["award", "differ"] == "Example University: digital badge"
    assert compared.loc["credits", "shared"] == f"ECTS ({NIDL}, Example University)"
    assert compared.loc["platform", "shared"] == f"FutureLearn ({NIDL}, Example University)"
    assert compared.loc["award", "client_compared"] == f"shares a value with 1 of 2 other issuer(s) reporting it ({NIDL})"
    assert compared.loc["credits", "client_compared"] == "the client reports nothing; 2 of 2 other issuer(s) do"
    assert compared.loc["cost", "client_compared"] == "the client reports nothing; 0 of 2 other issuer(s) do"
    rising = pd.DataFrame([{"rq": "RQ2", "theme": "Awards", "code": "badge", "trend": "rising",
                            "trend_detail": "5.0% of 2018–2020 sources → 20.0% of 2021–2023 sources"}])
    listed = prompts(compared.reset_index(), rising, BOOK)
    assert listed == [
        "credits: the client reports nothing where 2 of 2 other issuer(s) do.",
        "platform: the client's online and in-person workshops — shares a value with 0 of 2 other issuer(s) reporting it.",
        "award: the literature's share of badge rises (5.0% of 2018–2020 sources → 20.0% of 2021–2023 sources); "
        "the client's award (micro-credential) does not name it."]
