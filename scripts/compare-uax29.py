#!/usr/bin/env python3
"""Compares `winnow tokenize --uax29` with an independent UAX #29 implementation (uniseg, from PyPI).

    python3 -m venv .venv-peers && .venv-peers/bin/pip install uniseg
    .venv-peers/bin/python scripts/compare-uax29.py --winnow .build/release/winnow FILE...

For each UTF-8 file it prints the number of non-white-space word segments on each side and how many differ;
the exit status is 1 if any does.
"""
import argparse
import subprocess
import sys

import uniseg.wordbreak as wordbreak

ap = argparse.ArgumentParser()
ap.add_argument("--winnow", default=".build/release/winnow")
ap.add_argument("files", nargs="+")
a = ap.parse_args()
failed = False
for path in a.files:
    text = open(path, "rb").read().decode("utf-8", errors="ignore")
    theirs = [w for w in wordbreak.words(text) if w.strip()]
    out = subprocess.run([a.winnow, "tokenize", "--uax29", "-"], input=text.encode(), capture_output=True, check=True)
    ours = [line.split("\t", 3)[3].replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")
            for line in out.stdout.decode().splitlines()]
    differences = sum(1 for x, y in zip(theirs, ours) if x != y) + abs(len(theirs) - len(ours))
    failed |= differences > 0
    print(f"{path}: uniseg {len(theirs)} segments, winnow {len(ours)}, differences {differences}")
sys.exit(1 if failed else 0)
