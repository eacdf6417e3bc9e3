#!/usr/bin/env bash
# Runs each libFuzzer target of a TG_FUZZ build for SECONDS seconds, one
# after another, and prints what each did.
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]
# The corpus of each target grows in BUILD_DIR/fuzz-corpus/<target>/ across
# runs, seeded from tests/data and tests/fuzz/regressions/<target>/. An input
# that breaks a target is written to BUILD_DIR/fuzz-artifacts/<target>/;
# copy it to tests/fuzz/regressions/<target>/ with the fix (README.md).
set -euo pipefail

build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(graphdef_binary graphdef_text graph_run graph_build checkpoint npy)
fi

seed_extension() {
  case "$1" in
    graphdef_binary | graph_run) echo pb ;;
    graphdef_text) echo pbtxt ;;
    graph_build) echo none ;;  # its input is choices, not a file format
    checkpoint) echo safetensors ;;
    npy) echo npy ;;
    *) echo "unknown fuzz target '$1'" >&2; exit 2 ;;
  esac
}

# One thread for OpenBLAS: the fuzzers measure our code, not its pool.
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
summary=()
for t in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$t"
  [ -x "$binary" ] || { echo "no $binary: build with -DTG_FUZZ=ON" >&2; exit 2; }
  corpus="$build/fuzz-corpus/$t"
  seeds="$build/fuzz-seeds/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$seeds" "$artifacts"
  find "$source_dir/tests/data" -name "*.$(seed_extension "$t")" -exec cp -f {} "$seeds/" \;
  if [ -d "$source_dir/tests/fuzz/regressions/$t" ]; then
    cp -f "$source_dir/tests/fuzz/regressions/$t"/* "$seeds/" 2>/dev/null || true
  fi
  log="$build/fuzz-artifacts/$t.log"
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  status=0
  start=$(date +%s)
  touch "$artifacts/.started"
  "$binary" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  found=$(find "$artifacts" -maxdepth 1 -type f ! -name .started -newer "$artifacts/.started" | wc -l)
  line="fuzz_$t: ran ${elapsed}s of ${seconds}s, $runs inputs, coverage $cov edges, corpus $(ls "$corpus" | wc -l) files, $found new failing inputs, exit $status"
  echo "$line"
  summary+=("$line")
  if [ "$status" -ne 0 ]; then
    failed=1
    tail -40 "$log"
  fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
