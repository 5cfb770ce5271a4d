"""Triage's classifier (ldn_assistant.triage_classifier) on small made-up rows: no model needed."""

from importlib.resources import files

import numpy as np
import pytest

from ldn_assistant.domains.profile import ProfileError, load_profile_file
from ldn_assistant.triage_classifier import Classifier, flat_size, layer_sizes, train_on_features

DIM = 6  # a row is DIM mean-vector numbers, then DIM token-wise maxima


def _bank(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(80, 2 * DIM))
    rows[:, DIM:] = 3.0 + 2.0 * rows[:, DIM:]  # maxima on their own scale, as the encoder gives them
    labels = (rows[:, 0] + 0.5 * rows[:, DIM + 1] > 0).astype(float)
    return rows, labels


def _network_on_standardised(rows: np.ndarray, classifier: Classifier, bank: np.ndarray, peak_weight: float) -> np.ndarray:
    """What the trained network sees: the maxima standardised over the bank; its first layer reads those back."""
    peaks = bank[:, DIM:]
    centre, spread = peaks.mean(axis=0), peaks.std(axis=0)
    inputs = np.hstack([rows[:, :DIM], peak_weight * (rows[:, DIM:] - centre) / spread])
    first, bias = classifier.layers[0]
    unfolded = np.vstack([first[:DIM], first[DIM:] * (spread / peak_weight)[:, None]])
    x = inputs @ unfolded + (bias + centre @ first[DIM:])
    for weights, b in classifier.layers[1:]:
        x = np.maximum(x, 0.0) @ weights + b
    return x[:, 0]


def _scoring_tolerance(hidden_units: int) -> float:
    """A network scores in float32 (Classifier._slices), a linear model in float64."""
    return 1e-5 if hidden_units else 1e-9


@pytest.mark.parametrize("hidden_units", [0, 8])
def test_the_folded_weights_score_raw_rows_as_the_network_scores_standardised_ones(hidden_units):
    rows, labels = _bank()
    classifier = train_on_features(rows, labels, l2=0.1, peak_weight=0.5, hidden_units=hidden_units)
    assert np.allclose(classifier.logits(rows), _network_on_standardised(rows, classifier, rows, 0.5), rtol=0, atol=_scoring_tolerance(hidden_units))
    assert ((classifier.logits(rows) > 0) == labels.astype(bool)).mean() > 0.9  # it learned the rule


@pytest.mark.parametrize("hidden_units", [0, 8])
def test_weights_round_trip_through_their_flat_form(hidden_units):
    rows, labels = _bank()
    classifier = train_on_features(rows, labels, l2=0.1, peak_weight=0.5, hidden_units=hidden_units)
    sizes = layer_sizes(2 * DIM, hidden_units)
    flat = classifier.flat()
    assert flat.shape == (flat_size(sizes),)
    again = Classifier.from_flat(flat, sizes)
    assert np.array_equal(again.logits(rows), classifier.logits(rows))
    with pytest.raises(ValueError, match="do not fill"):
        Classifier.from_flat(flat[:-1], sizes)


def test_the_same_bank_trains_the_same_weights():
    rows, labels = _bank()
    first = train_on_features(rows, labels, 0.1, 0.5, 8).flat()
    assert np.array_equal(first, train_on_features(rows, labels, 0.1, 0.5, 8).flat())


def test_a_maximum_constant_over_the_bank_gets_no_weight():
    rows, labels = _bank()
    rows[:, DIM + 2] = 1.5  # constant, as every maximum is for an embedder without token states
    classifier = train_on_features(rows, labels, 0.1, 0.5, 8)
    assert not classifier.layers[0][0][DIM + 2].any() and classifier.layers[0][0][DIM + 1].any()
    moved = rows.copy()
    moved[:, DIM + 2] = 40.0  # a question whose maximum there differs from the bank's scores the same
    assert np.array_equal(classifier.logits(moved), classifier.logits(rows))


@pytest.mark.parametrize("hidden_units", [0, 8])
def test_members_merge_into_one_network_whose_logit_is_their_mean(hidden_units, monkeypatch):
    import ldn_assistant.triage_classifier as module

    rows, labels = _bank()
    merged = train_on_features(rows, labels, 0.1, 0.5, hidden_units, members=3)
    assert [w.shape[1] for w, _ in merged.layers] == layer_sizes(2 * DIM, hidden_units, 3)[1:]
    alone = []
    for start in range(3):  # each member alone, as one network trained from that start
        monkeypatch.setattr(module, "TRAINING_SEED", start)
        alone.append(train_on_features(rows, labels, 0.1, 0.5, hidden_units).logits(rows))
    assert np.allclose(merged.logits(rows), np.mean(alone, axis=0), rtol=0, atol=_scoring_tolerance(hidden_units))
    if hidden_units:  # different starts, different networks: the mean is not any one of them
        assert not np.allclose(alone[0], alone[1])
    with pytest.raises(ValueError, match="at least one member"):
        train_on_features(rows, labels, 0.1, 0.5, hidden_units, members=0)


@pytest.mark.parametrize(("cores", "side_by_side"), [(2, 4), (3, 3), (8, 5)])
def test_members_trained_side_by_side_are_the_networks_trained_one_after_another(cores, side_by_side, monkeypatch):
    import threading
    import warnings

    import ldn_assistant.triage_classifier as module

    rows, labels = _bank()
    monkeypatch.setattr(module, "usable_cores", lambda: 1)
    one_after_another = train_on_features(rows, labels, 0.1, 0.5, 8, members=5).flat()

    fit_one, threads = module._fit_one, []

    def watched(*args):
        threads.append(threading.current_thread() is threading.main_thread())
        return fit_one(*args)

    monkeypatch.setattr(module, "_fit_one", watched)
    monkeypatch.setattr(module, "usable_cores", lambda: cores)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters_before = list(warnings.filters)
        side_by_side_weights = train_on_features(rows, labels, 0.1, 0.5, 8, members=5).flat()
        filters_after = list(warnings.filters)
    assert threads.count(False) == side_by_side and threads.count(True) == 5 - side_by_side
    # Equal up to rounding: BLAS on one thread may sum in another order than on several.
    assert np.allclose(side_by_side_weights, one_after_another, rtol=0, atol=1e-12)
    # This tiny bank reaches Adam's bound before the loss settles, which warns; the warning is logged, never
    # shown to the caller, and the caller's warning filters are as they were.
    assert not [w for w in caught if "ConvergenceWarning" in w.category.__name__]
    assert filters_after == filters_before


def test_a_wide_hidden_layer_scored_in_slices_gives_the_logits_of_the_whole_product():
    from ldn_assistant.triage_classifier import SCORING_SLICE

    rows, _ = _bank()
    units = 2 * SCORING_SLICE + 7  # two whole slices and a short one
    sizes = layer_sizes(2 * DIM, units)
    classifier = Classifier.from_flat(np.random.default_rng(3).normal(size=flat_size(sizes)), sizes)
    (hidden, hidden_bias), (out, out_bias) = classifier.layers
    whole = (np.maximum(rows @ hidden + hidden_bias, 0.0) @ out + out_bias)[:, 0]
    assert len(classifier._slices) == 3
    # Scored in float32 (the weights stay float64): within a millionth of the float64 product, relative to its size.
    assert all(part.dtype == np.float32 for piece in classifier._slices for part in piece)
    assert np.abs(classifier.logits(rows) - whole).max() <= 1e-6 * max(1.0, np.abs(whole).max())
    assert np.abs(classifier.logits(rows[0]) - whole[0]) <= 1e-6 * max(1.0, abs(whole[0]))  # one row alone
    assert classifier.layers[0][0].dtype == np.float64


def test_a_bank_of_one_kind_is_refused():
    rows, _ = _bank()
    with pytest.raises(ValueError, match="both emergency and contrast"):
        train_on_features(rows, np.ones(len(rows)), 0.1, 0.5, 8)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("hidden_units = -5", "hidden_units must be a whole number at least 0"),
        ("hidden_units = 12.7", "hidden_units must be a whole number at least 0"),
        ("hidden_units = true", "hidden_units must be a whole number at least 0"),
        ("l2 = -1.0", "l2 must be a number at least 0"),
        ("members = 0", "members must be a whole number at least 1"),
        ("members = 2.5", "members must be a whole number at least 1"),
    ],
)
def test_a_bad_classifier_setting_in_a_profile_is_refused_by_name(tmp_path, setting, message):
    bare = files("ldn_assistant.domains").joinpath("none.toml").read_text(encoding="utf-8")
    triage = f"""
[triage.semantic]
emergency_threshold = 1.0
risk_threshold = 0.0
{setting}

[triage.exemplars.emergency]
seizure = ["he is fitting and will not stop shaking"]

[triage.exemplars.contrast]
risk = ["Can LDN cause seizures?"]
"""
    path = tmp_path / "profile.toml"
    path.write_text(bare + triage, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile_file(path)
    path.write_text(bare + triage.replace(setting, "hidden_units = 4"), encoding="utf-8")
    assert load_profile_file(path).triage.semantic.hidden_units == 4


def test_a_profile_with_empty_emergency_lists_is_refused(tmp_path):
    bare = files("ldn_assistant.domains").joinpath("none.toml").read_text(encoding="utf-8")
    path = tmp_path / "profile.toml"
    path.write_text(
        bare + "\n[triage.semantic]\nemergency_threshold = 1.0\nrisk_threshold = 0.0\n\n[triage.exemplars.emergency]\nseizure = []\n\n"
        '[triage.exemplars.contrast]\nrisk = ["Can LDN cause seizures?"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match="needs \\[triage.exemplars.emergency\\] exemplars"):
        load_profile_file(path)
