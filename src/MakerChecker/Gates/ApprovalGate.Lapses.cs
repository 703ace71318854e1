using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>Lapses (<c>approval.expired</c>) and appeal outcomes (<c>appeal.recorded</c>).</summary>
public sealed partial class ApprovalGate
{
    private static readonly object Swept = new();

    /// <summary>
    /// Records <c>approval.expired</c> for every open request past its <c>expiresAt</c> that has none yet, so that a lapse
    /// leaves a trace even when nobody touches the request again. A host schedules it (for example every few minutes from
    /// a hosted service); a call on an expired request records its lapse too. Each lapse is recorded exactly once, also
    /// with several gates (and sweeps) over one log: the compare-and-append lets only the first record it.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the gate.</param>
    /// <returns>How many lapses this call recorded.</returns>
    /// <exception cref="AuditStoreException">A lapse could not be recorded; those recorded before it stay recorded.</exception>
    public async ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var recorded = 0;
        await DecideAsync(async () =>
        {
            await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            foreach (var request in _state.Requests.Values.Where(r => r.IsOpen && r.IsExpiredAt(now)).OrderBy(r => r.ExpiresAt).ToList())
            {
                if (!await RecordLapseLockedAsync(_policy, request, now).ConfigureAwait(false)) return null;
                recorded++;
            }
            return Swept;
        }, cancellationToken).ConfigureAwait(false);
        return recorded;
    }

    /// <summary>
    /// Records how an appeal against an executed request ended (<c>appeal.recorded</c>): <see cref="AppealOutcome.Upheld"/>
    /// or <see cref="AppealOutcome.Overturned"/>. The review report turns these into each approver's overturn rate.
    /// </summary>
    /// <param name="requestId">The executed request whose decision was appealed.</param>
    /// <param name="principalId">Who records the outcome: a principal known to the policy in force, and active.</param>
    /// <param name="outcome">How the appeal ended.</param>
    /// <param name="reason">What the appeal found, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for the gate.</param>
    /// <returns>
    /// <c>appeal_recorded</c>, or a refusal: <c>request_not_found</c>, <c>principal_unknown</c>, <c>principal_inactive</c>,
    /// <c>appeal_not_applicable</c>.
    /// </returns>
    /// <exception cref="AuditStoreException">The outcome (or its refusal) could not be recorded.</exception>
    public async ValueTask<GateResult> RecordAppealAsync(
        string requestId, string principalId, AppealOutcome outcome, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(principalId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principalId, requestId, "appeal").ConfigureAwait(false) is { } superseded) return superseded;
            var request = await FindRequestLockedAsync(requestId).ConfigureAwait(false);
            if (request is null) return NotFound(policy, requestId, principalId);
            var now = _time.GetUtcNow();
            var recorder = ResolvePrincipal(principalId);
            var (code, detail) = recorder is null ? (ReasonCodes.PrincipalUnknown, null)
                : recorder.Status != PrincipalStatus.Active ? (ReasonCodes.PrincipalInactive, null)
                : request.Status != ApprovalStatus.Executed
                    ? (ReasonCodes.AppealNotApplicable, $"it is {request.Status.ToString().ToLowerInvariant()}, not executed")
                : request.Appeal is { } earlier ? (ReasonCodes.AppealNotApplicable, $"its appeal outcome ({earlier.ToString().ToLowerInvariant()}) is recorded")
                : ((string?)null, (string?)null);
            if (code is not null)
            {
                var refusal = AuditPayloads.Refused(policy.Hash, recorder, principalId, request.Skill, code, default,
                    AuditEventWriter.RequestEntity, request.Id,
                    request.PayloadDigest, now, "appeal");
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
                _telemetry.Decision(DecisionOutcome.Refused, code);
                Log.DecisionRefused(_logger, principalId, request.Skill, code, default, "appeal");
                return new GateResult(DecisionOutcome.Refused, code, default, policy.Hash, DecisionMessages.Describe(code, principalId, requestId, detail));
            }

            var approvers = request.SignOffsSnapshot().Where(s => s.Approved).Select(s => s.ReviewerId).Distinct().ToList();
            var entry = AuditPayloads.Appeal(policy.Hash, recorder!, request.Id, request.Skill, outcome, reason, approvers, now);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
            var word = outcome.ToString().ToLowerInvariant();
            return new GateResult(DecisionOutcome.Executed, ReasonCodes.AppealRecorded, default, policy.Hash,
                DecisionMessages.Describe(ReasonCodes.AppealRecorded, principalId, requestId, word), request.Snapshot(now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records <c>approval.expired</c> for <paramref name="request"/> when it is open and past its expiry (and so has none
    /// yet). Returns <see langword="false"/> when the append lost to another writer: the caller decides again on the newer
    /// state, where the lapse may already be recorded. Call only under the decision lock.
    /// </summary>
    private async ValueTask<bool> RecordLapseLockedAsync(CompiledPolicy policy, RequestState request, DateTimeOffset now)
    {
        if (!request.IsOpen || !request.IsExpiredAt(now)) return true;
        var approvals = request.SignOffsSnapshot().Where(s => s.Approved).Select(s => s.ReviewerId).Distinct().Count();
        var entry = AuditPayloads.Expired(policy.Hash, request.Id, request.RequesterId, request.Skill, request.RequestedAt, request.ExpiresAt, now, approvals,
            request.RequiredApprovals);
        if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return false;
        Log.RequestExpired(_logger, request.Id, request.Skill);
        return true;
    }
}
