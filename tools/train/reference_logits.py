"""Reference outputs of a checkpoint, for checking the converted ONNX model against PyTorch.

    /usr/bin/python3 tools/train/reference_logits.py --model models/default \
        --data tmp/default-model/corpus --out tmp/default-model/eval/reference.json [--prompts 4]

For the first --prompts JSON and SQL evaluation prompts, writes the prompt ids, the full logits of the
last position, the logits of every position at every 64th token id (0, 64, ..., so the file stays
small while every position is checked), and the greedy continuation (32 tokens).
tools/train/check-onnx.ts runs the ONNX model on the same prompts and compares.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_reference import load_model  # noqa: E402
from llama import greedy  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/default")
    p.add_argument("--data", default="tmp/default-model/corpus")
    p.add_argument("--out", default="tmp/default-model/eval/reference.json")
    p.add_argument("--prompts", type=int, default=4)
    p.add_argument("--greedy-tokens", type=int, default=32)
    p.add_argument("--columns", type=int, default=1, help="0: only the last position's logits (small fixtures)")
    args = p.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model)
    with open(os.path.join(args.model, "generation_config.json")) as f:
        eos = json.load(f)["eos_token_id"]
    eos = eos if isinstance(eos, list) else [eos]
    prompts = []
    for name in ("eval-json.ids.jsonl", "eval-sql.ids.jsonl"):
        with open(os.path.join(args.data, name)) as f:
            records = [json.loads(line) for line in f if line.strip()]
        prompts += [r["prompt_ids"] for r in records[: args.prompts]]
    out = []
    with torch.no_grad():
        for ids in prompts:
            logits = model(torch.tensor([ids]))[0]
            case = {"prompt_ids": ids, "last_logits": [float(x) for x in logits[-1]]}
            if args.columns:
                case["column_stride"] = 64
                case["column_logits"] = [[float(x) for x in row[::64]] for row in logits]
            case["greedy_ids"] = greedy(model, ids, eos, args.greedy_tokens)
            out.append(case)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"model": args.model, "eos_token_id": eos, "cases": out}, f)
    print(f"{len(out)} reference cases -> {args.out}")


if __name__ == "__main__":
    main()
