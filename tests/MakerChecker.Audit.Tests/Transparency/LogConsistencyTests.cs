using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class LogConsistencyTests
{
    private static readonly byte[][] Leaves = MerkleTreePropertyTests.RandomLeaves(new Random(21), 100);

    [Fact]
    public void A_log_that_grew_extends_its_checkpoint_with_a_verifiable_proof()
    {
        var older = MerkleTreePropertyTests.Build(Leaves[..37]);
        var checkpoint = new Checkpoint("o", 37, older.Root);
        var now = MerkleTreePropertyTests.Build(Leaves);

        var report = LogConsistency.CheckExtends(checkpoint, now);
        Assert.True(report.Extends, report.Failure);
        Assert.Null(report.ReasonCode);
        Assert.True(MerkleProof.VerifyConsistency(37, 100, report.Proof, checkpoint.Root, now.Root).IsValid);
    }

    [Fact]
    public void A_shorter_log_is_reported_with_the_first_missing_event()
    {
        var older = MerkleTreePropertyTests.Build(Leaves);
        var checkpoint = new Checkpoint("o", 100, older.Root);
        var now = MerkleTreePropertyTests.Build(Leaves[..60]);

        var report = LogConsistency.CheckExtends(checkpoint, now);
        Assert.False(report.Extends);
        Assert.Equal("log_shorter_than_checkpoint", report.ReasonCode);
        Assert.Equal("the log has 60 events but its signed checkpoint covers 100 events: it was truncated or rolled back", report.Failure);
        Assert.Null(report.FirstDivergentLeaf);

        report = LogConsistency.CheckExtends(checkpoint, now, older);
        Assert.Equal(60, report.FirstDivergentLeaf);
        // Messages name events by seq (1-based); FirstDivergentLeaf is the leaf index (seq - 1).
        Assert.EndsWith("the first event that differs from the checkpointed log is seq 61", report.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rewritten_log_is_reported_with_the_first_differing_event()
    {
        var older = MerkleTreePropertyTests.Build(Leaves[..80]);
        var checkpoint = new Checkpoint("o", 80, older.Root);
        var rewritten = Leaves.ToArray();
        rewritten[41] = [0x42];
        var now = MerkleTreePropertyTests.Build(rewritten);

        var report = LogConsistency.CheckExtends(checkpoint, now);
        Assert.Equal("log_diverges_from_checkpoint", report.ReasonCode);
        Assert.StartsWith("the first 80 events no longer match the signed checkpoint", report.Failure, StringComparison.Ordinal);
        Assert.Empty(report.Proof);

        report = LogConsistency.CheckExtends(checkpoint, now, older);
        Assert.Equal(41, report.FirstDivergentLeaf);

        // Shorter and rewritten: the first difference comes before the end.
        report = LogConsistency.CheckExtends(checkpoint, MerkleTreePropertyTests.Build(rewritten[..50]), older);
        Assert.Equal("log_shorter_than_checkpoint", report.ReasonCode);
        Assert.Equal(41, report.FirstDivergentLeaf);
    }

    [Fact]
    public void An_older_tree_that_is_not_the_checkpointed_log_is_refused()
    {
        var checkpoint = new Checkpoint("o", 80, MerkleTreePropertyTests.Build(Leaves[..80]).Root);
        var unrelated = MerkleTreePropertyTests.Build(Leaves[1..]);
        Assert.Throws<ArgumentException>(() => LogConsistency.CheckExtends(checkpoint, unrelated, unrelated));
    }

    [Fact]
    public void A_result_that_was_never_set_is_not_valid()
    {
        TransparencyResult unset = default;
        Assert.False(unset.IsValid);
        Assert.Equal("not verified", unset.Failure);
        Assert.True(TransparencyResult.Valid.IsValid);
        Assert.Null(TransparencyResult.Valid.Failure);
    }
}
