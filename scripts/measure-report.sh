#!/usr/bin/env bash
# Measures report.html for a run of N prompts (default 1400): time to write it, its size, and the time headless
# Chromium takes to load it and run its script (docs/report.md, "Speed").
# Usage: scripts/measure-report.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1400}"
./mvnw -B -o -q test-compile
./mvnw -B -o -q dependency:build-classpath -Dmdep.outputFile=target/report-bench.cp
CP="target/test-classes:target/classes:$(cat target/report-bench.cp)"
OUT="$(mktemp -d)/out"
java -cp "$CP" io.github.introsvg.report.ReportScaleBenchmark "$OUT" "$N" 2>/dev/null
if command -v chromium >/dev/null; then
  PROFILE="$(mktemp -d)"
  start=$(date +%s%N)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$PROFILE" --dump-dom "file://$OUT/report.html" 2>/dev/null \
    | grep -o "[0-9]* of [0-9]* prompts shown"
  echo "chromium --headless --dump-dom (start, load, script, exit): $(( ($(date +%s%N) - start) / 1000000 )) ms"
  rm -rf "$PROFILE"
fi
rm -rf "$(dirname "$OUT")"
