"""The default model's architecture: exactly Hugging Face's LlamaForCausalLM forward pass.

RMSNorm with eps (computed in float32), rotate_half RoPE with theta applied to q and k, grouped-query
attention (k/v heads repeated), causal softmax attention scaled by 1/sqrt(head_dim), SwiGLU MLP,
pre-norm residual blocks, final norm, lm_head (tied to the embedding when tie_word_embeddings).
Parameter names are HF's, so the state dict is the checkpoint layout that formwork's converter
(src/engine/convert/) and transformers both read.
"""

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 4096
    hidden_size: int = 256
    intermediate_size: int = 688
    num_hidden_layers: int = 6
    num_attention_heads: int = 8
    num_key_value_heads: int = 4
    max_position_embeddings: int = 512
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    bos_token_id: int | None = None
    eos_token_id: list[int] | int = 4
    pad_token_id: int | None = 0

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def to_hf(self) -> dict:
        """config.json as transformers writes it for LlamaForCausalLM."""
        d = asdict(self)
        d.update(
            architectures=["LlamaForCausalLM"],
            model_type="llama",
            head_dim=self.head_dim,
            hidden_act="silu",
            rope_scaling=None,
            attention_bias=False,
            attention_dropout=0.0,
            mlp_bias=False,
            initializer_range=0.02,
            torch_dtype="float32",
            use_cache=True,
        )
        return d


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_tables(config: LlamaConfig, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of shape [..., seq, head_dim] for the given integer positions (HF default RoPE)."""
    dim = config.head_dim
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64, device=positions.device).float() / dim))
    freqs = positions.float()[..., None] * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.config = config
        h, d = config.num_attention_heads, config.head_dim
        kv = config.num_key_value_heads
        self.q_proj = nn.Linear(config.hidden_size, h * d, bias=False)
        self.k_proj = nn.Linear(config.hidden_size, kv * d, bias=False)
        self.v_proj = nn.Linear(config.hidden_size, kv * d, bias=False)
        self.o_proj = nn.Linear(h * d, config.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor | None, cache: list | None = None) -> torch.Tensor:
        """mask None means plain causal attention through F.scaled_dot_product_attention (training on a
        GPU: the fused kernel; the same function, checked against the explicit path in train.py)."""
        b, t, _ = x.shape
        c = self.config
        h, kv, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        q = self.q_proj(x).view(b, t, h, d).transpose(1, 2)
        k = self.k_proj(x).view(b, t, kv, d).transpose(1, 2)
        v = self.v_proj(x).view(b, t, kv, d).transpose(1, 2)
        cos, sin = cos.unsqueeze(1).to(q.dtype), sin.unsqueeze(1).to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            # cache = [past_k, past_v] (post-RoPE, before repeat), extended in place.
            if cache[0] is not None:
                k = torch.cat((cache[0], k), dim=2)
                v = torch.cat((cache[1], v), dim=2)
            cache[0], cache[1] = k, v
        if kv != h:
            k = k.repeat_interleave(h // kv, dim=1)
            v = v.repeat_interleave(h // kv, dim=1)
        if mask is None:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, h * d)
            return self.o_proj(out)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h * d)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.self_attn = Attention(config)
        self.mlp = MLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(self, x, cos, sin, mask, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(config) for _ in range(config.num_hidden_layers)])
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.config = config
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.apply(self._init)
        # GPT-2 / Llama practice: scale the residual output projections down with depth.
        for name, p in self.named_parameters():
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.num_hidden_layers))
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [batch, seq, vocab]. attention_mask (1 = token, 0 = left padding) as in HF."""
        return self.lm_head(self.hidden_states(input_ids, attention_mask))

    def hidden_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, fused: bool = False) -> torch.Tensor:
        """The final-norm hidden states [batch, seq, hidden] (training projects only the targets).
        fused: causal attention by F.scaled_dot_product_attention (torch >= 2; no attention_mask)."""
        b, t = input_ids.shape
        device = input_ids.device
        if attention_mask is None:
            positions = torch.arange(t, device=device).expand(b, t)
        else:
            positions = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        cos, sin = rope_tables(self.config, positions)
        mask = None
        if not fused:
            mask = torch.full((t, t), float("-inf"), device=device).triu(1)[None, None, :, :]
        elif attention_mask is not None:
            raise ValueError("fused attention takes no attention_mask (right padding only)")
        if attention_mask is not None:
            pad = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
            mask = mask + pad
        x = self.model.embed_tokens(input_ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        return self.model.norm(x)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in {id(p): p for p in self.parameters()}.values())


@torch.no_grad()
def greedy(model: LlamaForCausalLM, prompt: list[int], eos_ids: list[int], max_new_tokens: int) -> list[int]:
    """Greedy continuation of one prompt with a KV cache (the new tokens, EOS included if reached)."""
    config = model.config
    caches = [[None, None] for _ in model.model.layers]
    ids = torch.tensor([prompt])
    out: list[int] = []
    past = 0
    for _ in range(max_new_tokens):
        t = ids.shape[1]
        if past + t > config.max_position_embeddings:
            break
        positions = torch.arange(past, past + t)[None, :]
        cos, sin = rope_tables(config, positions)
        mask = torch.full((t, past + t), float("-inf")).triu(past + 1)[None, None]
        x = model.model.embed_tokens(ids)
        for layer, cache in zip(model.model.layers, caches):
            x = layer(x, cos, sin, mask, cache)
        logits = model.lm_head(model.model.norm(x[:, -1]))
        token = int(logits[0].argmax())
        out.append(token)
        if token in eos_ids:
            break
        past += t
        ids = torch.tensor([[token]])
    return out
