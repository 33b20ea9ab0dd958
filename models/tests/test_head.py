import pytest
import torch
from transformers import BertConfig

from relstream_model.head import RelationClassifier, load_head_state, span_max


def small_config():
    return BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                      max_position_embeddings=64)


def test_span_max_is_the_max_over_rows_start_to_end_inclusive():
    torch.manual_seed(0)
    hidden = torch.randn(3, 10, 4)
    start, end = torch.tensor([0, 2, 5]), torch.tensor([0, 6, 9])
    expected = torch.stack([hidden[i, start[i] : end[i] + 1].max(dim=0).values for i in range(3)])
    assert torch.equal(span_max(hidden, start, end), expected)


def test_head_shapes_and_layer_norm_eps():
    model = RelationClassifier(small_config(), 8)
    assert model.layer_norm.eps == 1e-5
    assert tuple(model.classifier.weight.shape) == (8, 32)


def test_start_marker_pooling_uses_the_opening_marker_rows_only():
    torch.manual_seed(0)
    model = RelationClassifier(small_config(), 3, pooling="start-marker").eval()
    ids = torch.randint(5, 50, (1, 12))
    mask = torch.ones_like(ids)
    a = model(ids, mask, torch.zeros_like(ids), torch.tensor([[1, 4, 6, 9]]))
    b = model(ids, mask, torch.zeros_like(ids), torch.tensor([[1, 2, 6, 7]]))
    assert torch.allclose(a, b)


def test_checkpoint_head_is_found_by_shape_whatever_its_names():
    source = RelationClassifier(small_config(), 4)
    state = {k: v for k, v in source.state_dict().items()}
    renamed = {k.replace("layer_norm", "norm").replace("classifier", "out_proj"): v for k, v in state.items()}
    target = RelationClassifier(small_config(), 4)
    load_head_state(target, renamed)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_a_head_of_the_wrong_shape_is_an_error_naming_the_keys():
    state = RelationClassifier(small_config(), 4).state_dict()
    with pytest.raises(ValueError, match="classifier"):
        load_head_state(RelationClassifier(small_config(), 5), state)
