#!/usr/bin/python3
"""Times cairosvg on the render-benchmark corpus, the reference the critic was trained on.

For every target/bench-corpus/svg/*.svg: renders exactly as the critic's training data was made
(svg2png, 200x200, white background), writes the PNG to target/bench-corpus/cairo/NAME.png, and
times it warm: WARMUP untimed passes over the whole corpus, then PASSES timed passes; the per-file
time is the median of its passes. Prints a summary and writes target/bench-corpus/cairo.json.

Usage: /usr/bin/python3 scripts/cairosvg-bench.py [--warmup N] [--passes N] [--corpus DIR]
"""
import argparse
import json
import os
import statistics
import sys
import time

import cairosvg


def render(data):
    return cairosvg.svg2png(bytestring=data, output_width=200, output_height=200,
                            background_color="white")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.path.join(root, "target", "bench-corpus"))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()

    svg_dir = os.path.join(args.corpus, "svg")
    png_dir = os.path.join(args.corpus, "cairo")
    os.makedirs(png_dir, exist_ok=True)
    names = sorted(n for n in os.listdir(svg_dir) if n.endswith(".svg"))
    if not names:
        sys.exit("no SVGs in %s: run scripts/bench-render-corpus.sh first" % svg_dir)
    data = {}
    for name in names:
        with open(os.path.join(svg_dir, name), "rb") as f:
            data[name] = f.read()

    failures = {}
    for name in names:  # first pass: write the PNGs, find the failures (also warms up)
        try:
            png = render(data[name])
        except Exception as e:  # cairosvg raises many types; a failure is data here, not an error
            failures[name] = "%s: %s" % (type(e).__name__, e)
            continue
        with open(os.path.join(png_dir, name[:-4] + ".png"), "wb") as f:
            f.write(png)
    ok = [n for n in names if n not in failures]

    for _ in range(max(0, args.warmup - 1)):
        for name in ok:
            render(data[name])
    times = {name: [] for name in ok}
    pass_totals = []
    for _ in range(args.passes):
        start_pass = time.perf_counter()
        for name in ok:
            start = time.perf_counter()
            render(data[name])
            times[name].append((time.perf_counter() - start) * 1000.0)
        pass_totals.append(time.perf_counter() - start_pass)

    per_file = {name: statistics.median(t) for name, t in times.items()}
    medians = sorted(per_file.values())
    mean_ms = statistics.fmean(medians) if medians else None
    # SVG/s from the mean per-file median, as the Java side reports it (JMH's corpus mean).
    svg_per_s = 1000.0 / mean_ms if mean_ms else 0.0
    result = {
        "renderer": "cairosvg %s (Python %s)" % (cairosvg.__version__, sys.version.split()[0]),
        "files": len(names),
        "failures": len(failures),
        "failed": failures,
        "warmup_passes": args.warmup,
        "timed_passes": args.passes,
        "median_ms_per_svg": statistics.median(medians) if medians else None,
        "mean_ms_per_svg": mean_ms,
        "p90_ms_per_svg": medians[int(0.9 * (len(medians) - 1))] if medians else None,
        "svg_per_s": svg_per_s,
        "pass_seconds": pass_totals,
        "fastest_pass_svg_per_s": len(ok) / min(pass_totals) if ok else 0.0,
        "per_file_median_ms": per_file,
    }
    with open(os.path.join(args.corpus, "cairo.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    print("%s: %d SVGs, median %.3f ms/SVG (mean %.3f, p90 %.3f), %.0f SVG/s, %d failures"
          % (result["renderer"], len(names), result["median_ms_per_svg"], result["mean_ms_per_svg"],
             result["p90_ms_per_svg"], svg_per_s, len(failures)))
    for name, why in sorted(failures.items()):
        print("  failed %s: %s" % (name, why))


if __name__ == "__main__":
    main()
