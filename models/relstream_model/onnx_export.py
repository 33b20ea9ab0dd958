"""ONNX export of the whole relation classifier (body and head) and the relstream model directory."""

import hashlib
import json
import shutil
from pathlib import Path

import torch

from .agreement import AgreementError, agreement_pairs, check_agreement
from .labels import argument_types, constraints_for
from .markers import MARKER_FORMAT, type_tag
from .self_check import write_self_check

INPUTS = ["input_ids", "attention_mask", "token_type_ids", "span_idxs"]
OPSET = 17
CONFIG_FILE = "relstream-model.json"


def export_onnx(model, path, seq_len=16):
    model.eval()
    # Eager attention traces to the MatMul/Softmax pattern that onnxruntime's BERT fusion turns into its fused
    # Attention op; the SDPA path exports a graph it cannot fuse (and traces shape checks as constants).
    model.bert.set_attn_implementation("eager")
    batch = 2
    dummy = (
        torch.ones((batch, seq_len), dtype=torch.long),
        torch.ones((batch, seq_len), dtype=torch.long),
        torch.zeros((batch, seq_len), dtype=torch.long),
        torch.tensor([[1, 3, 5, 7]] * batch, dtype=torch.long),
    )
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS[:3]}
    axes["span_idxs"] = {0: "batch"}
    axes["logits"] = {0: "batch"}
    with torch.no_grad():
        # The TorchScript exporter: its BERT graphs are what onnxruntime's transformer fusion recognises.
        torch.onnx.export(
            model, dummy, str(path), input_names=INPUTS, output_names=["logits"], dynamic_axes=axes,
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )


def optimize_onnx(source, target, config, fp16):
    """onnxruntime's BERT fusion (attention, layer norm, GELU); optionally fp16 with fp32 inputs/outputs.

    The residual Add and LayerNormalization stay apart except in fp16 graphs (GPU only): ONNX Runtime's CPU
    SkipLayerNormalization takes ~5x their time per element, a fifth of the full-size int8 graph's time, and a
    CUDA session fuses them itself at load (src/inference/model-session.ts)."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = fp16
    options.enable_bias_skip_layer_norm = fp16
    optimized = optimize_model(str(source), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, optimization_options=options)
    if fp16:
        optimized.convert_float_to_float16(keep_io_types=True)
    optimized.save_model_to_file(str(target))


def to_int8(source, target):
    """Dynamic int8 quantisation of the encoder's weights (MatMul/Gemm), activations quantised per batch at run
    time. The classification head stays fp32: it is a tiny share of the work, and its rounding moves the logits
    that decide the label most directly."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Loaded once, for the head's name and for the quantiser (a full-size graph is 700 MB).
    model = onnx.load(str(source))
    # Nodes are in topological order: the last matrix product is the head's Linear.
    last = [n for n in model.graph.node if n.op_type in ("MatMul", "Gemm")][-1]
    # A Gemm is split into MatMul + Add before quantisation, under this name.
    head = [last.name, f"{last.name}_MatMul"]
    # The fused graph's contrib ops (Attention, SkipLayerNormalization) defeat ONNX shape inference; their
    # tensors are float.
    quantize_dynamic(model, str(target), weight_type=QuantType.QInt8, nodes_to_exclude=head,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def to_fp16(source, target):
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    converted = convert_float_to_float16(onnx.load(str(source)), keep_io_types=True)
    onnx.save(converted, str(target))


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_config(out, *, name, version, source, labels, pooling, max_length, pad_id, precision="fp32", optimized=False,
                 demo_only=False, notes=None, capacity_probe=False, agreement=None, self_check=None):
    """Writes relstream-model.json for the model.onnx already in `out` and returns it."""
    constraints = constraints_for(labels)
    types = argument_types(constraints)
    config = {
        "format": "relstream-model/1",
        "name": name,
        "version": version,
        "source": source,
        "labels": labels,
        "markers": dict(MARKER_FORMAT),
        "typeTags": {t: type_tag(t) for t in types},
        "pooling": pooling,
        "constraints": {label: {"subjects": s, "objects": o} for label, (s, o) in constraints.items()},
        "maxLength": max_length,
        "padId": pad_id,
        "onnx": {"file": "model.onnx", "sha256": sha256_file(Path(out) / "model.onnx"), "precision": precision,
                 "optimized": optimized, "opset": OPSET},
        "demoOnly": demo_only,
    }
    if optimized:
        # What optimize_onnx fused: relstream warns on CPU when it was (or when an older export does not say).
        config["onnx"]["skipLayerNormFused"] = precision == "fp16"
    if capacity_probe:
        config["capacityProbe"] = True
    if agreement:
        config["agreement"] = agreement
    if self_check:
        config["selfCheck"] = self_check
    if notes:
        config["notes"] = notes
    (Path(out) / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return config


def write_model_dir(out, *, model, tokenizer, tokenizer_source, labels, name, version, source, precision="fp32",
                    optimized=False, demo_only=False, notes=None):
    """Writes model.onnx, tokenizer.json (copied as is) and relstream-model.json into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    variant = precision != "fp32" or optimized
    raw = out / "model.fp32.onnx" if variant else out / "model.onnx"
    export_onnx(model, raw)
    max_length = min(int(tokenizer.model_max_length), model.bert.config.max_position_embeddings)
    pairs = agreement_pairs(tokenizer, labels, max_length)
    agreement = None
    if variant:
        target = out / "model.onnx"
        # int8 quantises the fused graph, written here first.
        fused = out / "model.optimized.onnx" if precision == "int8" else target
        if optimized:
            optimize_onnx(raw, fused, model.bert.config, fp16=precision == "fp16")
        if precision == "int8":
            to_int8(fused if optimized else raw, target)
            fused.unlink(missing_ok=True)
        elif precision == "fp16" and not optimized:
            to_fp16(raw, target)
        try:
            agreement = check_agreement(raw, target, pairs)
        except AgreementError as error:
            # Nothing usable is left behind: the report says why.
            target.unlink()
            (out / "agreement.json").write_text(json.dumps(error.report, indent=2) + "\n")
            raise
        finally:
            raw.unlink()
    shutil.copyfile(Path(tokenizer_source) / "tokenizer.json", out / "tokenizer.json")
    self_check = write_self_check(out, model, pairs, precision, int(tokenizer.pad_token_id))
    config = model_config(out, name=name, version=version, source=source, labels=labels, pooling=model.pooling,
                          max_length=max_length, pad_id=int(tokenizer.pad_token_id), precision=precision,
                          optimized=optimized, demo_only=demo_only, notes=notes, agreement=agreement,
                          self_check=self_check)
    return config
