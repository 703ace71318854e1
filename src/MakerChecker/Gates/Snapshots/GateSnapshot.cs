using System.Security.Cryptography;
using System.Text.Json;
using MakerChecker.Auditing;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates.Snapshots;

/// <summary>
/// The gate's state (<see cref="GateProjection"/>) after one event, as canonical bytes: compact UTF-8 JSON, fields in a
/// fixed order, every collection sorted by its key (ordinal), times as audit times. The same state gives the same bytes,
/// so the SHA-256 of the bytes (recorded in <c>gate.snapshot_recorded</c>) identifies the state, and a replay from genesis
/// can check it. What is time-bounded is written as of <c>takenAt</c>: limit windows (a day) and idempotency keys
/// (<see cref="GateProjection.IdempotencyRetention"/>) older than that are left out, whatever was pruned before.
/// </summary>
internal static partial class GateSnapshot
{
    /// <summary>The format this code writes and reads.</summary>
    public const int Format = 1;

    /// <summary>The state hash: <c>sha256:</c> and the lowercase hex SHA-256 of the snapshot's bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> snapshot) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(snapshot));

    /// <summary>The canonical bytes of <paramref name="state"/> as of <paramref name="takenAt"/>.</summary>
    /// <exception cref="InvalidOperationException">The state has applied no event yet.</exception>
    public static byte[] Write(GateProjection state, DateTimeOffset takenAt)
    {
        var head = state.Head ?? throw new InvalidOperationException("A gate that has applied no event has no state to snapshot.");
        var keysAfter = takenAt - GateProjection.IdempotencyRetention;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", Format);
            w.WriteNumber("seq", state.LastSeq);
            w.WriteString("head", head);
            w.WriteString("takenAt", AuditTime.Format(takenAt));
            w.WriteString("activePolicyHash", state.ActivePolicyHash);
            w.WriteBoolean("activePolicyGoverned", state.ActivePolicyGoverned);

            w.WriteStartArray("principals");
            foreach (var p in state.Principals.Values.OrderBy(p => p.Id, StringComparer.Ordinal)) WritePrincipal(w, p);
            w.WriteEndArray();

            w.WriteStartArray("requests");
            foreach (var r in state.Requests.Values.OrderBy(r => r.Id, StringComparer.Ordinal)) WriteRequest(w, r);
            w.WriteEndArray();

            w.WriteStartObject("closed");
            foreach (var (status, count) in state.ClosedCounts.OrderBy(c => c.Key)) w.WriteNumber(StatusName(status), count);
            w.WriteEndObject();

            w.WriteStartArray("invocations");
            foreach (var i in state.Invocations.Values
                .Where(i => i.Status == InvocationStatus.Started || i.At > keysAfter)
                .OrderBy(i => i.Id, StringComparer.Ordinal))
            {
                WriteInvocation(w, i);
            }
            w.WriteEndArray();

            w.WriteStartArray("idempotentCalls");
            foreach (var (key, call) in state.IdempotentCalls
                .Where(c => c.Value.At > keysAfter)
                .OrderBy(c => c.Key.PrincipalId, StringComparer.Ordinal)
                .ThenBy(c => c.Key.Key, StringComparer.Ordinal))
            {
                WriteCall(w, key.PrincipalId, key.Key, call);
            }
            w.WriteEndArray();

            w.WriteStartArray("breakGlass");
            foreach (var b in state.BreakGlass.Values.OrderBy(b => b.InvocationId, StringComparer.Ordinal))
            {
                WriteBreakGlass(w, b, state.BreakGlassRunIds.GetValueOrDefault(b.InvocationId));
            }
            w.WriteEndArray();

            w.WriteStartArray("limits");
            foreach (var (principal, skill, ticks) in state.Limits.Export(takenAt))
            {
                w.WriteStartObject();
                w.WriteString("principal", principal);
                w.WriteString("skill", skill);
                w.WriteStartArray("ticks");
                foreach (var t in ticks) w.WriteNumberValue(t);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static string StatusName(ApprovalStatus status) => status.ToString().ToLowerInvariant();

    private static void WritePrincipal(Utf8JsonWriter w, PrincipalDefinition p)
    {
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("kind", p.Kind.ToString());
        w.WriteString("role", p.Role);
        w.WriteString("status", p.Status.ToString());
        w.WriteString("owner", p.Owner);
        w.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter w, RequestState r)
    {
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.WriteString("runId", r.RunId);
        w.WriteString("skill", r.Skill);
        w.WriteString("requesterId", r.RequesterId);
        w.WriteString("payloadDigest", r.PayloadDigest);
        if (r.Basis is { } b)
        {
            w.WriteStartObject("basis");
            w.WriteString("ruleId", b.RuleId);
            w.WriteString("modelVersion", b.ModelVersion);
            w.WriteString("datasetDigest", b.DatasetDigest);
            w.WriteString("reason", b.Reason);
            if (b.CaseSize is { } size) w.WriteNumber("caseSize", size); else w.WriteNull("caseSize");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("basis");
        }
        w.WriteString("policyHash", r.PolicyHash);
        w.WriteString("rule", r.Rule);
        w.WriteString("requestedAt", AuditTime.Format(r.RequestedAt));
        w.WriteString("expiresAt", AuditTime.Format(r.ExpiresAt));
        w.WriteNumber("requiredApprovals", r.RequiredApprovals);
        w.WriteBoolean("sampled", r.Sampled);
        w.WriteString("status", StatusName(r.Status));
        w.WriteString("executionId", r.ExecutionId);
        w.WriteString("appeal", r.Appeal?.ToString());
        w.WriteStartArray("presentations");
        foreach (var p in r.PresentationsSnapshot())
        {
            w.WriteStartObject();
            w.WriteString("reviewerId", p.ReviewerId);
            w.WriteString("presentedAt", AuditTime.Format(p.PresentedAt));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("signOffs");
        foreach (var s in r.SignOffsSnapshot())
        {
            w.WriteStartObject();
            w.WriteString("reviewerId", s.ReviewerId);
            w.WriteBoolean("approved", s.Approved);
            w.WriteString("reason", s.Reason);
            w.WriteString("presentedAt", s.PresentedAt is { } at ? AuditTime.Format(at) : null);
            w.WriteString("decidedAt", AuditTime.Format(s.DecidedAt));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteInvocation(Utf8JsonWriter w, InvocationState i)
    {
        w.WriteStartObject();
        w.WriteString("id", i.Id);
        w.WriteString("runId", i.RunId);
        w.WriteString("principalId", i.PrincipalId);
        w.WriteString("skill", i.Skill);
        w.WriteString("payloadDigest", i.PayloadDigest);
        w.WriteString("policyHash", i.PolicyHash);
        w.WriteString("reasonCode", i.ReasonCode);
        w.WriteString("idempotencyKey", i.IdempotencyKey);
        w.WriteString("status", i.Status.ToString());
        w.WriteString("at", AuditTime.Format(i.At));
        w.WriteEndObject();
    }

    private static void WriteCall(Utf8JsonWriter w, string principalId, string key, IdempotentCall call)
    {
        w.WriteStartObject();
        w.WriteString("principalId", principalId);
        w.WriteString("key", key);
        w.WriteString("skill", call.Skill);
        w.WriteString("payloadDigest", call.PayloadDigest);
        w.WriteString("entityType", call.EntityType);
        w.WriteString("entityId", call.EntityId);
        w.WriteString("reasonCode", call.ReasonCode);
        w.WriteString("at", AuditTime.Format(call.At));
        w.WriteEndObject();
    }

    private static void WriteBreakGlass(Utf8JsonWriter w, BreakGlassRecord b, string? runId)
    {
        w.WriteStartObject();
        w.WriteString("invocationId", b.InvocationId);
        w.WriteString("principalId", b.PrincipalId);
        w.WriteString("skill", b.Skill);
        w.WriteString("justification", b.Justification);
        w.WriteString("payloadDigest", b.PayloadDigest);
        w.WriteString("rule", b.Rule);
        w.WriteString("invokedAt", AuditTime.Format(b.InvokedAt));
        w.WriteString("runId", runId);
        w.WriteEndObject();
    }
}
