using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// The tree: each durable event's leaf added strictly by seq, events appended around this layer read back to fill a gap,
/// and consistency proofs between two of its sizes.
/// </summary>
public sealed partial class CheckpointedAuditStore
{
    /// <summary>The RFC 9162 consistency proof between two sizes of the tree (for a bundle or an inspector).</summary>
    internal async ValueTask<MerkleHash[]> ProveConsistencyAsync(long oldSize, long newSize, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _tree.ProveConsistency(oldSize, newSize);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AuditEvent?> RecordAsync(Func<ValueTask<AuditEvent?>> append) =>
        (await RecordBatchAsync(async () => await append().ConfigureAwait(false) is { } appended ? [appended] : []).ConfigureAwait(false))
            is [var recorded] ? recorded : null;

    private async Task<IReadOnlyList<AuditEvent>> RecordBatchAsync(Func<ValueTask<IReadOnlyList<AuditEvent>>> append)
    {
        Interlocked.Increment(ref _inFlight);
        IReadOnlyList<AuditEvent> appended;
        MerkleHash[] leaves;
        try
        {
            appended = await append().ConfigureAwait(false);
            if (appended.Count == 0)
            {
                LeaveFlight();
                return appended;
            }

            using var scratch = new ByteBuffer();
            leaves = appended.Select(e => EventLeaf.Hash(e, scratch)).ToArray();
        }
        catch
        {
            LeaveFlight();
            throw;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            for (var i = 0; i < leaves.Length; i++)
            {
                _arrived[appended[i].Seq] = leaves[i];
            }

            // Appends return out of order under concurrency; leaves go in strictly by seq.
            DrainLocked();
            await CatchUpLockedAsync(CancellationToken.None, ownAppends: 1).ConfigureAwait(false);
            if (_schedule!.IsDue(_tree.Size))
            {
                await ScheduledSignLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
            LeaveFlight();
        }

        return appended;
    }

    private void LeaveFlight()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _disposed)
        {
            _idle?.TrySetResult();
        }
    }

    private void DrainLocked()
    {
        while (_arrived.Remove(_tree.Size + 1, out var next))
        {
            _tree.AppendLeafHash(next);
        }

        Interlocked.Exchange(ref _treeSize, _tree.Size);
    }

    /// <summary>
    /// When leaves are waiting behind a gap and no append is still running to fill it (an event appended to the inner store
    /// directly, bypassing this layer), reads the missing durable events from the log.
    /// </summary>
    private async ValueTask CatchUpLockedAsync(CancellationToken cancellationToken, long ownAppends = 0)
    {
        if (_arrived.Count == 0 || Interlocked.Read(ref _inFlight) > ownAppends)
        {
            return;
        }

        var last = _arrived.Keys.Max();
        using var scratch = new ByteBuffer();
        await foreach (var e in _inner.ReadAsync(_tree.Size + 1, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq > last)
            {
                break;
            }

            _arrived[e.Seq] = EventLeaf.Hash(e, scratch);
            DrainLocked();
        }
    }
}
