#!/usr/bin/env bash
# Builds the render-benchmark corpus: a deterministic sample of real icon SVGs from pinned npm packages,
# copied to target/bench-corpus/svg/ (never committed). Idempotent: re-running with the same versions and
# sample size leaves the same files. Usage: scripts/bench-render-corpus.sh [per-set-count, default 300]
set -euo pipefail

per_set="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/target/bench-corpus"
npm_dir="$corpus/npm"
out="$corpus/svg"

# Pinned so the corpus is the same on every machine; bump deliberately.
packages=(@tabler/icons@3.52.0 lucide-static@1.62.0 @twemoji/svg@15.0.0)
# set name -> directory inside node_modules
declare -A sets=(
  [tabler-outline]=@tabler/icons/icons/outline
  [tabler-filled]=@tabler/icons/icons/filled
  [lucide]=lucide-static/icons
  [twemoji]=@twemoji/svg
)

stamp="$npm_dir/.installed-$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  rm -rf "$npm_dir"
  mkdir -p "$npm_dir"
  echo '{"name":"introsvg-bench-corpus","private":true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --ignore-scripts --silent "${packages[@]}" >&2
  touch "$stamp"
fi

rm -rf "$out"
mkdir -p "$out"
for set in $(printf '%s\n' "${!sets[@]}" | sort); do
  dir="$npm_dir/node_modules/${sets[$set]}"
  # LC_ALL=C: byte order, independent of the machine's locale.
  mapfile -t files < <(find "$dir" -maxdepth 1 -name '*.svg' -printf '%f\n' | LC_ALL=C sort)
  total=${#files[@]}
  if (( total == 0 )); then echo "no SVGs in $dir" >&2; exit 1; fi
  # Every k-th file, evenly spread over the sorted names, at most per_set of them.
  step=$(( total > per_set ? total / per_set : 1 ))
  n=0
  for (( i = 0; i < total && n < per_set; i += step )); do
    cp "$dir/${files[$i]}" "$out/$set--${files[$i]}"
    n=$((n + 1))
  done
  echo "$set: $n of $total from ${sets[$set]}" >&2
done
echo "$(find "$out" -name '*.svg' | wc -l) SVGs in $out" >&2
