using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>
/// Appending events to the tree: the leaf hash of a ~300-byte canonical event plus the stored subtree hashes it
/// completes. Reported per append; events/s = 1 / mean. Each iteration starts a fresh tree and appends 100,000 events.
/// </summary>
[MemoryDiagnoser]
public class MerkleAppendBenchmarks
{
    private const int Appends = 100_000;

    private byte[][] _events = [];
    private string _directory = string.Empty;
    private FileMerkleHashStore? _file;
    private MerkleTree _tree = null!;

    /// <summary>Where the stored hashes live. The file store is not fsync'd per append (the log flushes it with its own fsync).</summary>
    [Params("memory", "file")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public void GlobalSetup()
    {
        _events = [.. Enumerable.Range(0, Appends).Select(i => TreeFixtures.Event(i))];
        _directory = Directory.CreateTempSubdirectory("mc-bench-append-").FullName;
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _file?.Dispose();
        var path = Path.Combine(_directory, "audit.merkle");
        File.Delete(path);
        _file = Store == "file" ? FileMerkleHashStore.Open(path) : null;
        _tree = new MerkleTree(_file is null ? new MemoryMerkleHashStore() : _file);
    }

    [Benchmark(OperationsPerInvoke = Appends)]
    public long Append()
    {
        long last = 0;
        foreach (var leaf in _events)
        {
            last = _tree.Append(leaf);
        }

        return last;
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _file?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
