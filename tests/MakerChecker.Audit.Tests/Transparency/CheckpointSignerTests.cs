using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class CheckpointSignerTests : IDisposable
{
    private const string Origin = "audit.example.com/payments";

    private readonly string _directory = Directory.CreateTempSubdirectory("mc-checkpoints-").FullName;
    private readonly Ed25519TestSigner _signer = new();
    private readonly NoteVerifierKey _key;

    public CheckpointSignerTests() => _key = NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span);

    private string HistoryPath => Path.Combine(_directory, "audit.checkpoints");

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task An_empty_log_is_never_signed()
    {
        using var signer = new CheckpointSigner(Origin, _signer, CheckpointHistory.InMemory(_key));
        var error = await Assert.ThrowsAsync<CheckpointRefusedException>(async () => await signer.SignAsync(new MerkleTree(new MemoryMerkleHashStore())));
        Assert.Equal("empty_log", error.ReasonCode);
        Assert.Equal(0, _signer.Signatures);
    }

    [Fact]
    public async Task Growing_checkpoints_are_signed_with_proofs_and_an_unchanged_tree_is_not_signed_again()
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(3), 50);
        var tree = new MerkleTree(new MemoryMerkleHashStore());
        using var signer = new CheckpointSigner(Origin, _signer, CheckpointHistory.InMemory(_key));
        foreach (var (leaf, i) in leaves.Select((l, i) => (l, i)))
        {
            tree.Append(leaf);
            if (i is 0 or 6 or 31 or 49)
            {
                var signed = await signer.SignAsync(tree);
                Assert.Equal(i + 1, signed.Checkpoint.Size);
            }
        }

        var again = await signer.SignAsync(tree);
        Assert.Same(signer.History.Latest, again);
        Assert.Equal(4, _signer.Signatures);
        Assert.Equal([1L, 7, 32, 50], signer.History.Records.Select(r => r.Checkpoint.Checkpoint.Size));
        Assert.Empty(signer.History.Records[0].ConsistencyFromPrevious);
        Assert.Equal(tree.ProveConsistency(32, 50), signer.History.Records[3].ConsistencyFromPrevious);
    }

    [Fact]
    public async Task A_shorter_log_is_refused()
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(4), 10);
        using var signer = new CheckpointSigner(Origin, _signer, CheckpointHistory.InMemory(_key));
        await signer.SignAsync(MerkleTreePropertyTests.Build(leaves));

        var error = await Assert.ThrowsAsync<CheckpointRefusedException>(async () => await signer.SignAsync(MerkleTreePropertyTests.Build(leaves[..9])));
        Assert.Equal("log_shorter_than_checkpoint", error.ReasonCode);
        Assert.Contains("covers 10 events", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)] // same size, different root
    [InlineData(11)] // longer, but the first ten differ
    [InlineData(64)]
    public async Task A_rewritten_log_is_refused_at_any_size(int size)
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(5), 64);
        using var signer = new CheckpointSigner(Origin, _signer, CheckpointHistory.InMemory(_key));
        await signer.SignAsync(MerkleTreePropertyTests.Build(leaves[..10]));

        var rewritten = leaves[..size].ToArray();
        rewritten[3] = [.. rewritten[3], 0x00];
        var error = await Assert.ThrowsAsync<CheckpointRefusedException>(async () => await signer.SignAsync(MerkleTreePropertyTests.Build(rewritten)));
        Assert.Equal("log_diverges_from_checkpoint", error.ReasonCode);
        Assert.Contains("first 10 events no longer match", error.Message, StringComparison.Ordinal);
        Assert.Single(signer.History.Records);
        Assert.Equal(1, _signer.Signatures);
    }

    [Fact]
    public void A_signer_whose_key_is_not_the_history_key_is_refused()
    {
        using var other = new Ed25519TestSigner();
        Assert.Throws<ArgumentException>(() => new CheckpointSigner(Origin, other, CheckpointHistory.InMemory(_key)));
    }

    [Fact]
    public async Task The_history_file_survives_reopen_and_keeps_guarding()
    {
        var leaves = MerkleTreePropertyTests.RandomLeaves(new Random(6), 40);
        var tree = await SignTwiceToFile(leaves, 20);

        using (var history = CheckpointHistory.Open(HistoryPath, _key))
        using (var signer = new CheckpointSigner(Origin, _signer, history))
        {
            Assert.Equal([20L, 40], history.Records.Select(r => r.Checkpoint.Checkpoint.Size));
            Assert.Equal(tree.Root, history.Latest!.Checkpoint.Root);
            var error = await Assert.ThrowsAsync<CheckpointRefusedException>(async () => await signer.SignAsync(MerkleTreePropertyTests.Build(leaves[..30])));
            Assert.Equal("log_shorter_than_checkpoint", error.ReasonCode);
        }
    }

    [Fact]
    public async Task A_torn_last_line_is_dropped_and_an_altered_line_refuses_to_open()
    {
        await SignTwiceToFile(MerkleTreePropertyTests.RandomLeaves(new Random(8), 30), 10);

        var whole = File.ReadAllBytes(HistoryPath);
        var firstLineEnd = Array.IndexOf(whole, (byte)'\n') + 1;
        File.WriteAllBytes(HistoryPath, whole[..^1]); // the second line lost its newline: a torn write
        using (var history = CheckpointHistory.Open(HistoryPath, _key))
        {
            Assert.Single(history.Records);
            Assert.Equal(whole.Length - 1 - firstLineEnd, history.DroppedBytes);
        }

        Assert.Equal(firstLineEnd, new FileInfo(HistoryPath).Length);

        // A whole line that does not verify is not a torn write: it is tampering, and the history refuses to open.
        var text = System.Text.Encoding.UTF8.GetString(whole);
        File.WriteAllText(HistoryPath, text.Replace("\\n30\\n", "\\n31\\n", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidDataException>(() => CheckpointHistory.Open(HistoryPath, _key));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid signature", error.Message, StringComparison.Ordinal);

        using var other = new Ed25519TestSigner();
        File.WriteAllBytes(HistoryPath, whole);
        error = Assert.Throws<InvalidDataException>(() => CheckpointHistory.Open(HistoryPath, NoteVerifierKey.FromEd25519(Origin, other.PublicKey.Span)));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("newlines-as-spaces", "byte {0}: ' ' after a checkpoint record that is complete")]
    [InlineData("nul", "byte {1}: 0x00 where a checkpoint record must start")]
    [InlineData("text", "byte {1}: 'n' where a checkpoint record must start")]
    public async Task Bytes_after_the_last_record_that_are_not_a_torn_record_refuse_to_open_and_are_kept(string damage, string expected)
    {
        await SignTwiceToFile(MerkleTreePropertyTests.RandomLeaves(new Random(9), 30), 10);
        var whole = File.ReadAllBytes(HistoryPath);
        var firstLineEnd = Array.IndexOf(whole, (byte)'\n') + 1;
        byte[] damaged = damage switch
        {
            "newlines-as-spaces" => whole.Select(b => b == (byte)'\n' ? (byte)' ' : b).ToArray(),
            "nul" => [.. whole, .. new byte[512]],
            _ => [.. whole, .. "not a record"u8],
        };
        File.WriteAllBytes(HistoryPath, damaged);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointHistory.Open(HistoryPath, _key));
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, firstLineEnd - 1, whole.Length), error.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(HistoryPath));
    }

    /// <summary>Signs checkpoints at <paramref name="first"/> and at all of <paramref name="leaves"/> into the history file, then closes it.</summary>
    private async Task<MerkleTree> SignTwiceToFile(byte[][] leaves, int first)
    {
        var tree = MerkleTreePropertyTests.Build(leaves[..first]);
        using var history = CheckpointHistory.Open(HistoryPath, _key);
        using var signer = new CheckpointSigner(Origin, _signer, history);
        await signer.SignAsync(tree);
        foreach (var leaf in leaves[first..])
        {
            tree.Append(leaf);
        }

        await signer.SignAsync(tree);
        return tree;
    }
}
