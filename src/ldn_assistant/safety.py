"""Fixed user-facing texts, question validation, and the checks every domain shares.

Tests import these constants rather than retyping them, so a wording change happens here once.
"""

from __future__ import annotations

import re
import unicodedata

from wordfreq import zipf_frequency

from .domains import load_profile

# --- Fixed texts: written once, in the LDN domain profile (domains/ldn.toml). --------------------
# Module constants so that tests and renderers import them rather than retype them.
_LDN = load_profile("ldn")
OPIOID_WARNING = _LDN.text("opioid_warning")
FDA_STATUS = _LDN.text("fda_status")
NOT_MEDICAL_ADVICE = _LDN.text("not_medical_advice")
DISCLAIMERS: tuple[str, ...] = _LDN.disclaimers  # opioid first: the warning that can prevent harm today
SCOPE = _LDN.scope
EMERGENCY_NOTICE = _LDN.text("emergency_notice")
CRISIS_NOTE = _LDN.text("crisis_note")
OUT_OF_SCOPE_NOTICE = _LDN.text("out_of_scope_notice")
INSTRUCTION_NOTICE = _LDN.text("instruction_notice")
NO_EVIDENCE_NOTICE = _LDN.text("no_evidence_notice")
ERROR_NOTICE = _LDN.text("error_notice")
# With `{corpus}` still in it: the index fills in the documents' kinds and dates (Assistant.evidence_status).
EVIDENCE_STATUS_TEMPLATE = _LDN.text("evidence_status")

OPIOID_HEADING = "Read this first: this question concerns opioids."


# --- Question validation. ------------------------------------------------------------------------


class QuestionError(ValueError):
    """A question that cannot be answered as given; the message says what was wrong."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(question: object, max_chars: int) -> str:
    """Return the question in normal form, or raise QuestionError naming the problem."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    if _SURROGATE.search(question):
        raise QuestionError("the question contains broken characters (unpaired surrogates); please retype it")
    if _CONTROL.search(question):
        raise QuestionError("the question contains control characters (such as NUL); please retype it as plain text")
    text = unicodedata.normalize("NFKC", question).strip()
    if not text:
        raise QuestionError("the question is empty; type a question about low dose naltrexone")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters long; the limit is {max_chars:,}")
    return text


# --- Attempts to make it say something other than what its sources say (any domain). ------------


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_INSTRUCTION = _rx(
    r"\b(ignore|disregard|forget|override|bypass|skip)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines?|guardrails?|restrictions?|sources?|system|programming|disclaimers?|warnings?)\b",
    r"\bsystem prompt\b|\bdeveloper mode\b|\bjailbreak\b|\bDAN\b|\bdo anything now\b",
    r"\byou are (now|no longer)\b|\bfrom now on\b|\bact as\b|\bpretend\b|\brole[- ]?play\b|\bplay the role\b|\bimagine (that )?you\b",
    r"(^|[.!?:]\s*|\b(just|please|now|can you|could you|will you|would you|you must|you should|i need you to|i want you to) )(say|tell me|confirm|agree|admit|state|declare|promise|guarantee|assure me)( to me)?( that| it| ldn| naltrexone| yes| no)\b",
    r"\brepeat after me\b|\brespond (only )?with\b|\banswer (only )?with\b|\bjust say\b|\b(confirm|answer) (yes or no|with yes|with a yes)\b|\bwithout (quoting|citing|sources|the disclaimers?|disclaimers?|warnings?)\b",
    r"\b(complete|finish|continue) (this|the|my) (sentence|paragraph|text|post)\b|\bfor my (blog|website|ad|advert|marketing|post|article)\b",
    r"\b(in your own words|your (own |personal |honest )?(opinion|view|take|recommendation)|what do you (think|believe|recommend))\b",
    r"\b(write|compose|draft|generate|create|make up|invent)\b.{0,30}\b(paragraph|essay|poem|story|article|summary|blog|post|song|letter|tweet|review|script|code|ad|advert\w*|testimonial|claim)\b",
    r"\bprescribe (it |ldn |naltrexone )?(to |for )?me\b|\b(can|could|will|would) you (please )?prescribe\b|\bwrite (me )?a prescription\b",
    r"<\s*script|\{\{|\$\{|;\s*drop\s+table|\bunion\s+select\b|--\s*$",
)


def asks_to_steer(question: str) -> bool:
    """True when the question tries to make the assistant say or be something else."""
    return _INSTRUCTION.search(question) is not None


def mentions_opioid(question: str) -> bool:
    """True when the question names opioids or an opioid drug (the LDN profile's list)."""
    return _LDN.mentions("opioid", question)


def looks_like_drug_name(word: str) -> bool:
    """A word shaped like a medicine's name ('gabapentin', 'sertraline') and rare in everyday English.

    The word frequency replaces a hand list of everyday look-alikes ('machine', 'guideline').
    """
    return len(word) >= 6 and _DRUG_SUFFIX.search(word) is not None and zipf_frequency(word, "en") < _RARE_ZIPF


# Drug-name endings (pharmacological naming conventions), so an unfamiliar medicine still counts as one.
_DRUG_SUFFIX = re.compile(
    r"(?:mab|nib|pril|sartan|olol|statin|azole|pam|lam|oxetine|aline|triptyline|pramine|pentin|gabalin|profen|"
    r"coxib|barbital|dronate|tidine|prazole|afil|vir|cycline|cillin|mycin|floxacin|sone|solone|lukast|triptan|"
    r"zepam|zolam|done|codone|morphone|fentanil|phine|adol|ine)$"
)
# Zipf frequency below which a word is rare in everyday English (3 = once per million words):
# 'sertraline' 2.1, 'gabapentin' 2.3, 'methadone' 3.0; 'guideline' 3.3, 'machine' 4.9.
_RARE_ZIPF = 3.1
