"""A small clinical lexicon: the words a question may use for what the sources call something else.

Expansion only adds search words; it never changes what is quoted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

# Opioids by generic and brand name. A question naming any of these gets the opioid warning first.
OPIOID_NAMES: frozenset[str] = frozenset(
    """opioid opioids opiate opiates narcotic narcotics oxycodone oxycontin percocet roxicodone endocet
    hydrocodone vicodin norco lortab zohydro hysingla morphine ms-contin kadian codeine tylenol-3 tramadol ultram
    tapentadol nucynta fentanyl duragesic actiq methadone dolophine methadose buprenorphine suboxone subutex
    zubsolv sublocade butrans belbuca hydromorphone dilaudid exalgo oxymorphone opana meperidine demerol
    heroin levorphanol pentazocine talwin kratom loperamide-abuse painkillers painkiller""".split()
)

# Brand and other names of naltrexone.
NALTREXONE_NAMES: frozenset[str] = frozenset(
    "naltrexone naltrexon naltrexone's revia vivitrol depade trexan ldn contrave".split()
)

# phrase (lower case, matched on word boundaries) -> words added to the search.
EXPANSIONS: dict[str, str] = {
    # naltrexone and its names
    "revia": "naltrexone", "vivitrol": "naltrexone injection", "depade": "naltrexone", "trexan": "naltrexone",
    "contrave": "naltrexone", "naltrexon": "naltrexone", "naltrexine": "naltrexone", "naltraxone": "naltrexone",
    # conditions and abbreviations
    "ms": "multiple sclerosis", "ra": "rheumatoid arthritis", "psa": "psoriatic arthritis",
    "oa": "osteoarthritis", "crps": "complex regional pain syndrome", "rsd": "complex regional pain syndrome",
    "fm": "fibromyalgia", "fms": "fibromyalgia", "fibro": "fibromyalgia", "ibd": "crohn’s disease ulcerative colitis inflammatory",
    "uc": "ulcerative colitis", "ic": "interstitial cystitis", "dpn": "diabetic neuropathy",
    "neuropathy": "neuropathic nerve", "nerve pain": "neuropathic pain neuropathy", "lbp": "low back pain",
    "back pain": "chronic low back pain", "crohns": "crohn’s disease", "crohn": "crohn’s disease",
    "arthritis": "rheumatoid arthritis inflammatory arthritis", "joint": "joint pain degenerative arthritis",
    "autoimmune": "autoimmune disorders immune", "hashimoto": "autoimmune thyroid",
    "thyroid": "autoimmune thyroid disease",
    # what the sources call things
    "side effect": "side effects vivid dreams headache nausea", "side effects": "vivid dreams headache nausea insomnia",
    "adverse": "side effects", "nightmares": "vivid dreams", "dreams": "vivid dreams side effects",
    "sleep": "insomnia vivid dreams sleep", "insomnia": "side effects", "tolerated": "side effects tolerated",
    "safe": "safety side effects tolerated", "safety": "side effects tolerated",
    "dose": "mg dose dosing", "dosage": "mg dose dosing", "dosing": "mg dose", "how much": "mg dose",
    "titrate": "started 1.5 mg gradually increased", "titration": "started 1.5 mg gradually increased dose monthly",
    "start": "started", "increase": "increased dose monthly",
    "cost": "cost affordable inexpensive $45 supply", "price": "cost affordable inexpensive supply",
    "expensive": "cost affordable inexpensive", "cheap": "affordable inexpensive cost", "afford": "affordable inexpensive cost",
    "buy": "compounding pharmacies obtained", "get it": "compounding pharmacies obtained", "where": "compounding pharmacies",
    "pharmacy": "compounding pharmacies", "compounded": "compounding pharmacies", "prescribe": "doctors prescribe",
    "fda": "FDA approved Food and Drug Administration", "approved": "FDA approved", "approval": "FDA approved",
    "off-label": "off label", "legal": "FDA approved off label",
    "work": "mechanism", "works": "mechanism", "mechanism": "blocking opioid receptors endorphins",
    "moa": "mechanism of action", "microglia": "glial cells", "glial": "microglia", "tlr4": "Toll-like receptor 4",
    "endorphin": "endorphins enkephalins", "inflammation": "inflammatory cytokines reduce inflammation",
    "withdrawal": "opioid withdrawal", "history": "first used introduced synthesized approved",
    "invented": "synthesized introduced", "discovered": "synthesized", "when": "year",
    "evidence": "studies trials research evidence", "research": "studies trials", "study": "studies trial",
    "trials": "clinical trials studies", "works for": "effective", "effective": "effective results",
    "abuse": "potential for abuse", "addictive": "potential for abuse", "addiction": "dependence addiction",
    "alcohol": "alcohol dependence", "alcoholism": "alcohol dependence", "alcoholic": "alcohol dependence",
    "addicted": "dependence addiction potential for abuse", "hooked": "potential for abuse", "high": "euphoria abuse",
    "pharmacist": "compounding pharmacies", "drugstore": "retail pharmacies", "pills": "tablets dose", "cancer": "cancer", "weight": "weight loss", "fertility": "fertility",
    "cytokines": "pro-inflammatory cytokines", "immune": "immune system modulate",
    "rupp": "Adam Rupp review University of Kansas", "asra": "American Society of Regional Anesthesia",
}

# A named opioid drug means a patient on opioids: search for the class the sources name, and for what
# matters most with naltrexone, that it blocks opioids and brings on withdrawal.
for _name in OPIOID_NAMES:
    EXPANSIONS.setdefault(_name, "opioid medications currently taking withdrawal")

# Short glosses the embedder reads after a name it may not know: a drug's class, an abbreviation's meaning.
GLOSSES: dict[str, str] = {
    **{name: "opioid medication" for name in OPIOID_NAMES if name not in {"opioid", "opioids", "opiate", "opiates"}},
    "revia": "naltrexone", "vivitrol": "naltrexone", "depade": "naltrexone", "trexan": "naltrexone",
    "ms": "multiple sclerosis", "ra": "rheumatoid arthritis", "psa": "psoriatic arthritis", "oa": "osteoarthritis",
    "crps": "complex regional pain syndrome", "rsd": "complex regional pain syndrome", "fm": "fibromyalgia",
    "fibro": "fibromyalgia", "ibd": "Crohn’s disease or ulcerative colitis", "uc": "ulcerative colitis",
    "ic": "interstitial cystitis", "bladder": "interstitial cystitis", "stiffness": "spasticity",
    "spasms": "spasticity", "tiredness": "fatigue", "tired": "fatigue", "exhaustion": "fatigue",
    "narcotic": "opioid medications", "narcotics": "opioid medications", "addictive": "potential for abuse", "lbp": "low back pain", "dpn": "diabetic neuropathy",
}

def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)  # longest first, so "low back pain" beats "back"
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in ordered) + r")(?![\w-])", re.IGNORECASE)


_PATTERN = _phrase_pattern(EXPANSIONS)
_GLOSS_PATTERN = _phrase_pattern(GLOSSES)


@lru_cache(maxsize=4096)
def expansion_terms(question: str) -> str:
    """The extra search words a question implies, in the order found, without repeats."""
    seen: list[str] = []
    for match in _PATTERN.finditer(question):
        extra = EXPANSIONS[match.group(1).lower()]
        if extra not in seen:
            seen.append(extra)
    return " ".join(seen)


@lru_cache(maxsize=4096)
def gloss(question: str) -> str:
    """The question with a short gloss after each drug name or abbreviation: "on tramadol (opioid medication)"."""
    return _GLOSS_PATTERN.sub(lambda m: f"{m.group(1)} ({GLOSSES[m.group(1).lower()]})", question)


def lexicon_words() -> set[str]:
    """Single words the lexicon knows, for the spelling corrector."""
    return {w for phrase in (*EXPANSIONS, *GLOSSES) for w in phrase.lower().split() if w.isalpha()}
