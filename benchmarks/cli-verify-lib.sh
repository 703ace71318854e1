# Shared by benchmarks/cli-verify.sh and benchmarks/cli-verify-upstream.sh (sourced; expects $work).

build() { # name, then dotnet arguments: a Release build into $work/name, its log beside it
    local name=$1; shift
    echo "building $name" >&2
    rm -rf "${work:?}/$name"
    dotnet "$@" -c Release -o "$work/$name" -nologo -v quiet > "$work/$name.build.log" 2>&1 \
        || { cat "$work/$name.build.log" >&2; exit 1; }
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
