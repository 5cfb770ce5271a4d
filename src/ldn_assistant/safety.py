"""Every fixed user-facing text, and the rules that sort a question before any retrieval.

Tests import these constants rather than retyping them, so a wording change happens here once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from .lexicon import NALTREXONE_NAMES, OPIOID_NAMES, lexicon_words
from .text import words

# --- Fixed disclaimers: the same words on every answer, whatever its status. -----------------

OPIOID_WARNING = (
    "Opioid interaction: naltrexone at any dose blocks opioid pain relief and can bring on opioid "
    "withdrawal. The naltrexone label rules it out for anyone taking opioid pain medicines or dependent "
    "on opioids, including methadone or buprenorphine maintenance; patients should be off opioids for "
    "7 to 10 days before starting it. After naltrexone is stopped, a smaller opioid dose than before can "
    "cause an overdose, and deaths have been reported. Anyone taking naltrexone should tell every "
    "clinician who treats them, emergency and surgical teams included."
)

FDA_STATUS = (
    "FDA status: low dose naltrexone (about 1 to 5 mg a day) is off-label. No low-dose product is "
    "FDA-approved for chronic pain or for any other use. The FDA has approved naltrexone 50 mg tablets "
    "(1984; alcohol dependence and blocking the effects of opioids) and a 380 mg monthly extended-release "
    "injection (alcohol dependence, 2006; preventing relapse to opioid dependence, 2010). Low doses come "
    "from compounding pharmacies, whose products the FDA does not review for quality or effectiveness. "
    "The evidence for chronic pain comes mostly from small trials. The label still warns of liver injury "
    "at high doses and advises caution in active liver disease."
)

NOT_MEDICAL_ADVICE = (
    "About these answers: they are passages quoted word for word from published sources, chosen by "
    "search, not medical advice. They do not replace the judgement of a clinician who knows the patient."
)

# Opioid first: it is the warning that can prevent harm today.
DISCLAIMERS: tuple[str, ...] = (OPIOID_WARNING, FDA_STATUS, NOT_MEDICAL_ADVICE)

# --- Notices: one per status that needs explaining. --------------------------------------------

SCOPE = "low dose naltrexone (LDN) for chronic pain, as its curated sources describe it"

EMERGENCY_NOTICE = (
    "This may be an emergency. Call 911 (or your local emergency number) or go to the nearest emergency "
    "department now. For a suspected opioid overdose, give naloxone if it is at hand and call for help; "
    "tell the team about any naltrexone taken. In the US, call or text 988 for a suicidal or mental-health "
    "crisis. Do not wait for answers from this assistant."
)

OUT_OF_SCOPE_NOTICE = (
    f"Out of scope: this assistant only answers questions about {SCOPE}, by quoting those sources. "
    "It has nothing to quote for this question."
)

INSTRUCTION_NOTICE = (
    f"Out of scope: this assistant only quotes its sources about {SCOPE}. It does not follow "
    "instructions to change what it says, take on a role, or write claims or opinions of its own."
)

NO_EVIDENCE_NOTICE = (
    "No evidence: the curated sources do not address this question, so no passage is quoted. "
    "A clinician or pharmacist who knows the patient, or the product label, is the place to ask."
)

ERROR_NOTICE = "Something went wrong while answering. No passage is shown; please try again."

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


# --- Triage: emergency, instructions, scope. --------------------------------------------------------

Verdict = Literal["emergency", "instruction", "off_topic", "in_scope"]


@dataclass(frozen=True)
class Triage:
    verdict: Verdict
    mentions_opioid: bool
    reason: str = ""


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Signs of harm happening now. Questions about risk in general ("can LDN cause...") do not match.
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
    r"\b(i|he|she|they|we|my \w+)( think| might)? (have |has |just )?(took|taken|swallowed) (too (many|much)|a (whole|full) bottle|the (whole|entire) bottle|all (my|his|her|the) pills)\b",
    r"\b(anaphyla\w*|throat (is )?(closing|swelling|swollen)|(face|tongue|lips) (is |are )?(swelling|swollen))\b",
    r"\b(severe|bad|terrible|violent) withdrawal\b|\b(going|gone|went) into withdrawal\b|\bin (full|severe)? ?withdrawal (now|right now)\b",
    r"\b(vomiting|coughing up|throwing up) blood\b|\bpinpoint pupils\b",
    r"\b(call(ed|ing)? 911|ambulance|emergency room right now)\b",
    r"\baccidentally (took|taken|swallowed|gave)\b|\b(got into|swallowed) (some of )?(my|the|his|her|their) (bottle|pills|tablets|capsules|medicine|medication)\b",
    r"\bswallowed (some|a few|several|a handful of|all|the|my|his|her) ?(pills|tablets|capsules)\b",
    r"\b(took|taken|swallowed) (\d+|two|three|four|five|six|seven|eight|nine|ten|a handful|several|a bunch) (of )?(my |his |her |the )?[\d.]* ?(mg )?(ldn |naltrexone )?(pills|tablets|capsules|doses)\b",
    r"\b(going to|gonna|want to|plan to|about to) (take|swallow) (them|it|all|every|my pills|the (whole|entire) bottle)\b",
    r"\b(pills|tablets) (lined up|saved up|stockpiled)\b|\bsaving up (my|all my) (pills|tablets|meds)\b",
    r"\b(can'?t|cannot) (live|go on) (like this|with this|anymore)\b|\bdon'?t want to (be alive|be here|live|wake up)\b|\bno reason to live\b",
)

# Happening now plus a severe symptom, e.g. withdrawal brought on by naltrexone over methadone.
_NOW = re.compile(
    r"\b(right now|now(?! that)|just now|currently|at the moment|tonight|an hour ago|minutes ago|this (morning|afternoon|evening)|won'?t stop|nonstop|non-stop|keeps? (vomiting|shaking|throwing up))\b",
    re.IGNORECASE,
)
_SEVERE_SYMPTOM = re.compile(
    r"\b(shaking( uncontrollably)?|shakes|trembling|vomiting|throwing up|sweating (through|buckets|profusely)|heart (is )?(racing|pounding)|"
    r"confused|hallucinating|can'?t stop (shaking|vomiting|throwing up)|really dizzy|very dizzy|about to pass out|"
    r"hives|rash (all over|spreading)|(skin|eyes) (turning |are |is )?yellow)\b",
    re.IGNORECASE,
)

# Attempts to make it say something other than what its sources say.
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

# Topics that are never this assistant's, even when a medical word appears.
_OFF_TOPIC = _rx(
    r"\b(recipe|cook(ing)?|bake|weather|forecast|stock|crypto|bitcoin|football|soccer|basketball|baseball|movie|film|song|lyrics|poem|joke|riddle|capital of|translate|homework|python|javascript|sql|programming|lottery|horoscope|vacation|hotel|flight)\b",
)

# Words that place a question in the assistant's field (clinical, pharmacological, pain).
DOMAIN_WORDS: frozenset[str] = frozenset(
    """pain painful pains ache aches aching achy hurt hurts hurting sore soreness chronic dose doses dosage dosing
    mg milligram milligrams pill pills tablet tablets capsule capsules liquid medication medications medicine medicines
    med meds drug drugs prescription prescriptions prescribe prescribed prescribing pharmacy pharmacies pharmacist
    compounding compounded doctor doctors physician physicians clinician clinicians nurse provider patient patients
    side effect effects symptom symptoms treatment treatments treat treating therapy therapies trial trials study
    studies research evidence fda approved approval label off-label offlabel withdrawal addiction addicted dependence
    dependent alcohol alcoholism endorphin endorphins enkephalin enkephalins receptor receptors immune inflammation
    inflammatory cytokine cytokines microglia glial fibromyalgia fibro arthritis rheumatoid psoriatic osteoarthritis
    crohn crohns colitis ibd sclerosis ms crps rsd neuropathy neuropathic nerve nerves back migraine migraines
    headache headaches autoimmune lupus thyroid cancer cystitis insomnia dreams nightmares nausea diarrhea liver
    kidney kidneys pregnancy pregnant breastfeeding nursing child children kids pediatric elderly seniors dog dogs
    cat cats pet pets vet insurance covered cost price interaction interactions interact supplement supplements
    vitamin vitamins mechanism antagonist blocker agonist opioid opioids injection implant clinic clinical
    healthcare disease diseases disorder disorders condition conditions syndrome diagnosis diagnosed sleep fatigue
    mood depression anxiety weight fertility surgery anesthesia anesthetic hospital emergency overdose tolerance
    placebo efficacy effective safe safety risk risks dangerous benefit benefits contraindication contraindicated
    stomach joint joints muscle muscles spasticity endometriosis ehlers danlos long covid pots mcas lyme""".split()
)

# Drug-name endings, so an unfamiliar medicine still counts as a clinical word.
_DRUG_SUFFIX = re.compile(
    r"(?:mab|nib|pril|sartan|olol|statin|azole|pam|lam|oxetine|aline|triptyline|pramine|pentin|gabalin|profen|"
    r"coxib|barbital|dronate|tidine|prazole|afil|vir|cycline|cillin|mycin|floxacin|sone|solone|lukast|triptan|"
    r"zepam|zolam|done|codone|morphone|fentanil|phine|adol|ine)$"
)


def clinical_words() -> set[str]:
    """The clinical vocabulary: words worth correcting a misspelling towards."""
    return set(DOMAIN_WORDS) | set(NALTREXONE_NAMES) | set(OPIOID_NAMES) | lexicon_words()


def mentions_opioid(question: str) -> bool:
    """True when the question names opioids or an opioid drug."""
    return any(w in OPIOID_NAMES or w.rstrip("s") in OPIOID_NAMES for w in words(question))


def looks_like_drug_name(word: str) -> bool:
    """A word shaped like a medicine's name ('gabapentin', 'sertraline'), everyday look-alikes excluded."""
    return len(word) >= 6 and _DRUG_SUFFIX.search(word) is not None and word not in _COMMON_INE_WORDS


def _is_domain_word(word: str) -> bool:
    return (
        word in DOMAIN_WORDS
        or word in NALTREXONE_NAMES
        or word in OPIOID_NAMES
        or word.startswith(("naltrex", "nalterx", "naltrax", "fibrom", "opioi", "opiat", "analges", "inflam"))
        or looks_like_drug_name(word)
    )


# Everyday words that happen to end like drug names.
_COMMON_INE_WORDS = frozenset(
    "machine online engine routine magazine define determine examine imagine combine fine line mine nine wine shine "
    "spine vaccine cuisine famine genuine marine masculine feminine discipline headline deadline pipeline outline "
    "someone everyone anyone done undone gone alone stone phone zone bone tone none lone ozone cyclone "
    "salmon personal".split()
)


def triage(question: str) -> Triage:
    """Sort a cleaned question: emergency first, then attempts to steer it, then scope."""
    opioid = mentions_opioid(question)
    if _EMERGENCY.search(question) or (_NOW.search(question) and _SEVERE_SYMPTOM.search(question)):
        return Triage("emergency", opioid, "describes signs of an emergency")
    if _INSTRUCTION.search(question):
        return Triage("instruction", opioid, "asks the assistant to say or be something else")
    tokens = words(question)
    if _OFF_TOPIC.search(question) and not any(t in NALTREXONE_NAMES for t in tokens):
        return Triage("off_topic", opioid, "names a topic outside the assistant's field")
    if any(_is_domain_word(t) for t in tokens):
        return Triage("in_scope", opioid)
    return Triage("off_topic", opioid, "names nothing in the assistant's field")
