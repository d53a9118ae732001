"""Plain PyTorch eager training loop of a MusicGen-shaped decoder, the baseline for `retune bench train`.

Same shapes as Retune's presets (tiny / small), same batch, same thread count, random tokens, AdamW, clip 1.0. Only
the decoder LM trains. By default the text conditioning is a fixed random tensor; with --text-encoder each step also
runs, as Retune's does, a frozen T5-shaped encoder (the preset's width, layers, heads and ReLU feed-forward, a learned
[H, L, L] position bias in place of T5's bucketed one) under no_grad, then the trainable projection to the decoder's
width. Run with Debian's python3-torch:

    /usr/bin/python3 docs/bench/pytorch_baseline.py --preset tiny --batch 4 --seconds 3 --steps 20 --threads 2 [--bf16] [--text-encoder]

Debian's python3-torch links the system BLAS: install libopenblas0-pthread too, or the netlib reference BLAS that apt
may pick instead runs the tiny fp32 step 8x slower (measured: 407 against 52 ms). For a fair comparison give it the
environment the retune launcher sets (MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864
OMP_WAIT_POLICY=PASSIVE; docs/benchmarks.md, "Training step speed").
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # hidden, layers, heads, ffn, vocab, text width
    "tiny": (64, 2, 4, 256, 256, 64),
    "small": (1024, 24, 16, 4096, 2048, 1024),
}
T5 = {  # width, key/value width per head, ffn, layers, heads (Retune's T5Config of the preset: tiny, t5-base)
    "tiny": (32, 8, 64, 2, 4),
    "small": (768, 64, 3072, 12, 12),
}
TEXT_TOKENS = 10
TEXT_VOCAB = 32128


class T5Norm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-6)).type_as(x)


class T5Layer(nn.Module):
    def __init__(self, d, dkv, ffn, heads):
        super().__init__()
        self.heads, self.dkv = heads, dkv
        self.n1, self.n2 = T5Norm(d), T5Norm(d)
        self.q, self.k, self.v = (nn.Linear(d, heads * dkv, bias=False) for _ in range(3))
        self.o = nn.Linear(heads * dkv, d, bias=False)
        self.wi, self.wo = nn.Linear(d, ffn, bias=False), nn.Linear(ffn, d, bias=False)

    def forward(self, x, bias):
        b, l, _ = x.shape
        h = self.n1(x)
        split = lambda t: t.view(b, l, self.heads, self.dkv).transpose(1, 2)
        scores = split(self.q(h)) @ split(self.k(h)).transpose(-1, -2) + bias  # T5: no 1/sqrt(d) scaling
        out = (scores.float().softmax(-1).type_as(scores) @ split(self.v(h))).transpose(1, 2).reshape(b, l, -1)
        x = x + self.o(out)
        return x + self.wo(F.relu(self.wi(self.n2(x))))


class TextEncoder(nn.Module):
    """A frozen T5-shaped encoder and the trainable projection to the decoder's width."""

    def __init__(self, preset, hidden):
        super().__init__()
        d, dkv, ffn, layers, heads = T5[preset]
        self.embed = nn.Embedding(TEXT_VOCAB, d)
        self.bias = nn.Parameter(torch.zeros(1, heads, TEXT_TOKENS, TEXT_TOKENS))
        self.layers = nn.ModuleList(T5Layer(d, dkv, ffn, heads) for _ in range(layers))
        self.norm = T5Norm(d)
        for p in self.parameters():
            p.requires_grad_(False)
        self.project = nn.Linear(d, hidden)

    def forward(self, ids):
        with torch.no_grad():
            x = self.embed(ids)
            for layer in self.layers:
                x = layer(x, self.bias)
            x = self.norm(x)
        return self.project(x)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))

    def forward(self, x, memory, causal):
        b, s, d = x.shape
        split = lambda t: t.view(b, -1, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(memory)), split(self.v(memory))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        if causal:
            scores = scores.masked_fill(torch.ones(s, s, dtype=torch.bool).triu(1), float("-inf"))
        out = scores.softmax(-1) @ v
        return self.o(out.transpose(1, 2).reshape(b, s, d))


class Layer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross_attn = Attention(d, heads), Attention(d, heads)
        self.fc1, self.fc2 = nn.Linear(d, ffn, bias=False), nn.Linear(ffn, d, bias=False)

    def forward(self, x, text):
        h = self.n1(x)
        x = x + F.dropout(self.self_attn(h, h, True), 0.1, self.training)
        x = x + F.dropout(self.cross_attn(self.n2(x), text, False), 0.1, self.training)
        return x + F.dropout(self.fc2(F.gelu(self.fc1(self.n3(x)))), 0.1, self.training)


class Decoder(nn.Module):
    def __init__(self, d, layers, heads, ffn, vocab, codebooks=4):
        super().__init__()
        self.embed = nn.ModuleList(nn.Embedding(vocab + 1, d) for _ in range(codebooks))
        self.layers = nn.ModuleList(Layer(d, heads, ffn) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.heads = nn.ModuleList(nn.Linear(d, vocab, bias=False) for _ in range(codebooks))

    def forward(self, ids, text):
        x = sum(e(ids[:, k]) for k, e in enumerate(self.embed))
        for layer in self.layers:
            x = layer(x, text)
        x = self.norm(x)
        return torch.stack([h(x) for h in self.heads], 1)  # [B, K, S, V]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="tiny", choices=PRESETS)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--text-encoder", action="store_true", help="run a frozen T5-shaped encoder every step, as Retune does")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    d, layers, heads, ffn, vocab, _ = PRESETS[a.preset]
    torch.manual_seed(0)
    model = Decoder(d, layers, heads, ffn, vocab).train()
    encoder = TextEncoder(a.preset, d).train() if a.text_encoder else None
    trainable = list(model.parameters()) + ([p for p in encoder.parameters() if p.requires_grad] if encoder else [])
    opt = torch.optim.AdamW(trainable, lr=1e-4)
    steps = round(a.seconds * 50) + 3
    ids = torch.randint(0, vocab, (a.batch, 4, steps))
    text = torch.randn(a.batch, TEXT_TOKENS, d)
    text_ids = torch.randint(0, TEXT_VOCAB, (a.batch, TEXT_TOKENS))
    times = []
    for i in range(a.steps + 2):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            logits = model(ids, encoder(text_ids) if encoder else text)
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), ids.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - start)
    ms = statistics.median(times) * 1000
    tokens = a.batch * 4 * (steps - 3)
    print(f"| {a.preset} | {'bf16' if a.bf16 else 'fp32'} | PyTorch {torch.__version__} eager{' + T5' if encoder else ''} | {torch.get_num_threads()} "
          f"| {ms:.0f} | {tokens / (ms / 1000):.0f} |")


if __name__ == "__main__":
    main()
