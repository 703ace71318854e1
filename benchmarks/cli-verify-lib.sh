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

# Rewrites a bundle with writes of the given size (dd's bs), so that the page cache holds it as after its real export.
# The kernel caches a file in folios whose size follows the writes that filled them (ext4 on Linux 6.18, as here): one
# 4 KiB page each when the writer wrote 4 KiB at a time, as `audit-write-bundle` does through FileStream's 4 KiB buffer;
# 32-64 KiB for writes of 64 KiB (our exporter, through the CLI's 64 KiB FileStream); 2 MiB for one write of the whole
# text (upstream's exporter: `writeFileSync(out, JSON.stringify(bundle, null, 2))`); and a file read from disk comes in
# by readahead in folios of mixed sizes, mostly large. A mapped verifier pays the kernel per folio to map and unmap the file: with
# one-page folios, about a tenth more CPU (docs/performance.md, "Upstream layout: the scan and the kernel"); a verifier
# that read()s the file (upstream's) is not affected. Each run rewrites the bundles anew: cheap, and whoever wrote them
# before (an older version of this script) does not matter.
rewrite_as_exported() { # bundle, write size
    dd if="$1" of="$1.tmp" bs="$2" status=none
    mv "$1.tmp" "$1"
}
