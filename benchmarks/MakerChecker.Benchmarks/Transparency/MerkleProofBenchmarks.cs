using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>Proofs in a log of 1,000,000 events, from stored hashes in memory or in the hash file, and their verification.</summary>
[MemoryDiagnoser]
public class MerkleProofBenchmarks
{
    private const long Leaves = 1_000_000;

    private readonly long[] _indexes = new long[1024];
    private string _directory = string.Empty;
    private FileMerkleHashStore? _file;
    private MerkleTree _tree = null!;
    private byte[][] _proof = [];
    private byte[] _leafHash = [];
    private byte[] _root = [];
    private byte[][] _consistency = [];
    private byte[] _oldRoot = [];
    private int _next;

    [Params("memory", "file")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public void GlobalSetup()
    {
        _directory = Directory.CreateTempSubdirectory("mc-bench-proof-").FullName;
        _file = Store == "file" ? FileMerkleHashStore.Open(Path.Combine(_directory, "audit.merkle")) : null;
        _tree = TreeFixtures.Build(_file is null ? new MemoryMerkleHashStore() : _file, Leaves);
        _file?.Flush();

        var random = new Random(42);
        for (var i = 0; i < _indexes.Length; i++)
        {
            _indexes[i] = random.NextInt64(Leaves);
        }

        const long Index = 777_777;
        _proof = [.. _tree.ProveInclusion(Index, Leaves).Select(h => h.ToArray())];
        _leafHash = _tree.LeafHashAt(Index).ToArray();
        _root = _tree.Root.ToArray();
        _consistency = [.. _tree.ProveConsistency(654_321, Leaves).Select(h => h.ToArray())];
        _oldRoot = _tree.RootAt(654_321).ToArray();
    }

    [Benchmark]
    public MerkleHash[] ProveInclusion() => _tree.ProveInclusion(_indexes[_next++ & 1023], Leaves);

    [Benchmark]
    public bool VerifyInclusion() => MerkleProof.VerifyInclusion(777_777, Leaves, _leafHash, _proof, _root).IsValid;

    [Benchmark]
    public MerkleHash[] ProveConsistency() => _tree.ProveConsistency(_indexes[_next++ & 1023] + 1, Leaves);

    [Benchmark]
    public bool VerifyConsistency() => MerkleProof.VerifyConsistency(654_321, Leaves, _consistency, _oldRoot, _root).IsValid;

    [Benchmark]
    public MerkleHash RootAt() => _tree.RootAt(Leaves - (_indexes[_next++ & 1023] & 0xffff));

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _file?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
