"""Exports a training checkpoint (<work>/ckpt.pt) as a Hugging Face checkpoint directory, e.g. to try
the converter on a model that is still training, or to recover after a crash:

    /usr/bin/python3 tools/train/export.py --work tmp/default-model/train --out tmp/default-model/early

Writes model.safetensors, config.json and generation_config.json (train.py's export) and copies the
tokenizer files from --tokenizer.
"""

import argparse
import os
import shutil
import sys
from types import SimpleNamespace

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LlamaConfig, LlamaForCausalLM  # noqa: E402
from train import EOS_IDS, export  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--work", default="tmp/default-model/train")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", default="models/default")
    args = p.parse_args()
    ckpt = torch.load(os.path.join(args.work, "ckpt.pt"), map_location="cpu", weights_only=False)
    a = SimpleNamespace(**ckpt["history"]["args"])
    config = LlamaConfig(
        vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=a.ffn, num_hidden_layers=a.layers,
        num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, max_position_embeddings=a.context,
        eos_token_id=EOS_IDS, pad_token_id=0,
    )
    model = LlamaForCausalLM(config)
    model.load_state_dict(ckpt["model"])
    export(model, args.out, {"steps": ckpt["step"], "seed": a.seed})
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(args.tokenizer, name), os.path.join(args.out, name))
    print(f"step {ckpt['step']} -> {args.out}")


if __name__ == "__main__":
    main()
