#!/usr/bin/env python3
"""Near-duplicate anchors on the same gold as scripts/dups-score.py: datasketch's MinHashLSH (128 permutations,
threshold 0.8) and rensa's RMinHashLSH (128 permutations, 16 bands) over word 5-grams (lower-cased, Unicode \\w
words, as the gold defines them), each LSH hit verified by its estimated Jaccard, the best earlier one kept. Run on
the two Saudi days' raw `content` fields, one core, and scored with ../shared/tools/score_dups.py; then rensa's
signing alone (shingles made beforehand) on the BBC set, the speed the issue weighs Winnow's `dedup` stage against:

    pip install datasketch regex rensa
    python3 scripts/dups-peers.py            # then: python3 scripts/dups-score.py saudi-dev
                                             # and:  winnow bench ../shared/corpus/clean/bbc --stages dedup

MB/s counts the texts' UTF-8 bytes over the whole loop (shingling, hashing, querying, inserting).
"""
import json
import os
import subprocess
import time

import regex
from datasketch import MinHash, MinHashLSH

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
WORDS = regex.compile(r"\w+")


def shingles_of(text):
    words = WORDS.findall(text.lower())
    return [" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))] if words else []


def score(predictions):
    print(subprocess.run(["python3", os.path.join(ROOT, "..", "shared", "tools", "score_dups.py"), "--gold",
                          os.path.join(CORPUS, "neardup", "saudi-dev-pairs.tsv"), "--pred", predictions, "--docs",
                          os.path.join(CORPUS, "neardup", "saudi-dev-docs.tsv")],
                         capture_output=True, text=True, check=True).stdout, end="")


def rensa_anchor(docs):
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        print("rensa not installed: skipped")
        return
    predictions = "/tmp/dups-peers-rensa.jsonl"
    start = time.time()
    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    signatures = []
    size = 0
    with open(predictions, "w") as out:
        for number, (doc, text) in enumerate(docs):
            size += len(text.encode())
            shingles = shingles_of(text)
            best = None
            if shingles:
                sketch = RMinHash(num_perm=128, seed=42)
                sketch.update(sorted(set(shingles)))
                for other in lsh.query(sketch):
                    similarity = sketch.jaccard(signatures[other][1])
                    if similarity >= 0.8 and (best is None or similarity > best[1]):
                        best = (signatures[other][0], similarity)
                lsh.insert(len(signatures), sketch)
                signatures.append((doc, sketch))
            out.write(json.dumps({"id": doc, "duplicate_of": best[0] if best else None}) + "\n")
    print(f"rensa RMinHashLSH 128, 16 bands: {size / 1e6 / (time.time() - start):.2f} MB/s on {size / 1e6:.1f} MB")
    score(predictions)
    # Signing alone on the BBC set, its shingles made first (rensa's speed "without shingling").
    bbc = os.path.join(CORPUS, "clean", "bbc")
    texts = []
    for folder, _, names in sorted(os.walk(bbc)):
        for name in sorted(names):
            if name.endswith(".txt") and name != "README.TXT":
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    texts.append(f.read())
    prepared = [shingles_of(text) for text in texts]
    size = sum(len(text.encode()) for text in texts)
    start = time.time()
    for shingles in prepared:
        sketch = RMinHash(num_perm=128, seed=42)
        sketch.update(shingles)
        sketch.digest()
    print(f"rensa signing alone, BBC set: {size / 1e6 / (time.time() - start):.1f} MB/s on {size / 1e6:.1f} MB")


def main():
    docs = []
    for day in (2, 3):
        name = f"saudinewsnet-2015-07-2{day}.jsonl"
        with open(os.path.join(CORPUS, "multilingual", "arabic", name), encoding="utf-8") as f:
            docs += [(f"{name}#{i}", json.loads(line)["content"]) for i, line in enumerate(f)]
    predictions = "/tmp/dups-peers-datasketch.jsonl"
    start = time.time()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    signatures = {}
    size = 0
    with open(predictions, "w") as out:
        for doc, text in docs:
            size += len(text.encode())
            words = WORDS.findall(text.lower())
            best = None
            if words:
                shingles = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
                sketch = MinHash(num_perm=128)
                for shingle in shingles:
                    sketch.update(shingle.encode())
                for other in lsh.query(sketch):
                    similarity = sketch.jaccard(signatures[other])
                    if similarity >= 0.8 and (best is None or similarity > best[1]):
                        best = (other, similarity)
                signatures[doc] = sketch
                lsh.insert(doc, sketch)
            out.write(json.dumps({"id": doc, "duplicate_of": best[0] if best else None}) + "\n")
    print(f"datasketch MinHashLSH 128: {size / 1e6 / (time.time() - start):.2f} MB/s on {size / 1e6:.1f} MB")
    score(predictions)
    rensa_anchor(docs)


if __name__ == "__main__":
    main()
