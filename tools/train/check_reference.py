"""Proves llama.py computes Hugging Face Llama's forward pass: loads ../shared/data/models/stories260K
(a real checkpoint in the HF layout) with safetensors_io.load_file and compares the logits after the
prompt with reference_greedy.json (an independent float64 forward pass), then the greedy text.

    /usr/bin/python3 tools/train/check_reference.py [--model ../shared/data/models/stories260K]

Prints the max |logit difference| and exits non-zero above 1e-4 or on a greedy mismatch.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LlamaConfig, LlamaForCausalLM, greedy  # noqa: E402
from safetensors_io import load_file  # noqa: E402


def load_model(directory: str) -> LlamaForCausalLM:
    with open(os.path.join(directory, "config.json")) as f:
        raw = json.load(f)
    fields = LlamaConfig.__dataclass_fields__
    config = LlamaConfig(**{k: v for k, v in raw.items() if k in fields})
    model = LlamaForCausalLM(config)
    state = load_file(os.path.join(directory, "model.safetensors"))
    if config.tie_word_embeddings:
        state.setdefault("lm_head.weight", state["model.embed_tokens.weight"])
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    model.eval()
    return model


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.path.join(here, "..", "..", "..", "shared", "data", "models", "stories260K"))
    args = parser.parse_args()
    model = load_model(args.model)
    with open(os.path.join(args.model, "reference_greedy.json")) as f:
        ref = json.load(f)
    ids = torch.tensor([ref["prompt_ids"]])
    with torch.no_grad():
        logits = model(ids)[0, -1]
    expected = torch.tensor(ref["last_position_logits_full"], dtype=torch.float32)
    diff = (logits - expected).abs().max().item()
    prompt = list(ref["prompt_ids"])
    continuation = greedy(model, prompt, [], len(ref["greedy_ids"]) - len(prompt))
    greedy_ok = prompt + continuation == ref["greedy_ids"]
    print(json.dumps({"max_abs_logit_diff": diff, "greedy_match": greedy_ok}))
    if diff > 1e-4 or not greedy_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
