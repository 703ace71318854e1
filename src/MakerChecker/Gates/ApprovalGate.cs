using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Review;
using MakerChecker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MakerChecker.Gates;

/// <summary>
/// The gate an app or agent calls before it runs a skill. <see cref="InvokeAsync"/> runs the action when the policy
/// allows it, opens an approval request when a gate applies, or refuses with a reason code and the rule that decided.
/// Requests then go through <see cref="PresentAsync"/>, <see cref="ApproveAsync"/> or <see cref="RejectAsync"/>, and
/// <see cref="ExecuteAsync"/>, which runs the approved action at most once.
/// </summary>
/// <remarks>
/// The audit log is the system of record: every state change is one audit event, appended before the change is made
/// and before any action runs. If an append fails, the gate does not act on it and the call throws
/// <see cref="AuditStoreException"/> (fail closed); if the append of an action's outcome fails after the action ran, the
/// call throws <see cref="ActionOutcomeNotRecordedException"/> and the gate records the outcome before any new work.
/// The gate's state (requests, limit counts, registered principals, break-glass records) is rebuilt from the log on
/// first use, so it survives restarts. Thread-safe, and safe to run as several instances over one log: each decision is
/// made on the latest state and appended only on the head it was made on (see <see cref="IAuditStore.TryAppendAsync"/>).
/// </remarks>
public sealed partial class ApprovalGate : IAsyncDisposable
{
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly Func<double> _sample;
    private readonly ILogger _logger;
    private readonly GateProjection _state = new();
    private readonly GateTelemetry _telemetry;
    private readonly SemaphoreSlim _initialization = new(1, 1);

    // Serializes decide -> compare-and-append -> apply, and every catch-up, so the projection applies each event once and in
    // chain order. Lock order: _initialization, then _decisions; no action ever runs while _decisions is held.
    private readonly SemaphoreSlim _decisions = new(1, 1);
    private int _attempts; // tries of the current decision on a moved head (see ApprovalGate.Chain.cs); only under _decisions
    private readonly ReviewMonitorOptions? _reviewMonitoring;
    private readonly ReviewMonitor? _reviewMonitor;
    private volatile CompiledPolicy _policy;
    private volatile bool _initialized;

    /// <summary>Creates a gate over a compiled policy and an audit store.</summary>
    /// <param name="policy">The policy in force.</param>
    /// <param name="auditStore">The audit log every decision and state change is written to. The gate does not dispose it.</param>
    /// <param name="timeProvider">
    /// The clock for decisions, dwell, limits and expiry. <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// </param>
    /// <param name="loggerFactory">Where log messages go. <value>The default value writes nothing.</value></param>
    /// <param name="sampleSource">
    /// Draws uniformly from [0, 1) for sampled gates; must be thread-safe. <value>The default value is <see cref="Random.Shared"/>.</value>
    /// </param>
    /// <param name="meterFactory">
    /// Where the gate's <c>MakerChecker</c> meter comes from (DI passes the host's). <value>The default value makes the gate
    /// create, and dispose, its own meter.</value>
    /// </param>
    /// <remarks>
    /// The gate reads its audit log on first use. Until then (or until <see cref="InitializeAsync"/>), the queries
    /// <see cref="GetRequest"/>, <see cref="GetOpenRequests"/> and <see cref="GetBreakGlassForReview"/> throw rather than
    /// answer from an empty state; <see cref="CreateAsync"/> returns a gate that has read it.
    /// </remarks>
    public ApprovalGate(
        CompiledPolicy policy, IAuditStore auditStore, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null,
        Func<double>? sampleSource = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(auditStore);
        _policy = policy;
        _store = auditStore;
        _time = timeProvider ?? TimeProvider.System;
        _sample = sampleSource ?? Random.Shared.NextDouble;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("MakerChecker.Gates.ApprovalGate");
        _telemetry = new GateTelemetry(CountOpenRequests, meterFactory);
        _reviewMonitoring = new ReviewMonitorOptions();
        _reviewMonitor = new ReviewMonitor(_reviewMonitoring, _time, _logger, _telemetry);
    }

    /// <summary>Creates a gate and reads its audit log (<see cref="InitializeAsync"/>), so that it answers queries at once.</summary>
    /// <param name="policy">The policy in force.</param>
    /// <param name="auditStore">The audit log every decision and state change is written to. The gate does not dispose it.</param>
    /// <param name="timeProvider">The clock for decisions, dwell, limits and expiry. <value>The default value is the system clock.</value></param>
    /// <param name="loggerFactory">Where log messages go. <value>The default value writes nothing.</value></param>
    /// <param name="sampleSource">Draws uniformly from [0, 1) for sampled gates. <value>The default value is <see cref="Random.Shared"/>.</value></param>
    /// <param name="meterFactory">Where the gate's meter comes from. <value>The default value makes the gate create its own.</value></param>
    /// <param name="cancellationToken">Stops the replay.</param>
    /// <returns>The initialized gate.</returns>
    /// <exception cref="AuditStoreException">The log could not be read or the policy activation recorded.</exception>
    public static async ValueTask<ApprovalGate> CreateAsync(
        CompiledPolicy policy, IAuditStore auditStore, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null,
        Func<double>? sampleSource = null, IMeterFactory? meterFactory = null, CancellationToken cancellationToken = default)
    {
        var gate = new ApprovalGate(policy, auditStore, timeProvider, loggerFactory, sampleSource, meterFactory);
        try
        {
            await gate.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return gate;
        }
        catch
        {
            await gate.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The rubber-stamp detector running on live sign-offs: when a reviewer crosses a threshold it logs a warning
    /// (event id 3013), adds to the <c>makerchecker.review.findings</c> counter and calls
    /// <see cref="ReviewMonitorOptions.OnFinding"/>. Replaying the log at start-up, or catching up on sign-offs made
    /// through other gates over the same log, feeds it nothing: each gate monitors the sign-offs it records.
    /// </summary>
    /// <value>The default value is <see cref="ReviewMonitorOptions"/> with its defaults; <see langword="null"/> turns monitoring off.</value>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public ReviewMonitorOptions? ReviewMonitoring
    {
        get => _reviewMonitoring;
        init
        {
            value?.Validate();
            _reviewMonitoring = value;
            _reviewMonitor = value is null ? null : new ReviewMonitor(value, _time, _logger, _telemetry);
        }
    }

    /// <summary>
    /// The case store: when set, the gate writes each request's payload (its canonical JSON, under its digest) before it
    /// records <c>approval.requested</c>, so that a reviewer interface can show the case (checked against the digest on
    /// every read, see <see cref="RequestPayloads.ReadAsync"/>). If the write fails, the exception propagates and no
    /// request is opened. The gate does not dispose it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: payloads are not kept (the audit log holds only their digest).</value>
    public IRequestPayloadStore? PayloadStore { get; init; }

    /// <summary>The policy in force.</summary>
    public CompiledPolicy Policy => _policy;

    /// <summary>
    /// Rebuilds the gate's state by replaying the audit log (from the newest usable snapshot when <see cref="Snapshots"/>
    /// has a store) and records <c>policy.activated</c> when the policy in force is not the last one the log saw. Called on
    /// first use; calling it again does nothing.
    /// </summary>
    /// <param name="cancellationToken">Stops the replay.</param>
    /// <exception cref="PolicyChangeNotApprovedException">
    /// The log's policy in force is another one, with <c>policy.changes</c>: it is replaced only through an approved change
    /// request or break-glass, never by starting a gate with another policy.
    /// </exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => _initialized ? default : InitializeOnceAsync(cancellationToken);

    private async ValueTask InitializeOnceAsync(CancellationToken cancellationToken)
    {
        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized) return;
            long count = 0;
            await _decisions.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                count = await StartLockedAsync(cancellationToken).ConfigureAwait(false);
                _attempts = 0;
                var policy = _policy;
                // The instance that starts last puts its policy in force; a lost race reads the winner's event and tries again.
                // A policy in force that governs its own replacement is replaced only through the gate's calls, never on start.
                while (_state.ActivePolicyHash != policy.Hash)
                {
                    if (_state.ActivePolicyGoverned) throw new PolicyChangeNotApprovedException(policy.Hash, _state.ActivePolicyHash!);
                    if (await AppendOnHeadAsync(AuditPayloads.PolicyActivated(policy, _time.GetUtcNow())).ConfigureAwait(false) is not null)
                    {
                        Log.PolicyActivated(_logger, policy.Name, policy.Hash);
                    }
                }
                // A long replay is not repeated on the next start.
                await SnapshotIfDueLockedAsync().ConfigureAwait(false);
            }
            finally
            {
                await ReleaseDecisionLockAsync().ConfigureAwait(false);
            }
            _initialized = true;
            StartBackgroundCheck();
            var open = CountOpenRequests();
            Log.Rebuilt(_logger, count, open);
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <summary>
    /// Registers (or changes, for example suspends) a principal at run time, after validating it against the policy in
    /// force. Registered principals take precedence over the policy's, and are rebuilt from the log after a restart.
    /// </summary>
    /// <param name="principal">The principal.</param>
    /// <param name="cancellationToken">Cancels waiting for initialization.</param>
    /// <returns>
    /// The validation diagnostics (<see cref="PolicyValidator.ValidatePrincipal(CompiledPolicy, PrincipalDefinition)"/>, against every
    /// principal in force); the principal is registered only when none is an error.
    /// </returns>
    /// <exception cref="InvalidOperationException">
    /// Another instance sharing the audit log has activated a policy this gate does not hold (<c>policy_superseded</c>).
    /// </exception>
    public async ValueTask<IReadOnlyList<PolicyDiagnostic>> RegisterPrincipalAsync(PrincipalDefinition principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync<IReadOnlyList<PolicyDiagnostic>>(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principal.Id, "principal", "register").ConfigureAwait(false) is { } superseded)
            {
                throw new InvalidOperationException(superseded.Message);
            }
            // The same rules as principals declared in the policy: a known role, an owner for agents, separation of duties
            // (counting ownership between every principal in force, declared or registered).
            var diagnostics = PolicyValidator.ValidatePrincipal(policy, principal, _state.Principals);
            if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return diagnostics;
            var entry = AuditPayloads.PrincipalRegistered(policy.Hash, principal, _time.GetUtcNow());
            return await AppendOnHeadAsync(entry).ConfigureAwait(false) is null ? null : diagnostics;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks to run <paramref name="skill"/> as <paramref name="principalId"/>. When allowed, the decision is recorded and
    /// <paramref name="action"/> runs before this returns; when a gate applies, a request bound to
    /// <paramref name="payload"/> is opened and the action does not run; otherwise the refusal is recorded and returned.
    /// </summary>
    /// <param name="principalId">Who acts.</param>
    /// <param name="skill">The skill, <c>name@version</c>.</param>
    /// <param name="payload">What the action will run with; an approval is bound to its digest.</param>
    /// <param name="action">The consequential action. It runs only when allowed. An exception from it is recorded (<c>action.failed</c>) and rethrown.</param>
    /// <param name="basis">The proposer's stated basis, recorded with any request opened.</param>
    /// <param name="idempotencyKey">
    /// Optional: the caller's key for this call, recorded with the decision. A later call by the same principal with the
    /// same key, skill and payload (on any gate over the log, after restarts too) returns this call's result without
    /// running the action again (<see cref="GateResult.IsReplay"/>); with another skill or payload it is refused
    /// (<c>idempotency_key_reused</c>). See <c>docs/gates.md</c>. <value>The default value is <see langword="null"/> (no key).</value>
    /// </param>
    /// <param name="subject">
    /// Optional: the case the invocation is about, <c>kind:id</c> (for example <c>claim:C-1009</c>; syntax in <see cref="CaseSubject"/>).
    /// Every event about the invocation, and about a request it opens, then carries the case's run id
    /// (<see cref="CaseSubject.RunIdFor"/>), so that <c>makerchecker audit export --case</c> finds the case's whole story.
    /// <value>The default value is <see langword="null"/> (no case).</value>
    /// </param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <returns>Allowed (the action ran), approval required (with the request), or refused.</returns>
    /// <exception cref="ActionOutcomeNotRecordedException">The action ran (or threw), but its outcome could not be recorded yet: do not retry it.</exception>
    /// <exception cref="AuditStoreException">
    /// The decision could not be recorded, so the action did not run (whether the decision reached the log is not known
    /// until the gate reads it back); or the gate owes the log an earlier outcome (<c>outcome_not_recorded</c>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="idempotencyKey"/> is empty or longer than 200 characters, or <paramref name="subject"/> is not <c>kind:id</c>.
    /// </exception>
    public async ValueTask<GateResult> InvokeAsync(
        string principalId, string skill, JsonObject payload, Func<CancellationToken, ValueTask> action, ProposalBasis? basis = null,
        string? idempotencyKey = null, string? subject = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(action);
        CheckIdempotencyKey(idempotencyKey);
        var runId = RunIdOf(subject);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.invoke");

        // The digest first: a payload that cannot be canonicalized is refused before anything is counted.
        var digest = PayloadDigest.Compute(payload);
        // One draw per invocation, however often its decision is retried on a moved head. Whether the case is kept is
        // remembered across retries too (a box only when there is a case store).
        var call = new InvocationCall(
            this, principalId, skill, payload, basis, idempotencyKey, runId, digest, _sample(), PayloadStore is null ? null : new StrongBox<bool>());
        var decided = await DecideActionAsync(call, static call => call.Gate.DecideInvocationAsync(call), cancellationToken).ConfigureAwait(false);
        activity?.SetTag("makerchecker.skill", skill).SetTag("makerchecker.outcome", decided.Result.ReasonCode);
        if (decided.Run is { } run) await RunActionAsync(run, action, cancellationToken).ConfigureAwait(false);
        return decided.Result;
    }

    /// <summary>One attempt at an invocation's decision (see <see cref="DecideActionAsync{TState}"/>), on the projection under the decision lock.</summary>
    private async ValueTask<Decided> DecideInvocationAsync(InvocationCall call)
    {
        var (_, principalId, skill, payload, basis, idempotencyKey, runId, digest, draw, _) = call;
        var policy = _policy;
        if (await SupersededAsync(policy, principalId, skill, "invoke").ConfigureAwait(false) is { } superseded) return new Decided(superseded);
        var principal = ResolvePrincipal(principalId);
        var now = _time.GetUtcNow();
        if (idempotencyKey is not null)
        {
            var (answered, replay) = await ReplayAsync(policy, principal, principalId, skill, idempotencyKey, digest, now).ConfigureAwait(false);
            if (answered) return replay;
        }
        var decision = DecisionEvaluator.Evaluate(policy, principalId, principal, skill, payload, _state.Limits, now, draw, out var counted);
        var id = NewId(now);
        var slot = counted ? new CountedSlot(principalId, skill, now) : (CountedSlot?)null;

        switch (decision.Outcome)
        {
            case DecisionOutcome.Allowed:
                var allowed = AuditPayloads.Decision(decision, principal, id, digest, now, counted, idempotencyKey: idempotencyKey).InRun(runId);
                if (await AppendOnHeadAsync(allowed, slot).ConfigureAwait(false) is null) return default;
                _telemetry.Decision(decision.Outcome, decision.ReasonCode);
                Log.DecisionAllowed(_logger, principalId, skill, decision.Rule);
                return new Decided(
                    GateResult.From(decision), new ActionRun(principal!, skill, AuditEventWriter.InvocationEntity, id, policy.Hash, RunId: runId));

            case DecisionOutcome.ApprovalRequired:
                // The case first: a request is recorded only once its payload is in the case store (when there is one).
                if (PayloadStore is { } cases && call.Kept is { Value: false } kept)
                {
                    await cases.PutAsync(digest, RequestPayloadDigest.Compute(payload).CanonicalJson, CancellationToken.None).ConfigureAwait(false);
                    kept.Value = true;
                }
                var gate = decision.Grant!.Gate!;
                var entry = AuditPayloads.ApprovalRequested(
                    decision, principal!, id, digest, basis?.ToRecorded(), now, now + gate.ExpiresAfter, gate.Approvers, counted, idempotencyKey)
                    .InRun(runId);
                if (await AppendOnHeadAsync(entry, slot).ConfigureAwait(false) is null) return default;
                _telemetry.Decision(decision.Outcome, decision.ReasonCode);
                Log.ApprovalRequested(_logger, id, skill, principalId, decision.ReasonCode, decision.Sampled);
                return new Decided(GateResult.From(decision, _state.Requests[id].Snapshot(now)));

            default:
                if (await AppendOnHeadAsync(AuditPayloads.Decision(decision, principal, id, digest, now, counted: false).InRun(runId))
                    .ConfigureAwait(false) is null)
                {
                    return default;
                }

                _telemetry.Decision(decision.Outcome, decision.ReasonCode);
                Log.DecisionRefused(_logger, principalId, skill, decision.ReasonCode, decision.Rule, "invoke");
                return new Decided(GateResult.From(decision));
        }
    }

    /// <summary>
    /// The arguments of one <see cref="InvokeAsync"/> call, for each attempt at its decision: the sampling draw, and whether
    /// the case is already in the case store (<see langword="null"/> without one).
    /// </summary>
    private readonly record struct InvocationCall(
        ApprovalGate Gate, string PrincipalId, string Skill, JsonObject Payload, ProposalBasis? Basis, string? IdempotencyKey, string? RunId,
        string Digest, double Draw, StrongBox<bool>? Kept);

    /// <summary>
    /// Writes a last snapshot (with <see cref="GateSnapshotOptions.OnDispose"/>) and releases the gate's meter. The audit
    /// store is disposed only when the gate created it (through <c>AuditStoreFactory</c>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeSnapshotsAsync().ConfigureAwait(false);
        _telemetry.Dispose();
        _initialization.Dispose();
        _decisions.Dispose();
        if (OwnsStore) await _store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Whether <see cref="DisposeAsync"/> disposes the audit store.</summary>
    internal bool OwnsStore { get; init; }

    /// <summary>The principals in force under <paramref name="policy"/>: those registered at run time over the policy's.</summary>
    private PrincipalLookup Principals(CompiledPolicy policy) => new(policy, _state.Principals);

    internal PrincipalDefinition? ResolvePrincipal(string id) => Principals(_policy).Find(id);

    internal GateTelemetry Telemetry => _telemetry;

    /// <summary>
    /// Put before every id the gate makes (requests, invocations, executions), so that an id names the chain it lives on:
    /// a <c>PartitionedGate</c> sets it to the chain's name and a dot, and routes a request id by it.
    /// </summary>
    internal string? IdPrefix { get; init; }

    private string NewId(DateTimeOffset now) => IdPrefix + RandomIds.NewV7(now).ToString();

    /// <summary>The run id of a case subject, or null without one; a malformed subject is the caller's mistake.</summary>
    private static string? RunIdOf(string? subject)
    {
        if (subject is null) return null;
        return CaseSubject.TryValidate(subject, out var failure) ? CaseSubject.RunIdFor(subject) : throw new ArgumentException(failure, nameof(subject));
    }

    private async ValueTask<Decided> RefuseInvocationAsync(
        CompiledPolicy policy, PrincipalDefinition? principal, string principalId, string skill, string code, SourceLocation rule, string id, string digest,
        DateTimeOffset now, string? message, string stage = "break_glass")
    {
        var refusal = AuditPayloads.Refused(policy.Hash, principal, principalId, skill, code, rule, AuditEventWriter.InvocationEntity, id, digest, now, stage);
        if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return default;
        _telemetry.Decision(DecisionOutcome.Refused, code);
        Log.DecisionRefused(_logger, principalId, skill, code, rule, stage);
        return new Decided(new GateResult(DecisionOutcome.Refused, code, rule, policy.Hash, message ?? DecisionMessages.Describe(code, principalId, id)));
    }

    /// <summary>An invocation counted in the limit ledger before its decision was recorded.</summary>
    private readonly record struct CountedSlot(string PrincipalId, string Skill, DateTimeOffset At);
}
