"""Trains formwork's default model (tools/train/README.md has the full recipe).

    python3 tools/train/train.py --device cuda --data tmp/default-model/corpus-d --work tmp/default-model/train-d \
        --out models/default            # the shipped model's settings are the defaults

On a GPU (`--device cuda`) the steps run in bf16 autocast with fused causal attention (checked against
the explicit path first); the weights, optimizer and loss stay float32. On the CPU (the default device)
the same code runs in float32; there a smaller model and batch (--hidden 128 --layers 4 --heads 4
--kv-heads 2 --ffn 384 --batch-tokens 2048) and --deadline-minutes keep a run within a session.

Reads <data>/{train,valid}.tokens.u16 + .index.i32 (tools/tokenizer/encode-corpus.ts). Each document
is its own sequence starting at position 0 (no packing), exactly as a prompt is at inference; batches
group documents of similar length up to --batch-tokens (padding included). The loss covers the
assistant's answers of chat documents (the prompt is context, not a target) and all of plain documents.
AdamW, linear warmup then cosine decay to 10%, gradient clipping at 1.0. Deterministic from --seed
for a given --steps (the schedule is step-based, not time-based); a checkpoint every --ckpt-every
steps lets --resume continue a crashed run exactly.

Writes <out>/model.safetensors, config.json, generation_config.json and <work>/history.json (loss
curve), <work>/ckpt.pt.
"""

import argparse
import contextlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LlamaConfig, LlamaForCausalLM  # noqa: E402
from safetensors_io import save_file  # noqa: E402

EOS_IDS = [4, 0]  # <|end|> closes an answer, <|endoftext|> a plain document (CHAT_TOKENS order)


class Split:
    def __init__(self, directory: str, name: str):
        self.tokens = np.fromfile(os.path.join(directory, f"{name}.tokens.u16"), dtype="<u2")
        index = np.fromfile(os.path.join(directory, f"{name}.index.i32"), dtype="<i4").reshape(-1, 3)
        self.start, self.length, self.prompt = index[:, 0], index[:, 1], index[:, 2]

    def __len__(self) -> int:
        return len(self.start)

    def batch(self, docs: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded inputs and per-position loss weights (1 where the next token is a target)."""
        width = int(max(self.length[d] for d in docs))
        ids = np.zeros((len(docs), width), dtype=np.int64)
        weight = np.zeros((len(docs), width), dtype=np.float32)
        for row, d in enumerate(docs):
            n, p = int(self.length[d]), int(self.prompt[d])
            ids[row, :n] = self.tokens[self.start[d] : self.start[d] + n]
            # Position t predicts token t+1; targets are the tokens from the answer's start on.
            weight[row, max(p - 1, 0) : n - 1] = 1.0
        return torch.from_numpy(ids), torch.from_numpy(weight)

    def batches(self, seed: int, epoch: int, batch_tokens: int) -> list[list[int]]:
        """One epoch of length-bucketed batches, in an order fixed by (seed, epoch)."""
        rng = random.Random(seed * 1000003 + epoch)
        order = list(range(len(self)))
        rng.shuffle(order)
        out: list[list[int]] = []
        chunk = 4096
        for i in range(0, len(order), chunk):
            group = sorted(order[i : i + chunk], key=lambda d: int(self.length[d]))
            current: list[int] = []
            for d in group:
                width = max([int(self.length[d])] + [int(self.length[x]) for x in current[-1:]])
                if current and width * (len(current) + 1) > batch_tokens:
                    out.append(current)
                    current = []
                current.append(d)
            if current:
                out.append(current)
        rng.shuffle(out)
        return out


class Runtime:
    """Where the steps run: the device, bf16 autocast (GPU only) and fused causal attention
    (F.scaled_dot_product_attention, torch >= 2; checked against the explicit path before use)."""

    def __init__(self, device: str, bf16: bool, fused: bool):
        self.device = torch.device(device)
        self.bf16 = bf16
        self.fused = fused

    def autocast(self):
        if self.bf16:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()


def loss_of(model: LlamaForCausalLM, ids: torch.Tensor, weight: torch.Tensor, runtime: Runtime) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy over target positions, and their count. Only those positions go through
    lm_head: prompts are two thirds of a chat document, and the vocabulary projection is a third of a
    small model's work."""
    ids, weight = ids.to(runtime.device, non_blocking=True), weight.to(runtime.device, non_blocking=True)
    with runtime.autocast():
        hidden = model.hidden_states(ids, fused=runtime.fused)
        selected = weight.reshape(-1) > 0
        logits = model.lm_head(hidden.reshape(-1, hidden.shape[-1])[selected])
    targets = torch.roll(ids, -1, dims=1).reshape(-1)[selected]
    return F.cross_entropy(logits.float(), targets), selected.sum()


def check_fused_attention(model: LlamaForCausalLM, split: "Split", runtime: Runtime) -> bool:
    """The fused kernel must give the explicit path's hidden states (float32, one real batch); when it
    does not, or torch has no such kernel, training falls back to the explicit path."""
    if not hasattr(F, "scaled_dot_product_attention"):
        return False
    ids, _ = split.batch(list(range(min(8, len(split)))))
    ids = ids.to(runtime.device)
    with torch.no_grad():
        explicit = model.hidden_states(ids)
        try:
            fused = model.hidden_states(ids, fused=True)
        except Exception as error:  # noqa: BLE001 - any failure means: do not use it
            print(f"fused attention unavailable ({error}); using the explicit path", flush=True)
            return False
    gap = float((explicit - fused).abs().max())
    print(f"fused attention vs explicit: max |diff| {gap:.2e}", flush=True)
    return gap < 1e-3


@torch.no_grad()
def evaluate(model: LlamaForCausalLM, split: Split, batch_tokens: int, runtime: Runtime, limit: int | None = None) -> float:
    """Mean loss per target token over the first `limit` documents (all by default)."""
    model.eval()
    total_loss, total_tokens = 0.0, 0.0
    for docs in split.batches(0, 0, batch_tokens):
        docs = [d for d in docs if limit is None or d < limit]
        if not docs:
            continue
        ids, weight = split.batch(docs)
        loss, n = loss_of(model, ids, weight, runtime)
        total_loss += float(loss) * float(n)
        total_tokens += float(n)
    model.train()
    return total_loss / max(total_tokens, 1.0)


def lr_at(step: int, args) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def export(model: LlamaForCausalLM, out: str, meta: dict) -> None:
    os.makedirs(out, exist_ok=True)
    state = model.state_dict()
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt", **meta})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(model.config.to_hf(), f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": EOS_IDS, "pad_token_id": 0, "do_sample": False, "max_new_tokens": 256}, f, indent=2)
        f.write("\n")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="tmp/default-model/corpus")
    p.add_argument("--work", default="tmp/default-model/train")
    p.add_argument("--out", default="models/default")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=512)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--context", type=int, default=512)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch-tokens", type=int, default=65536)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, or cuda for a GPU (bf16 autocast, fused attention)")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-docs", type=int, default=300, help="valid documents in periodic evaluations (all at the end)")
    p.add_argument("--ckpt-every", type=int, default=50)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--deadline-minutes", type=float, default=0,
                   help="if > 0: when the projected end passes this wall-clock budget, shorten --steps "
                        "(the cosine schedule is re-planned to end on time; logged in history.json)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--bench", type=int, default=0, help="time this many steps, print tokens/s, exit")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = LlamaConfig(
        vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.ffn, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, num_key_value_heads=args.kv_heads, max_position_embeddings=args.context,
        eos_token_id=EOS_IDS, pad_token_id=0,
    )
    model = LlamaForCausalLM(config)
    train, valid = Split(args.data, "train"), Split(args.data, "valid")
    on_gpu = args.device.startswith("cuda")
    runtime = Runtime(args.device, bf16=on_gpu, fused=False)
    model.to(runtime.device)
    if on_gpu:
        runtime.fused = check_fused_attention(model, valid, runtime)  # in full float32, before TF32 is on
        torch.backends.cuda.matmul.allow_tf32 = True
    decay = [p_ for n, p_ in model.named_parameters() if p_.dim() >= 2 and "embed_tokens" not in n]
    no_decay = [p_ for n, p_ in model.named_parameters() if p_.dim() < 2 or "embed_tokens" in n]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
    )
    os.makedirs(args.work, exist_ok=True)
    ckpt_path = os.path.join(args.work, "ckpt.pt")
    history: dict = {"args": vars(args), "parameters": model.num_parameters(), "train": [], "valid": [],
                     "device": torch.cuda.get_device_name(runtime.device) if on_gpu else "cpu",
                     "fused_attention": runtime.fused, "torch": torch.__version__}
    step, epoch, position, trained_tokens, elapsed_before = 0, 0, 0, 0, 0.0
    if args.resume and os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location=runtime.device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step, epoch, position = ckpt["step"], ckpt["epoch"], ckpt["position"]
        trained_tokens, elapsed_before, history = ckpt["tokens"], ckpt["elapsed"], ckpt["history"]
        torch.set_rng_state(ckpt["torch_rng"].cpu())
        if history.get("replans"):
            args.steps = min(args.steps, history["replans"][-1][2])
        print(f"resumed at step {step} (epoch {epoch}, batch {position})", flush=True)
    print(f"model: {model.num_parameters():,} parameters; train {len(train)} docs / {len(train.tokens):,} tokens; "
          f"valid {len(valid)} docs", flush=True)

    plan = train.batches(args.seed, epoch, args.batch_tokens)
    started = time.time()
    window_tokens, window_start = 0, time.time()
    while step < args.steps:
        if position >= len(plan):
            epoch, position = epoch + 1, 0
            plan = train.batches(args.seed, epoch, args.batch_tokens)
        ids, weight = train.batch(plan[position])
        position += 1
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args)
        loss, _ = loss_of(model, ids, weight, runtime)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        trained_tokens += int(ids.numel())
        window_tokens += int(ids.numel())
        if args.bench and step == args.bench:
            dt = time.time() - started
            print(json.dumps({"bench_steps": step, "seconds": dt, "tokens_per_s": trained_tokens / dt,
                              "s_per_step": dt / step, "parameters": model.num_parameters()}), flush=True)
            return
        if step % args.log_every == 0:
            now = time.time()
            rate = window_tokens / (now - window_start)
            elapsed = elapsed_before + now - started
            history["train"].append([step, loss.item(), elapsed])
            print(f"step {step}/{args.steps} epoch {epoch} loss {loss.item():.4f} lr {lr_at(step, args):.2e} "
                  f"{rate:.0f} tok/s elapsed {elapsed / 60:.1f} min", flush=True)
            window_tokens, window_start = 0, now
        if args.deadline_minutes > 0 and step % 50 == 0 and step > args.warmup:
            # Shared CPUs slow down and speed up; a run must still end (decayed) within its budget.
            # Projected from the pace of the whole run so far (evaluations included).
            elapsed = elapsed_before + time.time() - started
            pace = elapsed / step
            budget = args.deadline_minutes * 60
            if elapsed + (args.steps - step) * pace > budget:
                planned = max(step + 1, step + int((budget - elapsed) / pace))
                if planned < args.steps:
                    print(f"re-plan at step {step}: {args.steps} -> {planned} steps to end within "
                          f"{args.deadline_minutes:.0f} min", flush=True)
                    history.setdefault("replans", []).append([step, args.steps, planned])
                    args.steps = planned
        if step % args.eval_every == 0 or step == args.steps:
            v = evaluate(model, valid, args.batch_tokens, runtime, args.eval_docs)
            history["valid"].append([step, v, elapsed_before + time.time() - started])
            print(f"valid step {step} loss {v:.4f} (first {args.eval_docs} documents)", flush=True)
        if step % args.ckpt_every == 0 or step == args.steps:
            tmp = ckpt_path + ".tmp"
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "epoch": epoch,
                        "position": position, "tokens": trained_tokens, "elapsed": elapsed_before + time.time() - started,
                        "history": history, "torch_rng": torch.get_rng_state()}, tmp)
            os.replace(tmp, ckpt_path)
            with open(os.path.join(args.work, "history.json"), "w") as f:
                json.dump(history, f)

    history["valid_full"] = evaluate(model, valid, args.batch_tokens, runtime)
    print(f"valid loss over all {len(valid)} documents: {history['valid_full']:.4f}", flush=True)
    history["train_tokens"] = trained_tokens
    history["wall_seconds"] = elapsed_before + time.time() - started
    with open(os.path.join(args.work, "history.json"), "w") as f:
        json.dump(history, f)
    export(model, args.out, {"steps": step, "seed": args.seed})
    print(f"done: {step} steps, {trained_tokens:,} tokens (padding included), "
          f"{history['wall_seconds'] / 60:.1f} min -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
