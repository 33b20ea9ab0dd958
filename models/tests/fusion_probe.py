"""The smallest graph ONNX Runtime fuses into SkipLayerNormalization on CPU: Add then LayerNormalization.

relstream's CPU sessions are told not to make that fusion (src/inference/model-session.ts, and
relstream_model/cpu_budget.py for the export's own checks): `python models/tests/fusion_probe.py PATH` writes
it, as test/fixtures/skip-layer-norm-probe.onnx for the node side's test (test/unit/inference/session-fusions.test.ts).
"""

import sys
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 4


def probe_model():
    dims = ["batch", "sequence", HIDDEN]
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, dims) for name in ("x", "skip")]
    weights = [numpy_helper.from_array(np.ones(HIDDEN, dtype=np.float32), "gamma"),
               numpy_helper.from_array(np.zeros(HIDDEN, dtype=np.float32), "beta")]
    nodes = [helper.make_node("Add", ["x", "skip"], ["sum"]),
             helper.make_node("LayerNormalization", ["sum", "gamma", "beta"], ["y"], axis=-1, epsilon=1e-12)]
    graph = helper.make_graph(nodes, "skip-layer-norm-probe", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)], initializer=weights)
    # IR version 8: loadable by the older ONNX Runtime of onnxruntime-node too.
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(probe_model())
