#!/bin/sh
# Runs the libFuzzer binary on one target for a while (see README "Fuzzing"); called by `make fuzz`.
# Usage: Fuzz/run-fuzzer.sh BINARY TARGET SECONDS
# New coverage goes to a working corpus under .build-fuzz; every input libFuzzer saves as a crash,
# timeout, leak or out-of-memory is copied to Fuzz/regressions/TARGET/ and the run fails.
set -eu
binary=$1 target=$2 seconds=$3
root=$(pwd)
seeds="$root/Fuzz/corpus/$target"
regressions="$root/Fuzz/regressions/$target"
work="$root/.build-fuzz/work/$target"
[ -d "$seeds" ] || { echo "no seed corpus $seeds (targets: protocol, http, gzip)" >&2; exit 2; }
mkdir -p "$work/corpus" "$work/artifacts" "$regressions"
rm -f "$work"/artifacts/* "$work"/*.log

# HTTP inputs may grow past the 16 KiB header limit, so that limit is reached too.
max_len=8192
[ "$target" = http ] && max_len=20480

echo "fuzzing $target for ${seconds}s (log: $work/fuzz-0.log)"
# One job in one worker process (the machine is shared), niced; 10 s for one input is a hang.
status=0
(cd "$work" && KCT_FUZZ_TARGET=$target nice -n 10 "$binary" \
    -jobs=1 -workers=1 -max_total_time="$seconds" -max_len=$max_len -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$work/libfuzzer.log" 2>&1) || status=$?
grep -E '^(stat::number_of_executed_units|stat::new_units_added)|ERROR:|Fatal error' "$work/fuzz-0.log" | sort -u || true

found=0
for artifact in "$work"/artifacts/*; do
    [ -e "$artifact" ] || continue
    cp "$artifact" "$regressions/"
    echo "finding saved as Fuzz/regressions/$target/$(basename "$artifact")" >&2
    found=1
done
if [ "$found" -ne 0 ] || [ "$status" -ne 0 ]; then
    # HTTP inputs may grow past the 16 KiB header limit, so that limit is reached too.
max_len=8192
[ "$target" = http ] && max_len=20480

echo "fuzzing $target failed (libFuzzer exit $status); see $work/fuzz-0.log" >&2
    exit 1
fi
