"""A tiny random checkpoint written exactly as train.py writes the default model, plus PyTorch's logits
for one prompt: the fixture of test/tools/train/pipeline.test.ts, which converts it with formwork's
converter and compares the ONNX logits (the whole PyTorch -> safetensors -> ONNX path in seconds).

    /usr/bin/python3 tools/train/tiny_fixture.py OUT_DIR [--seed 3]

Writes two checkpoints, OUT_DIR/tied and OUT_DIR/untied (embeddings tied to lm_head or not), each
with model.safetensors, config.json, generation_config.json and expected.json
({prompt_ids, logits: [[...] per position], tensors: {name: first 4 values}}).
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LlamaConfig, LlamaForCausalLM  # noqa: E402
from train import EOS_IDS, export  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--vocab", type=int, default=4096)
    args = p.parse_args()
    for tied in (True, False):
        write(os.path.join(args.out, "tied" if tied else "untied"), tied, args.seed, args.vocab)


def write(out: str, tied: bool, seed: int, vocab: int) -> None:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         tie_word_embeddings=tied, eos_token_id=EOS_IDS, pad_token_id=0)
    model = LlamaForCausalLM(config)
    # Larger weights than the training init, so that every part of the network moves the logits.
    with torch.no_grad():
        for param in model.parameters():
            param.normal_(0.0, 0.3)
    model.eval()
    export(model, out, {"fixture": "tiny"})
    prompt = [1, 2, 77, 1000, vocab - 1, 3, 4, 0, 42]
    with torch.no_grad():
        logits = model(torch.tensor([prompt]))[0]
    state = model.state_dict()
    expected = {
        "prompt_ids": prompt,
        "logits": [[float(x) for x in row] for row in logits],
        "tensors": {k: [float(x) for x in v.flatten()[:4]] for k, v in state.items()
                    if not (config.tie_word_embeddings and k == "lm_head.weight")},
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
