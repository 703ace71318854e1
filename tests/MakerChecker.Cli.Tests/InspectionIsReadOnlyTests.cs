using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// Every inspection command leaves the evidence directory byte for byte as it found it: no file changed, none
/// created (no <c>.lock</c>, no <c>.merkle</c>), none removed, a torn tail not cut.
/// </summary>
public sealed class InspectionIsReadOnlyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-inspect-").FullName;
    private readonly string _out = Directory.CreateTempSubdirectory("mc-cli-inspect-out-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public async Task Verify_receipt_consistency_review_report_and_export_never_touch_the_evidence()
    {
        var evidence = Directory.CreateDirectory(Path.Combine(_dir, "evidence")).FullName;
        var log = Path.Combine(evidence, "audit.jsonl");
        var key = Path.Combine(_dir, "checkpoint-key.pem");
        Ed25519KeyFile.Create(key, Path.Combine(_dir, "checkpoint-key.pub.pem"));
        string vkey;
        using (var signer = Ed25519KeyFile.LoadSigner(key))
        {
            await using var store = await CheckpointedAuditStore.OpenAsync(
                await FileAuditStore.OpenAsync(log), new CheckpointedAuditStoreOptions { Signer = signer, Origin = "example.com/claims" });
            for (var i = 0; i < 12; i++)
            {
                await store.AppendAsync(new AuditEntry
                {
                    Actor = new AuditActor("human", "reviewer-1", "claims-reviewer"),
                    EventType = "note.added",
                    EntityType = "approval_request",
                    EntityId = $"req-{i}",
                    Payload = new JsonObject { ["decision"] = "approved" },
                });
            }

            vkey = store.VerifierKey.ToString();
            await File.WriteAllTextAsync(Path.Combine(_out, "old.checkpoint"), (await store.CheckpointAsync()).NoteText);
        }

        // The writer's lock file goes too: an inspection must not create one. A torn tail must not be cut.
        File.Delete(log + ".lock");
        await File.AppendAllTextAsync(log, "{\"seq\":\"14\",\"ev");
        var before = EvidenceSnapshot.Take(evidence);

        string[][] commands =
        [
            ["audit", "verify", log],
            ["audit", "verify", log, "--vkey", vkey, "--json"],
            ["audit", "receipt", log, "--seq", "5", "--vkey", vkey, "-o", Path.Combine(_out, "r1.json")],
            ["audit", "receipt", log, "--seq", "5", "--key", key, "-o", Path.Combine(_out, "r2.json")],
            ["audit", "consistency", Path.Combine(_out, "old.checkpoint"), log, "--vkey", vkey],
            ["review", "report", log],
            ["audit", "export", log, "--out", Path.Combine(_out, "bundle.json"), "--key", key],
        ];
        foreach (var command in commands)
        {
            var (exit, output, error) = await CliRunner.RunAsync(command);
            Assert.True(exit == 0, $"{string.Join(' ', command)} exited {exit}: {output}{error}");
            EvidenceSnapshot.AssertNoStackTrace(error);
            EvidenceSnapshot.AssertUnchanged(before, evidence);
        }
    }
}
