using System.Diagnostics;
using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// Stopwatch instrumentation of the verifier's per-row work, one thread, warm: where a row's CPU goes (splitting,
/// the JSON reader alone, the full parse with canonicalization and SHA-256). Not BenchmarkDotNet: a quick probe for
/// comparing row layouts (our export, the upstream layout) on the same machine.
/// Run: dotnet MakerChecker.Benchmarks.dll audit-row-cost BUNDLE [ROWS] [profile]
/// (with <c>profile</c>: only the full parse, 40 rounds or <c>MC_PROFILE_ROUNDS</c>, for <c>perf record</c>/<c>perf stat</c>;
/// with <c>recognize</c>: the same with the row recognizer alone, no UTF-8 check and no SHA-256).
/// </summary>
internal static class RowCostProbe
{
    public static int Run(string path, int maxRows, bool profileOnly = false, bool recognizerOnly = false)
    {
        var rows = new List<byte[]>();
        var sink = new Sink(rows, maxRows);
        var data = File.ReadAllBytes(path).AsSpan(); // the probe holds the bundle; the verifier streams it
        var split = Stopwatch.StartNew();
        try
        {
            new BundleScanner().Scan(data, isFinal: true, sink);
        }
        catch (OperationCanceledException)
        {
            // enough rows
        }

        split.Stop();
        var bytes = rows.Sum(r => (long)r.Length);
        Console.WriteLine($"{rows.Count} rows, {bytes / rows.Count} bytes a row; split (incl. copies) {Micro(split, rows.Count)}");
        using var parser = new EventRowParser();
        if (profileOnly || recognizerOnly)
        {
            return Profile(parser, rows, recognizerOnly);
        }

        double bestReader = double.MaxValue, bestParse = double.MaxValue;
        for (var round = 0; round < 8; round++) // the first rounds warm the JIT up to tier 1; the best of the rest counts
        {
            var cpu = Cpu();
            foreach (var row in rows)
            {
                var r = new Utf8JsonReader(row);
                while (r.Read())
                {
                }
            }

            var reader = Cpu() - cpu;
            cpu = Cpu();
            foreach (var row in rows)
            {
                parser.Parse(row);
            }

            var parse = Cpu() - cpu;
            bestReader = Math.Min(bestReader, reader / rows.Count);
            bestParse = Math.Min(bestParse, parse / rows.Count);
        }

        Console.WriteLine($"best of 8 rounds, CPU time: Utf8JsonReader alone {bestReader:F2} µs a row, EventRowParser.Parse {bestParse:F2} µs a row");
        RecognizerCost(rows);
        HashCost(parser.LastHashedBytes.ToArray());
        foreach (var parallelism in (int[])[1, 2])
        {
            double best = double.MaxValue, bestWall = double.MaxValue;
            long events = 0;
            for (var round = 0; round < 4; round++)
            {
                var cpu = Cpu();
                var wall = Stopwatch.StartNew();
                var verdict = BundleVerifier.VerifyFileAsync(path, new BundleVerifierOptions { MaxDegreeOfParallelism = parallelism })
                    .GetAwaiter().GetResult();
                events = verdict.EventCount;
                best = Math.Min(best, (Cpu() - cpu) / events);
                bestWall = Math.Min(bestWall, wall.Elapsed.TotalMicroseconds / events);
            }

            Console.WriteLine($"BundleVerifier.VerifyFileAsync, {parallelism} worker(s), warm, best of 4: {best:F2} µs CPU an event, {bestWall:F2} µs wall");
        }

        return 0;
    }

    private static int Profile(EventRowParser parser, List<byte[]> rows, bool recognizerOnly)
    {
        var best = double.MaxValue;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("MC_PROFILE_ROUNDS"), out var r) ? r : 40;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Cpu();
            foreach (var row in rows)
            {
                if (recognizerOnly)
                {
                    var result = default(ParsedRow);
                    parser.TryRecognize(row, ref result);
                }
                else
                {
                    parser.Parse(row);
                }
            }

            best = Math.Min(best, (Cpu() - cpu) / rows.Count);
        }

        Console.WriteLine($"best of {rounds} rounds, CPU time: {(recognizerOnly ? "row recognizer alone" : "EventRowParser.Parse")} " +
                          $"{best:F3} µs a row");
        return 0;
    }

    /// <summary>The row recognizer alone (no hashing), against the UTF-8 check it starts from and the reader path's whole parse.</summary>
    private static void RecognizerCost(List<byte[]> rows)
    {
        using var parser = new EventRowParser();
        using var readerOnly = new EventRowParser { UsesRecognizer = false };
        double bestUtf8 = double.MaxValue, bestRecognizer = double.MaxValue, bestReaderPath = double.MaxValue;
        var recognized = 0;
        for (var round = 0; round < 8; round++)
        {
            var cpu = Cpu();
            foreach (var row in rows)
            {
                System.Text.Unicode.Utf8.IsValid(row);
            }

            bestUtf8 = Math.Min(bestUtf8, (Cpu() - cpu) / rows.Count);
            recognized = 0;
            cpu = Cpu();
            foreach (var row in rows)
            {
                var result = default(ParsedRow);
                recognized += parser.TryRecognize(row, ref result) ? 1 : 0;
            }

            bestRecognizer = Math.Min(bestRecognizer, (Cpu() - cpu) / rows.Count);
            cpu = Cpu();
            foreach (var row in rows)
            {
                readerOnly.Parse(row);
            }

            bestReaderPath = Math.Min(bestReaderPath, (Cpu() - cpu) / rows.Count);
        }

        Console.WriteLine($"best of 8 rounds, CPU time: UTF-8 check {bestUtf8:F2} µs, row recognizer alone {bestRecognizer:F2} µs a row " +
            $"({recognized} of {rows.Count} recognized), EventRowParser.Parse without the recognizer {bestReaderPath:F2} µs a row");
    }

    /// <summary>SHA-256 of one hashed object: libcrypto's low-level functions (EventSha256) against SHA256.HashData.</summary>
    private static void HashCost(byte[] hashed)
    {
        using var sha = new EventSha256();
        Span<byte> digest = stackalloc byte[32];
        double bestNative = double.MaxValue, bestPlatform = double.MaxValue;
        const int N = 200_000;
        for (var round = 0; round < 6; round++)
        {
            var cpu = Cpu();
            for (var i = 0; i < N; i++)
            {
                sha.Hash(hashed);
            }

            bestNative = Math.Min(bestNative, (Cpu() - cpu) / N);
            cpu = Cpu();
            for (var i = 0; i < N; i++)
            {
                System.Security.Cryptography.SHA256.HashData(hashed, digest);
            }

            bestPlatform = Math.Min(bestPlatform, (Cpu() - cpu) / N);
        }

        Console.WriteLine($"SHA-256 of a {hashed.Length}-byte hashed object, best of 6: EventSha256 (libcrypto: {EventSha256.UsesLibcrypto}) " +
            $"{bestNative:F3} µs, SHA256.HashData {bestPlatform:F3} µs");
    }

    /// <summary>This process's CPU time in µs: on a shared machine it is disturbed less than the wall clock.</summary>
    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;

    private static string Micro(Stopwatch watch, int rows) => $"{watch.Elapsed.TotalMicroseconds / rows:F2} µs a row";

    private sealed class Sink(List<byte[]> rows, int max) : BundleScanner.ISink
    {
        public void OnManifest(ReadOnlySpan<byte> manifest)
        {
        }

        public void OnEvent(ReadOnlySpan<byte> row)
        {
            rows.Add(row.ToArray());
            if (rows.Count == max)
            {
                throw new OperationCanceledException();
            }
        }

        public void OnTransparency(ReadOnlySpan<byte> section)
        {
        }
    }
}
