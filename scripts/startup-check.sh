#!/usr/bin/env bash
# Startup: time of `--help`, and time from launching `generate` to its first request reaching a server.
# Usage: scripts/startup-check.sh [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
jar=target/introsvg-client.jar
[[ -f $jar ]] || ./mvnw -B -q package -DskipTests
for ((i = 0; i < runs; i++)); do
  /usr/bin/time -f "%e" java -jar "$jar" --help 2>&1 >/dev/null | tail -1
done | sort -n | awk '{a[NR]=$1} END {print "--help: median " a[int((NR+1)/2)] " s of " NR " runs"}'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < runs; i++)); do
  # A one-request server: notes when the first request arrives, answers 503 so the client stops quickly.
  python3 - "$work/first" >"$work/port" <<'PY' &
import http.server, sys, time
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(out, "w").write(repr(time.time()))
        self.send_response(404); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.handle_request()
PY
  server=$!
  until [[ -s $work/port ]]; do sleep 0.05; done
  port=$(cat "$work/port")
  start=$(python3 -c 'import time; print(repr(time.time()))')
  java -jar "$jar" generate "a red apple" --server "http://127.0.0.1:$port" >/dev/null 2>&1 || true
  wait "$server"
  python3 -c "print(f'{float(open(\"$work/first\").read()) - $start:.3f}')"
  rm -f "$work/first" "$work/port"
done | sort -n | awk '{a[NR]=$1} END {print "launch to first request: median " a[int((NR+1)/2)] " s of " NR " runs"}'
