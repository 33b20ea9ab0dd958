"""The relation classifier: BertModel body + our implementation of the medspaner relation head (MODEL.md)."""

import torch
from torch import nn
from transformers import BertConfig, BertModel

POOLINGS = ("span-max", "start-marker")


class RelationClassifier(nn.Module):
    """logits[B, L] from input_ids, attention_mask, token_type_ids and span_idxs[B, 4].

    span-max: max over last_hidden_state rows s0..s1 and o0..o1 inclusive (markers inside the span).
    start-marker: the two opening-marker rows only (a sibling training script's pooling).
    Then concat [subject, object], LayerNorm(2H, eps 1e-5: PyTorch's default, not the config's 1e-12),
    dropout (identity at inference) and Linear(2H, L).
    """

    def __init__(self, config: BertConfig, num_labels: int, pooling: str = "span-max"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        self.bert = BertModel(config, add_pooling_layer=False)
        hidden = config.hidden_size
        self.layer_norm = nn.LayerNorm(2 * hidden, eps=1e-5)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(2 * hidden, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids, span_idxs):
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        if self.pooling == "span-max":
            subject = span_max(hidden, span_idxs[:, 0], span_idxs[:, 1])
            obj = span_max(hidden, span_idxs[:, 2], span_idxs[:, 3])
        else:
            subject = gather_rows(hidden, span_idxs[:, 0])
            obj = gather_rows(hidden, span_idxs[:, 2])
        pooled = self.layer_norm(torch.cat([subject, obj], dim=-1))
        return self.classifier(self.dropout(pooled))


def span_max(hidden, start, end):
    """Max over rows start..end inclusive, per example; written with a mask so it exports to ONNX."""
    positions = torch.arange(hidden.shape[1], device=hidden.device).unsqueeze(0)
    inside = (positions >= start.unsqueeze(1)) & (positions <= end.unsqueeze(1))
    masked = hidden.masked_fill(~inside.unsqueeze(-1), torch.finfo(hidden.dtype).min)
    return masked.max(dim=1).values


def gather_rows(hidden, index):
    expanded = index.view(-1, 1, 1).expand(-1, 1, hidden.shape[-1])
    return hidden.gather(1, expanded).squeeze(1)


def load_head_state(model: RelationClassifier, state: dict):
    """Loads a checkpoint's weights: the body from `bert.*` keys (or unprefixed BertModel keys), the head by shape.

    medspaner's checkpoints name the head after their training script; what is fixed is its shape: one
    LayerNorm over 2H features and one Linear(2H, L). Anything else is an error that lists the keys.
    """
    hidden2 = 2 * model.bert.config.hidden_size
    num_labels = model.classifier.out_features
    body = {}
    rest = {}
    for key, value in state.items():
        if key.startswith("bert."):
            body[key[len("bert."):]] = value
        elif key.startswith(("embeddings.", "encoder.")):
            body[key] = value
        else:
            rest[key] = value
    body = {k: v for k, v in body.items() if not k.startswith("pooler.")}
    missing, unexpected = model.bert.load_state_dict(body, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"checkpoint body does not match BertModel: missing {missing}, unexpected {unexpected}")

    def pick(shape_test, what):
        keys = [k for k, v in rest.items() if shape_test(v)]
        if len(keys) != 1:
            raise ValueError(f"expected exactly one {what} in the checkpoint head, found {keys} among {sorted(rest)}")
        return rest[keys[0]]

    weight_ln = [k for k, v in rest.items() if v.dim() == 1 and v.shape[0] == hidden2 and k.endswith("weight")]
    bias_ln = [k for k, v in rest.items() if v.dim() == 1 and v.shape[0] == hidden2 and k.endswith("bias")]
    if len(weight_ln) != 1 or len(bias_ln) != 1:
        raise ValueError(f"expected one LayerNorm({hidden2}) in the checkpoint head, found {weight_ln + bias_ln}")
    model.layer_norm.weight.data.copy_(rest[weight_ln[0]])
    model.layer_norm.bias.data.copy_(rest[bias_ln[0]])
    model.classifier.weight.data.copy_(pick(lambda v: tuple(v.shape) == (num_labels, hidden2), f"Linear({hidden2}, {num_labels}) weight"))
    model.classifier.bias.data.copy_(pick(lambda v: v.dim() == 1 and v.shape[0] == num_labels, f"{num_labels}-d classifier bias"))
