using MakerChecker.Audit.Events;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Partitions;

public sealed class PartitionedAuditLogTests : IDisposable
{
    private const string Origin = "audit.example.com/claims";
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-partitions-").FullName;

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private PartitionedAuditLogOptions Options() => new() { Signer = _signer, Origin = Origin };

    private static AuditEntry Entry(int n) =>
        new() { Actor = new AuditActor("service", "partition-test"), EventType = "test.appended", Payload = new() { ["n"] = n } };

    [Fact]
    public async Task Each_chain_has_its_own_genesis_and_head_and_the_index_lists_every_chain_latest_checkpoint()
    {
        PartitionIndex index;
        await using (var log = await PartitionedAuditLog.OpenDirectoryAsync(_directory, 3, Options()))
        {
            Assert.Equal(["p0", "p1", "p2"], log.Chains);
            for (var i = 0; i < 5; i++) await log.GetChain("p1").AppendAsync(Entry(i));
            await log.GetChain("p2").AppendAsync(Entry(99));
            index = await log.CheckpointAsync();
        }

        Assert.Equal([("p0", 1L), ("p1", 6L), ("p2", 2L)], index.Chains.Select(c => (c.Chain, c.Size)));
        var vkey = NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span);
        Assert.True(PartitionIndex.TryOpen(File.ReadAllText(Path.Combine(_directory, PartitionedAuditLog.IndexFileName)), vkey, out var read, out var failure),
            failure);
        Assert.Equal(index.NoteText, read.NoteText);

        // Each chain is a log of its own, rooted in its own instance id, checkpointed under the chain's origin.
        foreach (var entry in index.Chains)
        {
            await using var chain = await CheckpointedAuditStore.OpenReadOnlyAsync(
                await FileAuditStore.OpenReadOnlyAsync(Path.Combine(_directory, entry.Chain + ".jsonl")),
                new CheckpointedAuditStoreOptions { VerifierKey = PartitionIndex.ChainVerifierKey(vkey, entry.Chain) });
            Assert.Equal($"{Origin}/{entry.Chain}", chain.Origin);
            Assert.Equal(entry.Size, chain.LatestCheckpoint!.Checkpoint.Size);
            Assert.Equal(entry.Root, chain.LatestCheckpoint.Checkpoint.Root);
            Assert.True((await AuditStoreVerifier.VerifyAsync(chain)).IsValid);
        }
    }

    [Fact]
    public async Task A_log_opened_without_a_chain_its_index_lists_is_refused()
    {
        await using (var log = await PartitionedAuditLog.OpenDirectoryAsync(_directory, 3, Options()))
        {
            await log.GetChain("p2").AppendAsync(Entry(1));
        }

        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => PartitionedAuditLog.OpenDirectoryAsync(_directory, 2, Options()));
        Assert.StartsWith(AuditReasonCodes.PartitionMissing, refused.Message, StringComparison.Ordinal);
        Assert.Contains("'p2'", refused.Message, StringComparison.Ordinal);

        // More chains than the index lists is growth, not loss: the next round lists them all.
        await using var grown = await PartitionedAuditLog.OpenDirectoryAsync(_directory, 4, Options());
        Assert.Equal(4, (await grown.CheckpointAsync()).Chains.Count);
    }

    [Fact]
    public async Task A_tampered_index_is_refused_on_open_and_by_TryOpen()
    {
        await using (var log = await PartitionedAuditLog.OpenDirectoryAsync(_directory, 2, Options()))
        {
            await log.GetChain("p0").AppendAsync(Entry(1));
        }

        var path = Path.Combine(_directory, PartitionedAuditLog.IndexFileName);
        var text = File.ReadAllText(path);
        var tampered = text.Replace("\np0 2 ", "\np0 3 ", StringComparison.Ordinal);
        Assert.NotEqual(text, tampered);
        File.WriteAllText(path, tampered);

        var vkey = NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span);
        Assert.False(PartitionIndex.TryOpen(tampered, vkey, out _, out var failure));
        Assert.Contains("index note", failure, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => PartitionedAuditLog.OpenDirectoryAsync(_directory, 2, Options()));
        Assert.StartsWith(AuditReasonCodes.PartitionIndexInvalid, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("makerchecker-partition-index/v1\no\n2\np0 1 {R}\n", "count")]
    [InlineData("makerchecker-partition-index/v1\no\n2\np1 1 {R}\np0 1 {R}\n", "ordinal order")]
    [InlineData("makerchecker-partition-index/v1\no\n1\np0 0 {R}\n", "size of at least 1")]
    [InlineData("makerchecker-partition-index/v1\no\n1\nP0 1 {R}\n", "chain name")]
    [InlineData("makerchecker-partition-index/v2\no\n1\np0 1 {R}\n", "does not start")]
    [InlineData("makerchecker-partition-index/v1\nother\n1\np0 1 {R}\n", "is not the key's name")]
    public async Task A_malformed_index_body_is_refused_with_what_is_wrong(string body, string expected)
    {
        var root = MerkleHash.OfLeaf([1, 2, 3]).ToString();
        var note = await SignedNote.SignAsync(body.Replace("{R}", root, StringComparison.Ordinal), "o", _signer);

        Assert.False(PartitionIndex.TryOpen(note, NoteVerifierKey.FromEd25519("o", _signer.PublicKey.Span), out _, out var failure));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_in_memory_log_has_independent_chains_and_no_index()
    {
        await using var log = PartitionedAuditLog.InMemory(2);
        await log.GetChain("p0").AppendAsync(Entry(1));
        var p1 = await log.GetChain("p1").AppendAsync(Entry(2));

        Assert.Equal(2, p1.Seq);
        Assert.Null(log.VerifierKey);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await log.CheckpointAsync());
        Assert.Throws<ArgumentException>(() => log.GetChain("p2"));
    }
}
