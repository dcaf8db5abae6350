#!/usr/bin/env python3
"""Drop-to-output latency of an idle `winnow watch`.

Starts the daemon on a fresh spool, then drops distinct real articles one at a time (written under a
temporary name and renamed into inbox/, as uploaders do) and measures how long each takes to appear in
out/. Prints the median, 90th percentile and maximum in milliseconds.

    python3 Benchmarks/daemon-latency.py [--winnow .build/release/winnow] [--count 200]
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--winnow", default=os.path.join(here, "..", ".build", "release", "winnow"))
ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus", "clean", "bbc", "business"))
ap.add_argument("--count", type=int, default=200)
a = ap.parse_args()

articles, seen = [], set()
for name in sorted(os.listdir(a.corpus)):
    data = open(os.path.join(a.corpus, name), "rb").read()
    if data not in seen:
        seen.add(data)
        articles.append((name, data))
articles = articles[: a.count]

with tempfile.TemporaryDirectory() as spool:
    log = open(os.path.join(spool, "daemon.log"), "w")
    daemon = subprocess.Popen([a.winnow, "watch", "--spool", spool], stderr=log, stdout=log)
    try:
        inbox, out = os.path.join(spool, "inbox"), os.path.join(spool, "out")
        deadline = time.time() + 10
        while not os.path.isdir(inbox) and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        latencies = []
        for name, data in articles:
            temporary = os.path.join(inbox, "." + name + ".part")
            with open(temporary, "wb") as f:
                f.write(data)
            target = os.path.join(out, name + ".jsonl.gz")
            start = time.perf_counter()
            os.rename(temporary, os.path.join(inbox, name))
            while not os.path.exists(target):
                time.sleep(0.0002)
                if time.perf_counter() - start > 10:
                    sys.exit(f"{name}: no output after 10 s")
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)  # idle between drops
        latencies.sort()
        p90 = latencies[int(len(latencies) * 0.9) - 1]
        print(f"files={len(latencies)} median_ms={statistics.median(latencies):.2f} p90_ms={p90:.2f} max_ms={max(latencies):.2f}")
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
