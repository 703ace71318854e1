using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Testing;

namespace MakerChecker.Cli.Tests;

/// <summary><c>makerchecker review report</c> end to end, on logs written by the real gate.</summary>
public sealed partial class ReviewCommandTests
{
    private static string Temp(string extension) => Path.Combine(Path.GetTempPath(), $"mc-review-{Guid.NewGuid():N}{extension}");

    /// <summary>A working day (steady reviewer, 1.2 s batch reviewer, flags, break-glass) exported as a signed bundle.</summary>
    private static async Task<string> DayBundleAsync(int batch = 150, Func<ReviewScenario, Task>? extra = null, string? publicKeyOut = null)
    {
        await using var scenario = new ReviewScenario();
        await scenario.RunDayAsync(steady: 30, batch: batch);
        if (extra is not null) await extra(scenario);
        var path = Temp(".json");
        using var signer = Ed25519AuditSigner.Generate();
        await using (var file = File.Create(path)) await BundleExporter.ExportFullAsync(scenario.Store, signer, file);
        if (publicKeyOut is not null) await File.WriteAllTextAsync(publicKeyOut, signer.PublicKeyPem);
        return path;
    }

    [Fact]
    public async Task The_terminal_report_has_a_row_per_reviewer_findings_coverage_and_break_glass()
    {
        var bundle = await DayBundleAsync();
        var (exit, output, error) = await CliRunner.RunAsync("review", "report", bundle);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Empty(error);
        Assert.Contains("verified: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT VERIFIED", output, StringComparison.Ordinal);
        Assert.Matches(@"\| dr\.batch\s+\|\s+150 \|\s+1\.2 s \|", output);
        Assert.Matches(@"\| dr\.steady\s+\|\s+30 \|", output);
        Assert.Contains("HIGH    dr.batch  fast_dwell  (150 sign-offs)", output, StringComparison.Ordinal);
        Assert.Contains("fast_dwell = 10 s", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dr.steady  ", output, StringComparison.Ordinal);
        // The flags ran under an ungated grant that no one can review: not a coverage row, so never "below" the target.
        Assert.DoesNotMatch(@"\| coverage\.flag@1\s+\|", output);
        Assert.Matches(@"\| coverage\.deny@1\s+\|\s+180 \|\s+180 \|\s+100% \| met\s+\|", output);
        Assert.Contains("dr.director ran coverage.deny@1: \"patient transfer cannot wait for the queue\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_terminal_report_tables_fit_80_columns_with_whole_reviewer_names()
    {
        var bundle = await DayBundleAsync();
        var (exit, output, _) = await CliRunner.RunAsync("review", "report", bundle);

        Assert.Equal(ExitCodes.Success, exit);
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        var tableLines = lines.Where(l => l.StartsWith('|') || l.StartsWith('+')).ToList();
        Assert.All(lines.Where(l => l.Contains("Reviewers:", StringComparison.Ordinal)), title => Assert.True(title.Length <= 80, title));
        Assert.NotEmpty(tableLines);
        Assert.All(tableLines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        foreach (var reviewer in new[] { "dr.batch", "dr.steady" })
        {
            // One row per reviewer in each of the two reviewer tables, the name whole in its cell.
            Assert.Equal(2, tableLines.Count(l => l.StartsWith($"| {reviewer} ", StringComparison.Ordinal)));
        }
        Assert.Matches(@"\| Reviewer\s+\|\s+Fast \|\s+In \| Peak/h \|\s+No \|\s+Refused \|\s+Approval \|", output);
        Assert.Matches(@"\|\s+\|\s+share \|\s+bursts \|\s+\| presentation \| too fast \|\s+rate \|", output);
    }

    [Fact]
    public async Task Json_output_carries_the_figures_and_the_exact_counts()
    {
        var bundle = await DayBundleAsync();
        var (exit, output, _) = await CliRunner.RunAsync("review", "report", bundle, "--json");

        Assert.Equal(ExitCodes.Success, exit);
        var root = JsonNode.Parse(output)!;
        Assert.True(root["evidence"]!["verified"]!.GetValue<bool>());
        Assert.Equal("bundle", root["evidence"]!["kind"]!.GetValue<string>());
        Assert.Single(root["evidence"]!["policyHashes"]!.AsArray());
        var batch = root["reviewers"]!.AsArray().Single(r => r!["reviewerId"]!.GetValue<string>() == "dr.batch")!;
        Assert.Equal((150, 1200L, 1.0), (batch["count"]!.GetValue<int>(), batch["medianDwellMs"]!.GetValue<long>(), batch["fastShare"]!.GetValue<double>()));
        var fast = root["findings"]!.AsArray().Single(f => f!["kind"]!.GetValue<string>() == "fast_dwell")!;
        Assert.Equal(("dr.batch", "high", 150, 150), (fast["reviewerId"]!.GetValue<string>(), fast["severity"]!.GetValue<string>(), fast["count"]!.GetValue<int>(), fast["evidence"]!.AsArray().Count));
        Assert.DoesNotContain(root["findings"]!.AsArray(), f => f!["reviewerId"]!.GetValue<string>() == "dr.steady");
        Assert.Single(root["breakGlassAwaitingReview"]!.AsArray());
    }

    [Fact]
    public async Task Thresholds_can_be_tuned_from_the_command_line()
    {
        var bundle = await DayBundleAsync(batch: 12);
        var (_, output, _) = await CliRunner.RunAsync("review", "report", bundle, "--json", "--fast-dwell", "500ms", "--burst-count", "20");
        var root = JsonNode.Parse(output)!;
        Assert.Equal(500, root["thresholds"]!["fastDwellMs"]!.GetValue<long>());
        Assert.Empty(root["findings"]!.AsArray());
    }

    [Fact]
    public async Task Findings_change_the_exit_code_only_with_fail_on()
    {
        var bundle = await DayBundleAsync();
        Assert.Equal(ExitCodes.Failure, (await CliRunner.RunAsync("review", "report", bundle, "--fail-on", "high")).ExitCode);
        Assert.Equal(ExitCodes.Failure, (await CliRunner.RunAsync("review", "report", bundle, "--fail-on", "warning")).ExitCode);

        await using var scenario = new ReviewScenario();
        await scenario.ReviewAsync("dr.steady", 20, i => TimeSpan.FromSeconds(30 + i), TimeSpan.FromMinutes(2), i => i % 2 == 0);
        var steady = Temp(".json");
        using (var signer = Ed25519AuditSigner.Generate())
        await using (var file = File.Create(steady)) await BundleExporter.ExportFullAsync(scenario.Store, signer, file);
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("review", "report", steady, "--fail-on", "warning")).ExitCode);
    }

    [Fact]
    public async Task A_file_store_is_read_and_verified()
    {
        var path = Temp(".jsonl");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(ReviewScenario.Start);
        var store = await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { TimeProvider = time });
        await using (var scenario = new ReviewScenario(store, time: time))
        {
            await scenario.ReviewAsync("dr.batch", 15, _ => TimeSpan.FromMilliseconds(1200), TimeSpan.Zero);
        }

        var (exit, output, error) = await CliRunner.RunAsync("review", "report", path);
        Assert.True(exit == ExitCodes.Success, error);
        Assert.Contains("(file store)", output, StringComparison.Ordinal);
        Assert.Contains("verified: ", output, StringComparison.Ordinal);
        Assert.Contains("2026-11-02T08:00:00.000Z to 2026-11-02T08:00:18", output, StringComparison.Ordinal);
        Assert.Contains("dr.batch  fast_dwell  (15 sign-offs)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evidence_that_fails_verification_is_reported_as_such_and_exits_1()
    {
        var bundle = await DayBundleAsync(batch: 12);
        // An edit of the kind a reviewer might want: their own name off the log.
        var text = await File.ReadAllTextAsync(bundle);
        var index = text.IndexOf("\"reviewerId\":\"dr.batch\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(bundle, text[..index] + "\"reviewerId\":\"dr.other\"" + text[(index + 23)..]);
        var html = Temp(".html");

        var (exit, output, error) = await CliRunner.RunAsync("review", "report", bundle, "--html", html);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("NOT VERIFIED: hash_mismatch", output, StringComparison.Ordinal);
        Assert.Contains("failed verification", error, StringComparison.Ordinal);
        Assert.Contains("Evidence NOT verified.", await File.ReadAllTextAsync(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pinned_key_is_checked_and_a_bundle_signed_by_another_key_is_not_verified()
    {
        var signedWith = Temp(".pem");
        var bundle = await DayBundleAsync(batch: 12, publicKeyOut: signedWith);
        var other = Temp(".pem");
        using (var stranger = Ed25519AuditSigner.Generate()) await File.WriteAllTextAsync(other, stranger.PublicKeyPem);

        var pinned = await CliRunner.RunAsync("review", "report", bundle, "--key", signedWith);
        Assert.True(pinned.ExitCode == ExitCodes.Success, pinned.Error);
        Assert.Contains("verified: ", pinned.Output, StringComparison.Ordinal);

        var (exit, output, error) = await CliRunner.RunAsync("review", "report", bundle, "--key", other, "--json");
        Assert.Equal(ExitCodes.Failure, exit);
        var evidence = JsonNode.Parse(output)!["evidence"]!;
        Assert.False(evidence["verified"]!.GetValue<bool>());
        Assert.Equal("pinned_key_mismatch", evidence["reasonCode"]!.GetValue<string>());
        Assert.Contains("failed verification", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pinned_key_with_a_live_store_or_a_bad_key_file_is_a_usage_error()
    {
        var store = Temp(".log"); // a store is told by its content, not its extension
        await using (var s = await FileAuditStore.OpenAsync(store)) { }
        var key = Temp(".pem");
        using (var signer = Ed25519AuditSigner.Generate()) await File.WriteAllTextAsync(key, signer.PublicKeyPem);

        var onStore = await CliRunner.RunAsync("review", "report", store, "--key", key);
        Assert.Equal(ExitCodes.Usage, onStore.ExitCode);
        Assert.Contains("not signed, so --key does not apply", onStore.Error, StringComparison.Ordinal);

        var bundle = await DayBundleAsync(batch: 1);
        var missing = await CliRunner.RunAsync("review", "report", bundle, "--key", "/nonexistent/key.pem");
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);

        var notAKey = Temp(".pem");
        await File.WriteAllTextAsync(notAKey, "hello");
        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync("review", "report", bundle, "--key", notAKey)).ExitCode);
    }

    [Fact]
    public async Task A_malformed_payload_is_an_error_naming_the_seq()
    {
        var path = Temp(".jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("human", "dr.x"), EventType = "approval.decided", EntityType = "approval_request", EntityId = "r-1",
                Payload = new JsonObject { ["requestId"] = "r-1", ["reviewerId"] = "dr.x", ["verdict"] = "perhaps" },
            });
        }

        var (exit, output, error) = await CliRunner.RunAsync("review", "report", path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Empty(output);
        Assert.Contains("seq 2 (approval.decided)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "review", "report")]
    [InlineData(ExitCodes.Usage, "review", "report", "x.json", "--fail-on", "sometimes")]
    [InlineData(ExitCodes.Usage, "review", "report", "x.json", "--fast-dwell", "fast")]
    [InlineData(ExitCodes.Usage, "review", "report", "x.json", "--coverage-target", "5")]
    [InlineData(ExitCodes.Usage, "review", "report", "--jsn", "x.json")]
    [InlineData(ExitCodes.Failure, "review", "report", "/nonexistent/evidence.json")]
    public async Task Usage_and_missing_files_have_their_exit_codes(int expected, params string[] args)
    {
        var (exit, _, error) = await CliRunner.RunAsync(args);
        Assert.Equal(expected, exit);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_html_report_is_self_contained_with_a_section_and_charts_per_reviewer_and_encodes_evidence()
    {
        const string hostile = "<script>alert(1)</script>";
        var bundle = await DayBundleAsync(extra: async scenario =>
        {
            // Evidence text is attacker-controlled: a reviewer id and a reason written straight into the log.
            for (var i = 0; i < 3; i++)
            {
                var at = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
                var decided = new ApprovalDecided(
                    new string('a', 64), $"\"><img src=//evil.example/{i}>", hostile, SignOffVerdict.Approve, "</td><a href=\"https://evil.example\">", "signed_off",
                    null, "sha256:00", at, at, at.AddSeconds(i + 0.5), i * 1000 + 500, 0, "coverage.deny@1");
                await scenario.Store.AppendAsync(AuditEventWriter.ToEntry(decided, new AuditActor("human", hostile), AuditEventWriter.RequestEntity, $"x-{i}"));
            }
            await scenario.Gate.BreakGlassAsync("dr.director", ReviewScenario.Deny, new JsonObject(), "<b>urgent</b> & \"now\"", _ => ValueTask.CompletedTask);
        });
        var html = Path.Combine(Path.GetTempPath(), "mc-review-report.html");

        var (exit, output, _) = await CliRunner.RunAsync("review", "report", bundle, "--html", html);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains(html, output, StringComparison.Ordinal);
        var page = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);

        var sections = ReviewerSection().Matches(page);
        Assert.Equal(["&lt;script&gt;alert(1)&lt;/script&gt;", "dr.batch", "dr.steady"], sections.Select(m => m.Groups["id"].Value));
        foreach (Match section in sections)
        {
            Assert.Equal(2, Regex.Count(section.Groups["body"].Value, "<svg "));
            Assert.Contains("aria-label=\"Dwell-time histogram\"", section.Groups["body"].Value, StringComparison.Ordinal);
            Assert.Contains("aria-label=\"Sign-offs over time\"", section.Groups["body"].Value, StringComparison.Ordinal);
        }
        Assert.Contains("class=\"threshold\"", page, StringComparison.Ordinal);
        Assert.Contains("<section class=\"coverage\">", page, StringComparison.Ordinal);
        Assert.Contains("A gate can require a named human and record exactly how long they had the case. It cannot make them read it.", page, StringComparison.Ordinal);
        Assert.Contains("Evidence verified.", page, StringComparison.Ordinal);

        // Nothing is fetched: every src or href is a fragment, and no URL appears at all.
        var references = Tag().Matches(page).SelectMany(tag => Reference().Matches(tag.Value)).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, url => Assert.StartsWith("#", url, StringComparison.Ordinal));
        Assert.DoesNotContain("http://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<a href=\"https", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>urgent", page, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;urgent&lt;/b&gt; &amp; &quot;now&quot;", page, StringComparison.Ordinal);
        Assert.Contains("&quot;&gt;&lt;img src=//evil.example/0&gt;", page, StringComparison.Ordinal);
    }

    [GeneratedRegex("<section class=\"reviewer\" id=\"reviewer-\\d+\" data-reviewer=\"(?<id>[^\"]*)\">(?<body>.*?)</section>", RegexOptions.Singleline)]
    private static partial Regex ReviewerSection();

    [GeneratedRegex("<[a-zA-Z][^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("\\b(?:src|href|xlink:href)\\s*=\\s*[\"']?(?<url>[^\"'\\s>]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Reference();
}
