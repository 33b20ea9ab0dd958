#!/usr/bin/env python3
"""PyTorch fp16 on the GPU, for the GPU benchmark: the same checkpoint and pairs as relstream's ONNX sessions.

  python models/torch_gpu.py --checkpoint DIR --pairs PAIRS.jsonl --batch-sizes 1,8,32 [--seconds 2]

Each pair is a JSON line with the input_ids and span_idxs relstream encoded. Batches are formed as relstream's
micro-batcher forms them under a backlog (sorted by length, cut, padded to the longest), copied to the GPU and
classified (argmax read back), whole passes over the pairs per batch size. Also measures the card's dense fp16
matrix-product rate (8192^3), the ceiling the benchmark's FLOP share is taken against. Prints one JSON line.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relstream_model.checkpoint import load_checkpoint  # noqa: E402


def matmul_peak(size=8192, repeats=20):
    a = torch.randn(size, size, device="cuda", dtype=torch.float16)
    b = torch.randn(size, size, device="cuda", dtype=torch.float16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def batches(pairs, size, pad_id, pin):
    ordered = sorted(pairs, key=lambda p: len(p["input_ids"]))
    out = []
    for i in range(0, len(ordered), size):
        chunk = ordered[i:i + size]
        longest = max(len(p["input_ids"]) for p in chunk)
        ids = torch.full((len(chunk), longest), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), longest), dtype=torch.long)
        for row, p in enumerate(chunk):
            ids[row, :len(p["input_ids"])] = torch.tensor(p["input_ids"])
            mask[row, :len(p["input_ids"])] = 1
        spans = torch.tensor([p["span_idxs"] for p in chunk], dtype=torch.long)
        out.append(tuple(t.pin_memory() if pin else t for t in (ids, mask, spans)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--pairs", required=True)
    parser.add_argument("--batch-sizes", default="1,8,32,64,128,256")
    parser.add_argument("--seconds", type=float, default=2.0, help="per batch size, in whole passes")
    parser.add_argument("--device", default="cuda", help="cuda, or cpu to check the script without a GPU")
    args = parser.parse_args(argv)

    model, tokenizer, _, _ = load_checkpoint(args.checkpoint)
    model = model.half().to(args.device).eval()
    device = torch.device(args.device)
    pairs = [json.loads(line) for line in Path(args.pairs).read_text().splitlines() if line.strip()]
    rates = {}
    with torch.inference_mode():
        for size in (int(s) for s in args.batch_sizes.split(",")):
            inputs = batches(pairs, size, tokenizer.pad_token_id, pin=device.type == "cuda")

            def one_pass():
                for ids, mask, spans in inputs:
                    ids, mask, spans = (t.to(device, non_blocking=True) for t in (ids, mask, spans))
                    model(ids, mask, torch.zeros_like(ids), spans).argmax(dim=-1).cpu()

            one_pass()  # warm-up: kernels chosen for each shape
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                one_pass()
                done += len(pairs)
            rates[size] = done / (time.perf_counter() - start)
    on_gpu = device.type == "cuda"
    print(json.dumps({"pairsPerSecond": rates, "pairs": len(pairs), "fp16MatmulFlops": matmul_peak() if on_gpu else None,
                      "device": torch.cuda.get_device_name() if on_gpu else "cpu", "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
