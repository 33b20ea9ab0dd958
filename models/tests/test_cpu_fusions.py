"""The fusions relstream's CPU sessions leave out, and the exports that leave them to the session."""

import collections
from pathlib import Path

import onnx
import onnxruntime as ort

from fusion_probe import probe_model
from relstream_model.cpu_budget import session_options


def fused_ops(options, tmp_path):
    """The operator types of the probe as a CPU session at ORT_ENABLE_ALL runs it."""
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    options.log_severity_level = 3
    ort.InferenceSession(probe_model(), options, providers=["CPUExecutionProvider"])
    return collections.Counter(node.op_type for node in onnx.load(options.optimized_model_filepath).graph.node)


def test_a_default_session_fuses_the_probe_and_relstreams_does_not(tmp_path):
    assert fused_ops(ort.SessionOptions(), tmp_path) == {"SkipLayerNormalization": 1}
    assert fused_ops(session_options(), tmp_path) == {"Add": 1, "LayerNormalization": 1}


def test_the_node_sides_fixture_is_this_probe():
    fixture = Path(__file__).resolve().parents[2] / "test/fixtures/skip-layer-norm-probe.onnx"
    assert fixture.read_bytes() == probe_model()
