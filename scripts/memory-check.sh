#!/usr/bin/env bash
# Flat-memory check: runs PROMPTS (default: the 1,400 reference prompts) at concurrency 256 in -Xmx256m against
# a mock server in its own process, and prints the client's resident memory when 200 prompts are done and at
# the end. Usage: scripts/memory-check.sh [PROMPTS.csv] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."
prompts=${1:-../shared/reference/introsvg-test-prompts.csv}
concurrency=${2:-256}
jar=target/introsvg-client.jar
[[ -f $jar ]] || ./mvnw -B -q package -DskipTests
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -jar "$jar" mock-server --port "$port" >"$work/mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null; rm -rf "$work"' EXIT
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.2; done

java -Xmx256m -jar "$jar" run "$prompts" -o "$work/out" --server "http://127.0.0.1:$port" \
  --concurrency "$concurrency" --policy reference 2>"$work/run.log" &
client=$!
rss() { awk '/VmRSS/ {print $2}' "/proc/$client/status" 2>/dev/null || echo 0; }
lines() { [[ -f $work/out/results.jsonl ]] && wc -l <"$work/out/results.jsonl" || echo 0; }
peak=0; at200=""
while kill -0 "$client" 2>/dev/null; do
  r=$(rss); ((r > peak)) && peak=$r
  n=$(lines)
  if [[ -z $at200 && $n -ge 200 ]]; then at200=$r; echo "prompt $n: RSS $((r / 1024)) MiB"; fi
  last=$r; lastn=$n
  sleep 0.5
done
wait "$client" && status=0 || status=$?
echo "prompt $lastn (last sample before exit): RSS $((last / 1024)) MiB; peak $((peak / 1024)) MiB; exit $status"
if [[ -n $at200 ]]; then
  python3 -c "print(f'growth from prompt 200 to the end: {100*($last-$at200)/$at200:+.1f}%')"
fi
tail -n 2 "$work/run.log"
