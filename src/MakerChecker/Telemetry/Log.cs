using Microsoft.Extensions.Logging;

namespace MakerChecker.Telemetry;

/// <summary>The gate's log messages, source-generated, with fixed event ids (3xxx: decisions and gates).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Allowed {Skill} for {PrincipalId} under {Rule}")]
    public static partial void DecisionAllowed(ILogger logger, string principalId, string skill, MakerChecker.Policy.Model.SourceLocation rule);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Refused {Skill} for {PrincipalId}: {ReasonCode} ({Rule}) at stage {Stage}")]
    public static partial void DecisionRefused(
        ILogger logger, string principalId, string skill, string reasonCode, MakerChecker.Policy.Model.SourceLocation rule, string stage);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information,
        Message = "Opened request {RequestId} for {Skill} by {PrincipalId} ({ReasonCode}, sampled {Sampled})")]
    public static partial void ApprovalRequested(ILogger logger, string requestId, string skill, string principalId, string reasonCode, bool sampled);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Request {RequestId} presented to {ReviewerId}")]
    public static partial void Presented(ILogger logger, string requestId, string reviewerId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Request {RequestId} signed by {ReviewerId}: {Verdict} after a dwell of {DwellMs} ms")]
    public static partial void SignedOff(ILogger logger, string requestId, string reviewerId, string verdict, long? dwellMs);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Refused sign-off on request {RequestId} by {ReviewerId}: {ReasonCode}")]
    public static partial void SignOffRefused(ILogger logger, string requestId, string reviewerId, string reasonCode);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Executing request {RequestId} ({Skill}) for {PrincipalId}")]
    public static partial void Executing(ILogger logger, string requestId, string skill, string principalId);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
        Message = "Break-glass: {PrincipalId} ran {Skill} without approval ({InvocationId}); listed for mandatory review")]
    public static partial void BreakGlass(ILogger logger, string principalId, string skill, string invocationId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "The action of {EntityId} ({Skill}) failed")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string entityId, string skill);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "The audit log could not record {EventType} ({ReasonCode})")]
    public static partial void AuditWriteFailed(ILogger logger, Exception exception, string eventType, string reasonCode);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Rebuilt gate state from {EventCount} audit events: {OpenRequests} open requests")]
    public static partial void Rebuilt(ILogger logger, long eventCount, int openRequests);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Policy {PolicyName} ({PolicyHash}) is in force")]
    public static partial void PolicyActivated(ILogger logger, string policyName, string policyHash);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Review pattern: {ReviewerId} crossed {Kind} ({Severity}): {Detail}")]
    public static partial void ReviewFinding(ILogger logger, string reviewerId, string kind, string severity, string detail);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Error, Message = "The review-finding callback failed for {ReviewerId} ({Kind}); the sign-off stands")]
    public static partial void ReviewCallbackFailed(ILogger logger, Exception exception, string reviewerId, string kind);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning,
        Message = "Recorded the owed {EventType} for {EntityType} {EntityId} after the audit store recovered")]
    public static partial void OutcomeRecordedLate(ILogger logger, string eventType, string entityType, string entityId);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "{PrincipalId} resolved the outcome of {EntityType} {EntityId} as {Resolution}")]
    public static partial void OutcomeResolved(ILogger logger, string principalId, string entityType, string entityId, string resolution);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "{ReviewerId} reviewed break-glass use {InvocationId} ({Skill}): {Verdict}")]
    public static partial void BreakGlassReviewed(ILogger logger, string reviewerId, string invocationId, string skill, string verdict);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "Recorded a gate snapshot at seq {Seq} ({StateHash}): {OpenRequests} open requests")]
    public static partial void SnapshotRecorded(ILogger logger, long seq, string stateHash, int openRequests);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Gate snapshot at seq {Seq} not used: {Problem}; the gate replays the log instead")]
    public static partial void SnapshotRejected(ILogger logger, long seq, string problem);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Error,
        Message = "Gate snapshot check: the state replayed from genesis at seq {Seq} has hash {Replayed}, the log recorded {Recorded}")]
    public static partial void SnapshotMismatch(ILogger logger, long seq, string? replayed, string recorded);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Error, Message = "A gate snapshot could not be written; the gate goes on without it")]
    public static partial void SnapshotFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Information, Message = "Started from the gate snapshot at seq {Seq} and {TailCount} events after it")]
    public static partial void StartedFromSnapshot(ILogger logger, long seq, long tailCount);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information, Message = "Request {RequestId} for {Skill} lapsed: recorded approval.expired")]
    public static partial void RequestExpired(ILogger logger, string requestId, string skill);
}
