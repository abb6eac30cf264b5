#!/usr/bin/env bash
# Starts lmdeploy's OpenAI-compatible api_server for IntroSVG on this (GPU) host, waits until it answers
# /health, and prints the introsvg-client command to use. Every setting is an environment variable:
#
#   MODEL_PATH    local path or Hugging Face id      (default gitcat404/IntroSVG-Qwen2.5-VL-7B)
#   MODEL_NAME    name the server serves it under     (default IntroSVG-Qwen2.5-VL-7B)
#   PORT          server port                         (default 23333)
#   TP            tensor-parallel GPUs                (default: all visible GPUs)
#   SESSION_LEN   context per sequence, in tokens     (default 16384: a 6,000-token SVG in the refine
#                 prompt plus a 6,000-token reply fit; lmdeploy's own default is the full 128k context)
#   MAX_BATCH     sequences decoded together          (default: lmdeploy's per-GPU default)
#   BACKEND       pytorch or turbomind                (default pytorch: it runs Qwen2.5-VL)
#   API_KEY       require this bearer key (optional; clients read it from INTROSVG_API_KEY)
#   WAIT_SECONDS  how long to wait for /health        (default 900: loading 7B weights takes minutes)
set -euo pipefail

MODEL_PATH=${MODEL_PATH:-gitcat404/IntroSVG-Qwen2.5-VL-7B}
MODEL_NAME=${MODEL_NAME:-IntroSVG-Qwen2.5-VL-7B}
PORT=${PORT:-23333}
SESSION_LEN=${SESSION_LEN:-16384}
BACKEND=${BACKEND:-pytorch}
WAIT_SECONDS=${WAIT_SECONDS:-900}
if [[ -z "${TP:-}" ]]; then
  TP=$(nvidia-smi --list-gpus 2>/dev/null | wc -l)
  [[ "$TP" -ge 1 ]] || { echo "lmdeploy-launch.sh: no GPU found by nvidia-smi; set TP or run on a GPU host" >&2; exit 2; }
fi
command -v lmdeploy >/dev/null || { echo "lmdeploy-launch.sh: lmdeploy is not installed (pip install lmdeploy, or use deploy/compose.yaml)" >&2; exit 2; }

args=(serve api_server "$MODEL_PATH"
  --server-name 0.0.0.0 --server-port "$PORT"
  --model-name "$MODEL_NAME"
  --backend "$BACKEND" --tp "$TP"
  --session-len "$SESSION_LEN")
[[ -n "${MAX_BATCH:-}" ]] && args+=(--max-batch-size "$MAX_BATCH")
[[ -n "${API_KEY:-}" ]] && args+=(--api-keys "$API_KEY")

log=${LOG_FILE:-lmdeploy-$PORT.log}
echo "Starting: lmdeploy ${args[*]//$API_KEY/***}" | sed 's/--api-keys [^ ]*/--api-keys ***/'
lmdeploy "${args[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' INT TERM

# The port opens only once the weights are loaded; /health is 503 while the engine initialises.
for ((i = 0; i < WAIT_SECONDS; i += 5)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "lmdeploy-launch.sh: lmdeploy exited during start-up; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
    host=$(hostname -f 2>/dev/null || hostname)
    echo "lmdeploy is serving '$MODEL_NAME' on port $PORT (pid $pid, log $log). From a client machine:"
    echo
    [[ -n "${API_KEY:-}" ]] && echo "  export INTROSVG_API_KEY=...   # the key given in API_KEY"
    echo "  java -jar target/introsvg-client.jar run example/prompts.csv -o out --server http://$host:$PORT --concurrency 128"
    echo
    trap - INT TERM
    wait "$pid"
    exit $?
  fi
  sleep 5
done
echo "lmdeploy-launch.sh: no healthy server on port $PORT after ${WAIT_SECONDS}s; see $log" >&2
kill "$pid" 2>/dev/null
exit 1
