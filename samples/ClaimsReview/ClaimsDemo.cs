using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Gates;
using MakerChecker.Decisions;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;
using MakerChecker.Reporting;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;
using Spectre.Console;

namespace ClaimsReview;

/// <summary>What one run of the demo produced, for the closing checks and for tests.</summary>
/// <param name="ScreenerDenyCode">The reason code the screening agent got when it tried to deny a claim itself.</param>
/// <param name="AgentSelfApprovalCode">The reason code the drafting agent got when it tried to sign its own request.</param>
/// <param name="PhysicianSelfApprovalCode">The reason code a physician got when signing a denial they drafted themselves.</param>
/// <param name="TooFastCodes">The reason codes of the batch reviewer's sign-offs under the original policy.</param>
/// <param name="BatchApproved">How many denials the batch reviewer cleared once the floor was removed.</param>
/// <param name="Verdict">The verification of the exported bundle.</param>
/// <param name="Report">The rubber-stamp detector's report over the run.</param>
/// <param name="RunFolder">Where the run's evidence is.</param>
/// <param name="Files">The evidence beside the log: bundle, vkey, latest checkpoint, a member's receipt.</param>
/// <param name="ClosingCommands">The inspector's commands the demo closes with, exactly as printed.</param>
public sealed record DemoResult(
    string ScreenerDenyCode,
    string AgentSelfApprovalCode,
    string PhysicianSelfApprovalCode,
    IReadOnlyList<string> TooFastCodes,
    int BatchApproved,
    AuditVerdict Verdict,
    ReviewReport Report,
    string RunFolder,
    EvidenceFiles Files,
    IReadOnlyList<string> ClosingCommands);

/// <summary>
/// The PxDx story, end to end, on embedded defaults: a file audit log and an Ed25519 key under the evidence folder,
/// the claims-review policy, and a simulated clock, so a morning of reviews runs in seconds with exact timings.
/// </summary>
public sealed class ClaimsDemo(IAnsiConsole console, string evidenceFolder, string policyPath)
{
    /// <summary>How many denials the rubber-stamping reviewer clears.</summary>
    public const int BatchSize = 300;

    private const string Screener = "screener-bot";
    private const string Drafter = "drafter-bot";
    private const string Deny = "coverage.deny@1";
    private static readonly TimeSpan BatchDwell = TimeSpan.FromSeconds(1.2);

    // The honest reviewers: who, how long they had the case, and whether they agreed with the screen.
    private static readonly (string Reviewer, int DwellSeconds, string? RejectReason)[] HonestReviews =
    [
        ("dr.okafor", 95, null),
        ("dr.lindqvist", 48, "chart shows prior authorisation on file"),
        ("dr.okafor", 62, null),
        ("dr.lindqvist", 118, null),
        ("dr.okafor", 37, "procedure code miskeyed by the provider; resubmission expected"),
        ("dr.lindqvist", 80, null),
    ];

    private readonly SimulatedClock _clock = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, JsonObject> _payloads = new(StringComparer.Ordinal);
    private int _claims = 1000;
    private (string RequestId, string ClaimId) _member;

    /// <summary>Runs the story and writes it to the console.</summary>
    /// <returns>What happened; <see cref="DemoResult.Verdict"/> says whether the evidence verified.</returns>
    public async Task<DemoResult> RunAsync(CancellationToken cancellationToken = default)
    {
        // The file is read once: the policy in force and the operator's later edit of it (Loosen) start from the same text.
        var policyText = await File.ReadAllTextAsync(policyPath, cancellationToken);
        var policy = PolicyLoader.Load(policyText, policyPath).GetPolicyOrThrow();
        Directory.CreateDirectory(evidenceFolder);
        var (privateKey, publicKey) = (Path.Combine(evidenceFolder, "instance.key"), Path.Combine(evidenceFolder, "instance.pub.pem"));
        var newKey = !File.Exists(privateKey);
        if (newKey) Ed25519KeyFile.Create(privateKey, publicKey);
        using var signer = Ed25519KeyFile.LoadSigner(privateKey);
        var run = NextRunFolder();
        var log = Path.Combine(run, "audit.jsonl");

        Title("MakerChecker claims-review demo");
        Line($"Policy [bold]{Esc(policy.Name)}[/] {Esc(policy.Version ?? "")}, hash [grey]{policy.Hash[..16]}…[/]");
        Line($"Signing key {(newKey ? "created" : "reused")}: [grey]{Esc(privateKey)}[/] (fingerprint {Esc(signer.Fingerprint[..23])}…)");
        Line($"Audit log: [grey]{Esc(log)}[/]. The clock is simulated, so every dwell below is exact.");

        string screenerCode, agentCode, physicianCode;
        List<string> tooFast;
        int batch;
        EvidenceFiles files;
        // The samples' default store: the log is signed as it is written, by the app's key (checkpoints every N events and T).
        var origin = "claims-review.example/" + Path.GetFileName(run);
        await using (var store = await DemoEvidence.OpenLogAsync(log, signer, origin, _clock, cancellationToken))
        {
            await using (var gate = new ApprovalGate(policy, store, _clock, sampleSource: () => 0.5))
            {
                screenerCode = await ScreeningAsync(gate);
                (agentCode, physicianCode) = await SelfApprovalAsync(gate);
                await HonestReviewsAsync(gate);
                (tooFast, batch) = await BacklogAsync(gate, policy, policyText);
            }

            Title("5. The evidence");
            files = await DemoEvidence.WriteAsync(store, signer, run, _member.RequestId, _member.ClaimId, _clock, cancellationToken);
            Line($"The log was signed as it was written: {store.Checkpoints.Count} checkpoints by the app's key, every " +
                 $"{DemoEvidence.CheckpointEveryEvents} events or {DemoEvidence.CheckpointInterval.TotalMinutes:0} simulated minutes and at the export; " +
                 $"the latest covers all {store.LatestCheckpoint!.Checkpoint.Size} events.");
        }

        var bundle = files.Bundle;
        // Verified once, under the pinned key, then read into the detector's evidence: exactly as an inspector's
        // `makerchecker review report` makes its report from a bundle.
        var pinned = new BundleVerifierOptions { PinnedPublicKeyPem = await File.ReadAllTextAsync(publicKey, cancellationToken) };
        var (evidenceSummary, evidence) = await ReviewEvidenceSource.LoadAsync(bundle, pinned, cancellationToken);
        var verdict = evidenceSummary.Verdict;
        Line(verdict.IsValid
            ? $"[green]✔[/] Signed bundle [grey]{Esc(bundle)}[/]: {verdict.EventCount} events, chain and signature verify under the pinned key."
            : $"[red]✘ The bundle does not verify: {Esc(verdict.ToString())}[/]");
        Line($"Beside it: the log's verifier key [grey]{Esc(files.VerifierKey)}[/], its latest signed checkpoint [grey]{Esc(files.Checkpoint)}[/], " +
             $"and the receipt a member can keep for claim {Esc(files.ReceiptClaimId)} [grey]{Esc(files.Receipt)}[/].");

        var report = RubberStampDetector.Analyze(evidence);
        var summary = Path.Combine(run, "review-summary.md");
        await File.WriteAllTextAsync(summary, ReviewSummary.Markdown(report, bundle), cancellationToken);
        var html = Path.Combine(run, "review-report.html");
        await File.WriteAllTextAsync(html, ReviewHtmlReport.Render(evidenceSummary, report), cancellationToken);
        ShowReport(report, summary, html);
        var commands = DemoEvidence.Commands(files, log, publicKey, privateKey);
        Closing(commands, html, signer.Fingerprint);
        return new DemoResult(screenerCode, agentCode, physicianCode, tooFast, batch, verdict, report, run, files, commands);
    }

    /// <summary>Act 1: the screen may flag; it may not deny.</summary>
    private async Task<string> ScreeningAsync(ApprovalGate gate)
    {
        Title("1. The screening agent");
        for (var i = 0; i < 3; i++)
        {
            var flagged = await gate.InvokeAsync(Screener, "coverage.flag@1", NextClaim(), Nothing, subject: Case());
            Line($"{Screener} flags claim {ClaimId()}: [green]{Esc(flagged.ReasonCode)}[/]");
            _clock.Advance(TimeSpan.FromSeconds(2));
        }
        var deny = await gate.InvokeAsync(Screener, Deny, NextClaim(), Nothing, subject: Case());
        Refusal($"{Screener} tries to deny claim {ClaimId()} itself", deny);
        Note("The screener's role forbids coverage.deny in every version, and a prohibition wins over any grant. " +
             "Without that line it would still be refused: deny by default, the role grants only coverage.flag@1 (skill_not_granted).");
        return deny.ReasonCode;
    }

    /// <summary>Act 2: whoever opens a denial never signs it.</summary>
    private async Task<(string Agent, string Physician)> SelfApprovalAsync(ApprovalGate gate)
    {
        Title("2. Nobody signs their own denial");
        var opened = await OpenDenialAsync(gate, Drafter, Basis());
        Line($"{Drafter} drafts the denial of claim {ClaimId()}: [yellow]{Esc(opened.ReasonCode)}[/], request {Short(opened.Request!.Id)}");
        var agent = await gate.ApproveAsync(opened.Request.Id, Drafter, "looks right to me");
        Refusal($"{Drafter} tries to sign its own request", agent);
        Note("Agents never sign: the gate does not set allow_agent_approvers, so this is refused before the requester rule is even reached.");

        // A physician may draft a denial too: then the same rule that stops the agent's self-approval is the one that decides.
        var drafted = await OpenDenialAsync(gate, "dr.lindqvist", new ProposalBasis(Reason: "examined in clinic"));
        await gate.PresentAsync(drafted.Request!.Id, "dr.lindqvist");
        _clock.Advance(TimeSpan.FromSeconds(45));
        var physician = await gate.ApproveAsync(drafted.Request.Id, "dr.lindqvist", "I examined the patient");
        Refusal($"dr.lindqvist drafts the denial of claim {ClaimId()}, then tries to sign it herself", physician);
        Note("Separation of duties (forbid_requester): the requester can never be the checker. Another physician must sign.");
        await SignAsync(gate, drafted.Request.Id, "dr.okafor", 70, null, "dr.lindqvist");
        return (agent.ReasonCode, physician.ReasonCode);
    }

    /// <summary>Act 3: physicians who read the case.</summary>
    private async Task HonestReviewsAsync(ApprovalGate gate)
    {
        Title("3. Physicians review the flagged claims");
        foreach (var (reviewer, dwell, rejection) in HonestReviews)
        {
            var opened = await OpenDenialAsync(gate, Drafter, Basis());
            if (_member == default) _member = (opened.Request!.Id, ClaimId()); // the member whose receipt the evidence carries
            _clock.Advance(TimeSpan.FromMinutes(4)); // queue time, kept apart from dwell
            await SignAsync(gate, opened.Request!.Id, reviewer, dwell, rejection, Drafter);
        }
    }

    /// <summary>Act 4: the backlog, the floor that stops it, and what happens when the floor is removed.</summary>
    private async Task<(List<string> TooFast, int Approved)> BacklogAsync(ApprovalGate gate, CompiledPolicy policy, string policyText)
    {
        Title($"4. A backlog of {BatchSize} denials, and a reviewer who clears it");
        var ids = new List<string>();
        for (var i = 0; i < BatchSize; i++)
        {
            ids.Add((await OpenDenialAsync(gate, Drafter, Basis())).Request!.Id);
            _clock.Advance(TimeSpan.FromMilliseconds(150));
        }
        Line($"{Drafter} opens {BatchSize} denial requests. dr.batch starts clicking through them, {BatchDwell.TotalSeconds:0.0} s each:");

        var tooFast = new List<string>();
        foreach (var id in ids.Take(3))
        {
            await gate.PresentAsync(id, "dr.batch");
            _clock.Advance(BatchDwell);
            var result = await gate.ApproveAsync(id, "dr.batch");
            tooFast.Add(result.ReasonCode);
            Refusal($"  dr.batch approves request {Short(id)} after {BatchDwell.TotalSeconds:0.0} s", result);
        }
        Note("min_review: 30s raises the floor: these sign-offs do not count, and each refusal is in the log.");

        // What an operator under pressure does: edit the policy to clear the backlog. The policy governs its own
        // replacement (policy.changes), so a direct activation is refused; ops may break the glass, which is recorded and flagged.
        var loosened = Loosen(policy, policyText);
        Refusal($"ops.lead activates policy {loosened.Version} (min_review removed) directly", await gate.ActivatePolicyAsync(loosened));
        await gate.BreakGlassPolicyAsync("ops.lead", loosened, "clear the backlog");
        Line($"[yellow]ops.lead breaks the glass[/]: policy {Esc(loosened.Version ?? "")} is in force, min_review removed \"to clear the backlog\" " +
             $"(policy.activated records the rules and who, hash {loosened.Hash[..16]}…; listed for review).");

        var approved = 0;
        foreach (var id in ids)
        {
            await gate.PresentAsync(id, "dr.batch");
            _clock.Advance(BatchDwell);
            if ((await gate.ApproveAsync(id, "dr.batch")).ReasonCode == ReasonCodes.SignedOff) approved++;
            await gate.ExecuteAsync(id, Drafter, _payloads[id], Nothing);
        }
        var minutes = (BatchSize * BatchDwell).TotalMinutes;
        Line($"dr.batch approves [red]{approved}[/] denials in {minutes:0} minutes. Each one is valid: a named physician signed it.");
        Note("What the control cannot do: it cannot make a reviewer read the case. A valid approver's signature lets the action run. " +
             "What it changes is the evidence: every 1.2 s sign-off is logged, signed and attributable, and the detector below makes the pattern provable.");
        return (tooFast, approved);
    }

    private async Task SignAsync(ApprovalGate gate, string id, string reviewer, int dwellSeconds, string? rejection, string requester)
    {
        await gate.PresentAsync(id, reviewer);
        _clock.Advance(TimeSpan.FromSeconds(dwellSeconds));
        var request = gate.GetRequest(id)!;
        if (rejection is null)
        {
            await gate.ApproveAsync(id, reviewer, "chart reviewed; exclusion applies");
            var executed = await gate.ExecuteAsync(id, requester, _payloads[id], Nothing);
            Line($"{reviewer} reads the case for [bold]{dwellSeconds} s[/] and approves; the denial runs: [green]{Esc(executed.ReasonCode)}[/] (request {Short(request.Id)})");
        }
        else
        {
            await gate.RejectAsync(id, reviewer, rejection);
            Line($"{reviewer} reads the case for [bold]{dwellSeconds} s[/] and [blue]rejects[/] it: {Esc(rejection)}");
        }
        _clock.Advance(TimeSpan.FromMinutes(2));
    }

    private async Task<GateResult> OpenDenialAsync(ApprovalGate gate, string requester, ProposalBasis basis)
    {
        var claim = NextClaim();
        var opened = await gate.InvokeAsync(requester, Deny, claim, Nothing, basis, subject: Case());
        _payloads[opened.Request!.Id] = claim; // executing needs exactly the payload that was approved
        return opened;
    }

    private JsonObject NextClaim()
    {
        _claims++;
        return new JsonObject { ["claim"] = new JsonObject { ["id"] = ClaimId(), ["amount"] = 480 + (_claims * 37 % 2900), ["procedure"] = "97110" } };
    }

    private string ClaimId() => "C-" + _claims.ToString(CultureInfo.InvariantCulture);

    /// <summary>The current claim as a case subject: every event about it carries its run id (audit export --case claim:C-n).</summary>
    private string Case() => "claim:" + ClaimId();

    private static ProposalBasis Basis() => new("PXDX-7", "screen-2026.11", "sha256:4f1c9e", "procedure not supported by diagnosis");

    private static ValueTask Nothing(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The same policy with every gate's <c>min_review</c> removed and a new version: the edit an operator makes under pressure.</summary>
    private CompiledPolicy Loosen(CompiledPolicy policy, string policyText)
    {
        var text = policyText.ReplaceLineEndings("\n").Split('\n')
            .Where(line => line.Trim() != "min_review: 30s")
            .Select(line => line.TrimStart().StartsWith("version:", StringComparison.Ordinal) ? $"  version: \"{policy.Version}.1-backlog\"" : line);
        return PolicyLoader.Load(string.Join('\n', text), Path.GetFileNameWithoutExtension(policyPath) + "-backlog.yaml").GetPolicyOrThrow();
    }

    private string NextRunFolder()
    {
        // Each run keeps its own log: earlier evidence is never overwritten or deleted.
        for (var n = 1; ; n++)
        {
            var folder = Path.Combine(evidenceFolder, "run-" + n.ToString("D3", CultureInfo.InvariantCulture));
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                return folder;
            }
        }
    }

    private void ShowReport(ReviewReport report, string summary, string html)
    {
        Title("6. What the rubber-stamp detector sees");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("reviewer", "sign-offs", "median dwell", "under 10 s", "approval rate", "findings");
        foreach (var r in report.Reviewers)
        {
            var findings = report.FindingsFor(r.ReviewerId).ToList();
            table.AddRow(
                Esc(r.ReviewerId),
                r.Count.ToString(CultureInfo.InvariantCulture),
                r.MedianDwellMs is { } m ? $"{m / 1000.0:0.0} s" : "-",
                r.FastCount.ToString(CultureInfo.InvariantCulture),
                $"{r.ApprovalRate * 100:0}%",
                findings.Count == 0 ? "[green]none[/]" : $"[red]{findings.Count}[/]");
        }
        console.Write(table);
        foreach (var f in report.Findings) Line($"  [red]{Esc(f.Severity.ToString().ToLowerInvariant())}[/] {Esc(f.ReviewerId)}: {Esc(f.Message)}");
        Line($"Review summary: [grey]{Esc(summary)}[/]");
        Line($"HTML review report (self-contained, open it in a browser): [grey]{Esc(html)}[/]");
    }

    private void Closing(IReadOnlyList<string> commands, string html, string fingerprint)
    {
        Title("An inspector checks this without our app");
        Note("From the repository root, in bash. The CLI checks the bundle, the live log against its latest signed checkpoint, and the receipt, " +
             "writes the case pack a member is handed (the claim's run bundle, a receipt per event, the vkey, a README), and writes the verifier page, " +
             "which checks the same files in a browser, offline (open verify.html and drop bundle.json or a receipt with audit.vkey on it); " +
             "Go's golang.org/x/mod/sumdb/note and tlog check the checkpoint and the receipt; openssl checks the checkpoint's signature alone.");
        // Written raw, one command a line, never wrapped: each line is meant to be pasted.
        foreach (var command in commands) console.Profile.Out.Writer.WriteLine("  " + command);
        Line($"Key fingerprint: [grey]{Esc(fingerprint)}[/]");
        Line($"The HTML report is at [grey]{Esc(html)}[/]. With the tool installed, 'dotnet run --project src/MakerChecker.Cli --' is just 'makerchecker'.");
    }

    private void Title(string text) => console.Write(new Rule($"[bold]{Esc(text)}[/]").LeftJustified());

    private void Line(string markup) => console.MarkupLine(markup);

    private void Note(string text) => console.MarkupLine($"  [grey]{Esc(text)}[/]");

    private void Refusal(string what, GateResult result) =>
        console.MarkupLine($"{Esc(what)}: [red bold]refused {Esc(result.ReasonCode)}[/] [grey]({Esc(result.Rule.File is null ? "no rule" : Path.GetFileName(result.Rule.File) + ":" + result.Rule.Line)})[/]");

    private static string Short(string id) => id[^8..];

    private static string Esc(string text) => Markup.Escape(text);
}
