using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests;

/// <summary>The five lines of src/MakerChecker.Audit/README.md, run exactly as a user would.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_records_exports_and_verifies()
    {
        using var dir = new TempDir();
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.Path;
        try
        {
            Ed25519KeyFile.Create("audit-key.pem", "audit-key.pub.pem");

            // --- README ---
            await using var store = await FileAuditStore.OpenAsync("audit.jsonl"); // durable, one writer, verified on open
            await store.AppendAsync(new AuditEntry { Actor = new AuditActor("human", "alice", "claims-reviewer"), EventType = "approval.decided", Payload = new JsonObject { ["dwellMs"] = 5400 } });
            using var signer = Ed25519KeyFile.LoadSigner("audit-key.pem");      // made once with Ed25519KeyFile.Create (mode 0600)
            await using (var bundle = File.Create("bundle.json")) await BundleExporter.ExportFullAsync(store, signer, bundle);
            var verdict = await BundleVerifier.VerifyFileAsync("bundle.json");   // streams; verdict.IsValid, Reason, FailedSeq, KeyFingerprint
            // --- end ---

            Assert.True(verdict.IsValid, verdict.ToString());
            Assert.Equal(2, verdict.EventCount);
            Assert.Equal(Ed25519KeyFile.ReadFingerprint("audit-key.pub.pem"), verdict.KeyFingerprint);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }
}
