"""Prints what ONNX Runtime's int8 matrix product gives where a u8s8 kernel without VNNI saturates.

One MatMulInteger: activations [255, 255] (u8) times constant weights [127, 127] (s8). The exact product is
64,770; VPMADDUBSW (AVX2, AVX-512 without VNNI) sums each pair into a saturating int16 and gives 32,767.
Run under scripts/as-cpu.sh by test_int8_kernels.py; prints {"fast": ..., "exact": ..., "chosen": ...} (exact:
with session.x64quantprecision, ONNX Runtime's u8u8 kernels; chosen: with the options relstream's tooling picks
for this CPU, relstream_model/cpu_budget.py).
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from relstream_model.cpu_budget import session_options  # noqa: E402


def probe_model():
    weights = numpy_helper.from_array(np.full((2, 1), 127, dtype=np.int8), "w")
    node = helper.make_node("MatMulInteger", ["a", "w"], ["y"])
    graph = helper.make_graph([node], "int8-probe", [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 1])], initializer=[weights])
    # IR version 8: loadable by the older ONNX Runtime of onnxruntime-node too.
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def product(options, exact=False):
    options.log_severity_level = 3
    if exact:
        options.add_session_config_entry("session.x64quantprecision", "1")
    session = ort.InferenceSession(probe_model(), options, providers=["CPUExecutionProvider"])
    return int(session.run(None, {"a": np.full((1, 2), 255, dtype=np.uint8)})[0][0][0])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        # test/fixtures/int8-probe.onnx, for the same check through onnxruntime-node (cpu-features.test.ts).
        Path(sys.argv[2]).write_bytes(probe_model())
        sys.exit(0)
    print(json.dumps({"fast": product(ort.SessionOptions()), "exact": product(ort.SessionOptions(), exact=True),
                      "chosen": product(session_options())}))
