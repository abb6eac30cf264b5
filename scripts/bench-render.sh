#!/usr/bin/env bash
# The render benchmark, side by side with cairosvg (docs/performance.md, "Rendering"): builds the icon corpus,
# times cairosvg on it, runs the JMH RenderBenchmark on JsvgRenderer, then diffs our PNGs against cairosvg's and
# prints one table. Needs node/npm, /usr/bin/python3 with python3-cairosvg, and JDK 17. About 3-5 minutes.
# Usage: scripts/bench-render.sh [per-set-count, default 300]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
corpus="$root/target/bench-corpus"

echo "== corpus" >&2
scripts/bench-render-corpus.sh "${1:-300}"

echo "== cairosvg" >&2
/usr/bin/python3 scripts/cairosvg-bench.py --corpus "$corpus"

echo "== build target/benchmarks.jar" >&2
./mvnw -B -q -P bench package -DskipTests

echo "== JMH RenderBenchmark" >&2
java -Dintrosvg.bench.corpus="$corpus" -jar target/benchmarks.jar RenderBenchmark -f 1 -wi 3 -i 5 \
  -rf json -rff "$corpus/jmh.json" | tee "$corpus/jmh.txt" | grep -E '^(# (JMH|VM version|Warmup|Measurement)|Iteration|Benchmark|RenderBenchmark)' || true

echo "== pixel diff and table" >&2
java -Djava.awt.headless=true -Dintrosvg.bench.corpus="$corpus" -cp target/benchmarks.jar \
  io.github.introsvg.bench.RenderReport --jmh "$corpus/jmh.json" | tee "$corpus/report.md"
