#!/usr/bin/env python3
"""Times `winnow process` on pathological inputs at two sizes (default 1 MB and 8 MB).

    python3 scripts/pathological.py [--winnow .build/release/winnow] [--sizes 1,8]

Linear behaviour shows as a time ratio near the size ratio (8); a quadratic path would show as ~64.
Each input is built from real text in ../shared/corpus where the case allows.
"""
import argparse, json, os, subprocess, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--winnow", default=os.path.join(here, "..", ".build", "release", "winnow"))
ap.add_argument("--sizes", default="1,8")
a = ap.parse_args()
seed = open(os.path.join(here, "..", "..", "shared", "corpus", "seed", "000_23272d59b78fa6f4.txt"), "rb").read()
words = seed.replace(b"\n", b" ")

def fill(unit, size):
    return (unit * (size // len(unit) + 1))[:size]

cases = {
    "one combining mark": lambda n: b"a" + fill("\u0301".encode(), n),
    "no space or newline": lambda n: fill(words.replace(b" ", b""), n),
    "one-character lines": lambda n: fill(b"x\n", n),
    "nested HTML in JSON": lambda n: json.dumps({"title": "t", "text": "<div>" * (n // 10) + "text" + "</div>" * (n // 10)}).encode()[:n] + b"\n",
    "only U+FFFD": lambda n: fill("\ufffd".encode(), n),
    "mixed CR LF CRLF U+2028": lambda n: fill(b"line one\rline two\nline three\r\nline four\xe2\x80\xa8", n),
    "NULs in good text": lambda n: fill(words[:2000] + b"\x00", n),
    "a footer marker per line": lambda n: fill(b"Comments\n" + words[:300] + b".\n", n),
    # One short paragraph, then tens of thousands of footer markers, then as many paragraphs: no marker has as
    # much text before it as after it (all in one window of lines).
    "footer markers before the text": lambda n: b"A title\n" + words[:200] + b".\n"
    + fill(b"Join the conversation\n", n * 3 // 40) + fill(words[:240] + b".\n", n - n * 3 // 40),
    # Lines equal in their first and last 40 bytes and length, different in the middle: the search for repeated
    # lines keys them alike, so each is hashed whole (once).
    "lines alike but for the middle": lambda n: b"A title\n"
    + b"".join(words[:60] + b" %08d " % i + words[100:160] + b".\n" for i in range(n // 132))[:n],
    "distinct words only": lambda n: b"A title\n" + b" ".join(b"w%x" % i for i in range(n // 8))[:n],
    "sentences of abbreviations": lambda n: fill(b"Mr. Dr. U.S. No. 5 a.m. J. K. ", n),
    "deep JSON nesting": lambda n: b'{"title": "t", "text": "x", "a": ' + b"[" * (n // 2) + b"]" * (n // 2) + b"}\n",
}
sizes = [int(s) * 1_000_000 for s in a.sizes.split(",")]
print(f"{'case':30} " + " ".join(f"{s // 1_000_000:>6} MB" for s in sizes) + "   ratio  result")
with tempfile.TemporaryDirectory() as tmp:
    for name, make in cases.items():
        times, result = [], ""
        for size in sizes:
            path = os.path.join(tmp, "input")
            open(path, "wb").write(make(size))
            start = time.perf_counter()
            run = subprocess.run([a.winnow, "process", path, "--out", os.path.join(tmp, "out"), "--quiet"], capture_output=True)
            times.append(time.perf_counter() - start)
            result = "processed" if run.returncode == 0 else "refused: " + run.stderr.decode().strip().split(": ", 2)[-1][:60]
        ratio = times[-1] / max(times[0], 1e-3)
        print(f"{name:30} " + " ".join(f"{t:7.2f}s" for t in times) + f"  {ratio:6.1f}  {result}")
