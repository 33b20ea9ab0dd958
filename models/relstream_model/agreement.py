"""Argmax agreement of an exported variant (ORT-optimised, int8, fp16) with the plain fp32 export.

A faster export is only worth having if it predicts what the model predicts. The pairs: every allowed pair of
the parity fixture's sentences, and the relation pairs of synthetic sample sentences, encoded with the model's
own tokenizer, run one at a time (batch 1: no padding to differ by). Below MIN_AGREEMENT the export fails.
"""

import numpy as np
import onnxruntime as ort

from . import synthetic
from .cpu_budget import session_options
from .cpu_kernels import cpu_flags, int8_kernels_saturate
from .fixture import allowed, sample_sentences
from .labels import constraints_for
from .markers import encode_pair

MIN_AGREEMENT = 0.995
SAMPLE_SENTENCES = 200
SEED = 11


class AgreementError(Exception):
    """The variant's argmax differs from the fp32 export's on more pairs than MIN_AGREEMENT allows."""


def agreement_pairs(tokenizer, labels, max_length):
    """(set name, encoded pair) for the fixture's allowed pairs and the synthetic sample pairs."""
    constraints = constraints_for(labels)
    pairs = []
    for _, text, entities in sample_sentences():
        for si, subject in enumerate(entities):
            for oi, obj in enumerate(entities):
                if si != oi and allowed(constraints, subject["type"], obj["type"]):
                    encoded = encode_pair(tokenizer, text, subject, obj, max_length)
                    if encoded is not None:
                        pairs.append(("parity fixture", encoded))
    for sentence in synthetic.examples(SAMPLE_SENTENCES, SEED):
        for subject, obj, _ in sentence["relations"]:
            encoded = encode_pair(tokenizer, sentence["text"], subject, obj, max_length)
            if encoded is not None:
                pairs.append(("sample pairs", encoded))
    return pairs


def session_logits(path, pairs):
    options = session_options()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=providers())
    rows = []
    for _, encoded in pairs:
        ids = np.array([encoded["input_ids"]], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids),
                "span_idxs": np.array([encoded["span_idxs"]], dtype=np.int64)}
        rows.append(session.run(None, feed)[0][0])
    return np.stack(rows)


def providers():
    # fp16 graphs are checked on the GPU when there is one; the CPU provider runs them too, slowly.
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]


def check_agreement(reference, variant, pairs, minimum=MIN_AGREEMENT):
    """The report; raises AgreementError (report attached) when agreement is below `minimum`."""
    expected = session_logits(reference, pairs)
    got = session_logits(variant, pairs)
    same = expected.argmax(axis=1) == got.argmax(axis=1)
    sets = {}
    for (name, _), agree in zip(pairs, same):
        total, agreeing = sets.get(name, (0, 0))
        sets[name] = (total + 1, agreeing + int(agree))
    report = {
        "reference": "the plain fp32 export of the same checkpoint",
        "pairs": len(pairs),
        "argmaxAgreement": round(float(same.mean()), 5),
        "bySet": {name: {"pairs": total, "argmaxAgreement": round(agreeing / total, 5)} for name, (total, agreeing) in sets.items()},
        "maxAbsLogitDifference": round(float(np.abs(expected - got).max()), 5),
        "minimum": minimum,
        # Which CPU kernels computed it: int8 agreement depends on them (cpu_kernels.py).
        "cpuFlags": sorted(cpu_flags() & {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"}),
        "int8Kernels": "exact" if int8_kernels_saturate() else "fast",
    }
    if report["argmaxAgreement"] < minimum:
        error = AgreementError(f"argmax agreement {report['argmaxAgreement']:.4f} with the fp32 export is below {minimum}")
        error.report = report
        raise error
    return report
