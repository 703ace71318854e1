using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>Bundles and receipts exactly as MakerChecker writes them, and what the C# verifiers say of them.</summary>
internal static class OurEvidence
{
    public const string Run = "run-7";
    public const string Origin = "audit.example.com/claims";

    /// <summary>The <paramref name="i"/>-th event: decisions of a claim, every third in run <see cref="Run"/>.</summary>
    public static AuditEntry Entry(int i) => new()
    {
        Actor = new AuditActor("human", $"reviewer-{i % 3}", "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = $"req-{i}",
        RunId = i % 3 == 0 ? Run : null,
        Payload = new JsonObject { ["decision"] = "approved", ["dwellMs"] = 1000 + i, ["note"] = $"zoë #{i} 🙂" },
    };

    /// <summary>A full bundle of <paramref name="events"/> events (plus genesis); with checkpoints, it carries the transparency section.</summary>
    public static async Task<byte[]> FullBundleAsync(Ed25519AuditSigner signer, int events, bool checkpoints = false)
    {
        using var output = new MemoryStream();
        if (checkpoints)
        {
            await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(),
                new CheckpointedAuditStoreOptions { Signer = signer, Origin = Origin, CheckpointEveryEvents = 4 });
            for (var i = 0; i < events; i++) await store.AppendAsync(Entry(i));
            await BundleExporter.ExportFullAsync(store, signer, output);
        }
        else
        {
            await using var store = new InMemoryAuditStore();
            for (var i = 0; i < events; i++) await store.AppendAsync(Entry(i));
            await BundleExporter.ExportFullAsync(store, signer, output);
        }

        return output.ToArray();
    }

    public static async Task<byte[]> RunBundleAsync(Ed25519AuditSigner signer, int events)
    {
        await using var store = new InMemoryAuditStore();
        for (var i = 0; i < events; i++) await store.AppendAsync(Entry(i));
        using var output = new MemoryStream();
        await BundleExporter.ExportRunAsync(store, Run, signer, output);
        return output.ToArray();
    }

    /// <summary>The receipt of event <paramref name="seq"/> of a checkpointed log, and the log's verifier key.</summary>
    public static async Task<(byte[] Receipt, string VerifierKey)> ReceiptAsync(Ed25519AuditSigner signer, int events, long seq)
    {
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(),
            new CheckpointedAuditStoreOptions { Signer = signer, Origin = Origin });
        for (var i = 0; i < events; i++) await store.AppendAsync(Entry(i));
        var receipt = await store.CreateReceiptAsync(seq);
        return (receipt.ToJson(), store.VerifierKey.ToString());
    }

    /// <summary>
    /// The reference verifier's verdict (the definition of "verified", audit-format.md §6), after checking that the verifier
    /// <c>makerchecker audit verify</c> runs (<see cref="BundleVerifier"/>) gives the same validity, reason code and seq.
    /// </summary>
    public static async Task<AuditVerdict> VerifyBundleAsync(byte[] bundle, string? pinnedPem = null)
    {
        var reference = ReferenceBundleVerifier.Verify(bundle, pinnedPem);
        var cli = await BundleVerifier.VerifyAsync(new MemoryStream(bundle), new BundleVerifierOptions { PinnedPublicKeyPem = pinnedPem });
        Assert.True(reference.IsValid == cli.IsValid && reference.ReasonCode == cli.ReasonCode && reference.FailedSeq == cli.FailedSeq,
            $"the CLI's verifier and the reference disagree: reference {reference}; CLI {cli}");
        return reference;
    }

    /// <summary>What <c>makerchecker audit verify-receipt</c> prints after "invalid: ", or null when the receipt verifies.</summary>
    public static string? ReceiptFailure(byte[] receipt, string verifierKey)
    {
        if (!Receipt.TryParse(receipt, out var parsed, out var malformed)) return malformed;
        var result = parsed.Verify([NoteVerifierKey.Parse(verifierKey)]);
        return result.IsValid ? null : result.Failure;
    }

    /// <summary>Replaces the first occurrence of <paramref name="find"/> after <paramref name="after"/> in the UTF-8 text.</summary>
    public static byte[] Replace(byte[] bytes, string after, string find, string replacement)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var from = text.IndexOf(after, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{after}' not found");
        var at = text.IndexOf(find, from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' not found after '{after}'");
        return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + find.Length)));
    }

    /// <summary>The bundle's lines (our exporter writes one row a line).</summary>
    public static List<string> Lines(byte[] bundle) => [.. Encoding.UTF8.GetString(bundle).Split('\n')];

    public static byte[] Join(List<string> lines) => Encoding.UTF8.GetBytes(string.Join('\n', lines));
}
