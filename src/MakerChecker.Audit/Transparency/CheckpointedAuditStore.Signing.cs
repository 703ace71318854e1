namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Signing checkpoints: on demand, when the schedule says one is due (after an append, or on the timer), the hash file
/// flushed first.
/// </summary>
public sealed partial class CheckpointedAuditStore
{
    /// <summary>Signs a checkpoint of every event appended so far, or returns the latest when the log has not grown since.</summary>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The checkpoint now latest.</returns>
    /// <exception cref="CheckpointRefusedException">The log is empty or no longer extends the latest checkpoint.</exception>
    public async ValueTask<SignedCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
            return await SignLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask ScheduledSignLockedAsync()
    {
        try
        {
            await SignLockedAsync(CancellationToken.None).ConfigureAwait(false);
            LastScheduledCheckpointFailure = null;
        }
#pragma warning disable CA1031 // The event is durable and acknowledged; a failed signature is retried and reported, never thrown at the appender.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastScheduledCheckpointFailure = ex;
        }
    }

    private async ValueTask<SignedCheckpoint> SignLockedAsync(CancellationToken cancellationToken)
    {
        // The leaves are of durable events; their hashes reach the disk before a signature commits to them.
        if (_hashes is FileMerkleHashStore file)
        {
            file.Flush();
        }

        var signed = await _signer!.SignAsync(_tree, cancellationToken).ConfigureAwait(false);
        _schedule!.Signed(signed.Checkpoint.Size);
        return signed;
    }

    private async Task OnTimerAsync()
    {
        if (_disposed || !await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            return; // an append or a signature is running; it asks the schedule itself
        }

        try
        {
            if (!_disposed && _schedule!.IsDue(_tree.Size))
            {
                await ScheduledSignLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
