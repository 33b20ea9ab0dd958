"""End to end through the --hf path on a small local checkpoint: files, config, and ORT == PyTorch."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import export
from relstream_model.agreement import AgreementError, agreement_pairs, check_agreement
from relstream_model.checkpoint import save_checkpoint
from relstream_model.cpu_budget import session_options
from relstream_model.head import RelationClassifier
from relstream_model.labels import V2_LABELS
from relstream_model.markers import encode_pair
from relstream_model.onnx_export import sha256_file
from relstream_model.self_check import FLOORS
from relstream_model.tiny import build_tokenizer, tiny_config


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(1)
    tokenizer = build_tokenizer()
    model = RelationClassifier(tiny_config(len(tokenizer)), len(V2_LABELS)).eval()
    directory = tmp_path_factory.mktemp("checkpoint")
    save_checkpoint(directory, model, tokenizer, source="test checkpoint")
    return directory, model, tokenizer


def ort_logits(path, model_inputs):
    session = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
    return session.run(["logits"], {k: v.numpy() for k, v in model_inputs.items()})[0]


def sample_inputs(tokenizer):
    text = "Los pacientes recibirán metformina 850 mg cada 12 horas ."
    chem = {"start": text.index("metformina"), "end": text.index("metformina") + 10, "type": "CHEM"}
    dose = {"start": text.index("850 mg"), "end": text.index("850 mg") + 6, "type": "Dose"}
    freq = {"start": text.index("cada"), "end": text.index("horas") + 5, "type": "Frequency"}
    pairs = [encode_pair(tokenizer, text, chem, dose, 512), encode_pair(tokenizer, text, chem, freq, 512)]
    width = max(len(p["input_ids"]) for p in pairs)
    ids = torch.tensor([p["input_ids"] + [0] * (width - len(p["input_ids"])) for p in pairs])
    mask = torch.tensor([[1] * len(p["input_ids"]) + [0] * (width - len(p["input_ids"])) for p in pairs])
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids),
            "span_idxs": torch.tensor([p["span_idxs"] for p in pairs])}


def test_hf_export_writes_a_complete_model_directory(checkpoint, tmp_path):
    directory, model, tokenizer = checkpoint
    out = tmp_path / "model"
    config = export.export_hf(directory, out, name="test-re", version="3")
    assert sorted(p.name for p in out.iterdir()) == ["model.onnx", "relstream-model.json", "self-check.json", "tokenizer.json"]
    written = json.loads((out / "relstream-model.json").read_text())
    assert written == config
    assert written["labels"] == V2_LABELS
    assert written["onnx"]["sha256"] == sha256_file(out / "model.onnx")
    assert written["padId"] == tokenizer.pad_token_id
    assert written["maxLength"] == 512
    assert written["pooling"] == "span-max"
    assert written["typeTags"]["Dose"] == "Dos"
    assert written["constraints"]["Has_Age"] == {"subjects": ["LIVB"], "objects": ["Age"]}


def test_onnx_logits_equal_pytorch_with_dynamic_batch_and_length(checkpoint, tmp_path):
    directory, model, tokenizer = checkpoint
    out = tmp_path / "model"
    export.export_hf(directory, out)
    inputs = sample_inputs(tokenizer)
    with torch.no_grad():
        expected = model(**inputs).numpy()
    np.testing.assert_allclose(ort_logits(out / "model.onnx", inputs), expected, atol=1e-5)


@pytest.mark.parametrize("flags", [{"fp16": True}, {"optimize": True}, {"optimize": True, "fp16": True}])
def test_gpu_variants_load_and_stay_close(checkpoint, tmp_path, flags):
    directory, model, tokenizer = checkpoint
    out = tmp_path / "variant"
    config = export.export_hf(directory, out, **flags)
    assert config["onnx"]["precision"] == ("fp16" if flags.get("fp16") else "fp32")
    assert config["onnx"]["optimized"] == bool(flags.get("optimize"))
    # The residual Add and LayerNormalization are fused offline only for the GPU's fp16 graphs
    # (relstream_model/onnx_export.py, optimize_onnx).
    ops = {node.op_type for node in onnx.load(str(out / "model.onnx")).graph.node}
    assert ("SkipLayerNormalization" in ops) == bool(flags.get("optimize") and flags.get("fp16"))
    assert config["onnx"].get("skipLayerNormFused") == (bool(flags.get("fp16")) if flags.get("optimize") else None)
    inputs = sample_inputs(tokenizer)
    with torch.no_grad():
        expected = model(**inputs).numpy()
    np.testing.assert_allclose(ort_logits(out / "model.onnx", inputs), expected, atol=5e-2 if flags.get("fp16") else 1e-4)
    assert config["agreement"]["argmaxAgreement"] >= 0.995 and config["agreement"]["pairs"] > 100
    # The start-up self-check's tolerances: at least the precision's floor, and met where it was exported.
    check = config["selfCheck"]
    assert (out / check["file"]).exists() and check["pairs"] == len(json.loads((out / check["file"]).read_text())["cases"])
    assert check["maxAbsLogitDifference"] >= FLOORS[config["onnx"]["precision"]]
    assert check["measuredAtExport"]["maxAbsLogitDifference"] <= check["maxAbsLogitDifference"]


def test_agreement_is_one_for_the_same_graph_and_fails_for_another_model(checkpoint, tmp_path):
    directory, model, tokenizer = checkpoint
    export.export_hf(directory, tmp_path / "a")
    pairs = agreement_pairs(tokenizer, V2_LABELS, 512)
    assert {name for name, _ in pairs} == {"parity fixture", "sample pairs"}
    same = check_agreement(tmp_path / "a" / "model.onnx", tmp_path / "a" / "model.onnx", pairs)
    assert same["argmaxAgreement"] == 1.0 and same["maxAbsLogitDifference"] == 0.0
    torch.manual_seed(2)
    other = RelationClassifier(tiny_config(len(tokenizer)), len(V2_LABELS)).eval()
    save_checkpoint(tmp_path / "other-ckpt", other, tokenizer, source="another random model")
    export.export_hf(tmp_path / "other-ckpt", tmp_path / "b")
    with pytest.raises(AgreementError) as failed:
        check_agreement(tmp_path / "a" / "model.onnx", tmp_path / "b" / "model.onnx", pairs)
    assert failed.value.report["argmaxAgreement"] < 0.995


def test_int8_export_passes_its_agreement_check_or_leaves_no_model(checkpoint, tmp_path):
    directory, _, _ = checkpoint
    out = tmp_path / "int8"
    code = export.main(["--hf", str(directory), "--out", str(out), "--optimize", "--int8"])
    if code == 0:
        config = json.loads((out / "relstream-model.json").read_text())
        assert config["onnx"]["precision"] == "int8" and config["agreement"]["argmaxAgreement"] >= 0.995
    else:
        assert not (out / "model.onnx").exists()
        assert json.loads((out / "agreement.json").read_text())["argmaxAgreement"] < 0.995


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        export.export_hf(tmp_path / "nowhere", tmp_path / "out")


def test_null_export_is_a_marked_capacity_probe_with_the_real_inputs(tmp_path):
    assert export.main(["--null", "--out", str(tmp_path)]) == 0
    config = json.loads((tmp_path / "relstream-model.json").read_text())
    assert config["capacityProbe"] is True and config["labels"] == V2_LABELS
    assert config["onnx"]["sha256"] == sha256_file(tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), session_options(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids", "span_idxs"]
    rows, length = 5, 23
    ids = np.arange(rows * length, dtype=np.int64).reshape(rows, length)
    spans = np.array([[1, 2, 3, 4 + r] for r in range(rows)], dtype=np.int64)
    (logits,) = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids), "span_idxs": spans})
    assert logits.shape == (rows, len(V2_LABELS))
    # One favoured label per row, a function of the inputs: consecutive span sums pick consecutive labels.
    assert list(logits.argmax(axis=1)) == [(10 + r + ids[r, 0] + 1) % len(V2_LABELS) for r in range(rows)]
