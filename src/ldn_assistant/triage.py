"""Emergency triage: does a message describe harm happening now? Runs before retrieval, on every path.

Recall first: missing a person in crisis is the worst failure this product can have; a false alarm
costs a banner. Two layers, both data from the domain profile:

1. patterns for the unmistakable ("can't breathe", "kill myself"), one list per category; a match in
   a sentence framed as a question about a risk, a hypothetical, a negation or a past event does
   not count on its own;
2. similarity of the question's embedding (the one retrieval uses, so no second encoder call for a
   one-sentence question) to a bank of emergency exemplars, against a bank of contrast exemplars
   (questions about the same risks, past events, everyday questions). A long message is also read
   sentence by sentence, in one batch, so an emergency told in the middle of a story is not averaged
   away.

A message that is not an emergency but concerns one of the dangers gets the soft tier: its ordinary
answer with the crisis note on top.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .domains.profile import DomainProfile, SemanticTriage, TriageRules
from .embeddings import cached_array, embed_fixed, split_peaks

if TYPE_CHECKING:
    from .embeddings import Embedder

# Sentence ends and line breaks: long stories are read a sentence at a time.
_SENTENCES = re.compile(r"[^.!?\n;]+[.!?;]*")
_MIN_SENTENCE_CHARS = 12  # "ok." and "thanks!" carry nothing to compare
CUE_REACH = 30  # characters before a match in which a negation or condition counts (about five words)


@dataclass(frozen=True)
class EmergencySignal:
    """What triage found in one message."""

    emergency: bool
    crisis_note: bool  # the soft tier: a question near a danger, answered with the crisis note on top
    category: str | None = None  # the emergency category that decided, when there is one
    layer: str = ""  # "pattern" or "semantic": which layer decided
    score: float = 0.0  # best similarity to an emergency exemplar (0 when the semantic layer did not run)


NO_SIGNAL = EmergencySignal(False, False)


@dataclass(frozen=True)
class PatternScreen:
    """What the pattern layer made of a message: `decided` when no similarity can change the verdict
    (an unmistakable emergency, or no triage in this profile)."""

    signal: EmergencySignal
    decided: bool


def sentences(text: str) -> list[str]:
    """The message's sentences (or lines) long enough to mean something."""
    return [s.strip() for s in _SENTENCES.findall(text) if len(s.strip()) >= _MIN_SENTENCE_CHARS]


def windows_to_embed(text: str, min_words: int) -> list[str]:
    """Extra texts the semantic layer reads besides the whole message: its sentences of at least
    `min_words` words, when it has several. Shorter ones ("I'm on tramadol.") read as alarming out of
    their context (the profile's window_min_words, chosen on the dev half)."""
    parts = sentences(text)
    if len(parts) < 2:
        return []
    return [p for p in parts if len(p.split()) >= min_words]


class PatternLayer:
    """Layer 1: unmistakable phrasings, each category's list from the profile."""

    def __init__(self, rules: TriageRules) -> None:
        self.rules = rules

    def _not_now(self, sentence: str, match: re.Match[str]) -> bool:
        """Is this match framed as a question about a risk, a past event, a negation or a condition?"""
        cue = self.rules.cue_before_match
        # A negation or condition governs the few words before a match, not a whole sentence:
        # "I'm not going to need it much longer, I've decided to end things" is not negated.
        if cue is not None and cue.search(sentence[max(0, match.start() - CUE_REACH) : match.start()]):
            return True
        return any(p.search(sentence) for p in self.rules.not_now)

    def match(self, text: str) -> tuple[str | None, bool]:
        """(category of a match describing harm now, whether any match was framed as not-now)."""
        framed = False
        for sentence in sentences(text) or [text]:
            for category, patterns in self.rules.patterns.items():
                for pattern in patterns:
                    for m in pattern.finditer(sentence):
                        if not self._not_now(sentence, m):
                            return category, framed
                        framed = True
        return None, framed

    def urgent_danger(self, text: str) -> bool:
        """A sign of a severe state, not negated or framed as not-now, in a message with a cue of "now"."""
        rules = self.rules
        if not rules.urgency or not any(u.search(text) for u in rules.urgency):
            return False
        for sentence in sentences(text) or [text]:
            for sign in rules.danger:
                for m in sign.finditer(sentence):
                    if not self._not_now(sentence, m):
                        return True
        return False

    def near_risk(self, text: str) -> bool:
        return any(p.search(text) for p in self.rules.risk)


_TRAINED: dict[tuple[str, str | None, int], tuple[np.ndarray, np.ndarray, float]] = {}
_TRAINED_LOCK = threading.Lock()
TRAINING_STEPS = 3000
TRAINING_RATE = 2.0
# Bump when train_logistic's method changes: trained weights kept on disk are keyed by it.
TRAINING_METHOD = "logistic-gd-3"  # 2: over embed_with_peaks rows; 3: a floor under the peaks' spread


class SemanticLayer:
    """Layer 2: a linear classifier over sentence embeddings, trained on the exemplar bank at first use.

    Emergency exemplars are the positives, contrast exemplars the negatives. A linear boundary in the
    embedding space generalises past the exemplars' wording better than nearest neighbours (measured
    on the dev half: recall 0.67 against 0.53 at the same false-alarm rate). The category shown is
    the nearest exemplars' category.

    Its features are a text's mean vector and, weighted by the profile's peak_weight, the token-wise maxima
    of the same encoder run, standardised over the bank. The mean of a long message dilutes its one alarming
    phrase; the maxima keep it (measured with each exemplar writer held out in turn: evals/tools/triage_cv.py).
    """

    def __init__(self, semantic: SemanticTriage, embedder: Embedder) -> None:
        self.semantic = semantic
        self.embedder = embedder
        self.categories: list[str] = list(semantic.emergency)
        self._labels = np.array([c for c, group in semantic.emergency.items() for _ in group])
        self._emergency_texts = [t for group in semantic.emergency.values() for t in group]
        self._contrast_texts = [t for group in semantic.contrast.values() for t in group]
        self._model: tuple[np.ndarray, np.ndarray, float] | None = None  # emergency bank, weights, bias

    def _trained(self) -> tuple[np.ndarray, np.ndarray, float]:
        if self._model is None:
            # Shared by every Assistant in the process with the same model and bank: training embeds
            # about a thousand exemplars, which an app opening several indexes should pay once.
            bank = hash((tuple(self._emergency_texts), tuple(self._contrast_texts), self.semantic.l2, self.semantic.peak_weight))
            key = (self.embedder.name, getattr(self.embedder, "backend", None), bank)
            with _TRAINED_LOCK:
                if key not in _TRAINED:
                    _TRAINED[key] = self._fit()
                self._model = _TRAINED[key]
        return self._model

    def _fit(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(emergency exemplar vectors, weights, bias): vectors and weights both read from disk after the first process."""
        positives, negatives = self._emergency_texts, self._contrast_texts
        features = np.asarray(embed_fixed(self.embedder, positives + negatives, peaks=True), dtype=np.float64)
        labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
        # Training took 0.35 s of every cold start (0.7 s with twice the bank), so the weights are kept
        # beside the vectors, keyed by the bank, model, backend and training settings.
        ident = {
            "kind": "triage-logistic",
            "method": TRAINING_METHOD,
            "rate": TRAINING_RATE,
            "backend": getattr(self.embedder, "backend", None),
            "model": self.embedder.name,
            "l2": self.semantic.l2,
            "peak_weight": self.semantic.peak_weight,
            "steps": TRAINING_STEPS,
            "positives": positives,
            "negatives": negatives,
        }
        model = cached_array(
            getattr(self.embedder, "vector_cache", None),
            ident,
            lambda: np.append(*train_on_features(features, labels, self.semantic.l2, self.semantic.peak_weight)),  # weights, then bias
            shape=(features.shape[1] + 1,),
        )
        return split_peaks(features[: len(positives)])[0], model[:-1], float(model[-1])

    def warm_up(self) -> None:
        self._trained()

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Classifier logits of embed_with_peaks rows."""
        _, weights, bias = self._trained()
        return np.asarray(features, dtype=np.float64) @ weights + bias

    def category(self, features: np.ndarray) -> str:
        emergency, _, _ = self._trained()
        sims = emergency @ split_peaks(np.asarray(features, dtype=np.float64))[0]
        k = max(1, self.semantic.neighbours)
        per_category = [np.sort(sims[self._labels == c])[-k:].mean() for c in self.categories]
        return self.categories[int(np.argmax(per_category))]

    def judge(self, features: np.ndarray) -> EmergencySignal:
        logits = self.logits(features)
        top = int(logits.argmax())
        if logits[top] >= self.semantic.emergency_threshold:
            return EmergencySignal(True, False, self.category(features[top]), "semantic", float(logits[top]))
        return EmergencySignal(False, bool(logits[top] >= self.semantic.risk_threshold), None, "", float(logits[top]))


def train_on_features(features: np.ndarray, labels: np.ndarray, l2: float, peak_weight: float) -> tuple[np.ndarray, float]:
    """Weights over embed_with_peaks rows: the peaks are standardised over the bank and scaled by `peak_weight`
    before training, and that affine step is folded into the weights and bias, so a question's logit is one dot
    product with its raw row."""
    means, peaks = split_peaks(features)
    dim = means.shape[1]
    # A floor under the spread: a dimension nearly constant over the bank (one has std 2e-9) would otherwise get a
    # weight large enough for float noise on another backend to move the logit.
    centre, spread = peaks.mean(axis=0), np.maximum(peaks.std(axis=0), 1e-3)
    scaled = peak_weight * (peaks - centre) / spread
    weights, bias = train_logistic(np.hstack([means, scaled]), labels, l2)
    peak_weights = weights[dim:] * peak_weight / spread
    return np.r_[weights[:dim], peak_weights], bias - float(peak_weights @ centre)


def train_logistic(x: np.ndarray, y: np.ndarray, l2: float, steps: int = TRAINING_STEPS, rate: float = TRAINING_RATE) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by full-batch gradient descent: deterministic, no extra package."""
    weights = np.zeros(x.shape[1])
    bias = 0.0
    n = len(y)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ weights + bias)))
        weights -= rate * (x.T @ (p - y) / n + l2 * weights / n)
        bias -= rate * float((p - y).mean())
    return weights, bias


class EmergencyDetector:
    """Both layers over one profile. `detect` takes the embeddings the caller already computed."""

    def __init__(self, profile: DomainProfile, embedder: Embedder | None = None, use_semantic: bool = True) -> None:
        rules = profile.triage
        self.patterns = PatternLayer(rules) if rules else None
        semantic = rules.semantic if rules else None
        self.semantic = SemanticLayer(semantic, embedder) if (semantic and embedder and use_semantic) else None

    @property
    def active(self) -> bool:
        return self.patterns is not None

    @property
    def needs_embedding(self) -> bool:
        return self.semantic is not None

    def windows(self, text: str) -> list[str]:
        """The sentences of a long message that the semantic layer also reads (embedded in the same batch)."""
        return windows_to_embed(text, self.semantic.semantic.window_min_words) if self.semantic else []

    def warm_up(self) -> None:
        if self.semantic:
            self.semantic.warm_up()

    def detect(self, text: str, vectors: np.ndarray | Sequence[np.ndarray] | None = None) -> EmergencySignal:
        """Judge one message. `vectors`: embed_with_peaks rows of the message, then of each of windows_to_embed(text)."""
        return self.finish(self.screen(text), vectors)

    def screen(self, text: str) -> PatternScreen:
        """Layer 1 alone, needing no model: ask() runs it before embedding, then finish() with the vectors."""
        if self.patterns is None:
            return PatternScreen(NO_SIGNAL, decided=True)
        category, framed = self.patterns.match(text)
        if category:
            return PatternScreen(EmergencySignal(True, False, category, "pattern"), decided=True)
        if self.patterns.urgent_danger(text):
            return PatternScreen(EmergencySignal(True, False, None, "urgency"), decided=True)
        return PatternScreen(EmergencySignal(False, framed or self.patterns.near_risk(text)), decided=False)

    def finish(self, screen: PatternScreen, vectors: np.ndarray | Sequence[np.ndarray] | None) -> EmergencySignal:
        """The verdict: the screen's when it decided or there is nothing to compare; else layer 2's."""
        if screen.decided or self.semantic is None or vectors is None:
            return screen.signal
        signal = self.semantic.judge(np.atleast_2d(np.asarray(vectors)))
        if signal.emergency:
            return signal
        return EmergencySignal(False, screen.signal.crisis_note or signal.crisis_note, None, "", signal.score)
