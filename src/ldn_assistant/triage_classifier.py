"""The semantic triage layer's classifier: its training on the exemplar bank and its weights.

A small network over embed_with_peaks rows (a text's unit mean vector, then the token-wise maxima of the same
encoder run): one hidden layer of ReLU units, then one logit. With `hidden_units = 0` it is a linear
(logistic) model. A hidden layer lets the score depend on combinations ("blue" with "not waking", not either
alone); held out one exemplar writer at a time it ranked emergencies above contrasts better than the linear
model for every writer (evals/tools/triage_cv.py, docs/eval.md).

A network trained from one random start moves with that start: with seeds 0-4 the held-out suicide recall of one
writer's set ranged 0.75-0.80 and the locked set's false alarms 0.034-0.056, and a machine whose encoder rounds
differently can land elsewhere in that range. `members` networks from as many starts, their logits averaged, vary
less. The average is itself one network (the members' hidden units side by side, the last layer divided by
their number), so scoring stays one pass.

Training uses scikit-learn, imported only when a bank is trained (the weights are kept on disk, so a warm
process needs numpy alone). Scoring is numpy: about 100,000 multiply-adds per row (the message, and each
sentence read alone).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata

import numpy as np

from .cores import usable_cores
from .embeddings import split_peaks

# Bump when the training method changes: trained weights kept on disk are keyed by it.
TRAINING_METHOD = "mlp-adam-1"  # logistic-gd-*: the linear model by gradient descent, before 2026-12-03
TRAINING_EPOCHS = 300  # an upper bound: training stops earlier once the loss no longer falls
LINEAR_ITERATIONS = 3000  # L-BFGS steps for a linear model (hidden_units = 0); it converges well before
TRAINING_SEED = 0  # the initial weights and the order of the mini-batches: the same bank trains the same weights
SCORING_SLICE = 128  # hidden units scored in one matrix product (Classifier.logits says why)
SPREAD_FLOOR = 1e-3  # a maximum whose spread over the bank is below this is taken as constant (one has std 2e-9)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classifier:
    """Weights over raw embed_with_peaks rows: ReLU layers, then a last layer of one unit (the logit)."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weights (inputs x units), bias (units,)) per layer

    @cached_property
    def _slices(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(hidden weights, hidden bias, output weights) per slice of hidden units, each contiguous in memory.

        In float32 (trained and kept in float64): scoring comes right after an encoder run, which pushes the weights
        out of the CPU's caches, so it waits on memory, and half the bytes is less wait (in ask(), triage's verdict took
        0.76 -> 0.50 ms, p50 over the core questions). Logits moved by at most 1.3e-6 over the 3,418 triage messages
        of evals/triage/, whose closest logit is 0.003 from a threshold."""
        (hidden, hidden_bias), (out, _) = self.layers
        cuts = range(0, hidden.shape[1], SCORING_SLICE)
        return [
            (
                np.ascontiguousarray(hidden[:, at : at + SCORING_SLICE], dtype=np.float32),
                hidden_bias[at : at + SCORING_SLICE].astype(np.float32),
                out[at : at + SCORING_SLICE].astype(np.float32),
            )
            for at in cuts
        ]

    def logits(self, features: np.ndarray) -> np.ndarray:
        """One logit per row of `features` (or a scalar array for one row)."""
        if len(self.layers) == 1:
            weights, bias = self.layers[0]
            return (np.asarray(features, dtype=np.float64) @ weights + bias)[..., 0]
        x = np.asarray(features, dtype=np.float32)
        # The hidden layer in slices of SCORING_SLICE units, each with its share of the output weights. OpenBLAS
        # spreads a wider product over its threads, and waking them while the encoder's threads hold the cores
        # cost more than the product: with five members (640 units) in one piece, warm ask() went 1.31x -> 1.43x
        # its floor; in slices, or with BLAS on one thread, it stayed at 1.31x.
        total = self.layers[-1][1]  # float64: the sum of the slices' float32 shares
        for hidden, hidden_bias, out in self._slices:
            total = total + np.maximum(x @ hidden + hidden_bias, 0.0) @ out
        return total[..., 0]

    def flat(self) -> np.ndarray:
        """All weights in one vector (how they are kept on disk)."""
        return np.concatenate([np.r_[w.ravel(), b] for w, b in self.layers])

    @classmethod
    def from_flat(cls, flat: np.ndarray, sizes: list[int]) -> Classifier:
        if len(flat) != flat_size(sizes):
            raise ValueError(f"{len(flat)} weights do not fill layers of {sizes} units ({flat_size(sizes)} needed)")
        layers, at = [], 0
        for inputs, units in zip(sizes, sizes[1:], strict=False):
            weights = flat[at : at + inputs * units].reshape(inputs, units)
            at += inputs * units
            layers.append((weights, flat[at : at + units]))
            at += units
        return cls(tuple(layers))


def layer_sizes(dim: int, hidden_units: int, members: int = 1) -> list[int]:
    """Units per layer, inputs first: a row of `dim` numbers, the hidden layer if any (every member's units), one logit."""
    return [dim, hidden_units * members, 1] if hidden_units else [dim, 1]


def flat_size(sizes: list[int]) -> int:
    return sum(inputs * units + units for inputs, units in zip(sizes, sizes[1:], strict=False))


def training_ident(l2: float, peak_weight: float, hidden_units: int, members: int = 1) -> dict[str, object]:
    """Everything besides the bank, model and backend that the trained weights depend on: the key they are kept under."""
    return {
        "method": TRAINING_METHOD,
        "epochs": TRAINING_EPOCHS,
        "linear_iterations": LINEAR_ITERATIONS,
        "seed": TRAINING_SEED,
        "spread_floor": SPREAD_FLOOR,
        # Adam's path follows the library's defaults (batch size, stopping rule, initialisation).
        "scikit-learn": metadata.version("scikit-learn"),
        "l2": l2,
        "peak_weight": peak_weight,
        "hidden_units": hidden_units,
        "members": members,
    }


def train_on_features(features: np.ndarray, labels: np.ndarray, l2: float, peak_weight: float, hidden_units: int, members: int = 1) -> Classifier:
    """A classifier over embed_with_peaks rows (labels 1 for an emergency, 0 for a contrast): the average of `members`
    networks trained from starts TRAINING_SEED, TRAINING_SEED + 1, ..., merged into one.

    The maxima are standardised over the bank and scaled by `peak_weight` before training; that affine step is
    folded into the first layer afterwards, so a question's row goes in as it comes from the encoder. A maximum
    constant over the bank (all of them, for an embedder without token states) is left out of training and gets
    no weight. `l2` is the penalty on the weights (scikit-learn's alpha: the squared norm over twice the bank's
    size)."""
    labels = np.asarray(labels, dtype=np.float64)
    if len(np.unique(labels)) < 2:
        raise ValueError("triage's classifier needs both emergency and contrast exemplars to learn from")
    if members < 1:
        raise ValueError(f"triage's classifier needs at least one member network, not {members}")
    means, peaks = split_peaks(np.asarray(features, dtype=np.float64))
    dim = means.shape[1]
    centre, spread = peaks.mean(axis=0), peaks.std(axis=0)
    constant = spread < SPREAD_FLOOR
    spread = np.where(constant, 1.0, spread)
    scaled = peak_weight * (peaks - centre) / spread
    scaled[:, constant] = 0.0
    inputs = np.hstack([means, scaled])
    trained = _fit_members(inputs, labels, l2, hidden_units, [TRAINING_SEED + m for m in range(members)])
    layers = _average(trained)
    first, first_bias = layers[0]
    on_peaks = first[dim:] * (peak_weight / spread)[:, None]
    on_peaks[constant] = 0.0  # their random starting weights, never trained (the inputs were zero)
    layers[0] = (np.vstack([first[:dim], on_peaks]), first_bias - centre @ on_peaks)
    return Classifier(tuple(layers))


Layers = list[tuple[np.ndarray, np.ndarray]]


def _fit_members(inputs: np.ndarray, labels: np.ndarray, l2: float, hidden_units: int, seeds: list[int]) -> list[Layers]:
    """One network per seed, in seed order, over standardised inputs.

    Up to one network per core trains at a time, side by side, each with one BLAS thread; networks left over when
    the cores are fewer than the networks and do not divide them (the fifth of five on two cores) train one after
    another with every thread. A network's products are too small for BLAS to spread well over the cores: the ldn
    bank's five networks on two cores took 57 s this way against 71-77 s one after another (runs alternating, the
    same features). Which way a network trained moves its weights by rounding only (largest difference 3e-16 for
    the ldn bank, the same logits), so TRAINING_METHOD stays and weights kept on disk remain valid."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    workers = min(usable_cores(), len(seeds))
    side_by_side = len(seeds) - len(seeds) % workers if workers > 1 else 0
    with warnings.catch_warnings():
        # Set here, once, not in each thread: catch_warnings changes process-wide state and is not thread-safe. A
        # tiny bank (a test's, a new profile's) reaches the bound before the loss settles: still usable, and the
        # warning would reach whoever embeds the assistant. _fit_one logs it instead.
        warnings.simplefilter("ignore", ConvergenceWarning)
        trained: list[Layers] = []
        if side_by_side:
            # With the OpenBLAS of numpy's and scipy's wheels (pthreads) the limit holds for the whole process while
            # it lasts, so other BLAS work meanwhile also runs on one thread; training happens once per bank and
            # machine. A BLAS the limit cannot reach trains the same networks, only slower.
            with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers, thread_name_prefix="ldn-triage-fit") as pool:
                trained = list(pool.map(lambda seed: _fit_one(inputs, labels, l2, hidden_units, seed), seeds[:side_by_side]))
        trained += [_fit_one(inputs, labels, l2, hidden_units, seed) for seed in seeds[side_by_side:]]
    return trained


def _fit_one(inputs: np.ndarray, labels: np.ndarray, l2: float, hidden_units: int, seed: int) -> Layers:
    """One network's (weights, bias) per layer, over standardised inputs (warnings: see _fit_members)."""
    from sklearn.neural_network import MLPClassifier

    network = MLPClassifier(
        hidden_layer_sizes=(hidden_units,) if hidden_units else (),
        alpha=l2,
        # A linear model's loss is convex: L-BFGS reaches its optimum, where Adam's 300 epochs stop short (held out
        # by writer, mean AUC 0.975 against 0.962 at l2 0.1). The hidden layer trains better by Adam's mini-batches.
        solver="adam" if hidden_units else "lbfgs",
        max_iter=TRAINING_EPOCHS if hidden_units else LINEAR_ITERATIONS,
        random_state=seed,
    )
    network.fit(inputs, labels)
    if network.n_iter_ >= network.max_iter:
        log.debug("triage classifier: training stopped at its bound of %d iterations before the loss settled", network.max_iter)
    return [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)) for w, b in zip(network.coefs_, network.intercepts_, strict=True)]


def _average(members: list[Layers]) -> Layers:
    """One network whose logit is the mean of the members' logits.

    Linear members: the mean of their weights. With one hidden layer: every member's hidden units side by side
    (each unit sees the same inputs as before), and an output layer holding each member's output weights over
    its own units, divided by the number of members."""
    count = len(members)
    if len(members[0]) == 1:
        return [(np.mean([m[0][0] for m in members], axis=0), np.mean([m[0][1] for m in members], axis=0))]
    hidden = (np.hstack([m[0][0] for m in members]), np.concatenate([m[0][1] for m in members]))
    output = (np.vstack([m[1][0] for m in members]) / count, np.mean([m[1][1] for m in members], axis=0))
    return [hidden, output]
