using System.Runtime.InteropServices;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// What the policy decided about one invocation, and why: the outcome, a stable reason code, the rule (policy file
/// and line) that decided, and the policy hash. A small value: evaluating a decision allocates nothing, and the human
/// <see cref="Message"/> is only formatted when it is read.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct Decision : IEquatable<Decision>
{
    private readonly LimitKind _limit;

    internal Decision(DecisionOutcome outcome, string reasonCode, SourceLocation rule, string policyHash, string principalId, string skill, GrantDefinition? grant, bool sampled = false, LimitKind limit = LimitKind.None)
    {
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

    /// <summary>Allowed, approval required, or refused.</summary>
    public DecisionOutcome Outcome { get; }

    /// <summary>The stable reason code (see <see cref="ReasonCodes"/>).</summary>
    public string ReasonCode { get; }

    /// <summary>
    /// The rule that decided: the grant, gate, limit, prohibition, role or principal as written in the policy.
    /// <c>default</c> (no file) when nothing in the policy applies, for example for an unknown principal.
    /// </summary>
    public SourceLocation Rule { get; }

    /// <summary>The hash of the policy that decided.</summary>
    public string PolicyHash { get; }

    /// <summary>The principal who asked.</summary>
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

    /// <inheritdoc/>
    public bool Equals(Decision other) =>
        Outcome == other.Outcome && ReasonCode == other.ReasonCode && Rule == other.Rule && PolicyHash == other.PolicyHash
        && PrincipalId == other.PrincipalId && Skill == other.Skill && ReferenceEquals(Grant, other.Grant) && Sampled == other.Sampled && _limit == other._limit;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Decision other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Outcome, ReasonCode, Rule, PrincipalId, Skill);

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
