#!/usr/bin/env python3
"""Draws Benchmarks/throughput.svg: Winnow's stages next to the peers, MB/s on a log scale.

    winnow bench FILE --json > Benchmarks/results/winnow-bench.json
    .venv-peers/bin/python ../shared/tools/peers/bench.py FILE ... > Benchmarks/results/peers.txt
    python3 Benchmarks/chart.py Benchmarks/results/winnow-bench.json Benchmarks/results/peers.txt Benchmarks/throughput.svg

Standard library only, so it runs anywhere.
"""
import json
import math
import sys

winnow_path, peers_path, out_path = sys.argv[1:4]
winnow = json.load(open(winnow_path))
rows = []  # (group, label, MB/s, is_winnow)
labels = {
    "tokenize": ("tokens", "Winnow tokenize (UAX #29 + entities)"),
    "segment": ("tokens", "Winnow UAX #29 word segments"),
    "sentences": ("sentences", "Winnow sentences"),
    "clean": ("cleaning", "Winnow clean"),
    "analyze": ("cleaning", "Winnow analyze"),
    "pipeline": ("pipeline", "Winnow pipeline (1 core, no compression)"),
    "gzip": ("compression", "Winnow gzip level 6 (zlib, 1 core)"),
    "end_to_end": ("compression", "Winnow end to end (2 cores, level 6)"),
}
for stage in winnow["stages"]:
    if stage["stage"] in labels:
        group, label = labels[stage["stage"]]
        rows.append((group, label, float(stage["mb_per_s"]), True))
peer_groups = {
    "blingfire.text_to_words": "tokens", "regex.findall": "tokens", "hf.BertPreTokenizer": "tokens",
    "uniseg.words": "tokens", "nltk.TreebankWordTokenizer": "tokens", "spacy.blank_en.tokenizer": "tokens",
    "blingfire.text_to_sentences": "sentences", "pysbd.Segmenter": "sentences", "syntok.segmenter": "sentences",
    "py.zlib-6": "compression", "cli.gzip-6": "compression", "cli.pigz-p2-6": "compression",
}
for line in open(peers_path):
    parts = line.split()
    if len(parts) > 2 and parts[0] in peer_groups:
        try:
            rows.append((peer_groups[parts[0]], parts[0], float(parts[1]), False))
        except ValueError:
            pass
order = ["tokens", "sentences", "cleaning", "pipeline", "compression"]
rows.sort(key=lambda r: (order.index(r[0]), -r[2]))

width, left, bar_h, gap = 980, 330, 18, 6
top = 50
height = top + len(rows) * (bar_h + gap) + len(order) * 14 + 40
lo, hi = 0.01, 2000.0
def x(v):
    return left + (width - left - 40) * (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<rect width="{width}" height="{height}" fill="white"/>',
       f'<text x="8" y="24" font-size="15" font-weight="bold">Throughput on the BBC news set (5.0 MB), MB/s, log scale; Winnow in orange, peers in blue; one machine, one session</text>']
for tick in [0.01, 0.1, 1, 10, 100, 1000]:
    svg.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{height - 30}" stroke="#ddd"/>')
    svg.append(f'<text x="{x(tick):.1f}" y="{height - 14}" text-anchor="middle" fill="#555">{tick:g}</text>')
y = top
group = None
for g, label, value, ours in rows:
    if g != group:
        group = g
        svg.append(f'<text x="8" y="{y + 10}" font-weight="bold" fill="#333">{g}</text>')
        y += 14
    colour = "#d9480f" if ours else "#4c6ef5"
    svg.append(f'<text x="{left - 8}" y="{y + bar_h - 5}" text-anchor="end">{label}</text>')
    svg.append(f'<rect x="{left}" y="{y}" width="{max(1, x(value) - left):.1f}" height="{bar_h}" fill="{colour}"/>')
    svg.append(f'<text x="{x(value) + 4:.1f}" y="{y + bar_h - 5}" fill="#333">{value:g}</text>')
    y += bar_h + gap
svg.append("</svg>")
open(out_path, "w").write("\n".join(svg) + "\n")
print(f"wrote {out_path} with {len(rows)} bars")
