"""Reference outputs a model directory carries for relstream's start-up self-check (src/inference/self-check.ts).

Where a model runs is not where it was exported: an int8 graph on a CPU whose integer kernels saturate (no VNNI),
an fp16 graph on another GPU, another ONNX Runtime build can compute something else than what the export
checked. relstream runs these pairs at start on the provider and CPU it landed on, as one padded batch as it
runs pairs, and compares with the exporting framework's fp32 logits. The pairs are the agreement pairs with the
widest top-two margins, so that a difference within the tolerance cannot flip one; the tolerances come from
what this export measured, with room for other kernels and for padding.
"""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from .agreement import providers
from .cpu_budget import session_options

SELF_CHECK_FILE = "self-check.json"
PAIRS = 32
# Pairs longer than this are not chosen: the batch is padded to its longest pair, and three pairs of 484-512
# tokens among the widest margins of a full-size random model made the check take 46-85 s on 2 busy cores.
# Relation pairs are short (38 tokens on average in the bench); 32 of at most 64 tokens cost one small batch.
MAX_TOKENS = 64
# The largest logit difference allowed at least, by precision: other kernels, TF32 on a GPU, padding.
FLOORS = {"fp32": 0.02, "fp16": 0.1, "int8": 0.5}
ROOM = 4


def reference_pairs(model, pairs, count=PAIRS, max_tokens=MAX_TOKENS):
    """The `count` pairs of at most `max_tokens` whose PyTorch fp32 logits have the widest top-two margins, in their
    first order."""
    model.eval()
    scored = []
    with torch.no_grad():
        for index, (_, encoded) in enumerate(pairs):
            if len(encoded["input_ids"]) > max_tokens:
                continue
            ids = torch.tensor([encoded["input_ids"]])
            logits = model(ids, torch.ones_like(ids), torch.zeros_like(ids), torch.tensor([encoded["span_idxs"]]))[0]
            top = torch.topk(logits, 2).values
            scored.append((float(top[0] - top[1]), index, encoded, [float(x) for x in logits]))
    chosen = sorted(sorted(scored, key=lambda s: (-s[0], s[1]))[:count], key=lambda s: s[1])
    return [{"input_ids": encoded["input_ids"], "span_idxs": encoded["span_idxs"], "logits": logits}
            for _, _, encoded, logits in chosen]


def batch_logits(path, cases, pad_id):
    """The graph's logits for the cases as one padded batch (relstream's own way of running pairs), on the provider
    the agreement check uses (CUDA where there is one: fp16 graphs are meant for it)."""
    length = max(len(c["input_ids"]) for c in cases)
    ids = np.full((len(cases), length), pad_id, dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, case in enumerate(cases):
        ids[row, :len(case["input_ids"])] = case["input_ids"]
        mask[row, :len(case["input_ids"])] = 1
    spans = np.array([c["span_idxs"] for c in cases], dtype=np.int64)
    session = ort.InferenceSession(str(path), session_options(), providers=providers())
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids), "span_idxs": spans}
    return session.run(["logits"], feed)[0], session.get_providers()[0]


def write_self_check(out, model, pairs, precision, pad_id):
    """Writes self-check.json beside model.onnx; returns the config's selfCheck block (tolerances and figures)."""
    out = Path(out)
    cases = reference_pairs(model, pairs)
    if not cases:
        return None
    got, provider = batch_logits(out / "model.onnx", cases, pad_id)
    expected = np.array([c["logits"] for c in cases])
    agreement = float((got.argmax(axis=1) == expected.argmax(axis=1)).mean())
    difference = float(np.abs(got - expected).max())
    about = "PyTorch fp32 logits of the exported checkpoint; relstream runs these pairs at start (src/inference/self-check.ts)."
    (out / SELF_CHECK_FILE).write_text(json.dumps({"about": about, "cases": cases}) + "\n")
    return {
        "file": SELF_CHECK_FILE,
        "pairs": len(cases),
        "minArgmaxAgreement": agreement,
        "maxAbsLogitDifference": float(f"{max(FLOORS[precision], ROOM * difference):.3g}"),
        "measuredAtExport": {"argmaxAgreement": agreement, "maxAbsLogitDifference": float(f"{difference:.3g}"),
                             "provider": provider},
    }
