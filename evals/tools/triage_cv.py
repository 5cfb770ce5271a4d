"""Choose the triage classifier's settings (hidden_units, peak_weight, l2, members) by holding out one exemplar writer at a time.

The dev sets are small enough that several choices tie on them, and they hold two writers' wording. Here
each writer's exemplars are left out in turn: the classifier trains on the others' and is scored on the
left-out writer's emergencies against their contrast messages, the way it meets a new user's phrasing. The
dev sets are scored too (trained on the whole bank). No held-out set (locked, locked2, writer6, writer10, writer11, writer12, writer13) is read.

A writer's exemplars are the lines of the profile that one commit added (git blame), so this needs the
repository's history. Scores are threshold-free: ROC AUC of the classifier's logit (the most over the
message and its sentence windows, as in the product) and recall at the logits that flag 3% and 5% of the
left-out contrasts. The word model (triage_words) trains on the same exemplars; its logit, times each of
--word-weights, is added to the network's (0: the network alone). Each of --framing-offsets is then subtracted from
the logit of every text that one of the profile's not-now framings (layer 1's) matches: a probe of layer 2 reading
those framings too, measured on 2026-12-04 and not taken into the product (docs/eval.md). Run from the repo root:

    .venv/bin/python evals/tools/triage_cv.py [--hidden-units 0 128] [--peak-weights 0.05] [--l2 0.1 1.0] [--members 1 5]
        [--word-weights 0 3] [--word-l2 0.0625] [--framing-offsets 0 4]
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
from pathlib import Path

import numpy as np

from ldn_assistant.assistant import Assistant
from ldn_assistant.evaluation.triage_eval import TUNED_ON, load_triage_suite
from ldn_assistant.triage import windows_to_embed
from ldn_assistant.triage_classifier import train_on_features
from ldn_assistant.triage_words import train_word_model

PROFILE = Path("src/ldn_assistant/domains/ldn.toml")
_STRING_LINE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"),\s*$')


def exemplar_writers(profile: Path) -> dict[str, str]:
    """Exemplar text -> the commit that added its line (one commit per writer's batch)."""
    import json

    blame = subprocess.run(["git", "blame", "--line-porcelain", str(profile)], capture_output=True, text=True, check=True).stdout
    owners: dict[str, str] = {}
    commit = ""
    for line in blame.splitlines():
        if re.match(r"^[0-9a-f]{40} ", line):
            commit = line[:12]
        elif line.startswith("\t"):
            found = _STRING_LINE.match(line[1:])
            if found:
                owners[json.loads(found.group(1))] = commit
    return owners


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    ranks = np.r_[pos, neg].argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-units", type=int, nargs="+", default=[0, 128])
    parser.add_argument("--peak-weights", type=float, nargs="+", default=[0.05])
    parser.add_argument("--l2", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--members", type=int, nargs="+", default=[1])
    parser.add_argument("--word-weights", type=float, nargs="+", default=[0.0])
    parser.add_argument("--word-l2", type=float, nargs="+", default=[0.0625])
    parser.add_argument("--framing-offsets", type=float, nargs="+", default=[0.0])
    args = parser.parse_args()
    assistant = Assistant.from_settings()
    semantic = assistant.profile.triage.semantic  # type: ignore[union-attr]
    owners = exemplar_writers(PROFILE)
    # Every message once: (text, is emergency, group, trains?)
    rows = [(t, True, owners.get(t, "?"), True) for g in semantic.emergency.values() for t in g]
    rows += [(t, False, owners.get(t, "?"), True) for g in semantic.contrast.values() for t in g]
    for name in TUNED_ON:
        rows += [(c.text, c.expected == "emergency", name, False) for c in load_triage_suite(Path(f"evals/triage/{name}.jsonl"))]
    texts = [r[0] for r in rows]
    windows = [windows_to_embed(t, semantic.window_min_words) for t in texts]
    read = texts + [w for ws in windows for w in ws]  # what the classifier reads, in the order of `owner`
    owner = np.array(list(range(len(texts))) + [i for i, w in enumerate(windows) for _ in w])
    framed = np.array([any(p.search(text) for p in assistant.profile.triage.not_now) for text in read])  # type: ignore[union-attr]
    features = np.asarray(assistant.embedder.embed_with_peaks(read), dtype=np.float64)
    emergency = np.array([r[1] for r in rows])
    group = np.array([r[2] for r in rows])
    trains = np.array([r[3] for r in rows])
    groups = list(dict.fromkeys(group))
    # A batch of contrasts alone (or of emergencies alone) has nothing to rank when held out; it only trains.
    groups = [g for g in groups if (emergency & (group == g)).any() and (~emergency & (group == g)).any()]
    print("held out in turn:", ", ".join(f"{g} ({(group == g).sum()})" for g in groups))
    for hidden in args.hidden_units:
        for peak_weight in args.peak_weights:
            for l2, members in itertools.product(args.l2, args.members):
                scores: dict[tuple[float, float], list[tuple[str, float, float]]] = {}
                for held in groups:
                    train = np.where(trains & (group != held))[0]
                    classifier = train_on_features(features[train], emergency[train].astype(float), l2, peak_weight, hidden, members)
                    network = classifier.logits(features)
                    for word_l2 in args.word_l2:
                        words = train_word_model([texts[i] for i in train], emergency[train].astype(float), word_l2).logits(read)
                        for word_weight, offset in itertools.product(args.word_weights, args.framing_offsets):
                            best = np.full(len(texts), -np.inf)
                            np.maximum.at(best, owner, network + word_weight * words - offset * framed)
                            test = group == held
                            pos, neg = best[test & emergency], best[test & ~emergency]
                            recall = [float((pos > np.quantile(neg, 1 - share)).mean()) for share in (0.03, 0.05)]
                            scores.setdefault((word_l2, word_weight, offset), []).append((held, auc(pos, neg), *recall))
                for (word_l2, word_weight, offset), held_out in scores.items():
                    detail = " ".join(f"{g}:{a:.3f}/{r:.2f}" for g, a, _, r in held_out)  # recall at 5%, as before
                    mean_auc, mean_recall3, mean_recall = (np.mean([s[i] for s in held_out]) for i in (1, 2, 3))
                    setting = f"hidden {hidden} peak {peak_weight} l2 {l2} members {members} word_weight {word_weight} word_l2 {word_l2}"
                    setting += f" framing_offset {offset}"
                    print(f"{setting}: mean AUC {mean_auc:.4f}, recall at 3% {mean_recall3:.4f}, at 5% {mean_recall:.4f} | {detail}", flush=True)


if __name__ == "__main__":
    main()
