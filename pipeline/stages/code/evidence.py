"""Which text may stand as evidence, and whether a sentence negates what it mentions.

Evidence is a sentence of the source's own prose, something a writer can quote. `rejection`
names why a unit of text is not: a reference-list entry ("2023 Employer and Employee Perceptions
of Microcredentials") or any title in Title Case, a heading (a short line without a full stop), a line of a
topic list that restates a codebook label ("- Costing and fees", "- Awards (e.g. badge, …)"),
a run of titles glued together (a reference-list page: "2020 MICROBOL2020 Europass Digital
Credentials 2020 Europass Platform"), a question (a research question: "RQ2: What practices are
applied …?"), or site boilerplate ("We welcome suggestions for the
inclusion of relevant publications"). `negated` decides negation within the sentence, by scope:
a negation word counts only when it stands in the same clause, at most a few words before the
matched term, so "There is no agreed definition of micro-credentials or digital badges" does not
negate badges while "the course does not award badges" does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz

#: Fewer words than this, with no closing full stop, is a heading or a label, not a sentence.
MIN_WORDS = 6
LIST_MARKER = re.compile(r"^\s*(?:[-–—•*·▪]|\d{1,2}[.)])\s*")
#: A year glued to a word or to another year, or two "YYYY Title" starts in one line: titles run together.
GLUED = (re.compile(r"[A-Za-z)\]’'](?:19|20)\d{2}(?:\s|[A-Z])"), re.compile(r"(?:19|20)\d{2}(?:19|20)\d{2}"))
TITLE_START = re.compile(r"(?:^|\s)(?:19|20)\d{2}\s+[A-Z]")
#: A line that opens with a year and a capitalised title: one reference-list entry ("2020 Badge of Honour?").
REFERENCE_ENTRY = re.compile(r"^\s*(?:19|20)\d{2}\s*[-–:]?\s*[A-Z“\"'‘]")
#: A title in Title Case: this share of its longer words capitalised (prose capitalises few).
TITLE_CASE = 0.85
#: Site and page furniture (a visitor is asked to do something; it says nothing about the topic).
BOILERPLATE = re.compile(
    r"\b(?:we welcome (?:suggestions|feedback|contributions)|suggestions? for the inclusion|contact us|"
    r"subscribe to|sign up for|cookies?\b.*\b(?:accept|policy)|all rights reserved|click here|"
    r"read more|share this|follow us|privacy policy)\b", re.IGNORECASE)
LABEL_RATIO = 90
#: A research question of a study ("RQ2: What practices are applied …"): it asks, it reports nothing.
RESEARCH_QUESTION = re.compile(r"^\s*(?:RQ\s?\d+|Research question\s?\d*)\s*[:.)]", re.IGNORECASE)

NEGATION_WORDS = frozenset({"no", "not", "never", "without", "none", "neither", "nor", "cannot", "lack", "lacks",
                            "lacking", "absence", "absent", "nothing", "nobody"})
#: A clause ends at punctuation or a conjunction that starts another statement.
CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]]|\b(?:but|while|whereas|although|though|however|yet)\b", re.IGNORECASE)
#: How many words before the term a negation may stand ("does not yet award badges").
NEGATION_REACH = 3


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


def glued_titles(text: str) -> bool:
    """True when a line is titles run together (years glued to words, or several "YYYY Title" starts)."""
    return any(p.search(text) for p in GLUED) or len(TITLE_START.findall(text)) >= 2


def is_sentence(text: str) -> bool:
    """A sentence of prose: no list marker, and it closes with a full stop, "!" or "?"."""
    stripped = text.strip().rstrip("\"'’”)")
    return not LIST_MARKER.match(text) and stripped.endswith((".", "!", "?", ":"))


def title_case(text: str) -> bool:
    """True for a line in Title Case without a closing full stop (a title, not a sentence)."""
    if text.rstrip().endswith("."):
        return False
    long = [w for w in words(text) if len(w) >= 4 and w[0].isalpha()]
    return len(long) >= 4 and sum(w[0].isupper() for w in long) / len(long) >= TITLE_CASE


def rejection(text: str, labels: Iterable[str] = ()) -> str | None:
    """Why `text` cannot be quoted as evidence ("heading", "topic list", "glued titles",
    "boilerplate"), or None when it is a sentence of prose. `labels` are the codebook's theme
    labels: a list line that restates one is the study's own topic list, not a finding."""
    stripped = text.strip()
    if glued_titles(stripped):
        return "glued titles"
    if REFERENCE_ENTRY.match(stripped) and len(words(stripped)) < 30:
        return "reference entry"
    if title_case(stripped):
        return "title"
    if BOILERPLATE.search(stripped):
        return "boilerplate"
    if stripped.endswith("?") or RESEARCH_QUESTION.match(stripped):
        return "question"
    listed = bool(LIST_MARKER.match(stripped))
    body = LIST_MARKER.sub("", stripped)
    head = re.split(r"\s*\(", body, maxsplit=1)[0].strip(" :-").lower()
    if head and any(fuzz.ratio(head, label.lower()) >= LABEL_RATIO for label in labels if label):
        return "topic list"
    if listed and "e.g." in body and len(words(head)) < MIN_WORDS:
        return "topic list"
    if len(words(body)) < MIN_WORDS and not body.rstrip().endswith((".", "!", "?")):
        return "heading"
    return None


def negated(sentence: str, start: int) -> bool:
    """True when a negation word governs the term found at `start` (same clause, at most
    NEGATION_REACH words before it)."""
    before = sentence[:start]
    breaks = list(CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end():] if breaks else before
    near = [w.lower() for w in words(clause)][-NEGATION_REACH:]
    return any(w in NEGATION_WORDS or w.endswith(("n't", "n’t")) for w in near)
