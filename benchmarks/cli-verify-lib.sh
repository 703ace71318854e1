# Shared by benchmarks/cli-verify.sh and benchmarks/cli-verify-upstream.sh (sourced; expects $work).

build() { # name, then dotnet arguments: a Release build into $work/name, its log beside it
    local name=$1; shift
    echo "building $name" >&2
    rm -rf "${work:?}/$name"
    dotnet "$@" -c Release -o "$work/$name" -nologo -v quiet > "$work/$name.build.log" 2>&1 \
        || { cat "$work/$name.build.log" >&2; exit 1; }
}

# The tool as users install it: `dotnet pack` of src/MakerChecker.Cli (the RID-specific tool packages: Native AOT for
# linux-x64, framework-dependent "any" for other platforms) into $work/tool.pkgs, then `dotnet tool install
# --tool-path $work/tool` from that folder alone (its own nuget.config and package cache, so no network and no stale
# copy of the same version), which picks the package for this machine. Run it as $work/tool/makerchecker.
# Also unpacks the "any" package into $work/tool-any (what other platforms run: dotnet $work/tool-any/MakerChecker.Cli.dll).
install_tool() {
    echo "packing and installing the tool" >&2
    rm -rf "${work:?}/tool" "$work/tool.pkgs" "$work/tool.nuget" "$work/tool-any"
    local log=$work/tool.build.log
    dotnet pack src/MakerChecker.Cli -c Release -o "$work/tool.pkgs" -nologo -v quiet > "$log" 2>&1 \
        || { cat "$log" >&2; exit 1; }
    printf '<configuration><packageSources><clear /><add key="packed" value="%s" /></packageSources></configuration>\n' \
        "$work/tool.pkgs" > "$work/tool.pkgs/nuget.config"
    NUGET_PACKAGES=$work/tool.nuget dotnet tool install MakerChecker.Cli --tool-path "$work/tool" \
        --configfile "$work/tool.pkgs/nuget.config" >> "$log" 2>&1 || { cat "$log" >&2; exit 1; }
    mkdir -p "$work/tool-any"
    (cd "$work/tool-any" && unzip -q "$work"/tool.pkgs/MakerChecker.Cli.any.*.nupkg 'tools/*' && mv tools/*/any/* . && rm -rf tools)
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
