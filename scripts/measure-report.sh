#!/usr/bin/env bash
# Measures report.html for a run of N prompts (default 1400): time to write it, its size, and, with Debian's chromium
# and chromedriver installed, headless Chromium's time to load it and to filter and sort (docs/report.md, "Speed").
# Usage: scripts/measure-report.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1400}"
./mvnw -B -o -q test-compile
./mvnw -B -o -q dependency:build-classpath -Dmdep.outputFile=target/report-bench.cp
CP="target/test-classes:target/classes:$(cat target/report-bench.cp)"
OUT="$(mktemp -d)/out"
java -cp "$CP" -Djava.util.logging.config.file=src/test/resources/logging.properties \
  io.github.introsvg.report.ReportScaleBenchmark "$OUT" "$N"
rm -rf "$(dirname "$OUT")"
