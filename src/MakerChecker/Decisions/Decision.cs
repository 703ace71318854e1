using System.Runtime.InteropServices;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// What the policy decided about one gate operation (an invocation, break-glass, presentation, sign-off or execution),
/// and why: the outcome, a stable reason code, the rule (policy file and line) that decided, and the policy hash. The
/// one result type of every rule in this folder. A small value: an accepted decision allocates nothing (a refusal of a
/// request step carries a short detail for its message), and the human <see cref="Message"/> is only formatted when read.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct Decision : IEquatable<Decision>
{
    private readonly LimitKind _limit;

    internal Decision(
        DecisionOutcome outcome, string reasonCode, SourceLocation rule, string policyHash, string principalId, string skill, GrantDefinition? grant,
        bool sampled = false, LimitKind limit = LimitKind.None)
        : this(DecisionStage.Invoke, outcome, reasonCode, rule, policyHash, principalId, skill, subject: null, detail: null, grant, sampled, limit)
    {
    }

    private Decision(
        DecisionStage stage, DecisionOutcome outcome, string reasonCode, SourceLocation rule, string policyHash, string principalId, string skill,
        string? subject, string? detail, GrantDefinition? grant, bool sampled, LimitKind limit)
    {
        Stage = stage;
        Subject = subject;
        Detail = detail;
        Outcome = outcome;
        ReasonCode = reasonCode;
        Rule = rule;
        PolicyHash = policyHash;
        PrincipalId = principalId;
        Skill = skill;
        Grant = grant;
        Sampled = sampled;
        _limit = limit;
    }

    /// <summary>What happened (see <see cref="DecisionOutcome"/>); a refusal is always <see cref="DecisionOutcome.Refused"/>.</summary>
    public DecisionOutcome Outcome { get; }

    /// <summary>Which gate operation was judged.</summary>
    public DecisionStage Stage { get; }

    /// <summary>The request a presentation, sign-off or execution concerns; <see langword="null"/> for invocations.</summary>
    public string? Subject { get; }

    /// <summary>What the message cites besides the code (a status, a count, a time); <see langword="null"/> when nothing.</summary>
    public string? Detail { get; }

    /// <summary>The stable reason code (see <see cref="ReasonCodes"/>).</summary>
    public string ReasonCode { get; }

    /// <summary>
    /// The rule that decided: the grant, gate, limit, prohibition, role or principal as written in the policy.
    /// <c>default</c> (no file) when nothing in the policy applies, for example for an unknown principal.
    /// </summary>
    public SourceLocation Rule { get; }

    /// <summary>The hash of the policy that decided.</summary>
    public string PolicyHash { get; }

    /// <summary>The principal who asked: the invoker, the reviewer, or the executor.</summary>
    public string PrincipalId { get; }

    /// <summary>The skill asked for, as written (<c>name@version</c>).</summary>
    public string Skill { get; }

    /// <summary>The grant the decision was made under, or <see langword="null"/> when no grant applies.</summary>
    public GrantDefinition? Grant { get; }

    /// <summary>Whether the invocation was drawn by the gate's sampling (only for <see cref="DecisionOutcome.ApprovalRequired"/>).</summary>
    public bool Sampled { get; }

    /// <summary>Whether <see cref="Rule"/> points into the policy.</summary>
    public bool HasRule => Rule.File is not null;

    internal LimitKind Limit => _limit;

    /// <summary>A sentence for people: what was decided, and how to change it when it was a refusal. Formatted when read.</summary>
    public string Message => DecisionMessages.Describe(this);

    /// <summary>A decision on a request step (presentation, sign-off or execution).</summary>
    internal static Decision OnRequest(
        DecisionStage stage, DecisionOutcome outcome, string reasonCode, SourceLocation rule, string policyHash, string principalId, string skill,
        string requestId, string? detail = null) =>
        new(stage, outcome, reasonCode, rule, policyHash, principalId, skill, requestId, detail, grant: null, sampled: false, LimitKind.None);

    /// <summary>This decision judged at another stage (the invocation rules re-applied to a request step or break-glass).</summary>
    internal Decision At(DecisionStage stage, string? subject, string? detail = null) =>
        new(stage, Outcome, ReasonCode, Rule, PolicyHash, PrincipalId, Skill, subject, detail, Grant, Sampled, _limit);

    /// <summary>
    /// This decision with another outcome and code (break-glass allowed where the invocation would wait for approval).
    /// Not <see cref="Sampled"/>: the invocation was judged again, not sent for review.
    /// </summary>
    internal Decision As(DecisionOutcome outcome, string reasonCode, SourceLocation rule, string? detail = null) =>
        new(Stage, outcome, reasonCode, rule, PolicyHash, PrincipalId, Skill, Subject, detail, Grant, sampled: false, _limit);

    /// <inheritdoc/>
    public bool Equals(Decision other) =>
        Stage == other.Stage && Subject == other.Subject && Detail == other.Detail
        && Outcome == other.Outcome && ReasonCode == other.ReasonCode && Rule == other.Rule && PolicyHash == other.PolicyHash
        && PrincipalId == other.PrincipalId && Skill == other.Skill && ReferenceEquals(Grant, other.Grant)
        && Sampled == other.Sampled && _limit == other._limit;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Decision other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Stage, Outcome, ReasonCode, Rule, PrincipalId, Skill, Subject);

    /// <summary>Compares two decisions field by field.</summary>
    /// <param name="left">The first decision.</param>
    /// <param name="right">The second decision.</param>
    public static bool operator ==(Decision left, Decision right) => left.Equals(right);

    /// <summary>Compares two decisions field by field.</summary>
    /// <param name="left">The first decision.</param>
    /// <param name="right">The second decision.</param>
    public static bool operator !=(Decision left, Decision right) => !left.Equals(right);

    /// <summary>The reason code and the rule, for logs.</summary>
    public override string ToString() => HasRule ? $"{Outcome}: {ReasonCode} ({Rule})" : $"{Outcome}: {ReasonCode}";
}
