using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>A snapshot a gate recorded: the seq its state ends with, and the state hash its <c>gate.snapshot_recorded</c> carries.</summary>
/// <param name="Seq">The seq of the last event the state includes.</param>
/// <param name="StateHash">The SHA-256 of the snapshot's canonical bytes, <c>sha256:</c> and lowercase hex.</param>
public sealed record GateSnapshotInfo(long Seq, string StateHash);

/// <summary>
/// Start-up from a snapshot: the newest snapshot whose bytes hash to what its <c>gate.snapshot_recorded</c> event recorded,
/// plus the events after it. A snapshot that is missing, does not match, or does not read is logged and passed over; with
/// none usable the gate replays the whole log. Snapshots are written every <see cref="GateSnapshotOptions.Every"/> events
/// and on dispose, and checked against a replay from genesis on demand (<see cref="CheckSnapshotsAsync"/>), in the
/// background (<see cref="GateSnapshotOptions.CheckInBackground"/>), and by <c>makerchecker audit check-snapshots</c>.
/// </summary>
public sealed partial class ApprovalGate
{
    private readonly GateSnapshotOptions? _snapshotOptions;
    private CancellationTokenSource? _backgroundCheckStop;
    private Task? _backgroundCheck;

    /// <summary>When the gate writes snapshots of its state, and where (see <see cref="GateSnapshotOptions"/>).</summary>
    /// <value>The default value is <see langword="null"/>: no snapshots; the gate replays its whole log on start.</value>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public GateSnapshotOptions? Snapshots
    {
        get => _snapshotOptions;
        init
        {
            value?.Validate();
            _snapshotOptions = value;
        }
    }

    /// <summary>The gate's projection (for tests and probes that compare states).</summary>
    internal GateProjection State => _state;

    /// <summary>The seq of the snapshot the gate started from, or 0 when it replayed the whole log.</summary>
    internal long StartedFromSnapshot { get; private set; }

    /// <summary>
    /// Writes a snapshot of the gate's state now (after catching up with the log) to <see cref="GateSnapshotOptions.Store"/>
    /// and records its hash (<c>gate.snapshot_recorded</c>).
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the gate.</param>
    /// <returns>The snapshot's seq and state hash.</returns>
    /// <exception cref="InvalidOperationException">The gate has no snapshot store (<see cref="Snapshots"/>).</exception>
    /// <exception cref="AuditStoreException">The snapshot's event could not be recorded.</exception>
    public async ValueTask<GateSnapshotInfo> RecordSnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (_snapshotOptions?.Store is null)
        {
            throw new InvalidOperationException(
                "This gate has no snapshot store: set ApprovalGate.Snapshots (GateSnapshotOptions.Store) to record snapshots.");
        }
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(WriteSnapshotLockedAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replays the log from genesis and checks the hash of every snapshot it records (see <see cref="GateSnapshotChecker"/>).
    /// Reads the log only; the gate's state is not changed.
    /// </summary>
    /// <param name="cancellationToken">Stops the replay.</param>
    /// <returns>Every recorded snapshot with the hash the replay gives; <see cref="GateSnapshotCheckResult.FirstMismatch"/> names a wrong one.</returns>
    /// <exception cref="AuditStoreException">The log does not chain, or could not be read.</exception>
    public ValueTask<GateSnapshotCheckResult> CheckSnapshotsAsync(CancellationToken cancellationToken = default) =>
        GateSnapshotChecker.CheckAsync(_store, cancellationToken);

    /// <summary>Start-up under the decision lock: from the newest usable snapshot, else from genesis; then the tail. Returns the events applied.</summary>
    private async ValueTask<long> StartLockedAsync(CancellationToken cancellationToken)
    {
        _state.Clear();
        StartedFromSnapshot = 0;
        if (_snapshotOptions?.Store is { } snapshots)
        {
            foreach (var seq in await snapshots.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                var (problem, tail) = await TryStartFromLockedAsync(snapshots, seq, cancellationToken).ConfigureAwait(false);
                if (problem is null)
                {
                    StartedFromSnapshot = seq;
                    Log.StartedFromSnapshot(_logger, seq, tail);
                    return tail;
                }
                _state.Clear();
                Log.SnapshotRejected(_logger, seq, problem);
            }
        }
        return await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In one read of the log from event <paramref name="seq"/> (a store may have to scan to reach it): checks the snapshot
    /// against event <paramref name="seq"/> and its <c>gate.snapshot_recorded</c>, restores it, and applies the tail. Says
    /// why the snapshot cannot be used, or returns how many events it applied.
    /// </summary>
    private async ValueTask<(string? Problem, long Tail)> TryStartFromLockedAsync(IGateSnapshotStore snapshots, long seq, CancellationToken cancellationToken)
    {
        try
        {
            if (await snapshots.ReadAsync(seq, cancellationToken).ConfigureAwait(false) is not { } bytes) return ("its bytes are missing", 0);
            AuditEvent? last = null;
            long tail = 0;
            await foreach (var e in _store.ReadAsync(seq, cancellationToken).ConfigureAwait(false))
            {
                if (last is null)
                {
                    if (e.Seq != seq) return ($"the log has no event {seq}", 0);
                    last = e;
                    continue;
                }
                if (tail == 0 && Restore(bytes, last, e) is { } problem) return (problem, 0);
                _state.Apply(e, replaying: true);
                if (_owed.Any) _owed.Observe(e);
                tail++;
            }
            return tail == 0 ? ($"the log has no gate.snapshot_recorded after event {seq}", 0) : (null, tail);
        }
        catch (Exception ex) when (ex is FormatException or AuditEventFormatException or IOException or UnauthorizedAccessException)
        {
            return (ex.Message, 0);
        }
    }

    /// <summary>
    /// Restores the snapshot's <paramref name="bytes"/> if <paramref name="recordedEvent"/> vouches for them as the state after
    /// <paramref name="last"/>.
    /// </summary>
    private string? Restore(byte[] bytes, AuditEvent last, AuditEvent recordedEvent)
    {
        if (recordedEvent.EventType != AuditEventTypes.GateSnapshotRecorded || !AuditEvent.Follows(recordedEvent, last))
        {
            return $"event {last.Seq + 1} is not the gate.snapshot_recorded of a snapshot at {last.Seq}";
        }
        var recorded = AuditEventReader.Read<GateSnapshotRecorded>(recordedEvent);
        if (recorded.Seq != last.Seq || recorded.HeadHash != last.Hash)
        {
            return $"event {recordedEvent.Seq} records a snapshot of another event ({recorded.Seq})";
        }
        var hash = GateSnapshot.Hash(bytes);
        if (hash != recorded.StateHash) return $"its bytes hash to {hash}, but event {recordedEvent.Seq} recorded {recorded.StateHash}";
        var header = GateSnapshot.Read(bytes, _state);
        return header.Seq == last.Seq && _state.ResumeAt(last, header.Head) ? null : $"its bytes describe event {header.Seq} ({header.Head})";
    }

    /// <summary>Under the decision lock: writes the bytes, then records their hash on the head they describe; retried on a moved head.</summary>
    private async ValueTask<GateSnapshotInfo?> WriteSnapshotLockedAsync()
    {
        await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
        var takenAt = _time.GetUtcNow();
        var seq = _state.LastSeq;
        var bytes = GateSnapshot.Write(_state, takenAt);
        var hash = GateSnapshot.Hash(bytes);
        await _snapshotOptions!.Store!.SaveAsync(seq, bytes, CancellationToken.None).ConfigureAwait(false);
        var entry = AuditPayloads.SnapshotRecorded(_policy.Hash, seq, _state.Head!, hash, GateSnapshot.Format, takenAt);
        if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
        Log.SnapshotRecorded(_logger, seq, hash, _state.Requests.Count);
        return new GateSnapshotInfo(seq, hash);
    }

    /// <summary>Under the decision lock: a snapshot when <see cref="GateSnapshotOptions.Every"/> events were applied since the last one.</summary>
    private ValueTask SnapshotIfDueLockedAsync() =>
        _snapshotOptions is not { Store: not null } options || _state.LastSeq - _state.LastSnapshotSeq < options.Every ? default : TrySnapshotLockedAsync();

    /// <summary>A snapshot whose failure is logged, never thrown: the decision it follows stands.</summary>
    private async ValueTask TrySnapshotLockedAsync()
    {
        try
        {
            _attempts = 0;
            while (await WriteSnapshotLockedAsync().ConfigureAwait(false) is null)
            {
                // The head moved: caught up, try again on the newer state (bounded by MaxDecisionAttempts).
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SnapshotFailed(_logger, ex);
        }
    }

    /// <summary>After start from a snapshot, with <see cref="GateSnapshotOptions.CheckInBackground"/>: checks it against a replay from genesis.</summary>
    private void StartBackgroundCheck()
    {
        if (_snapshotOptions is not { CheckInBackground: true } || StartedFromSnapshot == 0) return;
        _backgroundCheckStop = new CancellationTokenSource();
        var stop = _backgroundCheckStop.Token;
        _backgroundCheck = Task.Run(() => BackgroundCheckAsync(stop), CancellationToken.None);
    }

    /// <summary>A mismatch means the state the gate started from is not the log's: it is rebuilt from genesis (fail closed).</summary>
    private async Task BackgroundCheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await GateSnapshotChecker.CheckAsync(_store, cancellationToken).ConfigureAwait(false);
            var mismatches = result.Snapshots.Where(s => !s.Matches).ToList();
            if (mismatches.Count == 0) return;
            foreach (var m in mismatches) Log.SnapshotMismatch(_logger, m.Seq, m.ReplayedHash, m.RecordedHash);
            await _decisions.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _state.Clear();
                await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
                StartedFromSnapshot = 0;
            }
            finally
            {
                _decisions.Release();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.SnapshotFailed(_logger, ex);
        }
        catch (OperationCanceledException)
        {
            // Disposed before the check finished.
        }
    }

    /// <summary>On dispose: stops a background check, and writes a snapshot when events were applied since the last one.</summary>
    private async ValueTask DisposeSnapshotsAsync()
    {
        if (_backgroundCheckStop is { } stop)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (_backgroundCheck is { } check) await check.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
        }
        if (_snapshotOptions is not { Store: not null, OnDispose: true } || !_initialized) return;
        await _decisions.WaitAsync().ConfigureAwait(false);
        try
        {
            // Only the snapshot's own event since the last snapshot: nothing new to keep.
            if (_state.LastSeq > _state.LastSnapshotSeq + 1) await TrySnapshotLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            await ReleaseDecisionLockAsync().ConfigureAwait(false);
        }
    }
}
