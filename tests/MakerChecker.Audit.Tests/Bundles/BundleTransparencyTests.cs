using System.Text;
using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Tests.Transparency;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

public class BundleTransparencyTests
{
    private static readonly byte[] Seed = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private static async Task<string> ExportAsync(Ed25519TestSigner signer, int events, long every, string origin = "example.com/claims")
    {
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(),
            new CheckpointedAuditStoreOptions { Signer = signer, Origin = origin, CheckpointEveryEvents = every });
        for (var i = 0; i < events; i++)
        {
            await store.AppendAsync(CheckpointedLogs.Entry(i));
        }

        using var bundle = new MemoryStream();
        await BundleExporter.ExportFullAsync(store, signer, bundle);
        Assert.Equal(events + 1, store.LatestCheckpoint!.Checkpoint.Size); // a checkpoint is signed at every export
        return Encoding.UTF8.GetString(bundle.ToArray());
    }

    private static async Task<AuditVerdict> VerifyAsync(string bundle)
    {
        var bytes = Encoding.UTF8.GetBytes(bundle);
        var verdict = await BundleVerifier.VerifyAsync(new MemoryStream(bytes));
        ReferenceAgreement.AssertSame(ReferenceBundleVerifier.Verify(bytes), verdict);
        return verdict;
    }

    private static (string Before, string Section, string After) Split(string bundle)
    {
        var start = bundle.IndexOf(",\"transparency\":", StringComparison.Ordinal);
        var end = bundle.IndexOf(",\"events\":[", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start);
        return (bundle[..start], bundle[start..end], bundle[end..]);
    }

    [Fact]
    public async Task A_full_export_carries_every_checkpoint_and_verifies_with_or_without_the_section()
    {
        using var signer = new Ed25519TestSigner(Seed);
        var bundle = await ExportAsync(signer, events: 60, every: 16);
        var verdict = await VerifyAsync(bundle);
        Assert.True(verdict.IsValid, verdict.ToString());

        using var json = JsonDocument.Parse(bundle);
        var section = json.RootElement.GetProperty("transparency");
        Assert.Equal("makerchecker-transparency/v1", section.GetProperty("format").GetString());
        var checkpoints = section.GetProperty("checkpoints");
        Assert.True(checkpoints.GetArrayLength() >= 4);
        Assert.Contains("\n61\n", checkpoints[checkpoints.GetArrayLength() - 1].GetProperty("checkpoint").GetString(), StringComparison.Ordinal);

        // Without the section it is a plain audit-spec v1 bundle: the manifest signature covers neither.
        var (before, _, after) = Split(bundle);
        Assert.True((await VerifyAsync(before + after)).IsValid);
    }

    [Fact]
    public async Task Checkpoints_of_another_log_or_another_key_or_a_broken_chain_fail()
    {
        using var signer = new Ed25519TestSigner(Seed);
        var bundle = await ExportAsync(signer, events: 40, every: 10);
        var (before, section, after) = Split(bundle);

        // The same key's checkpoints of a different log: signatures verify, roots do not match these events.
        var other = Split(await ExportAsync(signer, events: 45, every: 10)).Section;
        var spliced = await VerifyAsync(before + other + after);
        Assert.Equal(AuditReasonCodes.CheckpointMismatch, spliced.ReasonCode);

        // Another key's checkpoints.
        using var stranger = new Ed25519TestSigner();
        var foreign = await VerifyAsync(before + Split(await ExportAsync(stranger, events: 40, every: 10)).Section + after);
        Assert.Equal(AuditReasonCodes.TransparencyInvalid, foreign.ReasonCode);

        // A checkpoint dropped from the middle: the next consistency proof no longer links.
        using var json = JsonDocument.Parse(section[",\"transparency\":".Length..]);
        var records = json.RootElement.GetProperty("checkpoints").EnumerateArray().Select(e => e.GetRawText()).ToList();
        records.RemoveAt(1);
        var gapped = $",\"transparency\":{{\"format\":\"makerchecker-transparency/v1\",\"verifierKey\":{json.RootElement.GetProperty("verifierKey").GetRawText()},\"checkpoints\":[{string.Join(",", records)}]}}";
        Assert.Equal(AuditReasonCodes.TransparencyInvalid, (await VerifyAsync(before + gapped + after)).ReasonCode);

        // A flipped signature character.
        var note = section.IndexOf('\u2014', StringComparison.Ordinal);
        var sigChar = section.IndexOf(' ', note + 2) + 5;
        var flipped = section[..sigChar] + (section[sigChar] == 'A' ? 'B' : 'A') + section[(sigChar + 1)..];
        Assert.Equal(AuditReasonCodes.TransparencyInvalid, (await VerifyAsync(before + flipped + after)).ReasonCode);
    }

    [Fact]
    public async Task The_section_must_sit_between_manifest_and_events_once_and_only_in_full_bundles()
    {
        using var signer = new Ed25519TestSigner(Seed);
        var (before, section, after) = Split(await ExportAsync(signer, events: 5, every: 100));
        var afterEvents = before + after[..after.LastIndexOf('}')] + section + "}\n";
        Assert.Equal(AuditReasonCodes.MalformedJson, (await VerifyAsync(afterEvents)).ReasonCode);
        Assert.Equal(AuditReasonCodes.DuplicateKey, (await VerifyAsync(before + section + section + after)).ReasonCode);

        // A run bundle with a transparency section.
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), new CheckpointedAuditStoreOptions { Signer = signer, Origin = "example.com/claims" });
        await store.AppendAsync(CheckpointedLogs.Entry(1));
        using var run = new MemoryStream();
        await BundleExporter.ExportRunAsync(store, "run-1", signer, run);
        var runBundle = Encoding.UTF8.GetString(run.ToArray());
        Assert.DoesNotContain("transparency", runBundle, StringComparison.Ordinal);
        var at = runBundle.IndexOf(",\"events\":[", StringComparison.Ordinal);
        Assert.Equal(AuditReasonCodes.TransparencyInvalid, (await VerifyAsync(runBundle[..at] + section + runBundle[at..])).ReasonCode);
    }

    [Fact]
    public async Task A_full_export_must_be_signed_with_the_checkpoint_key()
    {
        using var signer = new Ed25519TestSigner(Seed);
        using var other = new Ed25519TestSigner();
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), new CheckpointedAuditStoreOptions { Signer = signer });
        await Assert.ThrowsAsync<InvalidOperationException>(() => BundleExporter.ExportFullAsync(store, other, new MemoryStream()));
    }
}
