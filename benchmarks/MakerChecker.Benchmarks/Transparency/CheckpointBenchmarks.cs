using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>
/// Checkpoints of a log of 1,000,000 events: signing one (one new event, the consistency proof from the previous
/// checkpoint and its check, the root, Ed25519 signing and self-verification, and the history record; with the file
/// history, its fsync), opening one, and verifying a receipt.
/// </summary>
[MemoryDiagnoser]
public class CheckpointBenchmarks
{
    private const string Origin = "audit.example.com/payments";
    private const long Leaves = 1_000_000;

    private readonly BenchmarkSigner _signer = new();
    private string _directory = string.Empty;
    private CheckpointHistory _history = null!;
    private CheckpointSigner _checkpoints = null!;
    private MerkleTree _tree = null!;
    private NoteVerifierKey _key = null!;
    private string _note = string.Empty;
    private byte[] _receipt = [];

    [Params("memory", "file")]
    public string History { get; set; } = "memory";

    [GlobalSetup]
    public void GlobalSetup()
    {
        _directory = Directory.CreateTempSubdirectory("mc-bench-checkpoint-").FullName;
        _key = NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span);
        _history = History == "file" ? CheckpointHistory.Open(Path.Combine(_directory, "audit.checkpoints"), _key) : CheckpointHistory.InMemory(_key);
        _checkpoints = new CheckpointSigner(Origin, _signer, _history);
        _tree = TreeFixtures.Build(new MemoryMerkleHashStore(), Leaves);
        var signed = _checkpoints.SignAsync(_tree).AsTask().GetAwaiter().GetResult();
        _note = signed.NoteText;
        _receipt = Receipt.Create(_tree, 123_456, TreeFixtures.Event(123_456), signed).ToJson();
    }

    [Benchmark]
    public async Task<SignedCheckpoint> AppendAndSignCheckpoint()
    {
        _tree.Append(TreeFixtures.Event(_tree.Size));
        return await _checkpoints.SignAsync(_tree);
    }

    [Benchmark]
    public bool OpenSignedCheckpoint() => SignedCheckpoint.TryOpen(_note, [_key], out _, out _);

    [Benchmark]
    public bool VerifyReceipt() => Receipt.TryParse(_receipt, out var receipt, out _) && receipt.Verify([_key], Origin).IsValid;

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _checkpoints.Dispose();
        _history.Dispose();
        _signer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
