"""Emergency triage: does a message describe harm happening now? Runs before retrieval, on every path.

Recall first: missing a person in crisis is the worst failure this product can have; a false alarm
costs a banner. Two layers, both data from the domain profile:

1. patterns for the unmistakable ("can't breathe", "kill myself"), one list per category; a match in
   a sentence framed as a question about a risk, a hypothetical, a negation or a past event does
   not count on its own;
2. a classifier trained on a bank of emergency exemplars against contrast exemplars (questions about
   the same risks, past events, everyday questions): a network over the question's embedding (the one
   retrieval uses, so no second encoder call for a one-sentence question) plus a word model over its
   words and word pairs (triage_words). A long message is also read sentence by sentence, in one batch,
   so an emergency told in the middle of a story is not averaged away. With the profile's pattern_veto,
   layer 2 may also overrule a layer-1 match that it scores below the veto and below its own emergency
   threshold (a word matched inside something else); without the model, the match stands.

A message that is not an emergency but concerns one of the dangers gets the soft tier: its ordinary
answer with the crisis note on top.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .domains.profile import DomainProfile, SemanticTriage, TriageRules
from .embeddings import cached_array, embed_fixed, split_peaks
from .triage_classifier import Classifier, flat_size, layer_sizes, train_on_features, training_ident
from .triage_words import WordModel, train_word_model, word_ident

if TYPE_CHECKING:
    from .embeddings import Embedder

log = logging.getLogger(__name__)

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
    score: float = 0.0  # the classifier's highest logit over the message and its windows (0 when layer 2 did not run)


NO_SIGNAL = EmergencySignal(False, False)


@dataclass(frozen=True)
class PatternScreen:
    """What the pattern layer made of a message: `decided` when no similarity can change the verdict
    (a pattern's emergency in a profile without a veto, or no triage in this profile)."""

    signal: EmergencySignal
    decided: bool
    # The message as written, then windows_to_embed's sentences: the order of the rows layer 2 is given. The word model
    # reads these; the network reads their embeddings (the first one embeds the text retrieval searches with).
    texts: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class TrainedTriage:
    """What layer 2 learned from the bank."""

    emergency_vectors: np.ndarray  # the emergency exemplars' unit vectors (to name a category)
    network: Classifier
    words: WordModel | None  # None when the profile's word_weight is 0


_TRAINED: dict[str, TrainedTriage] = {}  # keyed by SemanticLayer's idents, as JSON
_TRAINED_LOCK = threading.Lock()


class SemanticLayer:
    """Layer 2: a classifier over sentence embeddings (triage_classifier), trained on the exemplar bank at first use.

    Emergency exemplars are the positives, contrast exemplars the negatives. A learned boundary in the
    embedding space generalises past the exemplars' wording better than nearest neighbours (measured
    on the dev half with the first, linear classifier: recall 0.67 against 0.53 at the same false-alarm rate). The category shown is
    the nearest exemplars' category.

    Its features are a text's mean vector and, weighted by the profile's peak_weight, the token-wise maxima
    of the same encoder run, standardised over the bank. The mean of a long message dilutes its one alarming
    phrase; the maxima keep it (measured with each exemplar writer held out in turn: evals/tools/triage_cv.py).
    With the profile's word_weight, a word model over each text's words and word pairs (triage_words) adds its
    logit, so the layer reads who, when and how as written, not only as the small sentence model pools them.
    """

    def __init__(self, semantic: SemanticTriage, embedder: Embedder) -> None:
        self.semantic = semantic
        self.embedder = embedder
        self.categories: list[str] = list(semantic.emergency)
        self._labels = np.array([c for c, group in semantic.emergency.items() for _ in group])
        self._emergency_texts = [t for group in semantic.emergency.values() for t in group]
        self._contrast_texts = [t for group in semantic.contrast.values() for t in group]
        self._model: TrainedTriage | None = None

    def _ident(self) -> dict[str, object]:
        """Everything the trained classifier depends on: its key on disk and in this process."""
        semantic = self.semantic
        return {
            "kind": "triage-classifier",
            **training_ident(semantic.l2, semantic.peak_weight, semantic.hidden_units, semantic.members),
            "backend": getattr(self.embedder, "backend", None),
            "model": self.embedder.name,
            "positives": self._emergency_texts,
            "negatives": self._contrast_texts,
        }

    def _word_ident(self) -> dict[str, object] | None:
        """Everything the word model depends on (not the embedder: it reads text alone); None without one."""
        if not self.semantic.word_weight:
            return None
        return {"kind": "triage-word-model", **word_ident(self.semantic.word_l2), "positives": self._emergency_texts, "negatives": self._contrast_texts}

    def _trained(self) -> TrainedTriage:
        if self._model is None:
            # Shared by every Assistant in the process with the same model and bank: training embeds some
            # thousands of exemplars and fits the network, which an app opening several indexes should pay once.
            ident, words = self._ident(), self._word_ident()
            key = json.dumps([ident, words], sort_keys=True)
            with _TRAINED_LOCK:
                if key not in _TRAINED:
                    vectors, network = self._fit(ident)
                    _TRAINED[key] = TrainedTriage(vectors, network, self._fit_words(words) if words else None)
                self._model = _TRAINED[key]
        return self._model

    def _bank(self) -> tuple[list[str], np.ndarray]:
        """The exemplars, emergencies first, and their labels (1 for an emergency, 0 for a contrast)."""
        positives, negatives = self._emergency_texts, self._contrast_texts
        return positives + negatives, np.r_[np.ones(len(positives)), np.zeros(len(negatives))]

    def _fit_words(self, ident: dict[str, object]) -> WordModel:
        """The word model, kept on disk beside the network (half a second to train; a few milliseconds to read)."""
        texts, labels = self._bank()

        def train() -> WordModel:
            return train_word_model(texts, labels, self.semantic.word_l2)

        kept = cached_array(getattr(self.embedder, "vector_cache", None), ident, lambda: train().to_array(), shape=(3, None))
        try:
            return WordModel.from_array(kept)
        except ValueError:
            # A damaged file of the right outline: train again rather than fail every message that reaches layer 2.
            log.warning("triage: the kept word model is damaged; trained it again")
            return train()

    def _fit(self, ident: dict[str, object]) -> tuple[np.ndarray, Classifier]:
        """(emergency exemplar vectors, network): vectors and weights both read from disk after the first process."""
        texts, labels = self._bank()
        features = np.asarray(embed_fixed(self.embedder, texts, peaks=True), dtype=np.float64)
        semantic = self.semantic
        sizes = layer_sizes(features.shape[1], semantic.hidden_units, semantic.members)
        # Training takes about a minute for the ldn bank's five networks on two cores, so the weights are kept
        # beside the vectors under `ident` (on every backend make_embedder builds; nowhere for an embedder of the
        # caller's own without a vector_cache).
        flat = cached_array(
            getattr(self.embedder, "vector_cache", None),
            ident,
            lambda: train_on_features(features, labels, semantic.l2, semantic.peak_weight, semantic.hidden_units, semantic.members).flat(),
            shape=(flat_size(sizes),),
        )
        return split_peaks(features[: len(self._emergency_texts)])[0], Classifier.from_flat(flat, sizes)

    def warm_up(self) -> None:
        self._trained()

    def logits(self, features: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Classifier logits of embed_with_peaks rows, each the embedding of the text at the same place in `texts`."""
        rows = np.atleast_2d(features)
        if len(rows) != len(texts):
            raise ValueError(f"triage got {len(rows)} embedded rows for {len(texts)} texts; each text needs its row")
        trained = self._trained()
        logits = np.atleast_1d(trained.network.logits(rows))
        if trained.words is None:
            return logits
        return logits + self.semantic.word_weight * trained.words.logits(texts)

    def category(self, features: np.ndarray) -> str:
        emergency = self._trained().emergency_vectors
        sims = emergency @ split_peaks(np.asarray(features, dtype=np.float64))[0]
        k = max(1, self.semantic.neighbours)
        per_category = [np.sort(sims[self._labels == c])[-k:].mean() for c in self.categories]
        return self.categories[int(np.argmax(per_category))]

    def judge(self, features: np.ndarray, texts: Sequence[str]) -> EmergencySignal:
        logits = self.logits(features, texts)
        top = int(logits.argmax())
        if logits[top] >= self.semantic.emergency_threshold:
            return EmergencySignal(True, False, self.category(features[top]), "semantic", float(logits[top]))
        return EmergencySignal(False, bool(logits[top] >= self.semantic.risk_threshold), None, "", float(logits[top]))


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
        """Judge one message. `vectors`: embed_with_peaks rows of the message, then of each of windows_to_embed(text),
        one row per text (a ValueError otherwise: the word model reads the same texts)."""
        return self.finish(self.screen(text), vectors)

    @property
    def veto(self) -> float | None:
        """The logit below which (and below the emergency threshold) the classifier overrules layer 1's emergency
        (None: it never does)."""
        return self.semantic.semantic.pattern_veto if self.semantic else None

    def screen(self, text: str) -> PatternScreen:
        """Layer 1 alone, needing no model: ask() runs it before embedding, then finish() with the vectors."""
        if self.patterns is None:
            return PatternScreen(NO_SIGNAL, decided=True)
        # Layer 1's emergency is final unless the classifier may overrule it; then it waits for the vectors.
        final = self.veto is None
        texts = (text, *self.windows(text))
        category, framed = self.patterns.match(text)
        if category:
            return PatternScreen(EmergencySignal(True, False, category, "pattern"), final, texts)
        if self.patterns.urgent_danger(text):
            return PatternScreen(EmergencySignal(True, False, None, "urgency"), final, texts)
        return PatternScreen(EmergencySignal(False, framed or self.patterns.near_risk(text)), False, texts)

    def finish(self, screen: PatternScreen, vectors: np.ndarray | Sequence[np.ndarray] | None) -> EmergencySignal:
        """The verdict: the screen's when it decided or there is nothing to compare; else layer 2's.

        Layer 1's emergency stands unless the classifier scores the message below the veto, where it does not
        place the message even near a danger (a regular expression matches words, not what they say: "my face
        swelled up" in a story about last year), and below its own emergency threshold (a score that flags the
        message by itself flags it whatever the patterns say). Overruled, the message still gets the crisis
        note."""
        if screen.decided or self.semantic is None or vectors is None:
            return screen.signal
        rows = np.atleast_2d(np.asarray(vectors))
        if screen.signal.emergency:
            # Only the score matters here: layer 1 already named the category.
            score, veto = float(self.semantic.logits(rows, screen.texts).max()), self.veto
            overruled = veto is not None and score < min(veto, self.semantic.semantic.emergency_threshold)
            return EmergencySignal(False, True, None, "", score) if overruled else screen.signal
        signal = self.semantic.judge(rows, screen.texts)
        if signal.emergency:
            return signal
        return EmergencySignal(False, screen.signal.crisis_note or signal.crisis_note, None, "", signal.score)
