using System.Collections.Concurrent;
using System.Text.Json;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>
/// Everything the gate remembers, as a projection of the audit log (event sourcing). The live path appends an event
/// and then applies the stored event here; start-up replays the whole log through the same <see cref="Apply"/>, so
/// the state after a restart is the state before it.
/// </summary>
internal sealed class GateProjection
{
    public ConcurrentDictionary<string, RequestState> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Principals registered at run time; they take precedence over the policy's.</summary>
    public ConcurrentDictionary<string, PrincipalDefinition> Principals { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<BreakGlassRecord> BreakGlass { get; } = new();

    public LimitLedger Limits { get; } = new();

    /// <summary>Allowed invocations with no outcome yet, and every one made with an idempotency key.</summary>
    public ConcurrentDictionary<string, InvocationState> Invocations { get; } = new(StringComparer.Ordinal);

    /// <summary>The first call made with each (principal, idempotency key).</summary>
    public ConcurrentDictionary<(string PrincipalId, string Key), IdempotentCall> IdempotentCalls { get; } = new();

    /// <summary>The hash of the last <c>policy.activated</c> event.</summary>
    public string? ActivePolicyHash { get; private set; }

    /// <summary>The seq of the last event applied (0 before the first): the head a compare-and-append expects.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The hash of the last event applied, or <see langword="null"/> before the first.</summary>
    public string? Head { get; private set; }

    /// <summary>
    /// Applies one stored event: the one after the last applied, in chain order, each exactly once. Live invocations
    /// were counted in <see cref="Limits"/> before their event was written (so that check and count were atomic); only
    /// replay (start-up, and catching up on other writers' events) counts them here.
    /// </summary>
    /// <exception cref="AuditStoreException">The event does not continue the chain applied so far.</exception>
    public RequestState? Apply(AuditEvent e, bool replaying)
    {
        if (Head is not null && (e.Seq <= LastSeq || e.PrevHash != Head))
        {
            throw new AuditStoreException(
                $"The audit log does not continue the chain the gate has applied: event {e.Seq} (prev_hash {e.PrevHash}) does not follow event {LastSeq} (hash {Head}). Verify the log.");
        }

        LastSeq = e.Seq;
        Head = e.Hash;
        var p = e.Payload;
        switch (e.EventType)
        {
            case AuditEventTypes.PolicyActivated:
                ActivePolicyHash = p.GetProperty("policyHash").GetString();
                return null;

            case AuditEventTypes.PrincipalRegistered:
                var principal = new PrincipalDefinition(
                    Str(p, "principalId")!,
                    Enum.Parse<PrincipalKind>(Str(p, "kind")!, ignoreCase: true),
                    Str(p, "role")!,
                    Enum.Parse<PrincipalStatus>(Str(p, "status")!, ignoreCase: true),
                    Str(p, "owner"));
                Principals[principal.Id] = principal;
                return null;

            case AuditEventTypes.DecisionAllowed:
                CountOnReplay(p, replaying);
                TrackInvocation(e, p);
                return null;

            case AuditEventTypes.BreakGlassInvoked:
                CountOnReplay(p, replaying);
                TrackInvocation(e, p);
                BreakGlass.Enqueue(new BreakGlassRecord(
                    Str(p, "invocationId")!, Str(p, "principalId")!, Str(p, "skill")!, Str(p, "justification")!,
                    Str(p, "payloadDigest")!, Str(p, "rule") ?? "", AuditTime.Get(p, "decidedAt")));
                return null;

            case AuditEventTypes.ApprovalRequested:
                CountOnReplay(p, replaying);
                var state = new RequestState(
                    Str(p, "requestId")!, Str(p, "skill")!, Str(p, "principalId")!, Str(p, "payloadDigest")!, ReadBasis(p),
                    Str(p, "policyHash")!, Str(p, "rule") ?? "", AuditTime.Get(p, "requestedAt"), AuditTime.Get(p, "expiresAt"),
                    p.GetProperty("requiredApprovals").GetInt32(), p.GetProperty("sampled").GetBoolean());
                Requests[state.Id] = state;
                if (Str(p, "idempotencyKey") is { } requestKey)
                {
                    var call = new IdempotentCall(state.Skill, state.PayloadDigest, AuditPayloads.RequestEntity, state.Id, Str(p, "reasonCode")!);
                    IdempotentCalls[(state.RequesterId, requestKey)] = call;
                }
                return state;

            case AuditEventTypes.ApprovalPresented:
                return WithRequest(p, r => r.AddPresentation(new Presentation(Str(p, "reviewerId")!, AuditTime.Get(p, "presentedAt"))));

            case AuditEventTypes.ApprovalDecided:
                return WithRequest(p, r => r.AddSignOff(new SignOff(
                    Str(p, "reviewerId")!, Str(p, "verdict") == "approve", Str(p, "reason"),
                    AuditTime.GetOptional(p, "presentedAt"), AuditTime.Get(p, "decidedAt"))));

            case AuditEventTypes.ActionStarted:
                return WithRequest(p, r => r.Start(Str(p, "executionId")));

            case AuditEventTypes.ActionExecuted when e.EntityType == AuditPayloads.RequestEntity:
                return WithRequest(p, r => r.SetStatus(ApprovalStatus.Executed));

            case AuditEventTypes.ActionFailed when e.EntityType == AuditPayloads.RequestEntity:
                return WithRequest(p, r => r.SetStatus(ApprovalStatus.Failed));

            case AuditEventTypes.ActionExecuted:
                EndInvocation(e.EntityId, InvocationStatus.Executed);
                return null;

            case AuditEventTypes.ActionFailed:
                EndInvocation(e.EntityId, InvocationStatus.Failed);
                return null;

            case AuditEventTypes.ActionOutcomeResolved:
                return Resolve(e, p);

            default:
                // Refusals (decision.refused, approval.signoff_refused), outcomes of direct invocations, and other
                // components' events change no gate state.
                return null;
        }
    }

    public void Clear()
    {
        Requests.Clear();
        Invocations.Clear();
        IdempotentCalls.Clear();
        Principals.Clear();
        BreakGlass.Clear();
        Limits.Clear();
        ActivePolicyHash = null;
        LastSeq = 0;
        Head = null;
    }

    private void TrackInvocation(AuditEvent e, JsonElement p)
    {
        if (e.EntityId is not { } id) return;
        var key = Str(p, "idempotencyKey");
        var principalId = Str(p, "principalId")!;
        var invocation = new InvocationState(id, principalId, Str(p, "skill")!, Str(p, "payloadDigest")!, Str(p, "policyHash")!, Str(p, "reasonCode")!, key);
        Invocations[id] = invocation;
        if (key is not null)
        {
            IdempotentCalls[(principalId, key)] =
                new IdempotentCall(invocation.Skill, invocation.PayloadDigest, AuditPayloads.InvocationEntity, id, invocation.ReasonCode);
        }
    }

    /// <summary>An invocation's outcome: kept when it has an idempotency key (its retries are answered from it), else forgotten.</summary>
    private void EndInvocation(string? id, InvocationStatus status)
    {
        if (id is null || !Invocations.TryGetValue(id, out var invocation)) return;
        invocation.Status = status;
        if (invocation.IdempotencyKey is null) Invocations.TryRemove(id, out _);
    }

    /// <summary>
    /// <c>action.outcome_resolved</c>: only a started action without an outcome changes (for a request, the execution the
    /// resolution names); a request resolved <c>not_executed</c> is approved again, <c>unknown</c> closes it as failed.
    /// </summary>
    private RequestState? Resolve(AuditEvent e, JsonElement p)
    {
        var resolution = Str(p, "resolution");
        if (e.EntityType == AuditPayloads.RequestEntity)
        {
            return WithRequest(p, r =>
            {
                if (r.Status != ApprovalStatus.Executing || (Str(p, "executionId") is { } execution && execution != r.ExecutionId)) return;
                r.SetStatus(resolution switch { "executed" => ApprovalStatus.Executed, "not_executed" => ApprovalStatus.Approved, _ => ApprovalStatus.Failed });
            });
        }

        if (e.EntityId is { } id && Invocations.TryGetValue(id, out var invocation) && invocation.Status == InvocationStatus.Started)
        {
            var status = resolution switch
            {
                "executed" => InvocationStatus.Executed,
                "not_executed" => InvocationStatus.NotExecuted,
                _ => InvocationStatus.Unknown,
            };
            EndInvocation(id, status);
        }
        return null;
    }

    private RequestState? WithRequest(JsonElement p, Action<RequestState> change)
    {
        if (!Requests.TryGetValue(Str(p, "requestId")!, out var r)) return null;
        change(r);
        return r;
    }

    private void CountOnReplay(JsonElement p, bool replaying)
    {
        if (replaying && p.TryGetProperty("counted", out var c) && c.ValueKind == JsonValueKind.True)
        {
            Limits.Record(Str(p, "principalId")!, Str(p, "skill")!, AuditTime.GetOptional(p, "decidedAt") ?? AuditTime.Get(p, "requestedAt"));
        }
    }

    private static ProposalBasis? ReadBasis(JsonElement p) =>
        p.TryGetProperty("basis", out var b) && b.ValueKind == JsonValueKind.Object
            ? new ProposalBasis(Str(b, "ruleId"), Str(b, "modelVersion"), Str(b, "datasetDigest"), Str(b, "reason"))
            : null;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
