#!/usr/bin/env bash
# Startup: time of `--help`, and time from launching `run` to its first request (GET /v1/models) and to its
# first chat request reaching a server, the moment the GPU gets work.
# Usage: [JAR=other.jar] scripts/startup-check.sh [runs, default 5] [extra java options, e.g. -XX:TieredStopAtLevel=1]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
java_opts=${2:-}
jar=${JAR:-target/introsvg-client.jar}
[[ -f $jar || -n ${JAR:-} ]] || ./mvnw -B -q package -DskipTests
for ((i = 0; i < runs; i++)); do
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e" java $java_opts -jar "$jar" --help 2>&1 >/dev/null | tail -1
done | sort -n | awk '{a[NR]=$1} END {print "--help: median " a[int((NR+1)/2)] " s of " NR " runs"}'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'id,desc\na,a red apple\n' >"$work/prompts.csv"
for ((i = 0; i < runs; i++)); do
  # A tiny lmdeploy stand-in: lists the model, notes when the first request and the first chat request arrive,
  # then refuses the chat (400) so the client stops at once.
  python3 - "$work" >"$work/port" <<'PY' &
import http.server, json, sys, threading, time
work = sys.argv[1]
first = []
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn (lmdeploy) does
    def note(self):
        if not first:
            first.append(time.time())
            open(work + "/first", "w").write(repr(first[0]))
    def do_GET(self):
        self.note()
        body = json.dumps({"object": "list", "data": [{"id": "m", "object": "model"}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        self.note()
        open(work + "/chat", "w").write(repr(time.time()))
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"object":"error","message":"stop here","code":400}'
        self.send_response(400); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        threading.Thread(target=self.server.shutdown).start()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
print(s.server_address[1], flush=True)
s.serve_forever()
PY
  server=$!
  until [[ -s $work/port ]]; do sleep 0.05; done
  port=$(cat "$work/port")
  start=$(python3 -c 'import time; print(repr(time.time()))')
  # shellcheck disable=SC2086
  java $java_opts -jar "$jar" run "$work/prompts.csv" -o "$work/out" --force-new --max-outage 1s --server "http://127.0.0.1:$port" >/dev/null 2>&1 || true
  wait "$server"
  python3 -c "print(f'{float(open(\"$work/first\").read()) - $start:.3f} {float(open(\"$work/chat\").read()) - $start:.3f}')"
  rm -f "$work/first" "$work/chat" "$work/port"
done | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin]
first, chat = (statistics.median(float(r[i]) for r in rows) for i in (0, 1))
print(f"launch to first request: median {first:.3f} s; to first chat request: median {chat:.3f} s, of {len(rows)} runs")'
