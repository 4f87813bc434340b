#!/bin/bash
# Runs one libFuzzer target for a bounded time: first every committed
# regression input (a crash found once must stay fixed), then fuzzing from the
# generated seeds. Prints the executions; fails on any crash, leak, sanitizer
# report or property violation (the input is kept under fuzz-artifacts/).
# Usage: run_fuzzer.sh FUZZER MAKE_SEEDS WORK_DIR REGRESSIONS_DIR
set -euo pipefail
fuzzer=$1 make_seeds=$2 work=$3 regressions=$4
name=$(basename "$fuzzer")
seconds=${OVSXDP_FUZZ_SECONDS:-30}
seeds=$work/seeds/${name#fuzz_}
corpus=$work/corpus/$name
artifacts=$work/fuzz-artifacts/$name
mkdir -p "$corpus" "$artifacts"
# Seeds are regenerated when the generator was rebuilt (new seeds in it).
if [ ! -d "$seeds" ] || [ "$make_seeds" -nt "$seeds" ]; then rm -rf "$work/seeds" && "$make_seeds" "$work/seeds"; fi
inputs=()
[ -d "$regressions" ] && while IFS= read -r f; do inputs+=("$f"); done < <(find "$regressions" -type f ! -name '*.md' | sort)
if ((${#inputs[@]})); then
  echo "== $name: ${#inputs[@]} regression inputs"
  "$fuzzer" -artifact_prefix="$artifacts/" "${inputs[@]}"
fi
echo "== $name: fuzzing for ${seconds}s from $(find "$seeds" -type f | wc -l) seeds"
log=$work/$name.log
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1
status=$?
set -e
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$log" || true
if [ "$status" != 0 ]; then
  tail -40 "$log"
  echo "FAIL: $name found a problem (exit $status); the input is in $artifacts/"
  echo "  reproduce: $fuzzer $artifacts/<file>; once fixed, add the file to $regressions/"
  exit 1
fi
