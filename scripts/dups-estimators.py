#!/usr/bin/env python3
"""Compares similarity estimators of the same size on the gold pairs of ../shared/corpus/neardup (J >= 0.5).

For each of N random hash functions (numpy's generator, seeds 0..N-1) every shingle gets a random 64-bit value,
and each estimator is asked, for every gold pair, whether J >= 0.8; the script prints the mean number of pairs it
gets wrong on each side and the root-mean-square error for pairs with J in [0.7, 0.9]:

    python3 scripts/dups-estimators.py [saudi-dev|bbc] [N]     # needs: pip install numpy regex

Words and shingles are the gold's (../shared/corpus/neardup/README.md): \\w+ of the lower-cased text, 5-grams. The
estimators mirror DuplicateSignature: one-permutation MinHash with B bins of b bits (0 = empty) and the
estimator over bins filled in either text, corrected for chance agreement; and the odd sketch of m bits over the
shingles as they occur (a repeated shingle flips its bit twice), with the texts' shingle counts.
"""
import json
import os
import sys

import numpy as np
import regex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
WORD = regex.compile(r"\w+")


def load(set_name):
    texts = {}
    if set_name == "saudi-dev":
        for day in ("22", "23"):
            name = f"saudinewsnet-2015-07-{day}.jsonl"
            with open(os.path.join(CORPUS, "multilingual", "arabic", name), encoding="utf-8") as f:
                for i, line in enumerate(f):
                    texts[f"{name}#{i}"] = json.loads(line).get("content") or ""
    else:
        folder = os.path.join(CORPUS, "clean", "bbc")
        for category in sorted(c for c in os.listdir(folder) if os.path.isdir(os.path.join(folder, c))):
            for name in sorted(os.listdir(os.path.join(folder, category))):
                with open(os.path.join(folder, category, name), encoding="utf-8", errors="replace") as f:
                    texts[f"{category}/{name}"] = f.read().split("\n", 1)[-1]
    pairs = []
    with open(os.path.join(CORPUS, "neardup", f"{set_name}-pairs.tsv")) as f:
        for line in f:
            if line.startswith("id_a"):
                continue
            a, b, _, inter, union = line.rstrip("\n").split("\t")[:5]
            pairs.append((a, b, int(inter) / int(union)))
    return texts, pairs


def main():
    set_name = sys.argv[1] if len(sys.argv) > 1 else "saudi-dev"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    texts, pairs = load(set_name)
    docs = sorted({d for p in pairs for d in p[:2]})
    vocabulary, sequences = {}, {}
    for d in docs:
        words = WORD.findall(texts[d].lower())
        shingles = [" ".join(words)] if len(words) < 5 else [" ".join(words[i:i + 5]) for i in range(len(words) - 4)]
        sequences[d] = np.array([vocabulary.setdefault(s, len(vocabulary)) for s in shingles], dtype=np.int64)

    def minhash(ids, values, bins, bits):
        h = values[ids]
        which = (h >> np.uint64(40)).astype(np.int64) * bins >> 24
        order = np.lexsort((h, which))
        which, h = which[order], h[order]
        first = np.ones(len(which), bool)
        first[1:] = which[1:] != which[:-1]
        sketch = np.zeros(bins, np.int64)
        sketch[which[first]] = 1 + ((h[first] & np.uint64(0xFFFF)).astype(np.int64) * (2 ** bits - 1) >> 16)
        return sketch

    def minhash_similarity(a, b, bits):
        either = np.count_nonzero((a != 0) | (b != 0))
        both = np.count_nonzero((a != 0) & (b != 0))
        equal = np.count_nonzero((a != 0) & (a == b))
        chance = 1 / (2 ** bits - 1)
        return min(1, max(0, (equal - chance * both) / (1 - chance)) / either) if either else 0

    def odd(ids, values, m):
        where = ((values[ids] >> np.uint64(40)).astype(np.int64) * m) >> 24
        sketch = np.zeros(m, np.uint8)
        np.bitwise_xor.at(sketch, where, 1)
        return sketch, len(ids)

    def odd_similarity(a, b, m):
        unflipped = 1 - 2 * np.count_nonzero(a[0] != b[0]) / m
        if unflipped <= 0:
            return 0
        difference = -m / 2 * np.log(unflipped)
        total = a[1] + b[1]
        return max(0, min(1, (total - difference) / (total + difference)))

    estimators = {
        "MinHash 256 bins x 4 bits (128 B)": (lambda ids, v: minhash(ids, v, 256, 4), lambda a, b: minhash_similarity(a, b, 4)),
        "MinHash 512 bins x 2 bits (128 B)": (lambda ids, v: minhash(ids, v, 512, 2), lambda a, b: minhash_similarity(a, b, 2)),
        "MinHash 64 bins x 4 bits (32 B)": (lambda ids, v: minhash(ids, v, 64, 4), lambda a, b: minhash_similarity(a, b, 4)),
        "odd sketch 752 bits + counts (96 B)": (lambda ids, v: odd(ids, v, 752), lambda a, b: odd_similarity(a, b, 752)),
    }
    print(f"{set_name}: {len(pairs)} gold pairs with J >= 0.5, {sum(j >= 0.8 for *_, j in pairs)} at J >= 0.8; {runs} hash functions")
    for name, (sketch, similarity) in estimators.items():
        results = []
        for seed in range(runs):
            rng = np.random.default_rng(seed)
            values = rng.integers(0, 2 ** 63, size=len(vocabulary), dtype=np.int64).astype(np.uint64) * np.uint64(2)
            sketches = {d: sketch(sequences[d], values) for d in docs}
            missed = wrong = 0
            squared = []
            for a, b, j in pairs:
                estimate = similarity(sketches[a], sketches[b])
                missed += j >= 0.8 and estimate < 0.8
                wrong += j < 0.8 and estimate >= 0.8
                if 0.7 <= j <= 0.9:
                    squared.append((estimate - j) ** 2)
            results.append((missed, wrong, np.sqrt(np.mean(squared))))
        r = np.array(results)
        print(f"  {name:38} missed {r[:, 0].mean():5.1f}  false {r[:, 1].mean():5.1f}  rmse(0.7-0.9) {r[:, 2].mean():.4f}")


if __name__ == "__main__":
    main()
