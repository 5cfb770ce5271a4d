"""The regex-only triage as it stood before the layered detector (commit ff58399), kept verbatim as
the baseline that `ldn-assistant eval` reports the layered triage against. Not used by the product."""

from __future__ import annotations

import re

from ..safety import _rx  # the same alternation builder the instruction check uses

_EMERGENCY = _rx(
    r"\b(not|isn'?t|is not|stopped|hardly|barely) breathing\b",
    r"\b(can'?t|cannot|can not|couldn'?t|struggling to|hard to|trouble|difficulty) (breathe|breathing)\b",
    r"\bshort(ness)? of breath\b",
    r"\b(won'?t|will not|wont|can'?t|cannot) (wake|be woken|be roused|stay awake)\b",
    r"\b(unresponsive|unconscious|unrousable|passed out|fainted|collapsed|blacked out)\b",
    r"\b(turning|turned|going) (blue|grey|gray)\b|\blips (are|look|turning) blue\b|\bblue lips\b",
    r"\b(seizure|seizing|convuls\w*|fitting)\b",
    r"\bchest (pain|pains|tightness|pressure)\b|\bheart attack\b|\bstroke\b",
    r"\b(suicid\w*|kill (myself|himself|herself)|end (my|his|her) life|want to die|self[- ]harm|hurt (myself|himself|herself))\b",
    r"\b(overdosed|overdosing|o\.?d\.?'?d|took an overdose|taken an overdose|having an overdose)\b",
    r"\b(i|he|she|they|we|my \w+)( think| might)? (have |has |just )?(took|taken|swallowed) (too (many|much)|a (whole|full) bottle|the (whole|entire) bottle|all (my|his|her|the) pills)\b",  # noqa: E501 (one pattern, kept whole to read)
    r"\b(anaphyla\w*|throat (is )?(closing|swelling|swollen)|(face|tongue|lips) (is |are )?(swelling|swollen))\b",
    r"\b(severe|bad|terrible|violent) withdrawal\b|\b(going|gone|went) into withdrawal\b|\bin (full|severe)? ?withdrawal (now|right now)\b",
    r"\b(vomiting|coughing up|throwing up) blood\b|\bpinpoint pupils\b",
    r"\b(call(ed|ing)? 911|ambulance|emergency room right now)\b",
    r"\baccidentally (took|taken|swallowed|gave)\b|\b(got into|swallowed) (some of )?(my|the|his|her|their) (bottle|pills|tablets|capsules|medicine|medication)\b",  # noqa: E501 (one pattern, kept whole to read)
    r"\bswallowed (some|a few|several|a handful of|all|the|my|his|her) ?(pills|tablets|capsules)\b",
    r"\b(took|taken|swallowed) (\d+|two|three|four|five|six|seven|eight|nine|ten|a handful|several|a bunch) (of )?(my |his |her |the )?[\d.]* ?(mg )?(ldn |naltrexone )?(pills|tablets|capsules|doses)\b",  # noqa: E501 (one pattern, kept whole to read)
    r"\b(going to|gonna|want to|plan to|about to) (take|swallow) (them|it|all|every|my pills|the (whole|entire) bottle)\b",
    r"\b(pills|tablets) (lined up|saved up|stockpiled)\b|\bsaving up (my|all my) (pills|tablets|meds)\b",
    r"\b(can'?t|cannot) (live|go on) (like this|with this|anymore)\b|\bdon'?t want to (be alive|be here|live|wake up)\b|\bno reason to live\b",
)

_NOW = re.compile(
    r"\b(right now|now(?! that)|just now|currently|at the moment|tonight|an hour ago|minutes ago|this (morning|afternoon|evening)|won'?t stop|nonstop|non-stop|keeps? (vomiting|shaking|throwing up))\b",  # noqa: E501 (one pattern, kept whole to read)
    re.IGNORECASE,
)
_SEVERE_SYMPTOM = re.compile(
    r"\b(shaking( uncontrollably)?|shakes|trembling|vomiting|throwing up|sweating (through|buckets|profusely)|heart (is )?(racing|pounding)|"
    r"confused|hallucinating|can'?t stop (shaking|vomiting|throwing up)|really dizzy|very dizzy|about to pass out|"
    r"hives|rash (all over|spreading)|(skin|eyes) (turning |are |is )?yellow)\b",
    re.IGNORECASE,
)


def regex_emergency(question: str) -> bool:
    """The old verdict: an emergency pattern, or 'happening now' together with a severe symptom."""
    return bool(_EMERGENCY.search(question) or (_NOW.search(question) and _SEVERE_SYMPTOM.search(question)))
