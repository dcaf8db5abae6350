#!/usr/bin/env python3
"""Language identification side by side: Winnow's model and the anchors (CLD2, py3langid) in one run.

Accuracy is measured as the project's cross-validation measures Winnow (LanguageModelTrainer.evaluate): the
training sentences of ../shared/corpus/langid/train dealt into 5 folds in blocks of 8, every fold answered by a
model trained on the others; the anchors were trained elsewhere and answer every sentence. Reported: macro
accuracy (the mean over languages) on sentences, on 200-byte snippets and on ~2,000-byte documents made by
joining each fold's sentences of a language. Speed is measured on news articles: the clean title and text of
each record `winnow process` makes of the given folders, one call per article, one core.

    python3 -m venv .venv-peers && .venv-peers/bin/pip install pycld2 py3langid
    .venv-peers/bin/python scripts/langid-peers.py ../shared/corpus/clean/bbc ../shared/corpus/multilingual

Winnow's own figures come from `GenerateLanguageModel --evaluate` and `winnow bench --stages langid`, run by
this script in the same sitting (build first: swift build -c release).
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(ROOT, "..", "shared", "corpus", "langid", "train")
BIN = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                     text=True).stdout.strip() or os.path.join(ROOT, ".build", "release")
FOLDS = 5
# Codes the anchors answer for the same languages.
ALIASES = {"no": "nb", "iw": "he", "fil": "tl", "jw": "jv", "zh-Hant": "zh", "zh-Hans": "zh"}


def anchors():
    found = {}
    try:
        import pycld2

        def cld2(text):
            try:
                code = pycld2.detect(text, bestEffort=True)[2][0][1]
            except Exception:
                return "und"
            return ALIASES.get(code, code.split("-")[0])
        found["cld2"] = cld2
    except ImportError:
        print("pycld2 not installed: skipped", file=sys.stderr)
    try:
        import py3langid

        def langid(text):
            code = py3langid.classify(text)[0]
            return ALIASES.get(code, code)
        found["py3langid"] = langid
    except ImportError:
        print("py3langid not installed: skipped", file=sys.stderr)
    return found


def held_out_sets():
    """Per language: sentences, 200-byte snippets and ~2,000-byte documents, fold by fold as Winnow cuts them."""
    sets = {}
    for name in sorted(os.listdir(TRAIN)):
        if not name.endswith(".txt"):
            continue
        code = name[:-4]
        with open(os.path.join(TRAIN, name), "rb") as f:
            lines = [line for line in f.read().split(b"\n") if line]
        sentences, snippets, documents = [], [], []
        for fold in range(FOLDS):
            held = [line for i, line in enumerate(lines) if (i // 8) % FOLDS == fold]
            sentences += held
            joined = b" ".join(held)
            for size, out, at_space in ((2000, documents, True), (200, snippets, False)):
                start = 0
                while len(joined) - start > size:
                    end = start + size
                    if at_space:
                        while end > start and joined[end] != 0x20:
                            end -= 1
                        if end == start:
                            end = start + size
                    else:
                        while end > start and joined[end] & 0xC0 == 0x80:
                            end -= 1
                    out.append(joined[start:end])
                    start = end
        sets[code] = {"sentences": sentences, "snippets": snippets, "documents": documents}
    return sets


def macro(predict, sets, kind):
    rates = []
    for code, groups in sets.items():
        texts = groups[kind]
        if texts:
            right = sum(predict(t.decode("utf-8", "replace")) == code for t in texts)
            rates.append(right / len(texts))
    return sum(rates) / len(rates)


def winnow_cross_validation():
    out = subprocess.run([os.path.join(BIN, "GenerateLanguageModel"), TRAIN, "--evaluate"], capture_output=True,
                         text=True, check=True).stdout
    figures = {}
    for line in out.splitlines():
        if line.startswith("cross-validation"):
            figures["sentences"] = float(line.split("sentences ")[1].split(",")[0])
            figures["snippets"] = float(line.split("snippets ")[1])
        if line.startswith("documents of about"):
            figures["documents"] = float(line.split(": ")[1].split(",")[0])
    return figures


def articles(folders):
    texts = []
    for folder in folders:
        out = subprocess.run([os.path.join(BIN, "winnow"), "process", folder, "--stdout", "--quiet"],
                             capture_output=True, check=True).stdout
        for line in out.splitlines():
            record = json.loads(line)
            texts.append((record.get("title", "") + "\n" + record.get("text", "")).encode())
    return texts


def main():
    folders = sys.argv[1:]
    found = anchors()
    sets = held_out_sets()
    rows = [("winnow (5-fold cross-validation)", winnow_cross_validation())]
    for name, predict in found.items():
        rows.append((name, {kind: macro(predict, sets, kind) for kind in ("sentences", "snippets", "documents")}))
    print(f"{'identifier':<36}{'sentences':>11}{'200 B':>9}{'~2 KB':>9}")
    for name, f in rows:
        print(f"{name:<36}{f['sentences'] * 100:>10.2f}%{f['snippets'] * 100:>8.2f}%{f['documents'] * 100:>8.2f}%")
    if not folders:
        return
    texts = articles(folders)
    total = sum(len(t) for t in texts)
    print(f"\nspeed on {len(texts)} news articles ({total / 1e6:.1f} MB of clean title and text), one core:")
    bench = subprocess.run([os.path.join(BIN, "winnow"), "bench", *folders, "--stages", "langid", "--runs", "7",
                            "--json"], capture_output=True, text=True, check=True).stdout
    winnow = [s for s in json.loads(bench)["stages"] if s["stage"] == "langid"][0]["mb_per_s"]
    print(f"{'winnow':<16}{winnow:>10.1f} MB/s")
    for name, predict in found.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for t in texts:
                predict(t.decode("utf-8", "replace"))
            best = min(best, time.perf_counter() - start)
        rate = total / 1e6 / best
        print(f"{name:<16}{rate:>10.1f} MB/s   winnow {winnow / rate:.1f}x")


if __name__ == "__main__":
    main()
