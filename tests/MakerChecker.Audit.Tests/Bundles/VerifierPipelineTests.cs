using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// A bundle of several read buffers and many hashing batches: every batch is started as soon as it is full and checked
/// in order, so the verdict and failing seq do not depend on the parallelism, and a cancelled verification stops.
/// </summary>
public sealed class VerifierPipelineTests
{
    private const int Events = 3000; // about 2.3 MB: three 1 MiB reads, about nine 256 KiB batches

    /// <summary>
    /// A full bundle of 3,000 claims-review-sized events (also read by <see cref="MappedReadingTests"/>), or of
    /// <paramref name="events"/> whose rows are of three lengths when <paramref name="varyRowLengths"/> (<see cref="ScanPauseTests"/>).
    /// </summary>
    internal static async Task<byte[]> ExportAsync(int events = Events, bool varyRowLengths = false)
    {
        await using var store = new InMemoryAuditStore("pipeline-test");
        using var signer = Ed25519AuditSigner.Generate();
        for (var i = 0; i < events; i++)
        {
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("human", $"dr.{i % 7}"),
                EventType = "approval.decided",
                EntityType = "approval_request",
                EntityId = $"req-{i:D5}",
                Payload = new JsonObject { ["n"] = i, ["note"] = new string('x', varyRowLengths ? i % 3 * 300 : 600) },
            });
        }

        using var output = new MemoryStream();
        await BundleExporter.ExportFullAsync(store, signer, output);
        return output.ToArray();
    }

    /// <summary>Changes the entity id of one event far into the bundle, so that its hash no longer matches.</summary>
    private static byte[] Tamper(byte[] bundle, int index)
    {
        var text = Encoding.UTF8.GetString(bundle);
        var id = $"\"req-{index:D5}\"";
        Assert.Equal(2, text.Split(id).Length); // the id occurs once
        return Encoding.UTF8.GetBytes(text.Replace(id, $"\"req-{index:D5}x\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Valid_and_tampered_bundles_get_the_reference_verdict_whatever_the_parallelism(int parallelism)
    {
        var bundle = await ExportAsync();
        var tampered = Tamper(bundle, 2711);
        using var dir = new TempDir();
        var options = new BundleVerifierOptions { MaxDegreeOfParallelism = parallelism };
        foreach (var bytes in new[] { bundle, tampered })
        {
            var path = dir.File("bundle.json");
            await File.WriteAllBytesAsync(path, bytes);
            var reference = ReferenceBundleVerifier.Verify(bytes);
            ReferenceAgreement.AssertSame(reference, await BundleVerifier.VerifyFileAsync(path, options));
            ReferenceAgreement.AssertSame(reference, await BundleVerifier.VerifyAsync(new MemoryStream(bytes), options));
        }

        var failure = ReferenceBundleVerifier.Verify(tampered);
        Assert.False(failure.IsValid);
        Assert.NotNull(failure.FailedSeq); // the tampered event, in the ninth or so batch
    }

    [Fact]
    public async Task A_cancelled_verification_stops_with_OperationCanceledException()
    {
        var bundle = await ExportAsync();
        using var dir = new TempDir();
        var path = dir.File("bundle.json");
        await File.WriteAllBytesAsync(path, bundle);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BundleVerifier.VerifyFileAsync(path, cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => BundleVerifier.VerifyAsync(new MemoryStream(bundle), cancellationToken: cancelled.Token));
    }
}
