using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Partitions;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Partitions;

/// <summary>
/// One gate over a <see cref="PartitionedAuditLog"/>: an <see cref="ApprovalGate"/> per chain, and every call routed to
/// the chain that holds what it decides on. An invocation (and break-glass) goes to the requester's chain, chosen from its
/// partition key; a call on a request or invocation goes to the chain its id names (every id a chain's gate makes starts
/// with the chain's name and a dot, <c>p3.0193…</c>). Principal registrations and policy activations are recorded on
/// every chain. Why limits, separation of duties and execute-once still hold is in docs/gates.md, "Partitioned gates".
/// </summary>
/// <remarks>The log belongs to the caller: disposing the gate disposes the chains' gates, not the log.</remarks>
public sealed class PartitionedGate : IAsyncDisposable
{
    private readonly string[] _chains;
    private readonly Dictionary<string, ApprovalGate> _gates;
    private readonly Func<string, string> _partitionKey;

    private PartitionedGate(string[] chains, Dictionary<string, ApprovalGate> gates, Func<string, string> partitionKey)
    {
        _chains = chains;
        _gates = gates;
        _partitionKey = partitionKey;
    }

    /// <summary>The chains, in the log's order.</summary>
    public IReadOnlyList<string> Chains => _chains;

    /// <summary>The policy in force (the same on every chain's gate).</summary>
    public CompiledPolicy Policy => _gates[_chains[0]].Policy;

    /// <summary>Creates a gate per chain of <paramref name="log"/> and has each read its chain.</summary>
    /// <param name="policy">The policy in force; each chain records its activation if it is not the chain's latest.</param>
    /// <param name="log">The partitioned log. The gate does not dispose it.</param>
    /// <param name="options">The partition key, clock and the gates' options. <value>The default value is the defaults.</value></param>
    /// <param name="cancellationToken">Stops the replay.</param>
    /// <returns>The initialized gate.</returns>
    public static async ValueTask<PartitionedGate> CreateAsync(CompiledPolicy policy, PartitionedAuditLog log, PartitionedGateOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(log);
        options ??= new PartitionedGateOptions();
        var gates = new Dictionary<string, ApprovalGate>(StringComparer.Ordinal);
        try
        {
            foreach (var chain in log.Chains)
            {
                var gate = new ApprovalGate(policy, log.GetChain(chain), options.TimeProvider, options.LoggerFactory, options.SampleSource)
                {
                    IdPrefix = chain + ".",
                    PayloadStore = options.PayloadStore,
                };
                gates[chain] = gate;
                await gate.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var gate in gates.Values) await gate.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PartitionedGate([.. log.Chains], gates, options.PartitionKey ?? (id => id));
    }

    /// <summary>
    /// The chain a principal's invocations go to: the first 8 bytes of SHA-256 of its partition key (UTF-8), big-endian,
    /// modulo the number of chains.
    /// </summary>
    /// <param name="principalId">The requester.</param>
    /// <returns>The chain's name.</returns>
    public string ChainOf(string principalId)
    {
        ArgumentNullException.ThrowIfNull(principalId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(_partitionKey(principalId)), hash);
        return _chains[(int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)_chains.Length)];
    }

    /// <summary>The chain an id (of a request, invocation or execution) names, or <see langword="null"/> when it names none of this log's.</summary>
    /// <param name="id">The id, as a chain's gate returned it.</param>
    /// <returns>The chain's name, or <see langword="null"/>.</returns>
    public string? ChainOfId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && _gates.ContainsKey(id[..dot]) ? id[..dot] : null;
    }

    /// <summary>
    /// The gate of one chain, for the reads <see cref="PartitionedGate"/> does not offer (a reviewer's queue page, the gate in force).
    /// Change principals and policy through <see cref="PartitionedGate"/> only, so that every chain records the change.
    /// </summary>
    /// <param name="chain">The chain's name.</param>
    /// <returns>Its gate.</returns>
    public ApprovalGate GetChainGate(string chain) =>
        _gates.TryGetValue(chain, out var gate) ? gate
        : throw new ArgumentException($"The partitioned gate has no chain '{chain}'; its chains are {string.Join(", ", _chains)}.", nameof(chain));

    /// <summary>Runs <see cref="ApprovalGate.InvokeAsync"/> on the requester's chain (<see cref="ChainOf"/>).</summary>
    /// <param name="principalId">Who acts.</param>
    /// <param name="skill">The skill, <c>name@version</c>.</param>
    /// <param name="payload">What the action will run with.</param>
    /// <param name="action">The consequential action; runs only when allowed.</param>
    /// <param name="basis">The proposer's stated basis. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="idempotencyKey">The caller's key for this call. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="subject">The case, <c>kind:id</c>. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <returns>The chain's gate's result; a request it opens has an id naming the chain.</returns>
    public ValueTask<GateResult> InvokeAsync(string principalId, string skill, JsonObject payload, Func<CancellationToken, ValueTask> action,
        ProposalBasis? basis = null, string? idempotencyKey = null, string? subject = null, CancellationToken cancellationToken = default) =>
        _gates[ChainOf(principalId)].InvokeAsync(principalId, skill, payload, action, basis, idempotencyKey, subject, cancellationToken);

    /// <summary>Runs <see cref="ApprovalGate.BreakGlassAsync"/> on the principal's chain, where its limits are counted.</summary>
    /// <param name="principalId">Who breaks the glass.</param>
    /// <param name="skill">The skill.</param>
    /// <param name="payload">What the action runs with.</param>
    /// <param name="justification">Why approval cannot wait.</param>
    /// <param name="action">The action.</param>
    /// <param name="subject">The case. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <returns>The chain's gate's result.</returns>
    public ValueTask<GateResult> BreakGlassAsync(string principalId, string skill, JsonObject payload, string justification,
        Func<CancellationToken, ValueTask> action, string? subject = null, CancellationToken cancellationToken = default) =>
        _gates[ChainOf(principalId)].BreakGlassAsync(principalId, skill, payload, justification, action, subject, cancellationToken);

    /// <summary>Runs <see cref="ApprovalGate.PresentAsync"/> on the request's chain.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The reviewer shown the case.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> PresentAsync(string requestId, string reviewerId, CancellationToken cancellationToken = default) =>
        OnChainOf(requestId, reviewerId, g => g.PresentAsync(requestId, reviewerId, cancellationToken));

    /// <summary>Runs <see cref="ApprovalGate.ApproveAsync"/> on the request's chain.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The approver.</param>
    /// <param name="reason">Optional reason. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> ApproveAsync(string requestId, string reviewerId, string? reason = null, CancellationToken cancellationToken = default) =>
        OnChainOf(requestId, reviewerId, g => g.ApproveAsync(requestId, reviewerId, reason, cancellationToken));

    /// <summary>Runs <see cref="ApprovalGate.RejectAsync"/> on the request's chain.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The reviewer.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> RejectAsync(string requestId, string reviewerId, string reason, CancellationToken cancellationToken = default) =>
        OnChainOf(requestId, reviewerId, g => g.RejectAsync(requestId, reviewerId, reason, cancellationToken));

    /// <summary>Runs <see cref="ApprovalGate.ExecuteAsync"/> on the request's chain.</summary>
    /// <param name="requestId">The approved request.</param>
    /// <param name="principalId">The requester.</param>
    /// <param name="payload">Exactly the approved payload.</param>
    /// <param name="action">The action.</param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> ExecuteAsync(string requestId, string principalId, JsonObject payload, Func<CancellationToken, ValueTask> action,
        CancellationToken cancellationToken = default) =>
        OnChainOf(requestId, principalId, g => g.ExecuteAsync(requestId, principalId, payload, action, cancellationToken));

    /// <summary>Runs <see cref="ApprovalGate.ResolveOutcomeAsync"/> on the chain the request's or invocation's id names.</summary>
    /// <param name="id">The request or invocation.</param>
    /// <param name="principalId">Who resolves it.</param>
    /// <param name="resolution">What happened.</param>
    /// <param name="reason">Why it is known.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> ResolveOutcomeAsync(string id, string principalId, ActionResolution resolution, string reason,
        CancellationToken cancellationToken = default) =>
        OnChainOf(id, principalId, g => g.ResolveOutcomeAsync(id, principalId, resolution, reason, cancellationToken));

    /// <summary>Runs <see cref="ApprovalGate.ReviewBreakGlassAsync"/> on the chain the invocation's id names.</summary>
    /// <param name="invocationId">The break-glass invocation.</param>
    /// <param name="reviewerId">The reviewer.</param>
    /// <param name="verdict">Accepted or escalated.</param>
    /// <param name="reason">Why. <value>The default value is <see langword="null"/>.</value></param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The result; <c>request_not_found</c> when the id names no chain of this log.</returns>
    public ValueTask<GateResult> ReviewBreakGlassAsync(string invocationId, string reviewerId, BreakGlassVerdict verdict, string? reason = null,
        CancellationToken cancellationToken = default) =>
        OnChainOf(invocationId, reviewerId, g => g.ReviewBreakGlassAsync(invocationId, reviewerId, verdict, reason, cancellationToken));

    /// <summary>The request as its chain's gate has applied it, or <see langword="null"/> (also when the id names no chain).</summary>
    /// <param name="requestId">The request.</param>
    /// <returns>The request, or <see langword="null"/>.</returns>
    public ApprovalRequest? GetRequest(string requestId) => ChainOfId(requestId) is { } chain ? _gates[chain].GetRequest(requestId) : null;

    /// <summary>Every chain's open requests, oldest first.</summary>
    /// <returns>The open requests.</returns>
    public IReadOnlyList<ApprovalRequest> GetOpenRequests() => [.. _chains.SelectMany(c => _gates[c].GetOpenRequests()).OrderBy(r => r.RequestedAt)];

    /// <summary>The requests <paramref name="reviewerId"/> may sign now, on every chain, oldest first.</summary>
    /// <param name="reviewerId">The reviewer.</param>
    /// <returns>The requests.</returns>
    public IReadOnlyList<ApprovalRequest> GetRequestsToSign(string reviewerId) =>
        [.. _chains.SelectMany(c => _gates[c].GetRequestsToSign(reviewerId)).OrderBy(r => r.RequestedAt)];

    /// <summary>
    /// Registers (or changes, for example suspends) a principal on every chain, in chain order, after validating it against
    /// the first chain's principals in force. Once this returns, every chain decides with it. If a chain's log cannot record
    /// it (the call throws), the chains before it have: call again, recording the same definition twice is harmless.
    /// </summary>
    /// <param name="principal">The principal.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The validation diagnostics; the principal is registered (on every chain) only when none is an error.</returns>
    public async ValueTask<IReadOnlyList<PolicyDiagnostic>> RegisterPrincipalAsync(PrincipalDefinition principal, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<PolicyDiagnostic>? first = null;
        foreach (var chain in _chains)
        {
            var diagnostics = await _gates[chain].RegisterPrincipalAsync(principal, cancellationToken).ConfigureAwait(false);
            first ??= diagnostics;
            if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) break;
        }

        return first!;
    }

    /// <summary>
    /// Activates <paramref name="policy"/> on every chain, in chain order, and stops at the first refusal (which it returns).
    /// Once this returns accepted, every chain decides under it; meanwhile each chain decides under the policy its own log
    /// has in force, never an older one.
    /// </summary>
    /// <param name="policy">The new policy.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>The last chain's result, or the first refusal.</returns>
    public async ValueTask<GateResult> ActivatePolicyAsync(CompiledPolicy policy, CancellationToken cancellationToken = default)
    {
        GateResult? result = null;
        foreach (var chain in _chains)
        {
            result = await _gates[chain].ActivatePolicyAsync(policy, cancellationToken).ConfigureAwait(false);
            if (result.Outcome == DecisionOutcome.Refused) break;
        }

        return result!;
    }

    /// <summary>Catches every chain's gate up with what other gates over the same log did.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>A task that completes when every chain is caught up.</returns>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        foreach (var chain in _chains) await _gates[chain].RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes every chain's gate (not the log).</summary>
    /// <returns>A task that completes when they are disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _gates.Values) await gate.DisposeAsync().ConfigureAwait(false);
    }

    private ValueTask<GateResult> OnChainOf(string id, string who, Func<ApprovalGate, ValueTask<GateResult>> call)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (ChainOfId(id) is { } chain) return call(_gates[chain]);

        // Never guessed: an id that names no chain of this log is not looked for anywhere.
        var message = $"No request {id} exists on this partitioned log: the ids its gates make start with a chain's name and a dot " +
            $"({string.Join(", ", _chains.Select(c => c + "."))}). Check the id returned when the request was opened.";
        return ValueTask.FromResult(new GateResult(DecisionOutcome.Refused, ReasonCodes.RequestNotFound, default, Policy.Hash, message));
    }
}
