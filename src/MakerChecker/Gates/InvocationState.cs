namespace MakerChecker.Gates;

/// <summary>Where an allowed invocation's action is, as far as the log says.</summary>
internal enum InvocationStatus
{
    /// <summary>Allowed (<c>decision.allowed</c> or <c>breakglass.invoked</c>); no outcome recorded yet.</summary>
    Started,

    /// <summary><c>action.executed</c>, or resolved <c>executed</c>.</summary>
    Executed,

    /// <summary><c>action.failed</c>.</summary>
    Failed,

    /// <summary>Resolved <c>not_executed</c>: the action never ran.</summary>
    NotExecuted,

    /// <summary>Resolved <c>unknown</c>.</summary>
    Unknown,
}

/// <summary>
/// An allowed invocation as projected from the log. The projection keeps those with no outcome yet (they can be
/// resolved) and, for <see cref="GateProjection.IdempotencyRetention"/>, those made with an idempotency key (a retry with
/// the key is answered from them).
/// </summary>
internal sealed class InvocationState(
    string id, string principalId, string skill, string payloadDigest, string policyHash, string reasonCode, string? idempotencyKey)
{
    public string Id { get; } = id;

    /// <summary>The run id of the invocation's case (from its subject), which every event about it carries; null when it has none.</summary>
    public string? RunId { get; init; }

    public string PrincipalId { get; } = principalId;

    public string Skill { get; } = skill;

    public string PayloadDigest { get; } = payloadDigest;

    public string PolicyHash { get; } = policyHash;

    public string ReasonCode { get; } = reasonCode;

    public string? IdempotencyKey { get; } = idempotencyKey;

    /// <summary>When it was allowed: a kept one (with an idempotency key) is let go <see cref="GateProjection.IdempotencyRetention"/> after.</summary>
    public DateTimeOffset At { get; init; }

    public InvocationStatus Status { get; set; } = InvocationStatus.Started;
}

/// <summary>
/// The first call made with one principal's idempotency key: what it asked for, what it opened or ran, and when (the key
/// is remembered for <see cref="GateProjection.IdempotencyRetention"/> after that).
/// </summary>
internal sealed record IdempotentCall(string Skill, string PayloadDigest, string EntityType, string EntityId, string ReasonCode, DateTimeOffset At);
