#!/usr/bin/env bash
# Starts lmdeploy's OpenAI-compatible api_server for IntroSVG on this GPU host: one server, or one per
# group of --tp GPUs on consecutive ports, optionally behind `lmdeploy serve proxy`; waits until every
# server answers /health and lists the model on /v1/models; prints the introsvg-client command; and
# stops everything it started on Ctrl-C or SIGTERM. docs/operations.md has recipes and sizing.
#
# Usage: lmdeploy-launch.sh [options]          (every option also has an environment default)
#   --model PATH_OR_ID        local directory or Hugging Face id     MODEL_PATH  (gitcat404/IntroSVG-Qwen2.5-VL-7B)
#   --model-name NAME         name the servers serve it under        MODEL_NAME  (IntroSVG-Qwen2.5-VL-7B)
#   --tp N                    GPUs per server (tensor parallel)      TP          (all GPUs / replicas)
#   --replicas N              servers, one per group of --tp GPUs    REPLICAS    (1)
#   --port P                  first server's port; the next get P+1.. PORT       (23333)
#   --proxy                   put `lmdeploy serve proxy` in front    PROXY=1
#   --proxy-port P            the proxy's port                       PROXY_PORT  (8000)
#   --docker                  run the pinned image, not a local lmdeploy   DOCKER=1
#   --image IMAGE             the image for --docker                 LMDEPLOY_IMAGE (openmmlab/lmdeploy:v0.16.0-cu12.8)
#   --session-len N           context per sequence, in tokens        SESSION_LEN (16384: a 6,000-token SVG in the
#                             refine prompt plus a 6,000-token reply fit; lmdeploy's own default is the full 128k)
#   --max-batch-size N        sequences decoded together per server  MAX_BATCH   (lmdeploy's per-GPU default)
#   --cache-max-entry-count F share of free GPU memory for KV cache  CACHE_MAX_ENTRY_COUNT (lmdeploy's: 0.8)
#   --api-key-file FILE       require the key in FILE (bearer)       API_KEY_FILE, or the key itself in API_KEY
#   --dry-run                 print every command it would run, then exit 0 (starts nothing)
#   -h, --help                this text
# More environment: BACKEND (pytorch: it runs Qwen2.5-VL), WAIT_SECONDS (900: how long to wait for the
# servers), LOG_DIR (.: one lmdeploy-PORT.log per server), LOG_FILE (the log of a single server),
# ADVERTISED_HOST (host name in the printed client command; default `hostname -f`), SERVER_NAME (0.0.0.0:
# the address the servers and the proxy listen on; 127.0.0.1 behind a TLS proxy on this host), POLL_SECONDS (5),
# STOP_SECONDS (30: how long a stopping server may take before it is killed).
# GPUs come from CUDA_VISIBLE_DEVICES when it is set, else from `nvidia-smi --list-gpus`.
# Exit codes: 0 dry run done, 1 a server failed to start or exited, 2 bad usage or missing tool/GPU,
# 130/143/129 stopped by Ctrl-C/SIGTERM/SIGHUP (everything started was stopped).
set -euo pipefail

readonly PINNED_IMAGE=openmmlab/lmdeploy:v0.16.0-cu12.8
readonly ME=lmdeploy-launch.sh

model=${MODEL_PATH:-gitcat404/IntroSVG-Qwen2.5-VL-7B}
model_name=${MODEL_NAME:-IntroSVG-Qwen2.5-VL-7B}
tp=${TP:-}
replicas=${REPLICAS:-}
port=${PORT:-23333}
proxy=${PROXY:-0}
proxy_port=${PROXY_PORT:-8000}
docker=${DOCKER:-0}
image=${LMDEPLOY_IMAGE:-$PINNED_IMAGE}
session_len=${SESSION_LEN:-16384}
max_batch=${MAX_BATCH:-}
cache_share=${CACHE_MAX_ENTRY_COUNT:-}
api_key_file=${API_KEY_FILE:-}
api_key=${API_KEY:-}
backend=${BACKEND:-pytorch}
bind=${SERVER_NAME:-0.0.0.0}
wait_seconds=${WAIT_SECONDS:-900}
poll_seconds=${POLL_SECONDS:-5}
stop_seconds=${STOP_SECONDS:-30}
log_dir=${LOG_DIR:-.}
dry_run=0

die() { # exit code, message
  echo "$ME: $2" >&2
  exit "$1"
}

usage() {
  sed -n '/^# Usage:/,/^# Exit codes:/p' "$0" | sed 's/^# \{0,1\}//'
}

while (($#)); do
  opt=$1
  value=
  case $opt in
    --*=*) value=${opt#*=}; opt=${opt%%=*} ;;
  esac
  case $opt in
    --model | --model-name | --tp | --replicas | --port | --proxy-port | --image | --session-len | \
      --max-batch-size | --cache-max-entry-count | --api-key-file)
      if [[ $1 != *=* ]]; then
        (($# >= 2)) || die 2 "$opt needs a value (see --help)"
        value=$2
        shift
      fi
      ;;
  esac
  case $opt in
    --model) model=$value ;;
    --model-name) model_name=$value ;;
    --tp) tp=$value ;;
    --replicas) replicas=$value ;;
    --port) port=$value ;;
    --proxy) proxy=1 ;;
    --proxy-port) proxy_port=$value ;;
    --docker) docker=1 ;;
    --image) image=$value ;;
    --session-len) session_len=$value ;;
    --max-batch-size) max_batch=$value ;;
    --cache-max-entry-count) cache_share=$value ;;
    --api-key-file) api_key_file=$value ;;
    --dry-run) dry_run=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die 2 "unknown option $1 (see --help)" ;;
  esac
  shift
done

positive() { # name, value
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die 2 "$1 must be a positive whole number, not '$2'"
}
[[ -n $tp ]] && positive --tp "$tp"
[[ -n $replicas ]] && positive --replicas "$replicas"
positive --port "$port"
positive --proxy-port "$proxy_port"
positive --session-len "$session_len"
[[ -n $max_batch ]] && positive --max-batch-size "$max_batch"
positive WAIT_SECONDS "$wait_seconds"
positive STOP_SECONDS "$stop_seconds"
if [[ -n $cache_share ]] && ! [[ $cache_share =~ ^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$ ]]; then
  die 2 "--cache-max-entry-count must be a share of free GPU memory in (0, 1], not '$cache_share'"
fi
[[ -n $model && -n $model_name ]] || die 2 "--model and --model-name must not be empty"

if [[ -n $api_key_file ]]; then
  [[ -r $api_key_file ]] || die 2 "can't read the API key file $api_key_file"
  api_key=$(<"$api_key_file")
fi
api_key=${api_key#"${api_key%%[![:space:]]*}"} # strip, as the client strips its key file
api_key=${api_key%"${api_key##*[![:space:]]}"}
if [[ -n $api_key_file && -z $api_key ]]; then die 2 "the API key file $api_key_file is empty"; fi
[[ $api_key =~ [[:space:]] ]] && die 2 "the API key must be one word (lmdeploy splits --api-keys on spaces)"

# GPUs: CUDA_VISIBLE_DEVICES wins (an operator who restricted the host), else every GPU nvidia-smi lists.
gpu_name=
if command -v nvidia-smi >/dev/null; then
  gpu_list=$(nvidia-smi --list-gpus 2>/dev/null) || gpu_list=
  gpu_name=$(sed -n '1s/^GPU [0-9]*: \(.*\) (UUID.*$/\1/p' <<<"$gpu_list")
fi
if [[ -n ${CUDA_VISIBLE_DEVICES:-} ]]; then
  IFS=, read -ra gpus <<<"$CUDA_VISIBLE_DEVICES"
elif [[ -n ${gpu_list:-} ]]; then
  mapfile -t gpus < <(sed -n 's/^GPU \([0-9][0-9]*\):.*/\1/p' <<<"$gpu_list")
else
  gpus=()
fi
((${#gpus[@]} >= 1)) || die 2 "no GPU found by nvidia-smi (and CUDA_VISIBLE_DEVICES is empty); run on a GPU host"

# --tp alone: one server; --replicas alone: the GPUs split evenly; neither: one server on every GPU.
if [[ -z $replicas ]]; then replicas=1; fi
if [[ -z $tp ]]; then
  tp=$((${#gpus[@]} / replicas))
  ((tp >= 1)) || die 2 "--replicas $replicas needs at least $replicas GPUs; found ${#gpus[@]}"
fi
((tp * replicas <= ${#gpus[@]})) ||
  die 2 "--replicas $replicas x --tp $tp needs $((tp * replicas)) GPUs; found ${#gpus[@]} (${gpus[*]})"
last_port=$((port + replicas - 1))
((last_port <= 65535)) || die 2 "ports $port..$last_port do not fit below 65536"
if ((proxy)) && ((proxy_port >= port && proxy_port <= last_port)); then
  die 2 "--proxy-port $proxy_port collides with the servers' ports $port..$last_port"
fi

# lmdeploy's default max batch size per engine (lmdeploy/utils.py get_max_batch_size, v0.16.0).
batch=$max_batch
if [[ -z $batch ]]; then
  case ${gpu_name,,} in
    *a100* | *a800*) batch=384 ;;
    *h100* | *h800* | *h200* | *l20y*) batch=1024 ;;
    *) batch=128 ;;
  esac
fi
concurrency=$((batch * replicas))
host=${ADVERTISED_HOST:-$(hostname -f 2>/dev/null || hostname)}

# In the container the model is under /models when it is a local directory; a Hugging Face id is
# downloaded into the host's cache, mounted so the next start does not download again.
model_arg=$model
docker_mount=
if ((docker)); then
  if [[ -d $model ]]; then
    model_dir=$(cd "$model" && pwd)
    model_arg=/models/${model_dir##*/}
    docker_mount=$model_dir:$model_arg:ro
  else
    docker_mount=${HF_HOME:-$HOME/.cache/huggingface}:/root/.cache/huggingface
  fi
fi

server_cmd() { # index -> cmd=(...) env_cvd=...
  local i=$1 first=$(($1 * tp)) j
  local p=$((port + i))
  env_cvd=
  for ((j = first; j < first + tp; j++)); do env_cvd+=${env_cvd:+,}${gpus[j]}; done
  local lmdeploy_args=(lmdeploy serve api_server "$model_arg"
    --server-name "$bind" --server-port "$p"
    --model-name "$model_name"
    --backend "$backend" --tp "$tp"
    --session-len "$session_len")
  [[ -n $max_batch ]] && lmdeploy_args+=(--max-batch-size "$max_batch")
  [[ -n $cache_share ]] && lmdeploy_args+=(--cache-max-entry-count "$cache_share")
  [[ -n $api_key ]] && lmdeploy_args+=(--api-keys "$api_key")
  if ((docker)); then
    # Host network: the servers keep the host's ports, and the proxy reaches them on 127.0.0.1.
    cmd=(docker run --rm --name "introsvg-lmdeploy-$p" --runtime nvidia --gpus "\"device=$env_cvd\""
      --ipc=host --network host -v "$docker_mount" "$image" "${lmdeploy_args[@]}")
    env_cvd=
  else
    cmd=("${lmdeploy_args[@]}")
  fi
}

proxy_cmd() { # -> cmd=(...)
  # --disable-cache-status: a restarted proxy must not route to the nodes of an earlier run.
  local lmdeploy_args=(lmdeploy serve proxy --server-name "$bind" --server-port "$proxy_port"
    --routing-strategy min_expected_latency --disable-cache-status)
  [[ -n $api_key ]] && lmdeploy_args+=(--api-keys "$api_key")
  if ((docker)); then
    cmd=(docker run --rm --name "introsvg-lmdeploy-proxy-$proxy_port" --network host "$image" "${lmdeploy_args[@]}")
  else
    cmd=("${lmdeploy_args[@]}")
  fi
}

register_body() { # port
  printf '{"url":"http://127.0.0.1:%s","status":{"models":["%s"]}}' "$1" "$model_name"
}

client_cmd() { # -> cmd=(...)
  cmd=(java -jar target/introsvg-client.jar run prompts.csv -o out)
  local i
  if ((proxy)); then
    cmd+=(--server "http://$host:$proxy_port")
  else
    for ((i = 0; i < replicas; i++)); do cmd+=(--server "http://$host:$((port + i))"); done
  fi
  [[ -n $api_key ]] && cmd+=(--api-key-file "${api_key_file:-KEY_FILE}")
  cmd+=(--concurrency "$concurrency")
}

quote() { # one word, as a shell would need it
  if [[ $1 =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

# The key is shown as where it comes from, so a printed line can be pasted without leaking it.
if [[ -n $api_key_file ]]; then key_shown="\"\$(cat $(quote "$api_key_file"))\""; else key_shown="\"\$API_KEY\""; fi

show() { # env assignment (may be empty), words...: one copy-pasteable line
  local line=$1 prev='' w
  shift
  for w in "$@"; do
    if [[ $prev == --api-keys ]]; then line+=" $key_shown"; else line+=${line:+ }$(quote "$w"); fi
    prev=$w
  done
  printf '%s\n' "$line"
}

ports="port $port"
((replicas > 1)) && ports="ports $port..$last_port"
plan="${#gpus[@]} GPU(s) (${gpus[*]}${gpu_name:+: $gpu_name}); $replicas server(s) x --tp $tp on $ports"
((proxy)) && plan+=", proxy on port $proxy_port"
((docker)) && plan+=", image $image"

if ((dry_run)); then
  echo "# $ME --dry-run: $plan. Nothing is started; these are the commands."
  if ((proxy)); then
    proxy_cmd
    show "" "${cmd[@]}"
  fi
  for ((i = 0; i < replicas; i++)); do
    server_cmd "$i"
    show "${env_cvd:+CUDA_VISIBLE_DEVICES=$env_cvd}" "${cmd[@]}"
  done
  echo "# then wait until every server answers /health with 200 and lists '$model_name' on /v1/models"
  if ((proxy)); then
    for ((i = 0; i < replicas; i++)); do
      show "" curl -fsS -X POST "http://127.0.0.1:$proxy_port/nodes/add" -H 'Content-Type: application/json' \
        -d "$(register_body $((port + i)))"
    done
  fi
  echo "# and from a client machine:"
  client_cmd
  show "" "${cmd[@]}"
  exit 0
fi

if ((docker)); then
  command -v docker >/dev/null || die 2 "docker is not installed (or leave out --docker to use a local lmdeploy)"
else
  command -v lmdeploy >/dev/null ||
    die 2 "lmdeploy is not installed (pip install lmdeploy, or use --docker for the pinned image)"
fi
for tool in curl setsid; do
  command -v "$tool" >/dev/null || die 2 "$tool is not installed"
done
mkdir -p "$log_dir"

pids=()        # one per started process; each leads its own process group (setsid)
names=()       # what each is, for messages
logs=()
containers=()  # --docker: the names to `docker stop`
sleeper=       # the pid of a poll's sleep, so a signal does not wait for it
stopped=0

# shellcheck disable=SC2317 # called from the traps
stop_all() {
  ((stopped)) && return
  stopped=1
  [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null
  ((${#pids[@]})) || return 0
  echo "$ME: stopping ${#pids[@]} process(es) started here..." >&2
  local pid c deadline=$((SECONDS + stop_seconds))
  for c in "${containers[@]}"; do docker stop -t "$stop_seconds" "$c" >/dev/null 2>&1 & done
  # The whole group: lmdeploy's engine and tp workers are children of the server process.
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    while kill -0 -- "-$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 -- "-$pid" 2>/dev/null; then
      echo "$ME: process group $pid did not stop in ${stop_seconds}s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  echo "$ME: stopped." >&2
}

# shellcheck disable=SC2317 # called from the traps
on_signal() { # exit code
  # Stopping must finish even when the terminal or the pipe reading our output is gone.
  trap '' INT TERM HUP PIPE
  set +e
  stop_all
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
trap 'stop_all' EXIT

start() { # name, log, env assignment (may be empty), words...
  local name=$1 log=$2 cvd=$3
  shift 3
  echo "Starting $name: $(show "${cvd:+CUDA_VISIBLE_DEVICES=$cvd}" "$@")  (log $log)"
  if [[ -n $cvd ]]; then
    CUDA_VISIBLE_DEVICES=$cvd setsid "$@" >"$log" 2>&1 </dev/null &
  else
    setsid "$@" >"$log" 2>&1 </dev/null &
  fi
  pids+=("$!")
  names+=("$name")
  logs+=("$log")
}

fail_if_any_dead() { # one server that dies while loading fails the start: no waiting for the others
  local k
  for k in "${!pids[@]}"; do
    if ! kill -0 "${pids[k]}" 2>/dev/null; then
      echo "$ME: ${names[k]} exited during start-up; last lines of ${logs[k]}:" >&2
      tail -n 20 "${logs[k]}" >&2 || true
      exit 1
    fi
  done
}

get() { # url -> body on stdout; non-zero unless 200. The key goes in on stdin, never in argv.
  if [[ -n $api_key ]]; then
    curl -fsS --max-time 5 -H @- "$1" <<<"Authorization: Bearer $api_key" 2>/dev/null
  else
    curl -fsS --max-time 5 "$1" 2>/dev/null
  fi
}

pause() {
  sleep "$poll_seconds" &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=
}

deadline=$((SECONDS + wait_seconds))
wait_for() { # index of the process answering, url that must answer 200, text its body must contain
  local k=$1 url=$2 want=$3 body
  while :; do
    fail_if_any_dead
    if body=$(get "$url") && [[ $body == *"$want"* ]]; then return 0; fi
    ((SECONDS < deadline)) ||
      die 1 "no answer from $url after ${wait_seconds}s (see ${logs[k]}); stopping everything started here"
    pause
  done
}

echo "$ME: $plan"
if ((proxy)); then
  proxy_cmd
  ((docker)) && containers+=("introsvg-lmdeploy-proxy-$proxy_port")
  start "proxy on port $proxy_port" "$log_dir/lmdeploy-proxy-$proxy_port.log" "" "${cmd[@]}"
fi
server0=${#pids[@]}
for ((i = 0; i < replicas; i++)); do
  server_cmd "$i"
  p=$((port + i))
  ((docker)) && containers+=("introsvg-lmdeploy-$p")
  log=$log_dir/lmdeploy-$p.log
  ((replicas == 1)) && [[ -n ${LOG_FILE:-} ]] && log=$LOG_FILE
  start "server $((i + 1))/$replicas on port $p" "$log" "$env_cvd" "${cmd[@]}"
done

# The port opens only once the weights are loaded; /health is 503 while the engine initialises.
echo "Waiting up to ${wait_seconds}s for /health and /v1/models on every server (loading a 7B model takes minutes)..."
for ((i = 0; i < replicas; i++)); do
  p=$((port + i))
  wait_for $((server0 + i)) "http://127.0.0.1:$p/health" ""
  wait_for $((server0 + i)) "http://127.0.0.1:$p/v1/models" "\"$model_name\""
  echo "  server $((i + 1))/$replicas on port $p is serving '$model_name' (after ${SECONDS}s)"
done
if ((proxy)); then
  # The proxy has no /health; /nodes/status answers once it listens. Nodes are registered with their
  # model named, so the proxy need not ask their /v1/models (which would need the key).
  wait_for 0 "http://127.0.0.1:$proxy_port/nodes/status" ""
  for ((i = 0; i < replicas; i++)); do
    reply=$(curl -fsS --max-time 10 -X POST "http://127.0.0.1:$proxy_port/nodes/add" \
      -H 'Content-Type: application/json' -d "$(register_body $((port + i)))") || reply=
    [[ $reply == *"Added successfully"* ]] ||
      die 1 "the proxy did not add http://127.0.0.1:$((port + i)) (it answered '$reply'); see ${logs[0]}"
  done
  wait_for 0 "http://127.0.0.1:$proxy_port/v1/models" "\"$model_name\""
  echo "  proxy on port $proxy_port routes to $replicas server(s)"
fi

echo
echo "lmdeploy is serving '$model_name'. From a client machine:"
echo
[[ -n $api_key && -z $api_key_file ]] && echo "  # KEY_FILE: a file holding the key given in API_KEY"
client_cmd
echo "  $(show "" "${cmd[@]}")"
echo
echo "Ctrl-C stops every server started here."

# A server that exits now stops the rest: a supervisor sees one failure, not a silently smaller fleet.
set +e
wait -n
status=$?
set -e
for k in "${!pids[@]}"; do
  if ! kill -0 "${pids[k]}" 2>/dev/null; then
    echo "$ME: ${names[k]} exited (status $status); last lines of ${logs[k]}:" >&2
    tail -n 20 "${logs[k]}" >&2 || true
    break
  fi
done
exit 1
