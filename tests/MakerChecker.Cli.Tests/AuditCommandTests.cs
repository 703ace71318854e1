using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Cli.Tests;

/// <summary><c>audit export</c> and <c>audit verify</c> end to end: a store, a key from keygen, a bundle, and tampering.</summary>
public sealed class AuditCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-audit-").FullName;

    private string Store => Path.Combine(_dir, "audit.jsonl");

    private string PrivateKey => Path.Combine(_dir, "keys", "makerchecker.key");

    private string PublicKey => Path.Combine(_dir, "keys", "makerchecker.pub.pem");

    [Fact]
    public async Task An_exported_bundle_verifies_with_the_pinned_key()
    {
        await WriteStoreAsync();
        var bundle = Path.Combine(_dir, "bundle.json");

        var export = await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--key", PrivateKey);
        var verify = await CliRunner.RunAsync("audit", "verify", bundle, "--key", PublicKey);

        Assert.Equal(0, export.ExitCode);
        Assert.Contains("exported full bundle", export.Output, StringComparison.Ordinal);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("verified: ", verify.Output, StringComparison.Ordinal);
        Assert.Contains("7 events", verify.Output, StringComparison.Ordinal); // genesis and six appended
        Assert.Contains("(pinned)", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_bundle_holds_only_that_runs_events()
    {
        await WriteStoreAsync();
        var bundle = Path.Combine(_dir, "run.json");

        var export = await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--run", "run-a", "--key", PrivateKey);
        var verify = await CliRunner.RunAsync("audit", "verify", bundle, "--json");

        Assert.Equal((0, 0), (export.ExitCode, verify.ExitCode));
        using var doc = JsonDocument.Parse(verify.Output);
        Assert.Equal(3, doc.RootElement.GetProperty("eventCount").GetInt64());
        Assert.True(doc.RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task A_tampered_bundle_fails_naming_the_seq_and_the_key()
    {
        await WriteStoreAsync();
        var bundle = Path.Combine(_dir, "bundle.json");
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--key", PrivateKey)).ExitCode);
        var text = await File.ReadAllTextAsync(bundle);
        Assert.Contains("\"amount\":1840", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(bundle, text.Replace("\"amount\":1840", "\"amount\":9840", StringComparison.Ordinal));

        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--key", PublicKey);

        Assert.Equal(1, exit);
        Assert.StartsWith("FAILED: ", output, StringComparison.Ordinal);
        Assert.Contains(" at seq 4: hash_mismatch", output, StringComparison.Ordinal);
        Assert.Contains("bundle key sha256:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bundle_signed_by_another_key_fails_when_the_key_is_pinned()
    {
        await WriteStoreAsync();
        var bundle = Path.Combine(_dir, "bundle.json");
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--key", PrivateKey)).ExitCode);
        var other = Path.Combine(_dir, "other");
        Assert.Equal(0, (await CliRunner.RunAsync("keygen", "--out", other)).ExitCode);

        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--key", Path.Combine(other, "makerchecker.pub.pem"), "--json");

        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("pinned_key_mismatch", doc.RootElement.GetProperty("reasonCode").GetString());
        Assert.NotEqual(doc.RootElement.GetProperty("keyFingerprint").GetString(), doc.RootElement.GetProperty("pinnedKeyFingerprint").GetString());
    }

    [Fact]
    public async Task A_live_store_verifies_read_only_and_a_tampered_one_fails_at_its_seq()
    {
        await WriteStoreAsync();
        var before = await File.ReadAllBytesAsync(Store);

        var ok = await CliRunner.RunAsync("audit", "verify", Store);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(before, await File.ReadAllBytesAsync(Store));

        await File.WriteAllTextAsync(Store, Encoding.UTF8.GetString(before).Replace("\"amount\":1840", "\"amount\":9840", StringComparison.Ordinal));
        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", Store);
        Assert.Equal(1, exit);
        Assert.Contains("at seq 4", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_bundle_fails_verification_rather_than_the_command_line()
    {
        var notABundle = Path.Combine(_dir, "notes.json");
        await File.WriteAllTextAsync(notABundle, "{\"hello\": ");

        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", notABundle);

        Assert.Equal(1, exit);
        Assert.StartsWith("FAILED: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_never_overwrites_a_bundle()
    {
        await WriteStoreAsync();
        var bundle = Path.Combine(_dir, "bundle.json");
        await File.WriteAllTextAsync(bundle, "keep me");

        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--key", PrivateKey);

        Assert.Equal(2, exit);
        Assert.Contains("never overwrites", error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(bundle));
    }

    [Fact]
    public async Task Export_into_a_missing_directory_is_one_usage_line_and_creates_nothing()
    {
        await WriteStoreAsync();
        var before = EvidenceSnapshot.Take(_dir);
        var bundle = Path.Combine(_dir, "no-such-dir", "bundle.json");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "export", Store, "--out", bundle, "--key", PrivateKey);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: the directory of --out", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        EvidenceSnapshot.AssertNoStackTrace(error);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an audit log\n")]
    public async Task Export_of_an_empty_or_unreadable_store_is_one_error_line_and_leaves_nothing(string contents)
    {
        await WriteStoreAsync();
        var broken = Path.Combine(_dir, "broken.jsonl");
        await File.WriteAllTextAsync(broken, contents);
        var outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "export", broken, "--out", Path.Combine(outDir, "bundle.json"), "--key", PrivateKey);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: cannot export", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        EvidenceSnapshot.AssertNoStackTrace(error);
        EvidenceSnapshot.AssertUnchanged(before, _dir); // no bundle, no temporary file
    }

    [Fact]
    public async Task Export_of_a_store_that_fails_verification_signs_nothing_and_leaves_nothing()
    {
        await WriteStoreAsync();
        var text = await File.ReadAllTextAsync(Store);
        await File.WriteAllTextAsync(Store, text.Replace("\"amount\":1840", "\"amount\":9840", StringComparison.Ordinal));
        var outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "export", Store, "--out", Path.Combine(outDir, "bundle.json"), "--key", PrivateKey);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal("", output);
        Assert.StartsWith("FAILED: ", error, StringComparison.Ordinal);
        Assert.Contains(" at seq 4: hash_mismatch", error, StringComparison.Ordinal);
        Assert.Contains("nothing was signed", error, StringComparison.Ordinal);
        EvidenceSnapshot.AssertNoStackTrace(error);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
    }

    [Fact]
    public async Task Export_reads_the_store_without_changing_it_and_leaves_only_the_bundle()
    {
        await WriteStoreAsync();
        var outDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mc-cli-export-{Guid.NewGuid():N}")).FullName;
        try
        {
            var before = EvidenceSnapshot.Take(_dir);
            var (exit, _, error) = await CliRunner.RunAsync("audit", "export", Store, "--out", Path.Combine(outDir, "bundle.json"), "--key", PrivateKey);

            Assert.True(exit == 0, error);
            EvidenceSnapshot.AssertUnchanged(before, _dir);
            Assert.Equal(["bundle.json"], Directory.EnumerateFileSystemEntries(outDir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("audit", "verify")]
    [InlineData("audit", "verify", "{dir}/missing.json")]
    [InlineData("audit", "verify", "{dir}/audit.jsonl", "--key", "{dir}/keys/makerchecker.pub.pem")]
    [InlineData("audit", "verify", "{dir}/audit.jsonl", "--jsn")]
    [InlineData("audit", "export", "{dir}/audit.jsonl", "--out", "{dir}/b.json")]
    [InlineData("audit", "export", "{dir}/audit.jsonl", "--out", "{dir}/b.json", "--key", "{dir}/keys/makerchecker.pub.pem")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        await WriteStoreAsync();

        var (exit, _, error) = await CliRunner.RunAsync([.. args.Select(a => a.Replace("{dir}", _dir, StringComparison.Ordinal))]);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "b.json")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small log (genesis, then six events: three of run-a) and a key pair made by keygen.</summary>
    private async Task WriteStoreAsync()
    {
        await using (var store = await FileAuditStore.OpenAsync(Store))
        {
            for (var i = 0; i < 6; i++)
            {
                await store.AppendAsync(new AuditEntry
                {
                    Actor = new AuditActor("human", "dr.okafor", "medical-reviewer"),
                    EventType = "approval.decided",
                    RunId = i % 2 == 0 ? "run-a" : "run-b",
                    Payload = new JsonObject { ["claim"] = new JsonObject { ["amount"] = 1838 + i } },
                });
            }
        }
        Assert.Equal(0, (await CliRunner.RunAsync("keygen", "--out", Path.Combine(_dir, "keys"))).ExitCode);
    }

    /// <summary>
    /// A store whose last event's actor has no "kind", re-hashed as an attacker with the hash function would (so the
    /// chain holds): no event can be read from it. Both commands that read stores say so and exit 1; neither crashes.
    /// </summary>
    [Fact]
    public async Task A_store_holding_an_actor_no_event_can_hold_fails_cleanly_in_verify_and_in_the_review_report()
    {
        var path = Path.Combine(_dir, "odd-actor.jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            await store.AppendAsync(new AuditEntry { Actor = new AuditActor("human", "dr.x"), EventType = "note.added", Payload = new JsonObject { ["n"] = 1 } });
        }

        var lines = (await File.ReadAllLinesAsync(path)).ToList();
        var last = JsonNode.Parse(lines[^1])!.AsObject();
        last["actor"] = new JsonObject { ["id"] = "dr.x" };
        var hashed = new JsonObject
        {
            ["actor"] = last["actor"]!.DeepClone(), ["entityId"] = last["entity_id"]?.DeepClone(), ["entityType"] = last["entity_type"]?.DeepClone(),
            ["eventType"] = last["event_type"]!.DeepClone(), ["id"] = last["id"]!.DeepClone(), ["occurredAt"] = last["occurred_at"]!.DeepClone(),
            ["payload"] = last["payload"]!.DeepClone(), ["prevHash"] = last["prev_hash"]!.DeepClone(), ["runId"] = last["run_id"]?.DeepClone(),
        };
        last["hash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(JsonCanonicalizer.Canonicalize(hashed)));
        lines[^1] = last.ToJsonString();
        await File.WriteAllLinesAsync(path, lines);

        var verify = await CliRunner.RunAsync("audit", "verify", path);
        Assert.Equal(ExitCodes.Failure, verify.ExitCode);
        Assert.Contains("the store cannot be read: Event seq 2: the actor's \"kind\" is missing or not a string", verify.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", verify.Error, StringComparison.Ordinal);

        var report = await CliRunner.RunAsync("review", "report", path);
        Assert.Equal(ExitCodes.Failure, report.ExitCode);
        Assert.StartsWith($"error: cannot read the evidence in '{path}': Event seq 2: the actor's \"kind\"", report.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", report.Error, StringComparison.Ordinal); // a message, not a stack trace
    }
}
