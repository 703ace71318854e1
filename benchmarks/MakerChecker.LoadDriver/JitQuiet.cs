using System.Diagnostics;

namespace MakerChecker.LoadDriver;

/// <summary>
/// The end of a warm-up: rounds of load until the JIT has gone quiet, that is it spent less than <see cref="Share"/> of the
/// process's CPU time over a window of at least <see cref="WindowCpu"/> of CPU (at most <see cref="Max"/> of warm-up in all).
/// Measured in CPU, not wall time, because on a loaded machine a process gets little of a core, and the tiered compiler
/// needs far longer than on a quiet one; its work is not what a long-running gate spends. Shared by both load drivers.
/// </summary>
internal static class JitQuiet
{
    public const double Share = 0.02;
    public static readonly TimeSpan WindowCpu = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="round"/> (about a second of load) until the JIT is quiet or <paramref name="warmup"/> has run <see cref="Max"/>.</summary>
    public static async Task WaitAsync(Func<Task> round, Stopwatch warmup)
    {
        var (cpu, jit) = (Process.GetCurrentProcess().TotalProcessorTime, System.Runtime.JitInfo.GetCompilationTime());
        while (warmup.Elapsed < Max)
        {
            await round();
            var (cpuNow, jitNow) = (Process.GetCurrentProcess().TotalProcessorTime, System.Runtime.JitInfo.GetCompilationTime());
            if (cpuNow - cpu < WindowCpu) continue;
            if (jitNow - jit < (cpuNow - cpu) * Share) return;
            (cpu, jit) = (cpuNow, jitNow);
        }
    }
}
