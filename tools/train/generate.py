"""Greedy, unconstrained generations of a trained checkpoint for the held-out evaluation prompts.

    /usr/bin/python3 tools/train/generate.py --model models/default --data tmp/default-model/corpus \
        --out tmp/default-model/eval/pytorch.jsonl [--limit 0]

Reads <data>/eval-json.ids.jsonl and eval-sql.ids.jsonl (prompts tokenized by encode-corpus.ts) and
writes one line per prompt: {id, ids} (the generated token ids, EOS included when reached). Scoring
(ajv validity, SQL execution) is TypeScript: tools/train/score-eval.ts.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_reference import load_model  # noqa: E402
from llama import greedy  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="models/default")
    p.add_argument("--data", default="tmp/default-model/corpus")
    p.add_argument("--out", default="tmp/default-model/eval/pytorch.jsonl")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--limit", type=int, default=0, help="prompts per file (0 = all)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sets", default="json,sql", help="which evaluation files: json, sql or both")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    with open(os.path.join(args.model, "generation_config.json")) as f:
        eos = json.load(f)["eos_token_id"]
    eos = eos if isinstance(eos, list) else [eos]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    started = time.time()
    count = 0
    with open(args.out, "w") as out:
        for name in [f"eval-{kind}.ids.jsonl" for kind in args.sets.split(",")]:
            with open(os.path.join(args.data, name)) as f:
                records = [json.loads(line) for line in f if line.strip()]
            if args.limit:
                records = records[: args.limit]
            for r in records:
                ids = greedy(model, r["prompt_ids"], eos, args.max_new_tokens)
                out.write(json.dumps({"id": r["id"], "ids": ids}) + "\n")
                count += 1
    print(f"{count} generations in {time.time() - started:.0f} s -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
