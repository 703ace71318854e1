using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>The streaming reader gives back exactly the events that were exported, and refuses a broken bundle.</summary>
public sealed class BundleReaderTests
{
    private static async Task<(List<AuditEvent> Stored, byte[] Bundle)> ExportAsync(int count, int payloadChars)
    {
        await using var store = new InMemoryAuditStore("reader-test");
        using var signer = Ed25519AuditSigner.Generate();
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("human", $"dr.{i % 7}"),
                EventType = "approval.decided",
                EntityType = "approval_request",
                EntityId = $"req-{i}",
                Payload = new JsonObject { ["n"] = i, ["text"] = new string('é', payloadChars) + "\"\\ \u2028" },
            });
        }
        var stored = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync()) stored.Add(e);
        using var output = new MemoryStream();
        await BundleExporter.ExportFullAsync(store, signer, output);
        return (stored, output.ToArray());
    }

    private static async Task<List<AuditEvent>> ReadAllAsync(byte[] bundle)
    {
        var read = new List<AuditEvent>();
        await foreach (var e in BundleReader.ReadAsync(new MemoryStream(bundle))) read.Add(e);
        return read;
    }

    [Fact]
    public async Task Reads_every_event_across_buffer_boundaries_exactly_as_stored()
    {
        // About 600 KB: many refills of the 64 KB buffer, and events that straddle them.
        var (stored, bundle) = await ExportAsync(300, 1000);
        var read = await ReadAllAsync(bundle);

        Assert.Equal(stored.Count, read.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal((stored[i].Seq, stored[i].Hash, stored[i].PrevHash, stored[i].EventType, stored[i].Actor), (read[i].Seq, read[i].Hash, read[i].PrevHash, read[i].EventType, read[i].Actor));
            Assert.Equal(stored[i].Payload.GetRawText(), read[i].Payload.GetRawText());
        }
    }

    [Fact]
    public async Task A_value_larger_than_the_buffer_is_read()
    {
        var (stored, bundle) = await ExportAsync(2, 100_000);
        var read = await ReadAllAsync(bundle);
        Assert.Equal(stored.Select(e => e.Hash), read.Select(e => e.Hash));
    }

    [Fact]
    public async Task A_truncated_or_malformed_bundle_is_an_error()
    {
        var (_, bundle) = await ExportAsync(3, 10);
        var truncated = await Assert.ThrowsAsync<CanonicalJsonException>(() => ReadAllAsync(bundle[..^40]));
        Assert.Contains("truncated", truncated.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CanonicalJsonException>(() => ReadAllAsync("{\"events\":[]}"u8.ToArray()));
    }
}
