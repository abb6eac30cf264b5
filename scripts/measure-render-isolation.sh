#!/usr/bin/env bash
# Measures the ways of bounding a render's time and memory (docs/rendering.md, "Bounding time and memory").
# Usage: scripts/measure-render-isolation.sh   (takes about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -o -q test-compile
./mvnw -B -o -q dependency:build-classpath -Dmdep.outputFile=target/render-bench.cp
CP="target/test-classes:target/classes:$(cat target/render-bench.cp)"
run() { java -cp "$CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=off "$@" io.github.introsvg.internal.render.RenderIsolationBenchmark 2>/dev/null; }
MAIN=io.github.introsvg.internal.render.RenderIsolationBenchmark
echo "== (a) limits and caps alone: each hostile SVG in its own JVM, -Xmx1g, killed after 60 s"
for name in $(java -cp "$CP" $MAIN names); do
  timeout -s KILL 60 java -Xmx1g -cp "$CP" $MAIN inprocess "$name" 2>/dev/null || echo "inprocess | $name | still running after 60 s: killed"
done
echo "== (b) watchdog, 5 s, -Xmx1g: what the abandoned render thread does next"
for name in blur-5000-filtered-rects filter-1000-kept-results; do
  timeout -s KILL 60 java -Xmx1g -cp "$CP" $MAIN watchdog "$name" 2>/dev/null || echo "watchdog | $name | JVM died"
done
echo "== (c) worker processes (-Xmx96m), 5 s"
java -cp "$CP" $MAIN isolated 2>/dev/null
echo "== cost per render on the cairo fixtures"
java -cp "$CP" $MAIN icons 100 2>/dev/null
