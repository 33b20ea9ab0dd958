"""Where ONNX Runtime spends a batch on CPU: each operator type's share of the kernel time, from the session's own
profiler, for a model directory's graph on a synthetic batch (random ids, full attention, fixed spans).

  models/.venv/bin/python models/ort_op_profile.py MODEL_DIR [--batch 16] [--tokens 38] [--threads 2] [--seconds 8]

Prints pairs/s and the operator shares as JSON. It answers why an export runs at the speed it does (issue 19:
the int8 graph's time by operator), not how fast relstream runs it: that is `npm run bench -- --cpu-model`.
"""
import argparse
import collections
import json
import os
import tempfile
import time

import numpy as np
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=38)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(os.path.join(args.model_dir, "model.onnx"), options, providers=["CPUExecutionProvider"])

    shape = (args.batch, args.tokens)
    rng = np.random.default_rng(0)
    feeds = {
        "input_ids": rng.integers(1000, 20000, shape, dtype=np.int64),
        "attention_mask": np.ones(shape, dtype=np.int64),
        "token_type_ids": np.zeros(shape, dtype=np.int64),
        "span_idxs": np.tile(np.array([1, 3, 5, 7], dtype=np.int64), (args.batch, 1)),
    }
    session.run(None, feeds)
    started, pairs = time.perf_counter(), 0
    while time.perf_counter() - started < args.seconds:
        session.run(None, feeds)
        pairs += args.batch
    pairs_per_second = pairs / (time.perf_counter() - started)

    with open(session.end_profiling()) as f:
        events = json.load(f)
    by_op = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            by_op[event["args"]["op_name"]] += event["dur"]
    total = sum(by_op.values()) or 1
    shares = {op: round(us / total, 4) for op, us in by_op.most_common()}
    print(json.dumps({"pairsPerSecond": round(pairs_per_second, 2), "batch": args.batch, "tokens": args.tokens,
                      "threads": args.threads, "onnxruntime": ort.__version__, "operatorShares": shares}, indent=2))


if __name__ == "__main__":
    main()
