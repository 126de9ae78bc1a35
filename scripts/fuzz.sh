#!/usr/bin/env bash
# Fuzzes every parser of outside data with libFuzzer + ASan + UBSan (the targets in fuzz/).
# Installs clang, its runtime and libomp when missing, builds only the library and the fuzz
# targets with clang in ./build-fuzz, then runs each target in turn, one process on one core,
# for a bounded time from the committed seed corpus fuzz/corpus/<target>/ (new inputs it finds
# are kept in build-fuzz/corpus/<target>/). Prints executions and coverage per target and fails
# on any finding; the input that triggered it is saved in build-fuzz/findings/<target>/.
#
#   scripts/fuzz.sh                         # every target, 60 s each
#   scripts/fuzz.sh --seconds 600 json npy  # some targets, 10 minutes each
#   scripts/fuzz.sh --make-corpus           # regenerate fuzz/corpus with nash's own writers
#   build-fuzz/fuzz/fuzz_npy <file>         # replay one input
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
make_corpus=0
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --make-corpus) make_corpus=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all_targets=(safetensors npy idx idx_gzip json)
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (${all_targets[*]})" >&2; exit 2; }
done

packages=(clang libclang-rt-14-dev libomp-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fuzz.sh: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${NASH_FUZZ_BUILD_DIR:-build-fuzz}
# -O1 -g: the usual fuzzing trade of speed against readable sanitizer reports.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DNASH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DNASH_BUILD_TESTS=OFF -DNASH_BUILD_BENCH=OFF -DNASH_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "${NASH_JOBS:-2}" --target nash_fuzz

if ((make_corpus)); then
  rm -rf fuzz/corpus
  "$build/fuzz/fuzz_make_corpus" fuzz/corpus
  echo "fuzz.sh: wrote $(find fuzz/corpus -type f | wc -l) seed files, $(du -sb fuzz/corpus | cut -f1) bytes"
  exit 0
fi

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
failed=()
printf '%-12s %8s %12s %10s %8s %8s %8s %8s\n' target seconds execs exec/s cov ft corpus rss_mb
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t" findings="$build/findings/$t" log="$build/logs/$t.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$findings/")
  [[ -f fuzz/dict/$t.dict ]] && args+=(-dict="fuzz/dict/$t.dict")
  status=0
  "$build/fuzz/fuzz_$t" "${args[@]}" "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  printf '%-12s %8s %12s %10s %8s %8s %8s %8s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}"
  if ((status != 0)); then
    failed+=("$t")
    echo "fuzz.sh: $t found a problem (exit $status); the log's end ($log):" >&2
    tail -40 "$log" >&2
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in ${failed[*]}; inputs in $build/findings/" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
