using MakerChecker.Auditing.Events;
using MakerChecker.Policy.Model;

namespace MakerChecker.Tests.Auditing;

/// <summary>A well-formed payload of every event type of the catalogue, and variants with each optional field null or absent.</summary>
internal static class CatalogueSamples
{
    public static readonly DateTimeOffset At = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    private const string Hash = "00000000000000000000000000000000000000000000000000000000000000aa";
    private const string Digest = "sha256:e6740c237bddc973a3064c0fc882418fef195cad27f214e48b19ec2253e3e552";
    private const string Rule = "policy.yaml:12:5";

    public static readonly PolicyActivated PolicyActivated = new(
        Hash, "claims", "3", At, Policy: System.Text.Json.JsonDocument.Parse("""{"format":"makerchecker-policy-canonical/1","roles":[]}""").RootElement,
        ActivatedBy: "ops.lead", RequestId: "r-9", Approvers: ["dr-director"]);

    public static readonly PrincipalRegistered PrincipalRegistered = new(Hash, "night-bot", PrincipalKind.Agent, "screener", PrincipalStatus.Active,
        "dr-owner", At);

    public static readonly DecisionAllowed DecisionAllowed = new(Hash, "bot", "coverage.flag@1", "allowed", Rule, "invoke", Digest, At, Counted: true);

    public static readonly DecisionRefused DecisionRefused = new(Hash, "bot", "coverage.deny@1", "payload_mismatch", Rule, "execute", Digest, At,
        Counted: false);

    public static readonly ApprovalRequested ApprovalRequested = new(
        Hash, "r-1", "bot", "coverage.deny@1", "approval_required", Rule, Digest, Sampled: false, RequiredApprovals: 2, At, At.AddHours(1), Counted: true,
        new RecordedBasis("PXDX-42", "screen-2026.11", "sha256:feed", "diagnosis not covered"));

    public static readonly ApprovalPresented ApprovalPresented = new(Hash, "r-1", "dr-a", Digest, At.AddMinutes(5));

    public static readonly ApprovalDecided ApprovalDecided = new(
        Hash, "r-1", "dr-a", SignOffVerdict.Approve, "chart reviewed", "signed_off", Rule, Digest, At, At.AddMinutes(5), At.AddMinutes(6), 60_000, 300_000,
        "coverage.deny@1");

    public static readonly SignOffRefused SignOffRefused = new(
        Hash, "r-1", "dr-a", SignOffVerdict.Reject, "too soon", "review_too_fast", Rule, Digest, At, At.AddMinutes(5), At.AddMinutes(5).AddSeconds(2), 2_000,
        300_000, "coverage.deny@1");

    public static readonly ActionStarted ActionStarted = new(Hash, "r-1", "bot", "coverage.deny@1", "executed", Rule, Digest, ["dr-a", "dr-b"],
        At.AddMinutes(7), "x-1");

    public static readonly ActionExecuted ActionExecuted = new(Hash, "bot", "coverage.deny@1", null, At.AddMinutes(7), RequestId: "r-1", ExecutionId: "x-1");

    public static readonly ActionFailed ActionFailed = new(Hash, "bot", "coverage.flag@1", "System.InvalidOperationException", At, InvocationId: "i-1");

    public static readonly ActionOutcomeResolved ActionOutcomeResolved = new(
        Hash, "bot", "coverage.deny@1", "not_executed", "the claims system shows no denial", "outcome_resolved", "dr-c", At.AddHours(1), RequestId: "r-1",
        ExecutionId: "x-1");

    public static readonly BreakGlassInvoked BreakGlassInvoked = new(
        Hash, "i-2", "dr-a", "coverage.deny@1", "break_glass", Rule, "patient in theatre", Digest, At, Counted: false, ReviewRequired: true);

    public static readonly BreakGlassReviewed BreakGlassReviewed = new(
        Hash, "i-2", "dr-a", "coverage.deny@1", "dr-b", "escalated", "no emergency on file", "break_glass_reviewed", Rule, At);

    public static readonly ApprovalExpired ApprovalExpired = new(Hash, "r-1", "bot", "coverage.deny@1", "request_expired", At, At.AddHours(1),
        At.AddHours(2), Approvals: 1, RequiredApprovals: 2);

    public static readonly AppealRecorded AppealRecorded = new(Hash, "r-1", "coverage.deny@1", MakerChecker.Gates.AppealOutcome.Overturned, "appeals-desk",
        "documentation was in the chart", ["dr-a", "dr-b"], At.AddDays(20));

    public static readonly GateSnapshotRecorded GateSnapshotRecorded = new(
        Hash, 41, "00000000000000000000000000000000000000000000000000000000000000bb", Digest, 1, At.AddDays(1));

    /// <summary>One well-formed payload per event type, in catalogue order.</summary>
    public static IReadOnlyList<IAuditEventPayload> Payloads { get; } =
    [
        PolicyActivated, PrincipalRegistered, DecisionAllowed, DecisionRefused, ApprovalRequested, ApprovalPresented, ApprovalDecided, SignOffRefused,
        ActionStarted, ActionExecuted, ActionFailed, ActionOutcomeResolved, BreakGlassInvoked, ApprovalExpired, AppealRecorded, BreakGlassReviewed,
        GateSnapshotRecorded,
    ];

    /// <summary>The same, plus variants with nullable fields null and optional fields absent.</summary>
    public static IReadOnlyList<IAuditEventPayload> Variants { get; } =
    [
        .. Payloads,
        PolicyActivated with { Version = null },
        PolicyActivated with { Policy = null, ActivatedBy = null, RequestId = null, Approvers = null, Source = "policies/claims.yaml" },
        PolicyActivated with { RequestId = null, Approvers = null, Justification = "backlog of 300 denials" },
        PrincipalRegistered with { Kind = PrincipalKind.Human, Status = PrincipalStatus.Suspended, Owner = null },
        DecisionAllowed with { Rule = null, Counted = false },
        DecisionAllowed with { IdempotencyKey = "agent-call-7" },
        DecisionRefused with { Rule = null, PayloadDigest = null, Stage = "break_glass" },
        ApprovalRequested with { Basis = null, Sampled = true, Rule = null },
        ApprovalRequested with { Basis = new RecordedBasis(null, null, null, null) },
        ApprovalRequested with { Basis = new RecordedBasis("PXDX-42", null, null, null, CaseSize: 400) },
        ApprovalRequested with { IdempotencyKey = "agent-call-8" },
        ApprovalDecided with { Verdict = SignOffVerdict.Reject, Reason = null, PresentedAt = null, DwellMs = null, QueueMs = null, Rule = null },
        ApprovalDecided with { Skill = null },
        SignOffRefused with { Skill = null, PresentedAt = null, DwellMs = null, QueueMs = null },
        ActionStarted with { Approvers = [], Rule = null, ExecutionId = null },
        ActionExecuted with { RequestId = null, InvocationId = "i-1", ExecutionId = null },
        ActionFailed with { InvocationId = null, RequestId = "r-1", ExecutionId = "x-1" },
        ActionOutcomeResolved with { RequestId = null, InvocationId = "i-1", ExecutionId = null, ResolvedBy = null, Resolution = "unknown" },
        BreakGlassInvoked with { Rule = null, Counted = true },
        BreakGlassReviewed with { Verdict = "accepted", Reason = null, Rule = null },
        AppealRecorded with { Outcome = MakerChecker.Gates.AppealOutcome.Upheld, Reason = null, Approvers = [] },
    ];
}
