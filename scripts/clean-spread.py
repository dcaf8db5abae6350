#!/usr/bin/env python3
"""How much the cleaning F1 on the Zyte pages says about other pages.

    python3 scripts/clean-spread.py OUT [GOLD_DIR]

OUT holds the records of `winnow process ../shared/corpus/boilerplate/zyte/page-text --out OUT`. Scores each page
with ../shared/tools/score_clean.py (the same metric), then prints the macro F1, the spread of the per-page F1,
a 95 % bootstrap interval over pages (5,000 draws, fixed seed), the two halves of the set by file name, and the
worst pages.
"""
import glob
import importlib.util
import os
import random
import statistics
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.path.join(root, "..", "shared")
spec = importlib.util.spec_from_file_location("score_clean", os.path.join(shared, "tools", "score_clean.py"))
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)

out = sys.argv[1]
gold_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(shared, "corpus", "boilerplate", "zyte", "gold-text")
gold = {}
for name in os.listdir(gold_dir):
    if name.endswith(".txt"):
        with open(os.path.join(gold_dir, name), encoding="utf-8", errors="replace") as f:
            gold[score.stem(name)] = f.read()
predicted = score.load_jsonl(glob.glob(os.path.join(out, "*.jsonl.gz")))
pages = {}
for key in sorted(gold):
    row = score.prf(predicted.get(key, ""), gold[key])
    if row:
        pages[key] = row[2]

f1 = list(pages.values())
print(f"pages {len(f1)}  macro F1 {statistics.mean(f1):.4f}  median {statistics.median(f1):.3f}  "
      f"at least 0.90: {sum(x >= 0.9 for x in f1)}  below 0.5: {sum(x < 0.5 for x in f1)}")
rng = random.Random(1)
draws = sorted(statistics.mean(rng.choices(f1, k=len(f1))) for _ in range(5000))
print(f"bootstrap 95 % interval {draws[125]:.3f} - {draws[4874]:.3f}")
keys = sorted(pages)
half = len(keys) // 2
print(f"halves by name {statistics.mean(pages[k] for k in keys[:half]):.4f} "
      f"{statistics.mean(pages[k] for k in keys[half:]):.4f}")
for key in sorted(pages, key=pages.get)[:5]:
    print(f"  {pages[key]:.3f} {key}")
