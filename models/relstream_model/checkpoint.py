"""Local Hugging Face-style checkpoint directories: config.json, tokenizer files, model.safetensors."""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, BertConfig

from .head import RelationClassifier, load_head_state


def save_checkpoint(directory, model: RelationClassifier, tokenizer, source):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.bert.config.relstream_pooling = model.pooling
    model.bert.config.relstream_source = source
    model.bert.config.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"), metadata={"format": "pt"})


def load_checkpoint(directory, pooling=None, labels=None):
    """Reads a checkpoint directory (never a hub id: nothing is downloaded at export time here)."""
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise FileNotFoundError(f"{directory}/config.json not found: --hf takes a local checkpoint directory")
    config = BertConfig.from_pretrained(directory)
    if labels is None:
        id2label = getattr(config, "id2label", None) or {}
        labels = [id2label[i] for i in sorted(id2label)]
        if not labels or all(label.startswith("LABEL_") for label in labels):
            raise ValueError("the checkpoint's config.json has no id2label; pass --labels")
    pooling = pooling or getattr(config, "relstream_pooling", None) or "span-max"
    model = RelationClassifier(config, len(labels), pooling=pooling)
    weights = directory / "model.safetensors"
    if weights.is_file():
        state = load_file(str(weights))
    elif (directory / "pytorch_model.bin").is_file():
        state = torch.load(directory / "pytorch_model.bin", map_location="cpu", weights_only=True)
    else:
        raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {directory}")
    load_head_state(model, state)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    if not (directory / "tokenizer.json").is_file():
        raise FileNotFoundError(f"{directory}/tokenizer.json not found: the marker ids are read from it")
    return model, tokenizer, labels, json.loads((directory / "config.json").read_text())
