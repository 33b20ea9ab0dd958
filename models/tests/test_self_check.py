"""The start-up self-check's reference pairs: the widest margins, and short enough to cost one small batch."""

import torch

from relstream_model.self_check import MAX_TOKENS, reference_pairs


class MarginIsLength(torch.nn.Module):
    """A stand-in model whose top-two margin grows with the pair's length: the longest pairs would win."""

    def forward(self, ids, mask, types, spans):
        return torch.tensor([[float(ids.shape[1]), 0.0, -1.0]])


def pair(length):
    return ("sample pairs", {"input_ids": list(range(length)), "span_idxs": [1, 2, 3, 4]})


def test_the_widest_margins_are_chosen_in_their_first_order_among_short_pairs():
    pairs = [pair(n) for n in (12, MAX_TOKENS + 1, 30, 512, MAX_TOKENS, 20)]
    chosen = reference_pairs(MarginIsLength(), pairs, count=3)
    assert [len(c["input_ids"]) for c in chosen] == [30, MAX_TOKENS, 20]
    assert chosen[0]["logits"] == [30.0, 0.0, -1.0]
