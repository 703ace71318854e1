#!/usr/bin/env bash
# End-to-end timing of `makerchecker audit verify` as a user runs it: a fresh process per run, wall clock and peak RSS
# from /usr/bin/time. No network beyond the NuGet restore of the first build; no BenchmarkDotNet.
#
#   benchmarks/cli-verify.sh                 # the tool as users install it, and its framework-dependent "any" package
#   benchmarks/cli-verify.sh --candidates    # also the tiering / ReadyToRun candidates (docs/performance.md)
#
# "tool" is `dotnet pack` + `dotnet tool install --tool-path` of the result, timed as the installed `makerchecker`
# command (on linux-x64 the Native AOT package); "any" is the framework-dependent package
# that every other platform installs, run as `dotnet MakerChecker.Cli.dll`.
#
# For upstream-layout bundles timed against the upstream verifier, see benchmarks/cli-verify-upstream.sh.
#
# Bundles: the demo's own bundle (samples/ClaimsReview, 1,551 events) and realistic claims-review bundles of 10k, 300k
# and 1M events written by the exporter's chain appender (MakerChecker.Benchmarks audit-write-bundle). They are kept in
# $CLI_VERIFY_DIR (default /tmp/mc-cli-verify, about 1.2 GB) and reused. SIZES and RUNS override the defaults.
# Each timing command is bounded by `timeout 120`. Prints the median of RUNS runs (wall clock, and CPU time = user + sys,
# which other load on a shared machine disturbs less) and the largest peak RSS.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${CLI_VERIFY_DIR:-/tmp/mc-cli-verify}
sizes=${SIZES:-"10000 300000 1000000"}
runs=${RUNS:-3}
candidates=false
[[ ${1:-} == --candidates ]] && candidates=true
mkdir -p "$work/data"
cd "$repo"

# shellcheck source=benchmarks/cli-verify-lib.sh
source "$repo/benchmarks/cli-verify-lib.sh"

# Bundles.
if [[ ! -f $work/data/demo/run-001/bundle.json ]]; then
    build demo build samples/ClaimsReview
    rm -rf "$work/data/demo"
    timeout 120 dotnet "$work/demo/ClaimsReview.dll" "$work/data/demo" > /dev/null
fi
files=("$work/data/demo/run-001/bundle.json")
for n in $sizes; do
    if [[ ! -f $work/data/b$n.json ]]; then
        [[ -f $work/gen/MakerChecker.Benchmarks.dll ]] || build gen build benchmarks/MakerChecker.Benchmarks
        timeout 120 dotnet "$work/gen/MakerChecker.Benchmarks.dll" audit-write-bundle "$work/data/b$n.json.tmp" "$n"
        mv "$work/data/b$n.json.tmp" "$work/data/b$n.json"
    fi
    # As `makerchecker audit export` writes it: 64 KiB at a time (see rewrite_as_exported).
    rewrite_as_exported "$work/data/b$n.json" 64K
    files+=("$work/data/b$n.json")
done

# The tool as installed, its "any" package, and the candidates: runtimeconfig knobs set the way a csproj would, and
# ReadyToRun publishes (the linux-x64 tool before it was compiled ahead of time). The tool's csproj sets TieredPGO=false
# for its "any" package; "pgo-on" is the .NET default it had before.
install_tool
declare -A command=([tool]="$work/tool/makerchecker" [any]="dotnet $work/tool-any/MakerChecker.Cli.dll")
tools=(tool any)
if $candidates; then
    r2r=(publish src/MakerChecker.Cli -r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true)
    build pgo-on build src/MakerChecker.Cli -p:TieredPGO=true
    build tc-off build src/MakerChecker.Cli -p:TieredCompilation=false
    build osr-off build src/MakerChecker.Cli -p:TieredCompilationQuickJitForLoops=false
    build r2r "${r2r[@]}"
    build r2r-pgo-on "${r2r[@]}" -p:TieredPGO=true
    build r2r-tc-off "${r2r[@]}" -p:TieredCompilation=false
    build r2r-osr-off "${r2r[@]}" -p:TieredCompilationQuickJitForLoops=false
    for c in pgo-on tc-off osr-off r2r r2r-pgo-on r2r-tc-off r2r-osr-off; do
        tools+=("$c")
        command[$c]="dotnet $work/$c/MakerChecker.Cli.dll"
    done
fi

# Let the kernel write back the rewritten bundles before anything is timed (writeback would share the cores).
sync
sleep 5
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load$(uptime | sed 's/.*load average//')"
echo "command: /usr/bin/time -f '%e s %M KB' COMMAND audit verify BUNDLE   (median of $runs)"
for tool in "${tools[@]}"; do echo "  $tool: ${command[$tool]}"; done
for tool in "${tools[@]}"; do
    declare -A secs=()
    line="| $tool |"
    for f in "${files[@]}"; do
        : > "$work/times"
        for ((r = 0; r < runs; r++)); do
            # shellcheck disable=SC2086 # the command is words: "dotnet PATH.dll" or the installed tool
            out=$(timeout 120 /usr/bin/time -a -o "$work/times" -f '%e %M %U %S' ${command[$tool]} audit verify "$f") \
                || { echo "$tool: verify failed on $f: $out" >&2; exit 1; }
        done
        events=$(grep -o '[0-9]* events' <<< "$out" | cut -d' ' -f1)
        t=$(cut -d' ' -f1 "$work/times" | median)
        cpu=$(awk '{ print $3 + $4 }' "$work/times" | median)
        rss=$(cut -d' ' -f2 "$work/times" | sort -g | tail -1)
        secs[$events]=$t
        if [[ $f == */demo/* ]]; then
            line+=" $(awk -v t="$t" -v c="$cpu" 'BEGIN { printf "%.0f ms (cpu %.0f ms)", t * 1000, c * 1000 }'), $((rss / 1024)) MB |"
        else
            line+=" $(awk -v n="$events" -v t="$t" -v c="$cpu" \
                'BEGIN { printf "%.2f s, %.0f k/s (cpu %.2f s, %.0f k/s)", t, n / t / 1000, c, n / c / 1000 }'), $((rss / 1024)) MB |"
        fi
    done
    if [[ -n ${secs[10000]:-} && -n ${secs[300000]:-} ]]; then
        line+=" $(awk -v a="${secs[10000]}" -v b="${secs[300000]}" 'BEGIN { if (b > a) printf "%.0f k/s", 290000 / (b - a) / 1000; else print "n/a" }') |"
    fi
    echo "$line"
    unset secs
done
echo "columns: tool | demo (1,551 events) start to verdict | ${sizes// / | } events: median wall clock, events/s (CPU time), peak RSS"\
    "| marginal rate 10k→300k (wall clock)"
