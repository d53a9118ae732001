"""Plain PyTorch eager training loop of a MusicGen-shaped decoder, the baseline for `retune bench train`.

Same shapes as Retune's presets (tiny / small), same batch, same thread count, random tokens, AdamW, clip 1.0. Only
the decoder LM trains; the text conditioning is a fixed random tensor (Retune's step also runs the frozen T5 encoder,
which is cheap next to the decoder). Run with Debian's python3-torch:

    /usr/bin/python3 docs/bench/pytorch_baseline.py --preset tiny --batch 4 --seconds 3 --steps 20 --threads 2 [--bf16]
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
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    d, layers, heads, ffn, vocab, _ = PRESETS[a.preset]
    torch.manual_seed(0)
    model = Decoder(d, layers, heads, ffn, vocab).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    steps = round(a.seconds * 50) + 3
    ids = torch.randint(0, vocab, (a.batch, 4, steps))
    text = torch.randn(a.batch, 10, d)
    times = []
    for i in range(a.steps + 2):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            logits = model(ids, text)
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), ids.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - start)
    ms = statistics.median(times) * 1000
    tokens = a.batch * 4 * (steps - 3)
    print(f"| {a.preset} | {'bf16' if a.bf16 else 'fp32'} | PyTorch {torch.__version__} eager | {torch.get_num_threads()} "
          f"| {ms:.0f} | {tokens / (ms / 1000):.0f} |")


if __name__ == "__main__":
    main()
