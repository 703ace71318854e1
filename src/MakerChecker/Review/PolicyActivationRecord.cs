namespace MakerChecker.Review;

/// <summary>One difference between a policy and the one it replaced, in words, and whether it weakens a control.</summary>
/// <param name="Text">For example "min_review removed from the coverage.deny@1 gate of denial-drafter" or "approvers 2 → 1 …".</param>
/// <param name="Weakens">
/// Whether the change loosens a control: a gate, review floor, approver count, prohibition, limit, separation or the
/// policy's own change control removed or lowered, or a grant or an approving role added.
/// </param>
public sealed record PolicyChange(string Text, bool Weakens);

/// <summary>A policy put in force, as the audit log records it (<c>policy.activated</c>), with what changed from the previous one.</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="PolicyHash">The policy hash.</param>
/// <param name="Name">The policy's name.</param>
/// <param name="Version">The policy's version, or <see langword="null"/>.</param>
/// <param name="At">When it took effect.</param>
/// <param name="ActivatedBy">Who activated it, or <see langword="null"/> when the host did (or the log predates the field).</param>
/// <param name="RequestId">The approved change request it executed, or <see langword="null"/>.</param>
/// <param name="Approvers">The approvers of that request that counted; empty without one.</param>
/// <param name="Justification">The break-glass justification, or <see langword="null"/> when not activated under break-glass.</param>
/// <param name="Changes">
/// What changed from the previous activation's policy, in words; empty for the first activation, and empty with
/// <paramref name="RulesRecorded"/> false when either policy's rules are not in the log.
/// </param>
/// <param name="RulesRecorded">Whether the log holds this policy's canonical form (older logs record only its hash).</param>
public sealed record PolicyActivationRecord(
    long Seq, string PolicyHash, string Name, string? Version, DateTimeOffset At, string? ActivatedBy, string? RequestId, IReadOnlyList<string> Approvers,
    string? Justification, IReadOnlyList<PolicyChange> Changes, bool RulesRecorded)
{
    /// <summary>Whether any change weakens a control.</summary>
    public bool Weakens => Changes.Any(c => c.Weakens);

    /// <summary>How it came into force: <c>break-glass</c>, <c>approved change</c> or <c>direct</c>.</summary>
    public string How => Justification is not null ? "break-glass" : RequestId is not null ? "approved change" : "direct";
}
