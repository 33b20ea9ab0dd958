#!/usr/bin/env python3
"""The model card's way, for the CPU benchmark: transformers + PyTorch, one pair at a time.

  python models/card_way.py --checkpoint DIR --pairs PAIRS.jsonl [--threads 2] [--min-seconds 20]

For each pair (a JSON line with text, subject and object, offsets in code points, and the input_ids relstream
encoded), the way a user of the checkpoint would: mark the pair, tokenize it with the checkpoint's tokenizer,
and run the PyTorch model with batch 1. Prints one JSON line: pairs/s, the threads used, and how many pairs'
token ids equal relstream's (the TypeScript encoder must agree with the reference tokenizer).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relstream_model.checkpoint import load_checkpoint  # noqa: E402
from relstream_model.markers import encode_pair  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--pairs", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=20.0, help="repeat the pairs until this long has passed")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model, tokenizer, _, _ = load_checkpoint(args.checkpoint)
    model.eval()
    max_length = min(int(tokenizer.model_max_length), model.bert.config.max_position_embeddings)
    pairs = [json.loads(line) for line in Path(args.pairs).read_text().splitlines() if line.strip()]

    def classify(pair):
        encoded = encode_pair(tokenizer, pair["text"], pair["subject"], pair["object"], max_length)
        ids = torch.tensor([encoded["input_ids"]])
        with torch.no_grad():
            logits = model(ids, torch.ones_like(ids), torch.zeros_like(ids), torch.tensor([encoded["span_idxs"]]))
        return encoded, int(logits.argmax(dim=-1))

    matching = sum(classify(p)[0]["input_ids"] == p["input_ids"] for p in pairs[:50])  # also the warm-up
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.min_seconds:
        for pair in pairs:
            classify(pair)
            done += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"pairsPerSecond": done / seconds, "pairs": done, "seconds": round(seconds, 2), "threads": args.threads,
                      "idsMatchingRelstream": matching, "idsChecked": min(50, len(pairs)), "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
