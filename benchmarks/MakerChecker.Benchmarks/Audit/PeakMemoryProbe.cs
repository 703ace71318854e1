using System.Diagnostics;
using MakerChecker.Audit.Bundles;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// BenchmarkDotNet reports allocations, not peak memory. This probe generates a bundle, then verifies it in a fresh
/// child process and reports that process's peak resident set (VmHWM), so generation does not count.
/// Run: dotnet run -c Release -- audit-peak-memory 100000 1000000
/// </summary>
internal static class PeakMemoryProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["audit-verify-one", var path, var expected])
        {
            var watch = Stopwatch.StartNew();
            var verdict = await BundleVerifier.VerifyFileAsync(path);
            watch.Stop();
            var peak = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM", StringComparison.Ordinal)) ?? "VmHWM: n/a";
            Console.WriteLine($"{verdict.EventCount} events, valid={verdict.IsValid}, {watch.Elapsed.TotalSeconds:F2} s, {verdict.EventCount / watch.Elapsed.TotalSeconds:F0} events/s, file {new FileInfo(path).Length / 1e6:F0} MB, peak {peak.Split(':')[1].Trim()}");
            return verdict.IsValid && verdict.EventCount.ToString(System.Globalization.CultureInfo.InvariantCulture) == expected ? 0 : 1;
        }

        foreach (var size in args.Skip(1).Select(int.Parse))
        {
            var dir = Path.Combine(Path.GetTempPath(), "mc-peak-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var bundle = Path.Combine(dir, "bundle.json");
                await ClaimsReviewBundle.WriteAsync(bundle, size);
                var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
                foreach (var arg in new[] { typeof(PeakMemoryProbe).Assembly.Location, "audit-verify-one", bundle, size.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                {
                    info.ArgumentList.Add(arg);
                }

                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) != "dotnet")
                {
                    info.ArgumentList.RemoveAt(0); // running as the apphost
                }

                using var child = Process.Start(info)!;
                Console.WriteLine(await child.StandardOutput.ReadToEndAsync());
                await child.WaitForExitAsync();
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return 0;
    }
}
