#!/usr/bin/env python3
"""relstream model export: PyTorch relation-extraction checkpoints to a relstream model directory.

  python models/export.py --hf CHECKPOINT_DIR --out DIR [--optimize] [--fp16 | --int8] [--pooling start-marker]
  python models/export.py --random-base --out DIR        full-size random model (benchmarks, export test)
  python models/export.py --tiny [--out DIR]            rebuild the shipped tiny demo/test model (the same bytes, or
                                                         within rounding on another CPU; DIR for a check)
  python models/export.py --null --out models/null-re-ct a capacity probe for the pipeline-ceiling benchmark

A model directory holds model.onnx (body and head, dynamic batch and sequence axes), tokenizer.json and
relstream-model.json (labels, markers, pooling, type constraints, max length, pad id, sha256 of model.onnx).
An optimised, int8 or fp16 export is checked against the plain fp32 export of the same checkpoint (argmax
agreement, relstream_model/agreement.py, recorded in the config) and fails below 99.5%.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# onnxruntime's Python wheel sends usage events to Microsoft; an export must not wait on them offline.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from relstream_model.cpu_budget import limit_thread_pools  # noqa: E402 (torch reads the pool sizes when it starts)

limit_thread_pools()

TINY_DIR = HERE / "tiny-re-ct"
TINY_START_MARKER_DIR = HERE / "tiny-re-ct-start-marker"
TINY_NOTE = ("Tiny demo/test model: the real architecture at toy size (2 layers, hidden 64), trained for a few "
             "minutes on synthetic sentences. Not for real use; export the medspaner model with --hf.")


def export_hf(checkpoint, out, *, fp16=False, int8=False, optimize=False, pooling=None, labels=None, name=None,
              version=None, demo_only=False, notes=None):
    from relstream_model.checkpoint import load_checkpoint
    from relstream_model.onnx_export import write_model_dir

    model, tokenizer, labels, raw_config = load_checkpoint(checkpoint, pooling=pooling, labels=labels)
    source = raw_config.get("relstream_source") or raw_config.get("_name_or_path") or str(checkpoint)
    return write_model_dir(
        out, model=model, tokenizer=tokenizer, tokenizer_source=checkpoint, labels=labels,
        name=name or Path(checkpoint).name, version=version or "1", source=source,
        precision="fp16" if fp16 else "int8" if int8 else "fp32", optimized=optimize, demo_only=demo_only, notes=notes,
    )


def build_tiny(out=TINY_DIR, start_marker_out=TINY_START_MARKER_DIR, log=print):
    """Trains the tiny model, exports both poolings, writes the parity fixture. Deterministic: call it in a
    process that ran reproducible.pin_environment() before importing torch (main does, for --tiny)."""
    out, start_marker_out = Path(out), Path(start_marker_out)
    from relstream_model.reproducible import pinned_arithmetic

    with pinned_arithmetic():
        return _build_tiny(out, start_marker_out, log)


def _build_tiny(out, start_marker_out, log):
    from relstream_model.checkpoint import save_checkpoint
    from relstream_model.fixture import build_fixture
    from relstream_model.labels import V2_LABELS, constraints_for
    from relstream_model.tiny import train_tiny

    started = time.time()
    tokenizer, model, accuracy = train_tiny(log=log)
    with tempfile.TemporaryDirectory() as checkpoint:
        save_checkpoint(checkpoint, model, tokenizer, source="relstream synthetic tiny model")
        common = dict(name="tiny-re-ct", version="1", demo_only=True)
        config = export_hf(checkpoint, out, notes=TINY_NOTE + f" Held-out synthetic accuracy: {accuracy:.4f}.", **common)
        export_hf(checkpoint, start_marker_out, pooling="start-marker", notes=TINY_NOTE + " start-marker pooling variant.", **common)
    cases = build_fixture(model, tokenizer, constraints_for(V2_LABELS), config["maxLength"])
    fixture = {
        "about": "PyTorch reference for relstream's TypeScript encoder and ONNX session (export.py --tiny).",
        "models": {"span-max": out.name, "start-marker": start_marker_out.name},
        "heldOutAccuracy": accuracy,
        "cases": cases,
    }
    (out / "parity-fixture.json").write_text(json.dumps(fixture, ensure_ascii=False) + "\n")
    log(f"tiny model written to {out} ({len(cases)} fixture pairs, {time.time() - started:.0f} s)")
    return accuracy


def build_random_base(out, log=print, **export_options):
    """A randomly initialised checkpoint with bert-base-multilingual-cased dimensions, exported via --hf."""
    import torch
    from transformers import BertConfig, PreTrainedTokenizerFast

    from relstream_model.checkpoint import save_checkpoint
    from relstream_model.head import RelationClassifier
    from relstream_model.labels import V2_LABELS, argument_types, constraints_for
    from relstream_model.markers import marker_tokens
    from relstream_model.tiny import build_tokenizer

    torch.manual_seed(0)
    base = build_tokenizer()
    # mBERT's vocab size with synthetic filler entries: the shapes and the tokenizer's size are what matter here.
    backend = json.loads(base.backend_tokenizer.to_str())
    vocab = backend["model"]["vocab"]
    for i in range(len(vocab), 119_547):
        vocab[f"[unused{i}]"] = i
    backend["added_tokens"] = [t for t in backend["added_tokens"] if t["special"]]
    from tokenizers import Tokenizer

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(backend)), unk_token="[UNK]", pad_token="[PAD]",
        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]", model_max_length=512,
    )
    tokenizer.add_tokens(marker_tokens(argument_types(constraints_for(V2_LABELS))))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, max_position_embeddings=512,
                        id2label=dict(enumerate(V2_LABELS)), label2id={l: i for i, l in enumerate(V2_LABELS)})
    model = RelationClassifier(config, len(V2_LABELS)).eval()
    checkpoint = Path(out).with_name(Path(out).name + "-checkpoint")
    save_checkpoint(checkpoint, model, tokenizer, source="random bert-base-multilingual-cased dimensions")
    log(f"random full-size checkpoint saved to {checkpoint} (vocab {len(tokenizer)})")
    return export_hf(checkpoint, out, name="random-base-re", version="0", **export_options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--hf", metavar="DIR", help="local checkpoint directory (config.json, tokenizer.json, weights)")
    mode.add_argument("--random-base", action="store_true", help="random full-size model, exported with the --hf path")
    mode.add_argument("--tiny", action="store_true", help="rebuild models/tiny-re-ct (and its start-marker variant)")
    mode.add_argument("--null", action="store_true", help="a capacity probe for the pipeline-ceiling benchmark (run refuses it)")
    parser.add_argument("--out", help="output model directory (--hf, --random-base); for --tiny, the folder for both")
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument("--fp16", action="store_true", help="fp16 weights, fp32 inputs and outputs (GPU)")
    precision.add_argument("--int8", action="store_true", help="dynamic int8 quantisation of the weights (CPU)")
    parser.add_argument("--optimize", action="store_true", help="onnxruntime BERT fusion (CPU and GPU)")
    parser.add_argument("--pooling", choices=["span-max", "start-marker"], help="override the checkpoint's pooling")
    parser.add_argument("--labels", help="comma-separated labels in id order, if config.json has no id2label")
    parser.add_argument("--name")
    parser.add_argument("--version")
    args = parser.parse_args(argv)

    if args.tiny:
        from relstream_model.reproducible import pin_environment

        pin_environment()
        out = Path(args.out) if args.out else None
        accuracy = build_tiny(out / TINY_DIR.name, out / TINY_START_MARKER_DIR.name) if out else build_tiny()
        print(json.dumps({"heldOutAccuracy": accuracy}))
        return 0
    if not args.out:
        parser.error("--out is required")
    started = time.time()
    if args.null:
        from relstream_model.null_model import build_null

        tiny = json.loads((TINY_DIR / "relstream-model.json").read_text())
        config = build_null(args.out, TINY_DIR, max_length=tiny["maxLength"], pad_id=tiny["padId"])
    else:
        from relstream_model.agreement import AgreementError

        variant = dict(fp16=args.fp16, int8=args.int8, optimize=args.optimize)
        try:
            if args.random_base:
                config = build_random_base(args.out, **variant)
            else:
                config = export_hf(args.hf, args.out, pooling=args.pooling, labels=args.labels.split(",") if args.labels else None,
                                   name=args.name, version=args.version, **variant)
        except AgreementError as error:
            print(f"export failed: {error}; report in {Path(args.out) / 'agreement.json'}", file=sys.stderr)
            return 1
    size = (Path(args.out) / "model.onnx").stat().st_size
    print(json.dumps({"out": args.out, "sha256": config["onnx"]["sha256"], "bytes": size, "seconds": round(time.time() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
