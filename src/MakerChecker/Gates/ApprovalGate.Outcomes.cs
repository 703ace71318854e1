using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>
/// How an action's run is recorded, and what happens when it cannot be: an outcome that could not be appended is
/// owed to the log (kept in memory, appended on recovery, no new work until then), and an authorising event whose
/// append failed is read back to learn whether it became durable (see <see cref="ActionOutcomes"/>).
/// </summary>
public sealed partial class ApprovalGate
{
    private readonly ActionOutcomes _owed = new();

    /// <summary>
    /// Runs an action whose authorising event is already in the log (outside the decision lock), then records how it
    /// ended: a fact, appended whatever the head, and applied in chain order.
    /// </summary>
    /// <exception cref="ActionOutcomeNotRecordedException">The action ran (or threw) and its outcome could not be recorded yet.</exception>
    private async ValueTask RunActionAsync(ActionRun run, Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await action(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
            Log.ActionFailed(_logger, ex, run.EntityId, run.Skill);
        }

        var outcome = AuditPayloads.ActionOutcome(
            run.PolicyHash, run.Principal, run.Skill, run.EntityType, run.EntityId, run.ExecutionId, _time.GetUtcNow(), failure).InRun(run.RunId);
        try
        {
            await AppendFactAsync(outcome).ConfigureAwait(false);
        }
        catch (AuditStoreException ex)
        {
            // The action ran: saying "nothing was done" would invite a retry that runs it twice.
            throw new ActionOutcomeNotRecordedException(run.EntityType, run.EntityId, outcome.EventType, failure, ex);
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// Records a fact that does not depend on the gate's state (how an action that already ran ended). It is appended
    /// on the head under the decision lock like a decision, so that the gate's own facts never move the head under its
    /// own decisions; when another writer appended first, the gate catches up and appends it again (nothing to decide).
    /// When it cannot be appended, it is owed: kept, and appended before the gate does anything else.
    /// </summary>
    /// <exception cref="AuditStoreException">The append failed, or the head moved under <see cref="MaxDecisionAttempts"/> attempts in a row.</exception>
    private async ValueTask AppendFactAsync(GateEntry entry)
    {
        await _decisions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _attempts = 0;
            while (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null)
            {
            }
        }
        catch (AuditStoreException)
        {
            _owed.OutcomeNotRecorded(entry);
            throw;
        }
        finally
        {
            await ReleaseDecisionLockAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Pays what the gate owes the log before it does anything else: reads the log to its head (which shows which failed
    /// appends became durable after all), then appends each outcome still missing. Call only under the decision lock.
    /// </summary>
    /// <exception cref="AuditStoreException">Something is still owed and cannot be recorded (<c>outcome_not_recorded</c>): no new work.</exception>
    private async ValueTask RecordOwedOutcomesLockedAsync()
    {
        if (!_owed.Any) return;
        var owed = _owed.Describe();
        try
        {
            await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var entry in _owed.Settle(_time.GetUtcNow()))
            {
                _attempts = 0;
                while (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null)
                {
                }
                _owed.Recorded(entry);
                Log.OutcomeRecordedLate(_logger, entry.EventType, entry.Entry.EntityType!, entry.Entry.EntityId!);
            }
        }
        catch (AuditStoreException ex)
        {
            Log.AuditWriteFailed(_logger, ex, owed, ReasonCodes.OutcomeNotRecorded);
            _telemetry.Decision(DecisionOutcome.Refused, ReasonCodes.OutcomeNotRecorded);
            throw new AuditStoreException(
                $"{ReasonCodes.OutcomeNotRecorded}: the gate still owes the audit log {owed} (an action ran, or may have been authorised, and the log " +
                $"could not record it), so it accepts no new work on this log: {ex.Message} Restore the audit store; the gate records it on its " +
                "next call or RefreshAsync.", ex);
        }
    }

    /// <summary>
    /// What a decision returns: the result, and the action to run (after the decision lock is released) when it was allowed.
    /// A value (see <see cref="DecideActionAsync{TState}"/>): an allowed invocation allocates nothing for it. Its
    /// <see langword="default"/> is an attempt that decided nothing (it lost the head; the gate has caught up).
    /// </summary>
    private readonly record struct Decided(GateResult Result, ActionRun? Run = null)
    {
        /// <summary>Whether the attempt decided (every constructed value has a result; only <see langword="default"/> has none).</summary>
        public bool IsDecided => Result is not null;
    }

    /// <summary>
    /// An action allowed by an event already in the log, and what its outcome is recorded under (for a request, the
    /// <c>executionId</c> of its <c>action.started</c>). A value: it travels inside <see cref="Decided"/>.
    /// </summary>
    private readonly record struct ActionRun(
        Policy.Model.PrincipalDefinition Principal, string Skill, string EntityType, string EntityId, string PolicyHash, string? ExecutionId = null,
        string? RunId = null);
}
