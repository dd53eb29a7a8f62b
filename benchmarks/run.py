"""attrib's benchmark suite: prints figures, asserts nothing (targets are in the README).

    python benchmarks/run.py            # the full run the README quotes
    python benchmarks/run.py --quick    # under a minute, for CI
    python benchmarks/run.py --rows 20000

It builds a seeded corpus of ~2.5 KB articles in many languages from data/train.csv, then
measures analyze() latency, plain langdetect on the same articles, cold start, `attrib score`
throughput and peak memory with one and all cores against a pandas read+write floor, and how the
cost grows with article length. Each timing is the median of repeats.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 2500


def build_corpus(n: int, seed: int = 7) -> list[str]:
    """n articles of about 2.5 KB: each a training document, topped up with paragraphs of
    other documents in the same language, in text order, with its footers and chrome."""
    rows: dict[str, list[tuple[str, str, str]]] = {}
    with (ROOT / "data" / "train.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["doc_id"], []).append((r["text"], r["label"], r["language"]))
    by_lang: dict[str, list[str]] = {}
    for segs in rows.values():
        lang = segs[0][2]
        by_lang.setdefault(lang, []).extend(
            t for t, label, _ in segs if label == "body" and len(t) > 150
        )
    rng = random.Random(seed)
    ids = sorted(rows)
    out = []
    for _ in range(n):
        segs = rows[rng.choice(ids)]
        head = [t for t, label, _ in segs if label == "body"]
        tail = [t for t, label, _ in segs if label != "body"]
        pool = by_lang.get(segs[0][2]) or head
        size = sum(len(t.encode()) + 2 for t in head + tail)
        while size < TARGET_BYTES:
            extra = rng.choice(pool)
            head.append(extra)
            size += len(extra.encode()) + 2
        out.append("\n\n".join(head + tail))
    return out


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


def run_measured(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak resident memory (whole process tree) of a command."""
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    done.set()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
    return time.perf_counter() - t, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument(
        "--rows", type=int, help="rows of the scoring CSV (default 100000; quick 2000)"
    )
    parser.add_argument(
        "--articles", type=int, help="articles for latency (default 2000; quick 200)"
    )
    args = parser.parse_args()
    n_articles = args.articles or (100 if args.quick else 2000)
    n_rows = args.rows or (400 if args.quick else 100_000)
    chunk = "50" if args.quick else "1000"
    repeats = 1 if args.quick else 3
    cores = os.cpu_count() or 1

    import attrib
    from attrib.features import lexicon
    from attrib.language import backend
    from attrib.speedups import backend as speedups

    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"langdetect backend: {backend()}, cue lexicon: {lexicon().backend}, "
          f"compiled feature steps: {speedups()}")  # fmt: skip
    articles = build_corpus(n_articles)
    mean_kb = statistics.mean(len(a.encode()) for a in articles) / 1024
    print(f"corpus: {len(articles)} articles, mean {mean_kb:.2f} KB")

    attrib.analyze(articles[0])
    lat = []
    for a in articles:
        t = time.perf_counter()
        attrib.analyze(a)
        lat.append(time.perf_counter() - t)
    lat.sort()
    med, p95 = statistics.median(lat), lat[int(0.95 * (len(lat) - 1))]
    print(f"analyze(): median {med * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
          f"{1 / statistics.mean(lat):.0f} articles/s on one core")  # fmt: skip

    # The corpus reuses training lines, and what a line's text alone says is cached (as a site's
    # repeated chrome lines are in real feeds): measured again with those caches emptied before
    # each article, and with the time inside language identification counted apart.
    from attrib import domains, language
    from attrib.detector import _outlet_name_in
    from attrib.features import _line_cues, piece_cues

    def forget_lines() -> None:
        for cache in (_line_cues, piece_cues, domains.find_hosts, domains.registrable_domain,
                      _outlet_name_in):  # fmt: skip
            cache.cache_clear()

    detect, in_langid = language.detect_languages, [0.0]

    def timed_detect(texts):
        t = time.perf_counter()
        try:
            return detect(texts)
        finally:
            in_langid[0] += time.perf_counter() - t

    language.detect_languages = timed_detect
    fresh = []
    try:
        for a in articles:
            forget_lines()
            t = time.perf_counter()
            attrib.analyze(a)
            fresh.append(time.perf_counter() - t)
    finally:
        language.detect_languages = detect
    print(f"analyze(), no line seen before: median {statistics.median(fresh) * 1000:.2f} ms; "
          f"inside langdetect: {in_langid[0] / len(articles) * 1000:.2f} ms per article")  # fmt: skip

    # Many articles in one call: the lines of 256 articles at a time go to langdetect together.
    # Compared with analyze() in a loop over the same articles, each run starting with the line
    # cache emptied.
    def per_article(run) -> float:
        forget_lines()
        t = time.perf_counter()
        run()
        return (time.perf_counter() - t) / len(articles)

    loop = statistics.median(
        [per_article(lambda: [attrib.analyze(a) for a in articles]) for _ in range(repeats)]
    )
    many = statistics.median(
        [per_article(lambda: attrib.analyze_many(articles)) for _ in range(repeats)]
    )
    print(f"analyze_many(): {many * 1000:.2f} ms per article against {loop * 1000:.2f} ms for "
          f"analyze() in a loop, {1 / many:.0f} articles/s on one core")  # fmt: skip

    import langdetect

    langdetect.DetectorFactory.seed = 0
    sample = articles[: min(100, len(articles))]
    ld = []
    for a in sample:
        t = time.perf_counter()
        try:
            langdetect.detect(a)
        except langdetect.LangDetectException:
            pass
        ld.append(time.perf_counter() - t)
    print(
        f"plain langdetect.detect() on the same articles: median {statistics.median(ld) * 1000:.2f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text(articles[0], encoding="utf-8")
        code = f"import attrib; attrib.analyze(open({str(one)!r}, encoding='utf-8').read())"
        cold = timed(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeats)
        print(f"cold start (import + model load + first call, fresh process): {cold:.2f} s")

        src = Path(tmp) / "articles.csv"
        # The first tenth again, to show that memory does not grow with the input.
        small = Path(tmp) / "small.csv"
        n_small = max(1, n_rows // 10)
        with (
            src.open("w", encoding="utf-8", newline="") as f,
            small.open("w", encoding="utf-8", newline="") as f_small,
        ):
            w, w_small = (
                csv.writer(f, lineterminator="\n"),
                csv.writer(f_small, lineterminator="\n"),
            )
            w.writerow(["id", "text"])
            w_small.writerow(["id", "text"])
            # n_rows articles drawn as the latency corpus is drawn (its first ones are that
            # corpus); a whole training document long enough is drawn as it is, so some repeat
            rows = build_corpus(n_rows) if n_rows > len(articles) else articles[:n_rows]
            for i in range(n_rows):
                row = [i, rows[i]]
                w.writerow(row)
                if i < n_small:
                    w_small.writerow(row)
        size_mb = src.stat().st_size / 2**20
        print(f"scoring file: {n_rows} rows, {len(set(rows))} distinct articles, {size_mb:.0f} MB")
        del rows

        import pandas as pd

        def floor() -> None:
            pd.read_csv(src, dtype=str, keep_default_na=False).to_csv(
                Path(tmp) / "floor.csv", index=False
            )

        floor_s = timed(floor, repeats)
        print(f"floor: pandas read_csv + to_csv: {floor_s:.2f} s")
        attrib_cmd = [
            sys.executable,
            "-m",
            "attrib",
            "score",
            str(src),
            "-o",
            str(Path(tmp) / "out.csv"),
            "--quiet",
            "--chunk-size",
            chunk,
        ]
        peaks = {}
        for jobs in sorted({1, cores}):
            # The machine's speed drifts within minutes: the floor is also taken just before
            # each run, and the ratio to it printed beside the ratio to the first floor.
            near = timed(floor, repeats)
            wall, peak = run_measured(attrib_cmd + ["--jobs", str(jobs)])
            peaks[jobs] = peak
            print(f"attrib score --jobs {jobs}: {wall:.1f} s, {n_rows / wall:.0f} rows/s, "
                  f"{wall / floor_s:.1f}x the floor ({wall / near:.1f}x the {near:.2f} s of the "
                  f"floor just before), peak memory {peak / 2**20:.0f} MiB (all processes)")  # fmt: skip
        # Memory must not grow with the input: the same run on a tenth of the file.
        small_cmd = [str(small) if a == str(src) else a for a in attrib_cmd]
        _, small_peak = run_measured(small_cmd + ["--jobs", str(cores)])
        print(f"memory flatness (--jobs {cores}): peak {small_peak / 2**20:.0f} MiB for "
              f"{n_small} rows, {peaks[cores] / 2**20:.0f} MiB for {n_rows} rows")  # fmt: skip

    base = articles[: 10 if args.quick else 50]
    unit = statistics.median([timed(lambda a=a: attrib.analyze(a), 1) for a in base])
    print(f"length scaling (median per article, relative to 1x = {unit * 1000:.2f} ms):")
    for k in (10, 100):
        if args.quick and k == 100:
            continue
        longer = ["\n\n".join([a] * k) for a in base[:10]]
        t = statistics.median([timed(lambda a=a: attrib.analyze(a), 1) for a in longer])
        print(f"  {k}x longer: {t * 1000:.1f} ms, {t / unit:.0f}x the cost")


if __name__ == "__main__":
    main()
