#!/usr/bin/env bash
# `makerchecker audit verify` against the upstream verifier (the TypeScript MakerChecker project's proof-verifier, run
# with node) on the same files, in the same run: bundles of 10,000 and 300,000 events in the upstream export layout
# (JSON.stringify(bundle, null, 2) of rows read from PostgreSQL: indented, jsonb key order in actor and payload). The
# marginal rate, 290,000 events over the difference of the two times, cancels process start. Issue 13's target: 20x.
#
#   benchmarks/cli-verify-upstream.sh [PATH/TO/packages/proof-verifier]
#
# The upstream verifier is not part of this repository. To get it (Apache-2.0, zero dependencies, needs node >= 18):
#   git clone --depth 1 https://github.com/sammysltd/MakerChecker /tmp/upstream-makerchecker
#   benchmarks/cli-verify-upstream.sh /tmp/upstream-makerchecker/packages/proof-verifier
# Without it (or without node) the upstream column is skipped and only our verifier is timed.
#
# Bundles are kept in $CLI_VERIFY_DIR (default /tmp/mc-cli-verify, about 360 MB more) and reused; RUNS (default 3)
# runs of each, median wall clock (bash's EPOCHREALTIME around each run) and CPU time (user + sys, /usr/bin/time, 10 ms
# steps), each bounded by `timeout 300`. On a shared machine the wall clock moves with other load; the CPU-time column
# is disturbed less (ours runs on every core, upstream on one, so on a quiet machine the wall-clock ratio is the larger).
#
# Before timing, each bundle is rewritten with writes of WRITE_SIZE bytes (default 4M: upstream's exporter writes the
# whole text at once), which decides how the page cache holds it (see rewrite_as_exported in cli-verify-lib.sh).
# WRITE_SIZE=64K times the files as `cp` or a 64 KiB writer would leave them; 4K as the benchmarks' generator does.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${CLI_VERIFY_DIR:-/tmp/mc-cli-verify}
runs=${RUNS:-3}
write_size=${WRITE_SIZE:-4M}
upstream=${1:-}
mkdir -p "$work/data"
cd "$repo"

upstream_cli=
if [[ -n $upstream ]]; then
    for candidate in "$upstream/src/cli.js" "$upstream/packages/proof-verifier/src/cli.js" "$upstream"; do
        [[ -f $candidate ]] && { upstream_cli=$candidate; break; }
    done
    [[ -n $upstream_cli ]] || echo "no proof-verifier at '$upstream' (expected .../packages/proof-verifier): upstream column skipped" >&2
else
    echo "no upstream verifier given: upstream column skipped (see the top of $0 for how to get it)" >&2
fi
if [[ -n $upstream_cli ]] && ! command -v node > /dev/null; then
    echo "node is not installed: upstream column skipped" >&2
    upstream_cli=
fi

# shellcheck source=benchmarks/cli-verify-lib.sh
source "$repo/benchmarks/cli-verify-lib.sh"

build gen build benchmarks/MakerChecker.Benchmarks
install_tool
for n in 10000 300000; do
    if [[ ! -f $work/data/u$n.json ]]; then
        timeout 300 dotnet "$work/gen/MakerChecker.Benchmarks.dll" audit-write-bundle "$work/data/u$n.json.tmp" "$n" upstream
        mv "$work/data/u$n.json.tmp" "$work/data/u$n.json"
    fi
    # As upstream's exporter writes it: the whole text in one write (see rewrite_as_exported; 4 MiB writes leave the same
    # 2 MiB folios).
    rewrite_as_exported "$work/data/u$n.json" "$write_size"
done

time_verifier() { # label, then the command up to the bundle; prints "wall10k wall300k" and a table row
    local label=$1; shift
    local line="| $label |" walls=() cpus=()
    for n in 10000 300000; do
        : > "$work/times"
        : > "$work/elapsed"
        # One untimed run first, for both verifiers: the bundle in the page cache and the binary's pages loaded.
        timeout 300 "$@" "$work/data/u$n.json" > /dev/null 2>&1 || true
        for ((r = 0; r < runs; r++)); do
            local start=$EPOCHREALTIME
            timeout 300 /usr/bin/time -a -o "$work/times" -f '%e %M %U %S' "$@" "$work/data/u$n.json" > "$work/out" 2>&1 \
                || { echo "$label failed on u$n.json: $(head -c 300 "$work/out")" >&2; exit 1; }
            awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", b - a }' >> "$work/elapsed"
        done
        local t cpu rss
        # Wall clock from bash's microsecond clock around each run (/usr/bin/time's %e has 10 ms steps, 3 % of a 0.3 s
        # run); the wrappers' own few milliseconds are the same at both sizes and cancel in the marginal rate.
        t=$(median < "$work/elapsed")
        cpu=$(awk '{ print $3 + $4 }' "$work/times" | median)
        rss=$(cut -d' ' -f2 "$work/times" | sort -g | tail -1)
        walls+=("$t")
        cpus+=("$cpu")
        line+=" $(awk -v t="$t" -v c="$cpu" 'BEGIN { printf "%.3f s (cpu %.2f s)", t, c }'), $((rss / 1024)) MB |"
    done
    echo "${walls[0]} ${walls[1]} ${cpus[0]} ${cpus[1]}" > "$work/walls.$label"
    line+=" $(awk -v a="${walls[0]}" -v b="${walls[1]}" 'BEGIN { if (b > a) printf "%.0f k/s", 290000 / (b - a) / 1000; else print "n/a" }') |"
    line+=" $(awk -v a="${cpus[0]}" -v b="${cpus[1]}" 'BEGIN { if (b > a) printf "%.0f k/s", 290000 / (b - a) / 1000; else print "n/a" }') |"
    echo "$line"
}

# The pack above writes a few hundred MB: let the kernel write them back before anything is timed, so that writeback does
# not share the cores with the first runs.
sync
sleep 5
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load$(uptime | sed 's/.*load average//')"
echo "bundles: $(du -h "$work/data/u10000.json" | cut -f1), $(du -h "$work/data/u300000.json" | cut -f1) (upstream layout, rewritten in writes of $write_size); median of $runs"
echo "| verifier | 10k events | 300k events | marginal rate 10k→300k (wall clock) | per CPU second |"
echo "|---|---|---|---|---|"
time_verifier makerchecker "$work/tool/makerchecker" audit verify
if [[ -n $upstream_cli ]]; then
    time_verifier upstream node "$upstream_cli" verify
    read -r a b ca cb < "$work/walls.makerchecker"
    read -r c d cc cd < "$work/walls.upstream"
    awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v ca="$ca" -v cb="$cb" -v cc="$cc" -v cd="$cd" \
        'BEGIN { if (b > a && d > c) printf "ratio of marginal rates (makerchecker / upstream): %.1fx wall clock (target 20x)", (d - c) / (b - a);
                 if (cb > ca && cd > cc) printf ", %.1fx per CPU second (ours uses every core)", (cd - cc) / (cb - ca); print "" }'
fi
echo "commands: $work/tool/makerchecker audit verify BUNDLE (the tool as installed); node ${upstream_cli:-PROOF_VERIFIER/src/cli.js} verify BUNDLE"
