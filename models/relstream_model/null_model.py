"""A capacity probe (export.py --null): the real model's four inputs and [B, L] logits, almost no work.

Behind relstream it measures what the pipeline around the model costs (Kafka, decoding, encoding, batching,
publishing): the ceiling a GPU could be fed at. Its relations mean nothing, so its config is marked
`capacityProbe` and `relstream run` refuses it unless told it is a benchmark.
"""

import shutil
from pathlib import Path

import torch

from .labels import V2_LABELS
from .onnx_export import INPUTS, OPSET, model_config

NOTE = ("Capacity probe: logits are a cheap function of the inputs, not a prediction. For the pipeline-ceiling "
        "benchmark only (npm run bench -- --ceiling).")


class NullRelationModel(torch.nn.Module):
    """Logits favour label (sum of span_idxs + first input id) mod L: every input is read, so none is pruned."""

    pooling = "span-max"

    def __init__(self, num_labels):
        super().__init__()
        self.num_labels = num_labels

    def forward(self, input_ids, attention_mask, token_type_ids, span_idxs):
        key = span_idxs.sum(dim=1) + input_ids[:, 0] + attention_mask[:, 0] + token_type_ids[:, 0]
        label = torch.remainder(key, self.num_labels).unsqueeze(1)
        return (torch.arange(self.num_labels, device=key.device).unsqueeze(0) == label).float() * 4.0


def build_null(out, tokenizer_dir, max_length=512, pad_id=0):
    """Writes a capacity-probe model directory; the tokenizer is copied from `tokenizer_dir`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = NullRelationModel(len(V2_LABELS)).eval()
    dummy = tuple(torch.ones((2, 16), dtype=torch.long) for _ in range(3)) + (torch.tensor([[1, 3, 5, 7]] * 2),)
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS[:3]}
    axes["span_idxs"] = {0: "batch"}
    axes["logits"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(model, dummy, str(out / "model.onnx"), input_names=INPUTS, output_names=["logits"],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    shutil.copyfile(Path(tokenizer_dir) / "tokenizer.json", out / "tokenizer.json")
    return model_config(out, name="null-re-ct", version="1", source="relstream capacity probe", labels=V2_LABELS,
                        pooling=model.pooling, max_length=max_length, pad_id=pad_id, demo_only=True, notes=NOTE,
                        capacity_probe=True)
