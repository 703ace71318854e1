using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>
/// How the gate keeps deciding on the latest state when several gates (app instances, processes) share one chain:
/// every decision is made under the gate's decision lock, from the projection, and recorded with a compare-and-append
/// on the last event the projection applied. When another writer appended first, nothing was written: the gate
/// catches up on the events it missed (as replay) and decides again.
/// </summary>
public sealed partial class ApprovalGate
{
    /// <summary>How many times one decision is tried on a moved head before the gate gives up (fail closed).</summary>
    internal const int MaxDecisionAttempts = 32;

    /// <summary>
    /// After this many lost heads in a row, the decision's next try holds the chain's append lock (<see cref="IAuditHeadHold"/>,
    /// where the store offers it), so that other instances cannot keep appending first: contention alone never fails a call.
    /// </summary>
    internal const int HoldHeadAfterAttempts = 3;

    // The chain's append lock, held for the decision being made, which keeps _decisions until it lets go (it does not pipeline
    // meanwhile, see AppendOnHeadOrHeldAsync): no other call under the lock ever finds it set.
    private IAsyncDisposable? _headHold;

    /// <summary>
    /// Catches up with the events other gates (app instances or processes over the same log) appended since this gate
    /// last read it, so that <see cref="GetRequest"/>, <see cref="GetOpenRequests"/> and <see cref="GetBreakGlassForReview"/>
    /// show them. Decisions never need it: each is made on the latest state of the log.
    /// </summary>
    /// <param name="cancellationToken">Stops the catch-up; the events read until then stay applied.</param>
    /// <returns>A task that completes when the gate has applied every event the log held when it was read.</returns>
    /// <exception cref="AuditStoreException">
    /// The log could not be read, or does not continue the chain the gate applied, or an action outcome the gate owes the
    /// log (see <see cref="ActionOutcomeNotRecordedException"/>) still cannot be recorded (<c>outcome_not_recorded</c>).
    /// </exception>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _decisions.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
            await RecordOwedOutcomesLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            await ReleaseDecisionLockAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs one decision under the decision lock. <paramref name="attempt"/> decides from the projection and returns
    /// <see langword="null"/> when its compare-and-append lost to another writer (the gate has then caught up); it is
    /// then called again, on the newer state.
    /// </summary>
    private ValueTask<T> DecideAsync<T>(Func<ValueTask<T?>> attempt, CancellationToken cancellationToken)
        where T : class => DecideAsync(attempt, static attempt => attempt(), cancellationToken);

    /// <summary>
    /// <see cref="DecideAsync{T}(Func{ValueTask{T}}, CancellationToken)"/> with the attempt's arguments in
    /// <paramref name="state"/>, so that a static <paramref name="attempt"/> allocates no closure on the hot path.
    /// </summary>
    private ValueTask<T> DecideAsync<TState, T>(TState state, Func<TState, ValueTask<T?>> attempt, CancellationToken cancellationToken)
        where T : class => DecideLoopAsync<TState, T>(state, attempt!, static decided => decided is not null, cancellationToken);

    /// <summary>
    /// <see cref="DecideAsync{TState, T}"/> for a decision that may run an action (<see cref="Decided"/>, a value, so that an
    /// allowed invocation allocates nothing for it; <see langword="default"/> when the attempt lost the head).
    /// </summary>
    private ValueTask<Decided> DecideActionAsync<TState>(TState state, Func<TState, ValueTask<Decided>> attempt, CancellationToken cancellationToken) =>
        DecideLoopAsync(state, attempt, static decided => decided.IsDecided, cancellationToken);

    /// <summary>
    /// The one decision loop: the decision lock, owed outcomes first (<see cref="BeginDecisionLockedAsync"/>), attempts until
    /// one is <paramref name="decided"/> (each lost head has made the gate catch up), a snapshot when due, and the lock (and
    /// any head hold) let go however it ended.
    /// </summary>
    private async ValueTask<TResult> DecideLoopAsync<TState, TResult>(
        TState state, Func<TState, ValueTask<TResult>> attempt, Func<TResult, bool> decided, CancellationToken cancellationToken)
    {
        await _decisions.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await BeginDecisionLockedAsync().ConfigureAwait(false);
            while (true)
            {
                var result = await attempt(state).ConfigureAwait(false);
                if (!decided(result)) continue;
                await SnapshotIfDueLockedAsync().ConfigureAwait(false);
                return result;
            }
        }
        finally
        {
            await ReleaseDecisionLockAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Before a decision's first attempt, under the decision lock: no new work while an action's outcome is owed to the log.</summary>
    /// <remarks>Not an async method: nothing owed (the common case) completes at once, without a state machine.</remarks>
    private ValueTask BeginDecisionLockedAsync()
    {
        if (_owed.Any) return PayOwedThenBeginAsync();
        _attempts = 0;
        return default;
    }

    private async ValueTask PayOwedThenBeginAsync()
    {
        await RecordOwedOutcomesLockedAsync().ConfigureAwait(false);
        _attempts = 0;
    }

    /// <summary>
    /// Leaves the decision lock, however the work under it ended: lets go of the chain's append lock if this gate holds it,
    /// then of the decision lock (even when letting go of the first throws).
    /// </summary>
    /// <remarks>Not an async method: without a head hold (the common case) it completes at once.</remarks>
    private ValueTask ReleaseDecisionLockAsync()
    {
        if (_headHold is not null) return LetGoOfHeadThenReleaseAsync();
        _decisions.Release();
        return default;
    }

    private async ValueTask LetGoOfHeadThenReleaseAsync()
    {
        try
        {
            await LetGoOfHeadLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _decisions.Release();
        }
    }

    /// <summary><see cref="DecideActionAsync{TState}"/> with the attempt as a closure.</summary>
    private ValueTask<Decided> DecideActionAsync(Func<ValueTask<Decided>> attempt, CancellationToken cancellationToken) =>
        DecideActionAsync(attempt, static attempt => attempt(), cancellationToken);

    /// <summary>
    /// Records <paramref name="entry"/> only if the log's last event is still the last one the projection applied, and
    /// applies it (live); returns its seq. When another writer appended first, nothing was written: the invocation counted
    /// for it (if any) is taken back, the gate catches up, and the result is <see langword="null"/>, so the caller decides again.
    /// Call only under the decision lock.
    /// </summary>
    /// <exception cref="AuditStoreException">
    /// The append failed (the gate does not act on it), or the head moved under <see cref="MaxDecisionAttempts"/> attempts
    /// in a row (nothing was written).
    /// </exception>
    private ValueTask<long?> AppendOnHeadAsync(GateEntry entry, CountedSlot? slot = null) =>
        // The common case without a state machine of its own: no head hold to take or let go, nothing owed, a pipelined entry
        // (which the in-memory store writes, and the gate applies, at once). Everything else as below.
        _headHold is null && _attempts < HoldHeadAfterAttempts && IsPipelined(entry) && !_owed.Any
            ? AppendPipelinedAsync(entry, slot)
            : AppendOnHeadOrHeldAsync(entry, slot);

    /// <summary><see cref="AppendOnHeadAsync"/>, for every case (it is the whole definition; the common one only skips it).</summary>
    private async ValueTask<long?> AppendOnHeadOrHeldAsync(GateEntry entry, CountedSlot? slot)
    {
        if (_attempts >= HoldHeadAfterAttempts && _headHold is null && !await HeldAndCurrentLockedAsync(slot).ConfigureAwait(false)) return null;

        // While an outcome is owed, everything is appended one at a time under the lock, so that it is paid exactly once. While
        // this decision holds the head, too: a batch releases the decision lock while it is written, and another call under the
        // lock (a refresh, a decision answered without a record) would let go of the hold before this record is written.
        if (IsPipelined(entry) && !_owed.Any && _headHold is null) return await AppendPipelinedAsync(entry, slot).ConfigureAwait(false);

        if (InFlight)
        {
            // Decided on a projection with pipelined decisions in flight: let them settle, then decide again on the log as it is.
            TakeBack(slot);
            await DrainLockedAsync().ConfigureAwait(false);
            return null;
        }

        AuditEvent? recorded = null;
        StoredEvent? stored = null;
        try
        {
            // Not cancellable: a cancelled append may or may not have become durable, and the gate must know which.
            if (_store is IStoredEventAppender direct)
            {
                stored = await direct.TryAppendStoredAsync(entry.Entry, _state.LastSeq, scope: null, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                recorded = await _store.TryAppendAsync(entry.Entry, _state.LastSeq, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            throw AppendFailed(ex, entry, slot);
        }

        if (stored is not null || recorded is not null)
        {
            ApplyWritten(entry, recorded, stored);
            if (_headHold is not null) await LetGoOfHeadLockedAsync().ConfigureAwait(false);
            return stored?.Seq ?? recorded!.Seq;
        }

        TakeBack(slot);
        CountAttempt(entry.EventType);
        await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
        return null;
    }

    /// <summary>Takes back the invocation <paramref name="slot"/> counted (if any): its decision was not recorded.</summary>
    private void TakeBack(CountedSlot? slot)
    {
        if (slot is { } s) _state.Limits.Release(s.PrincipalId, s.Skill, s.At);
    }

    /// <summary>
    /// Takes the chain's append lock for the decision being made (where the store can hold it) and catches up: nobody else
    /// appends now. <see langword="false"/> when that moved the projection: the entry was decided on an older state, so its
    /// slot (if any) is taken back and the caller decides again. Taking the lock or reading may throw; the slot is then taken back too.
    /// </summary>
    private async ValueTask<bool> HeldAndCurrentLockedAsync(CountedSlot? slot)
    {
        if (_store is not IAuditHeadHold store) return true;
        try
        {
            _headHold = await store.HoldHeadAsync(CancellationToken.None).ConfigureAwait(false);
            if (_headHold is null || await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false) == 0) return true;
        }
        catch
        {
            TakeBack(slot);
            throw;
        }

        TakeBack(slot);
        return false;
    }

    /// <summary>Lets go of the chain's append lock, if this gate holds it: once the decision is recorded, or over, whatever its end.</summary>
    private ValueTask LetGoOfHeadLockedAsync()
    {
        if (_headHold is not { } hold) return default;
        _headHold = null;
        return hold.DisposeAsync();
    }

    /// <summary>
    /// Before an outcome that records nothing (a refused presentation): catches up, and answers whether the log had
    /// moved, in which case the caller decides again on the newer state rather than refuse on an older one.
    /// </summary>
    private async ValueTask<bool> MovedLockedAsync(string what)
    {
        if (await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false) == 0) return false;
        CountAttempt(what);
        return true;
    }

    /// <summary>Counts one more try of the current decision; past <see cref="MaxDecisionAttempts"/> it fails closed.</summary>
    private void CountAttempt(string what)
    {
        if (++_attempts < MaxDecisionAttempts) return;
        var contention = new AuditStoreException(
            $"The audit log's head moved under this decision {MaxDecisionAttempts} times in a row (other writers kept appending first), "
            + $"so {what} was not recorded and nothing was done. Retry the call.");
        Log.AuditWriteFailed(_logger, contention, what, ReasonCodes.AuditWriteFailed);
        _telemetry.Decision(DecisionOutcome.Refused, ReasonCodes.AuditWriteFailed);
        throw contention;
    }

    /// <summary>
    /// Lets the pipelined decisions in flight settle (<see cref="DrainLockedAsync"/>), then applies, as replay, every event
    /// after the last one the projection applied: other writers' events are not this gate's live events (they feed no
    /// review monitor, and their counted invocations are counted here). Call only under the decision lock (or during
    /// initialization). Returns how many events were read, or 1 when none was but the projection moved while settling.
    /// </summary>
    private async ValueTask<long> CatchUpLockedAsync(CancellationToken cancellationToken)
    {
        var before = _state.LastSeq;
        await DrainLockedAsync().ConfigureAwait(false);
        var read = await ReadTailLockedAsync(cancellationToken).ConfigureAwait(false);
        return read == 0 && _state.LastSeq != before ? 1 : read;
    }

    /// <summary>
    /// Applies, as replay, every event after the last one applied (and before seq <paramref name="before"/>). Call only under
    /// the decision lock, with nothing in flight.
    /// </summary>
    private async ValueTask<long> ReadTailLockedAsync(CancellationToken cancellationToken, long before = long.MaxValue, List<AuditEvent>? applied = null)
    {
        long count = 0;
        await foreach (var e in _store.ReadAsync(_state.LastSeq + 1, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq >= before) break;
            applied?.Add(e);
            _state.Apply(e, replaying: true);
            if (_owed.Any) _owed.Observe(e);
            count++;
        }

        return count;
    }

    /// <summary>
    /// Finds a request, catching up once when the gate does not hold it open (it may have been opened on another
    /// instance), then reading a closed one back from the log.
    /// </summary>
    private async ValueTask<RequestState?> FindRequestLockedAsync(string requestId)
    {
        if (_state.Requests.TryGetValue(requestId, out var request)) return request;
        await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
        return await FindRequestAsync(requestId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A refusal when the log's last <c>policy.activated</c> is not the policy this gate holds (another instance activated
    /// a newer one): the gate cannot judge by a policy it does not have, so it decides nothing until given it.
    /// </summary>
    /// <remarks>Not an async method: with the gate's policy in force (the common case) it completes at once.</remarks>
    private ValueTask<GateResult?> SupersededAsync(CompiledPolicy policy, string who, string subject, string stage) =>
        _state.ActivePolicyHash is not { } active || active == policy.Hash ? default : SupersededAfterCatchUpAsync(policy, who, subject, stage);

    private async ValueTask<GateResult?> SupersededAfterCatchUpAsync(CompiledPolicy policy, string who, string subject, string stage)
    {
        // Refused without a record, so judged on the latest log: another activation may have followed.
        await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
        if (_state.ActivePolicyHash is not { } active || active == policy.Hash) return null;
        _telemetry.Decision(DecisionOutcome.Refused, ReasonCodes.PolicySuperseded);
        Log.DecisionRefused(_logger, who, subject, ReasonCodes.PolicySuperseded, default, stage);
        return new GateResult(DecisionOutcome.Refused, ReasonCodes.PolicySuperseded, default, policy.Hash,
            DecisionMessages.ForRequestStep(ReasonCodes.PolicySuperseded, who, subject, active)!);
    }

    /// <summary>
    /// Turns an append failure into the <see cref="AuditStoreException"/> the caller gets, after taking back the
    /// invocation counted for it (if any): the gate does not act on a decision it could not confirm. The append may
    /// still have become durable, so the message says only what is known; an authorising event is remembered, and the
    /// next call reads the log back to settle it (see <see cref="ActionOutcomes"/>).
    /// </summary>
    private AuditStoreException AppendFailed(Exception ex, GateEntry written, CountedSlot? slot)
    {
        var entry = written.Entry;
        TakeBack(slot);
        Log.AuditWriteFailed(_logger, ex, entry.EventType, ReasonCodes.AuditWriteFailed);
        _telemetry.Decision(DecisionOutcome.Refused, ReasonCodes.AuditWriteFailed);
        _owed.AppendFailed(written);
        var acted = ActionOutcomes.IsAuthorising(entry.EventType)
            ? "The action did not run. "
            : "The gate did not act on it. ";
        return new AuditStoreException(
            $"The audit log could not record {entry.EventType} for {entry.EntityType} {entry.EntityId}: {ex.Message} {acted}" +
            "Whether the event reached the log is not " +
            "known: the gate reads the log back on its next call. Restore the audit store, then retry.", ex);
    }
}
