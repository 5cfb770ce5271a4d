"""The domain profile: everything the engine knows about one field, loaded from one TOML file.

The engine (load, split, embed, store, retrieve, select, compose) knows nothing about any field;
what is specific to one (its scope, fixed texts, drug names and classes, abbreviations, triage
patterns and exemplars) is data in `domains/<name>.toml`. A profile only holds what is true
whatever the corpus says.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

# Every text an answer can carry. A profile must give each; `{scope}` is filled in from the profile.
TEXT_FIELDS: tuple[str, ...] = (
    "emergency_notice",
    "crisis_note",
    "out_of_scope_notice",
    "instruction_notice",
    "no_evidence_notice",
    "error_notice",
)
EMERGENCY_CATEGORIES: tuple[str, ...] = (
    "suicide_self_harm",
    "overdose_breathing",
    "unresponsive_blue",
    "precipitated_withdrawal",
    "allergic_reaction",
    "chest_pain_stroke",
    "accidental_ingestion",
    "liver_injury",
    "seizure",
)


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class DrugClass:
    """Drugs of one class by generic and brand name, and the gloss the embedder reads after a name.

    `names` holds the words for the class itself ("opioid", "narcotics") and its drugs; `drug_names` only the drugs.
    Both kinds bring the class's warning, but only a drug's name says the asker takes (or asks about taking) one:
    "the opioid growth factor receptor" names the class and is a question about mechanism.
    """

    name: str
    gloss: str
    names: tuple[str, ...]
    pattern: re.Pattern[str]
    drug_names: tuple[str, ...]
    drug_pattern: re.Pattern[str] | None  # None for a class that lists only `words`

    def mentioned_in(self, text: str) -> bool:
        return self.pattern.search(text) is not None

    def names_a_drug(self, text: str) -> bool:
        return self.drug_pattern is not None and self.drug_pattern.search(text) is not None


@dataclass(frozen=True)
class SemanticTriage:
    """Layer 2 of triage: nearest exemplars to the question's embedding, with thresholds."""

    emergency: dict[str, tuple[str, ...]]  # category -> exemplars of harm happening now
    contrast: dict[str, tuple[str, ...]]  # kind -> non-emergency exemplars near the same topics
    emergency_threshold: float  # classifier logit at or above which a message is an emergency
    risk_threshold: float  # logit at or above which a non-emergency gets the crisis note
    neighbours: int  # exemplars averaged to name the category
    l2: float  # penalty on the classifier's weights
    peak_weight: float  # weight of the standardised token-wise maxima beside the mean vector (0: the mean alone)
    hidden_units: int  # ReLU units of the classifier's hidden layer (0: a linear classifier)
    members: int  # networks trained from different random starts whose logits are averaged (1: one network)
    window_min_words: int  # a long message's sentences of at least this many words are also read alone
    # A pattern's (layer 1's) emergency stands unless the classifier's logit is below this and below
    # emergency_threshold; then the message gets the crisis note on a normal answer. None: layer 1 is final.
    pattern_veto: float | None = None
    # The word model's logit (triage_words) times this is added to the network's: thresholds and veto are on the sum.
    # 0: the network alone.
    word_weight: float = 0.0
    word_l2: float = 0.0625  # penalty on the word model's coefficients (scikit-learn's C is its inverse)


@dataclass(frozen=True)
class TriageRules:
    patterns: dict[str, tuple[re.Pattern[str], ...]]  # category -> unmistakable signs of an emergency
    not_now: tuple[re.Pattern[str], ...]  # sentence framings: a question about a risk, a past event
    cue_before_match: re.Pattern[str] | None  # a negation or condition before a match: "no", "if", "ever"
    risk: tuple[re.Pattern[str], ...]  # topics that earn the crisis note on an ordinary answer
    urgency: tuple[re.Pattern[str], ...]  # cues that something is happening now
    danger: tuple[re.Pattern[str], ...]  # signs of a severe state; with an urgency cue, an emergency
    semantic: SemanticTriage | None


@dataclass(frozen=True)
class RetrievalDefaults:
    """Engine settings a profile may set for its kind of collection; None leaves the engine's own default.
    An LDN_* setting given by the user wins over both."""

    lexical_weight: float | None = None
    document_dense_weight: float | None = None
    document_lexical_weight: float | None = None


@dataclass(frozen=True)
class DomainProfile:
    name: str
    version: str
    description: str
    scope: str
    texts: dict[str, str]
    disclaimers: tuple[str, ...]
    subject_names: frozenset[str]
    drug_classes: dict[str, DrugClass]
    abbreviations: dict[str, str]
    clinical_words: frozenset[str]  # words that place a question in the field, whatever the corpus says
    special_populations: frozenset[str]  # people a general passage does not speak for (pregnancy, children)
    off_topic: tuple[re.Pattern[str], ...]
    triage: TriageRules | None
    retrieval: RetrievalDefaults = field(default_factory=RetrievalDefaults)
    digest: str = field(repr=False, default="")  # content hash of the file: caches keyed on it go stale with it

    def text(self, name: str) -> str:
        return self.texts[name]

    def evidence_status(self, corpus: str) -> str | None:
        """The profile's evidence-status text with the corpus's kinds and dates (basis.py); None if it has none."""
        template = self.texts.get("evidence_status")
        return template.replace("{corpus}", corpus) if template else None

    def mentions(self, drug_class: str, text: str) -> bool:
        """Does the text name a drug of this class? False for a class the profile does not have."""
        found = self.drug_classes.get(drug_class)
        return found is not None and found.mentioned_in(text)

    def mentions_any_drug(self, text: str) -> bool:
        return any(c.mentioned_in(text) for c in self.drug_classes.values())

    def vocabulary(self) -> set[str]:
        """Single words the profile knows: names, abbreviations and clinical words (spelling targets)."""
        known = set(self.subject_names) | set(self.clinical_words) | set(self.abbreviations)
        for drug_class in self.drug_classes.values():
            known.update(w for name in drug_class.names for w in name.split())
        return {w for w in known if w.isalpha()}

    def to_dict(self) -> dict[str, Any]:
        """What a report needs to name the profile an answer or a measurement was made with."""
        return {"name": self.name, "version": self.version, "digest": self.digest}


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word matches; the parts of a multi-word name may be joined by a space, a hyphen or nothing."""
    parts = [r"[\s\-]?".join(re.escape(w) for w in name.split()) for name in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _compile(where: str, patterns: Any) -> tuple[re.Pattern[str], ...]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ProfileError(f"{where} must be a list of strings")
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise ProfileError(f"{where}: bad regular expression {p!r} ({exc})") from None
    return tuple(compiled)


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _semantic(where: str, data: dict[str, Any]) -> SemanticTriage | None:
    semantic = data.get("semantic")
    exemplars = data.get("exemplars", {})
    if semantic is None:
        return None
    emergency = {cat: _strings(f"{where}.exemplars.emergency.{cat}", v) for cat, v in exemplars.get("emergency", {}).items()}
    contrast = {kind: _strings(f"{where}.exemplars.contrast.{kind}", v) for kind, v in exemplars.get("contrast", {}).items()}
    if not any(emergency.values()):
        raise ProfileError(f"{where}.semantic needs [triage.exemplars.emergency] exemplars")
    if not any(contrast.values()):
        raise ProfileError(f"{where}.semantic needs [triage.exemplars.contrast] exemplars: the classifier learns from them what is not an emergency")
    for key in ("l2", "peak_weight", "word_weight"):
        value = semantic.get(key, 0.0)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ProfileError(f"{where}.semantic.{key} must be a number at least 0, not {value!r}")
    for key, least, meaning in (("hidden_units", 0, "0: a linear classifier"), ("members", 1, "1: one network")):
        value = semantic.get(key, least)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ProfileError(f"{where}.semantic.{key} must be a whole number at least {least} ({meaning}), not {value!r}")
    word_l2 = semantic.get("word_l2", SemanticTriage.word_l2)
    if not isinstance(word_l2, (int, float)) or isinstance(word_l2, bool) or word_l2 <= 0:
        raise ProfileError(f"{where}.semantic.word_l2 must be a number above 0, not {word_l2!r}")
    veto = semantic.get("pattern_veto")
    if veto is not None and (not isinstance(veto, (int, float)) or isinstance(veto, bool)):
        raise ProfileError(f"{where}.semantic.pattern_veto must be a number (a classifier logit), not {veto!r}")
    try:
        return SemanticTriage(
            emergency=emergency,
            contrast=contrast,
            emergency_threshold=float(semantic["emergency_threshold"]),
            risk_threshold=float(semantic["risk_threshold"]),
            neighbours=int(semantic.get("neighbours", 1)),
            l2=float(semantic.get("l2", 1.0)),
            peak_weight=float(semantic.get("peak_weight", 0.0)),
            hidden_units=int(semantic.get("hidden_units", 0)),
            members=int(semantic.get("members", 1)),
            window_min_words=int(semantic.get("window_min_words", 6)),
            pattern_veto=None if veto is None else float(veto),
            word_weight=float(semantic.get("word_weight", 0.0)),
            word_l2=float(word_l2),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"{where}.semantic: missing or bad value ({exc})") from None


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def parse_profile(data: dict[str, Any], where: str = "profile", digest: str = "") -> DomainProfile:
    """A typed profile from the parsed TOML; raises ProfileError naming what is wrong."""
    head = data.get("profile", {})
    for key in ("name", "version", "scope"):
        if not isinstance(head.get(key), str):
            raise ProfileError(f"{where}: [profile] needs a string {key!r}")
    raw_texts = data.get("texts", {})
    scope = head["scope"]
    # Placeholders other than {scope} ({corpus} of evidence_status) are left for the index to fill.
    texts = {k: v.format_map(_KeepUnknown(scope=scope)) for k, v in raw_texts.items() if isinstance(v, str)}
    missing = [t for t in TEXT_FIELDS if t not in texts]
    if missing:
        raise ProfileError(f"{where}: [texts] is missing {', '.join(missing)}")
    disclaimer_names = raw_texts.get("disclaimers", [])
    unknown = [d for d in disclaimer_names if d not in texts]
    if unknown:
        raise ProfileError(f"{where}: [texts].disclaimers names unknown text(s) {', '.join(unknown)}")
    drugs = data.get("drugs", {})
    classes = {}
    for cls_name, spec in drugs.get("classes", {}).items():
        # `names`: the class's drugs; `words`: what the class itself is called. Either may be left out, not both.
        drug_names = _strings(f"{where}: drugs.classes.{cls_name}.names", spec.get("names", []))
        class_words = _strings(f"{where}: drugs.classes.{cls_name}.words", spec.get("words", []))
        names = class_words + drug_names
        if not names:
            raise ProfileError(f"{where}: drugs.classes.{cls_name} lists no names or words (an empty pattern would match every question)")
        drug_pattern = _name_pattern(drug_names) if drug_names else None
        classes[cls_name] = DrugClass(cls_name, str(spec.get("gloss", cls_name)), names, _name_pattern(names), drug_names, drug_pattern)
    triage_data = data.get("triage")
    triage = None
    if triage_data:
        patterns = {cat: _compile(f"{where}: triage.patterns.{cat}", p) for cat, p in triage_data.get("patterns", {}).items()}
        strange = sorted(set(patterns) - set(EMERGENCY_CATEGORIES))
        if strange:
            raise ProfileError(f"{where}: unknown triage categor(ies) {', '.join(strange)}; known: {', '.join(EMERGENCY_CATEGORIES)}")
        triage = TriageRules(
            patterns=patterns,
            not_now=_compile(f"{where}: triage.not_now_patterns", triage_data.get("not_now_patterns", [])),
            cue_before_match=(
                _compile(f"{where}: triage.cue_before_match", [triage_data["cue_before_match"]])[0] if "cue_before_match" in triage_data else None
            ),
            risk=_compile(f"{where}: triage.risk_patterns", triage_data.get("risk_patterns", [])),
            urgency=_compile(f"{where}: triage.urgency_cues", triage_data.get("urgency_cues", [])),
            danger=_compile(f"{where}: triage.danger_signs", triage_data.get("danger_signs", [])),
            semantic=_semantic(f"{where}: triage", triage_data),
        )
    abbreviations = {k.lower(): str(v) for k, v in data.get("abbreviations", {}).items()}
    return DomainProfile(
        name=head["name"],
        version=head["version"],
        description=str(head.get("description", "")),
        scope=scope,
        texts=texts,
        disclaimers=tuple(texts[d] for d in disclaimer_names),
        subject_names=frozenset(n.lower() for n in drugs.get("subject", [])),
        drug_classes=classes,
        abbreviations=abbreviations,
        clinical_words=frozenset(str(data.get("scope", {}).get("clinical_words", "")).lower().split()),
        special_populations=frozenset(str(data.get("scope", {}).get("special_populations", "")).lower().split()),
        off_topic=_compile(f"{where}: scope.off_topic_patterns", data.get("scope", {}).get("off_topic_patterns", [])),
        triage=triage,
        retrieval=_retrieval(where, data.get("retrieval", {})),
        digest=digest,
    )


def _retrieval(where: str, table: dict[str, Any]) -> RetrievalDefaults:
    known = {f.name for f in fields(RetrievalDefaults)}
    strange = sorted(set(table) - known)
    if strange:
        raise ProfileError(f"{where}: unknown [retrieval] setting(s) {', '.join(strange)}; known: {', '.join(sorted(known))}")
    for key, value in table.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ProfileError(f"{where}: [retrieval].{key} must be a number at least 0, not {value!r}")
    return RetrievalDefaults(**{k: float(v) for k, v in table.items()})


def load_profile_file(path: Path) -> DomainProfile:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    return parse_profile(data, str(path), hashlib.sha256(raw).hexdigest()[:16])


def available_profiles() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".toml") and not p.name.startswith("_"))


@lru_cache(maxsize=16)
def load_profile(name_or_path: str = "ldn") -> DomainProfile:
    """A shipped profile by name ("ldn", "none"), or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return load_profile_file(path)
    shipped = resources.files(__package__) / f"{name_or_path}.toml"
    if not name_or_path.replace("_", "").isalnum() or not shipped.is_file():
        raise ProfileError(f"no domain profile {name_or_path!r}; shipped: {', '.join(available_profiles())}, or a path to a .toml file")
    with resources.as_file(shipped) as real:
        return load_profile_file(Path(real))
