#!/usr/bin/env python3
"""Scores Winnow's near-duplicate marks against the exact gold of ../shared/corpus/neardup.

Runs `winnow process` over a gold set's documents in its order, turns each record's `duplicate.of` (a record
id) into the scorer's `{"id", "duplicate_of", "similarity"}` lines (ids as the gold names documents), and runs
../shared/tools/score_dups.py on them:

    scripts/dups-score.py bbc          # ../shared/corpus/clean/bbc
    scripts/dups-score.py saudi-dev    # the two Arabic days
    scripts/dups-score.py zyte         # page text against its own clean body (judged pairs)

Extra arguments go to `winnow process` (for example --duplicate-threshold 0.78).
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
TOOLS = os.path.join(ROOT, "..", "shared", "tools")
BIN = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                     text=True).stdout.strip() or os.path.join(ROOT, ".build", "release")

SETS = {
    "bbc": ([os.path.join(CORPUS, "clean", "bbc")], "bbc", False),
    "saudi-dev": ([os.path.join(CORPUS, "multilingual", "arabic", f"saudinewsnet-2015-07-2{d}.jsonl") for d in (2, 3)],
                  "saudi-dev", False),
    "zyte": ([os.path.join(CORPUS, "boilerplate", "zyte")], "zyte-boilerplate", True),
}


def document_id(record, set_name):
    source = record["source"]
    if set_name == "saudi-dev":
        return f"{source['file']}#{source['line'] - 1}"
    return source["file"]


def main():
    set_name = sys.argv[1] if len(sys.argv) > 1 else "bbc"
    inputs, gold, judged = SETS[set_name]
    extra = sys.argv[2:]
    with tempfile.TemporaryDirectory() as out:
        # One job: the gold's own order decides which copy is the earlier one (the answers do not depend on it).
        subprocess.run([os.path.join(BIN, "winnow"), "process", *inputs, "--out", out, "--quiet", *extra], check=True)
        records = []
        for folder, _, names in os.walk(out):
            for name in names:
                if name.endswith(".jsonl.gz"):
                    with gzip.open(os.path.join(folder, name), "rt", encoding="utf-8") as f:
                        records += [json.loads(line) for line in f]
        # Byte-identical articles share a record id: `of` then names the earliest other document with it.
        order = {doc: i for i, doc in enumerate(line.split("\t")[0] for line in open(
            os.path.join(CORPUS, "neardup", f"{gold}-docs.tsv")).read().split("\n")[1:] if line)}
        ids = {}
        for record in sorted(records, key=lambda r: order.get(document_id(r, set_name), len(order))):
            ids.setdefault(record["id"], []).append(document_id(record, set_name))

        def earlier(of, doc):
            return next((other for other in ids.get(of, []) if other != doc), None)
        predictions = os.path.join(out, "predictions.jsonl")
        with open(predictions, "w") as f:
            for record in records:
                duplicate = record.get("duplicate")
                f.write(json.dumps({
                    "id": document_id(record, set_name),
                    "duplicate_of": earlier(duplicate["of"], document_id(record, set_name)) if duplicate else None,
                    "similarity": duplicate["similarity"] if duplicate else None,
                }) + "\n")
        command = ["python3", os.path.join(TOOLS, "score_dups.py"), "--gold",
                   os.path.join(CORPUS, "neardup", f"{gold}-pairs.tsv"), "--pred", predictions]
        command += ["--judged"] if judged else ["--docs", os.path.join(CORPUS, "neardup", f"{gold}-docs.tsv")]
        print(subprocess.run(command, capture_output=True, text=True, check=True).stdout, end="")


if __name__ == "__main__":
    main()
