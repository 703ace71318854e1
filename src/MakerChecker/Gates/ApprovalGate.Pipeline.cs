using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Gates;

/// <summary>
/// Pipelined decisions: the gate's decision lock is not held while an invocation's record becomes durable. A decision
/// whose event changes nothing a later decision reads except the limit counters (which are counted when it is made) is
/// staged: it joins the next batch, the lock is released, and its caller waits for the batch. One batch per gate is in
/// flight at a time, written by <see cref="IAuditStore.TryAppendBatchAsync"/> on the seq of the last event the
/// projection applied; the decisions staged meanwhile (made on the projection plus everything in flight) form the next
/// batch, written once the first is applied. See docs/gates.md, "Pipelined decisions", for why this stays exact.
/// </summary>
public sealed partial class ApprovalGate
{
    // All under _decisions: the batch being written, and the entries decided on top of it, in decision order.
    private List<Staged>? _flight;
    private Task<IReadOnlyList<AuditEvent>>? _flightWrite;
    private readonly List<Staged> _staged = [];

    /// <summary>
    /// Whether an entry may be written in a batch, its caller waiting outside the decision lock: an invocation's
    /// <c>decision.allowed</c> without an idempotency key, a <c>decision.refused</c> about an invocation, and how a direct
    /// invocation's action ended. Their only effect on later decisions is the limit counter, counted when the decision is
    /// made (and taken back if it is not written); everything else (requests, sign-offs, executions, principals, policy,
    /// idempotency keys) is decided on a projection with nothing in flight.
    /// </summary>
    private static bool IsPipelined(GateEntry entry) => entry.Entry.EntityType == AuditEventWriter.InvocationEntity && entry.EventType switch
    {
        AuditEventTypes.DecisionAllowed => entry.Applied is DecisionAllowed { IdempotencyKey: null },
        AuditEventTypes.DecisionRefused or AuditEventTypes.ActionExecuted or AuditEventTypes.ActionFailed => true,
        _ => false,
    };

    /// <summary>Whether a batch is being written or decisions wait for the next one.</summary>
    private bool InFlight => _flight is not null;

    /// <summary>
    /// Stages a pipelined entry, releases the decision lock while it is written, and takes the lock again (a batch of one
    /// whose write completed at once is settled without releasing it, see <see cref="SettleAloneLockedAsync"/>). Returns the
    /// event's seq once durable and applied, or <see langword="null"/> when it was not written (the head moved under its batch
    /// or under an earlier one): the slot it counted is taken back, the gate has caught up, and the caller decides again.
    /// Call only under the decision lock; the lock is held again when this returns or throws.
    /// </summary>
    /// <remarks>
    /// Not an async method: a batch of one that the store writes at once, directly after the last event applied (in
    /// memory, the common case), is written, applied and answered without a state machine; everything else continues in
    /// <see cref="AwaitBatchAsync"/> or <see cref="SettleAloneAfterOthersLockedAsync"/>, exactly as before.
    /// </remarks>
    private ValueTask<long?> AppendPipelinedAsync(GateEntry entry, CountedSlot? slot)
    {
        int? headroom = slot is { } counted ? Headroom(counted) : null;
        Staged staged;
        if (!InFlight)
        {
            // Nothing in flight (so nothing staged): the entry is a batch of one. When the store answers at once (in memory),
            // it is settled here, holding the lock throughout, exactly as SettleLockedAsync would settle it. A store that can
            // answer with the event it keeps (IStoredEventAppender) is asked so: no public copy of the event, no lists.
            ValueTask<IReadOnlyList<AuditEvent>> write = default;
            ValueTask<StoredEvent?> one = default;
            var direct = _store as IStoredEventAppender;
            try
            {
                if (direct is not null) one = direct.TryAppendStoredAsync(entry.Entry, _state.LastSeq, ScopeOf(slot, headroom), CancellationToken.None);
                else write = _store.TryAppendBatchAsync([entry.Entry], _state.LastSeq, ScopeOf(slot, headroom), CancellationToken.None);
            }
#pragma warning disable CA1031 // A store that throws before its task: settled as a failed write, by the path below.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                direct = null;
                write = ValueTask.FromException<IReadOnlyList<AuditEvent>>(ex);
            }

            // Result is read only once the write has completed successfully: it does not block, and does not throw.
#pragma warning disable RS0030
            if (direct is not null)
            {
                if (one.IsCompletedSuccessfully) return SettleAloneLockedAsync(entry, slot, null, one.Result);
                write = AsBatchAsync(one, entry.Entry);
            }
            else if (write.IsCompletedSuccessfully)
            {
                var written = write.Result;
                return SettleAloneLockedAsync(entry, slot, written.Count > 0 ? written[0] : null);
            }
#pragma warning restore RS0030

            staged = new Staged(entry, slot, headroom);
            Submit([staged], write.AsTask());
        }
        else
        {
            staged = new Staged(entry, slot, headroom);
            _staged.Add(staged);
        }

        return AwaitBatchAsync(staged);
    }

    /// <summary>
    /// Waits outside the decision lock for the batch <paramref name="staged"/> is in (see <see cref="AppendPipelinedAsync"/>),
    /// and takes the lock again, whatever the batch's end.
    /// </summary>
    private async ValueTask<long?> AwaitBatchAsync(Staged staged)
    {
        var attempts = _attempts;
        _decisions.Release();
        AuditEvent? recorded;
        try
        {
            recorded = await staged.Written.Task.ConfigureAwait(false);
        }
        finally
        {
            await _decisions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _attempts = attempts; // other decisions ran meanwhile; this call's count of lost heads goes on
        }

        if (recorded is null) CountAttempt(staged.Entry.EventType);
        return recorded?.Seq;
    }

    /// <summary>A direct append that did not complete at once, as the batch of one it is.</summary>
    private static async ValueTask<IReadOnlyList<AuditEvent>> AsBatchAsync(ValueTask<StoredEvent?> write, AuditEntry entry) =>
        await write.ConfigureAwait(false) is { } stored ? [stored.ToAuditEvent(entry)] : [];

    /// <summary>
    /// Settles a batch of one whose write completed at once, as <see cref="SettleLockedAsync"/> does with nothing staged on
    /// it: returns the event's seq once applied, or <see langword="null"/> (not written: its slot is taken back, the gate
    /// has caught up, the caller decides again). Call only under the decision lock, with nothing in flight.
    /// </summary>
    /// <remarks>
    /// Not an async method: an event written directly after the last one applied is applied at once; one written past other
    /// writers' events, or not written, continues in <see cref="SettleAloneAfterOthersLockedAsync"/>.
    /// </remarks>
    private ValueTask<long?> SettleAloneLockedAsync(GateEntry entry, CountedSlot? slot, AuditEvent? written, StoredEvent? stored = null)
    {
        // The event written: the public one, or the one a store kept (IStoredEventAppender); neither when not written.
        if ((stored?.Seq ?? written?.Seq) is not { } at || at > _state.LastSeq + 1) return SettleAloneAfterOthersLockedAsync(entry, slot, written, stored);
        ApplyWritten(entry, written, stored);
        return new ValueTask<long?>(at);
    }

    /// <summary><see cref="SettleAloneLockedAsync"/> for an event written past other writers' events, or not written.</summary>
    private async ValueTask<long?> SettleAloneAfterOthersLockedAsync(GateEntry entry, CountedSlot? slot, AuditEvent? written, StoredEvent? stored)
    {
        var seq = stored?.Seq ?? written?.Seq;
        if (seq is { } at)
        {
            // Written past other writers' events that do not conflict with it: they come first, as replay; if they cannot be
            // applied, the caller gets why and does not act.
            await ReadTailLockedAsync(CancellationToken.None, before: at).ConfigureAwait(false);
            ApplyWritten(entry, written, stored);
            return at;
        }

        try
        {
            await ReadTailLockedAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // Not written: the slot is taken back whether or not the events missed could be applied.
            TakeBack(slot);
        }

        CountAttempt(entry.EventType);
        return null;
    }

    /// <summary>Applies (live) the event just written for <paramref name="entry"/>: the one a store kept, or the public one.</summary>
    private void ApplyWritten(GateEntry entry, AuditEvent? written, StoredEvent? stored)
    {
        if (stored is not null) _state.ApplyLive(stored, entry.Entry, entry.Applied);
        else _state.Apply(written!, replaying: false, entry.Applied);
    }

    /// <summary>Writes what is staged as the next batch, on the seq of the last event applied. Call only under the decision lock.</summary>
    private void SubmitLocked()
    {
        var batch = _staged.ToList();
        _staged.Clear();
        var entries = new AuditEntry[batch.Count];
        for (var i = 0; i < entries.Length; i++) entries[i] = batch[i].Entry.Entry;
        Submit(batch, _store.TryAppendBatchAsync(entries, _state.LastSeq, ScopeOf(batch), CancellationToken.None).AsTask());
    }

    /// <summary>Puts <paramref name="batch"/> in flight, being written by <paramref name="write"/>. Call only under the decision lock.</summary>
    private void Submit(List<Staged> batch, Task<IReadOnlyList<AuditEvent>> write)
    {
        _flight = batch;
        _flightWrite = write;
        _ = SettleWhenWrittenAsync(batch, write);
    }

    /// <summary>Once a batch's write ends, applies it under the decision lock (unless a decision waiting for it already did).</summary>
    private async Task SettleWhenWrittenAsync(List<Staged> batch, Task<IReadOnlyList<AuditEvent>> write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The failure is handed to every caller of the batch by SettleLockedAsync.
        catch
#pragma warning restore CA1031
        {
        }

        try
        {
            await _decisions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return; // the gate was disposed: nobody waits for this batch any more
        }

        try
        {
            if (ReferenceEquals(_flight, batch)) await SettleLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _decisions.Release();
        }
    }

    /// <summary>
    /// Waits, holding the decision lock, until nothing is in flight: every staged decision is then written and applied, or
    /// answered. Classic decisions and catch-ups start here, so they see a projection that is exactly the log.
    /// </summary>
    private async ValueTask DrainLockedAsync()
    {
        while (_flightWrite is { } write)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // SettleLockedAsync hands the failure to the batch's callers.
            catch
#pragma warning restore CA1031
            {
            }

            await SettleLockedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies the batch whose write ended: the events written (a prefix, each directly after the one before) are applied
    /// live and their callers answered; the rest of the batch, and every decision staged on top of it, are not written:
    /// their slots are taken back and their callers decide again once the gate has caught up. A failed write fails the
    /// batch's callers as a failed append does. Then the next batch, if any, is submitted. Call only under the decision lock.
    /// </summary>
    private async ValueTask SettleLockedAsync()
    {
        var (batch, write) = (_flight!, _flightWrite!);
        (_flight, _flightWrite) = (null, null);
        if (write.IsFaulted || write.IsCanceled)
        {
            var error = write.Exception?.GetBaseException() ?? new OperationCanceledException("The audit append was cancelled.");
            foreach (var s in batch) s.Written.TrySetException(AppendFailed(error, s.Entry, s.Slot));
            Lose([.. _staged]);
            return; // the next call catches up (and settles what the failed write left unknown) before deciding
        }

        var written = await write.ConfigureAwait(false); // completed: it does not wait
        if (written.Count > 0 && written[0].Seq > _state.LastSeq + 1)
        {
            // Written past other writers' events that conflict with none of the batch: they come first, as replay. If they
            // cannot be applied, nobody in the batch (or waiting on it) acts: the gate stops where the log does.
            var between = new List<AuditEvent>();
            try
            {
                await ReadTailLockedAsync(CancellationToken.None, before: written[0].Seq, between).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuditStoreException or AuditEventFormatException)
            {
                FailAll([.. batch, .. _staged], ex);
                throw;
            }

            // What is staged was decided without these events: it stays valid only if they fit its scope too, and they
            // use up that much of its budgets.
            if (!Absorb(_staged, between)) Lose([.. _staged]);
        }

        for (var i = 0; i < written.Count; i++)
        {
            try
            {
                _state.Apply(written[i], replaying: false, batch[i].Entry.Applied);
            }
            catch (Exception ex) when (ex is AuditStoreException or AuditEventFormatException)
            {
                // The log does not continue what the gate applied: nobody in the batch, or waiting on it, may act.
                FailAll([.. batch.Skip(i), .. _staged], ex);
                throw;
            }

            batch[i].Written.TrySetResult(written[i]);
        }

        if (written.Count == batch.Count)
        {
            if (_staged.Count > 0) SubmitLocked();
            return;
        }

        List<Staged> lost = [.. batch.Skip(written.Count), .. _staged];
        try
        {
            await ReadTailLockedAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditStoreException or AuditEventFormatException)
        {
            // The events missed cannot be applied: deciding again would only lose again; the callers get why.
            Release(lost);
            FailAll(lost, ex);
            throw;
        }

        Lose(lost);
    }

    /// <summary>Fails staged decisions with an error that stops the gate (a log it cannot apply); nothing more is staged on them.</summary>
    private void FailAll(List<Staged> failed, Exception error)
    {
        foreach (var s in failed) s.Written.TrySetException(error);
        _staged.Clear();
    }

    private void Release(List<Staged> staged)
    {
        foreach (var s in staged)
        {
            TakeBack(s.Slot);
        }
    }

    /// <summary>Answers staged decisions that were not written: their slots are taken back, their callers decide again.</summary>
    private void Lose(List<Staged> lost)
    {
        Release(lost);
        foreach (var s in lost) s.Written.TrySetResult(null);
        _staged.Clear();
    }

    /// <summary>A decision waiting for its batch: answered with the stored event, <see langword="null"/> (not written), or the write's failure.</summary>
    private sealed class Staged(GateEntry entry, CountedSlot? slot, int? headroom)
    {
        public GateEntry Entry { get; } = entry;
        public CountedSlot? Slot { get; } = slot;
        public int? Headroom { get; set; } = headroom;
        public TaskCompletionSource<AuditEvent?> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
