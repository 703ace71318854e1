using System.Globalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// Verifies a live file store read-only: every hash and link with the store's own verifier, then, when a checkpoint
/// history is beside it, the log against the latest signed checkpoint (size and root). Opens nothing for writing.
/// </summary>
internal static class StoreVerification
{
    /// <summary>The verdict, and what the checkpoint check found (<see langword="null"/> when the log has no checkpoint).</summary>
    /// <exception cref="AuditStoreException">The store cannot be read (empty, no genesis, events not contiguous).</exception>
    public static async Task<(AuditVerdict Verdict, LatestCheckpointCheck? Checkpoint)> VerifyAsync(
        string path, NoteVerifierKey? pinned, CancellationToken cancellationToken)
    {
        await using var store = await FileAuditStore.OpenReadOnlyAsync(path, cancellationToken).ConfigureAwait(false);
        return await VerifyAsync(store, pinned, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="VerifyAsync(string, NoteVerifierKey?, CancellationToken)"/>, on a store already open read-only.</summary>
    public static async Task<(AuditVerdict Verdict, LatestCheckpointCheck? Checkpoint)> VerifyAsync(
        FileAuditStore store, NoteVerifierKey? pinned, CancellationToken cancellationToken)
    {
        var path = store.Path;
        var verdict = await AuditStoreVerifier.VerifyAsync(store, cancellationToken).ConfigureAwait(false);
        if (!verdict.IsValid)
        {
            return (verdict, null);
        }

        var history = path + CheckpointedAuditStore.HistoryFileSuffix;
        LatestCheckpointCheck? check;
        try
        {
            check = await CheckpointInspection.CheckLatestAsync(store, history, pinned, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return (Fail(verdict, AuditReasonCodes.CheckpointHistoryInvalid, ex.Message), null);
        }

        if (check is null)
        {
            return pinned is null
                ? (verdict, null)
                : (Fail(verdict, AuditReasonCodes.CheckpointMissing,
                    $"--vkey was given but '{history}' holds no signed checkpoint: it was removed or emptied, or the log was never checkpointed"), null);
        }

        return check.Report.Extends
            ? (verdict, check)
            : (Fail(verdict, check.Report.ReasonCode!, $"{check.Report.Failure} ({Name(check)})"), check);
    }

    /// <summary>The line <c>audit verify</c> prints for a store that verified.</summary>
    public static string DescribeVerified(string path, AuditVerdict verdict, LatestCheckpointCheck? check)
    {
        var chain = $"verified: {path}: {verdict.EventCount} events, every hash and link checks";
        if (check is null)
        {
            return $"{chain}; no signed checkpoint beside it, so truncation of the newest events cannot be detected from the log alone " +
                "(checkpoint the log with CheckpointedAuditStore or 'makerchecker audit checkpoint', or export a signed bundle)";
        }

        var size = check.Latest.Checkpoint.Size;
        var uncovered = check.LogSize > size
            ? $"; seq {Number(size + 1)} to {Number(check.LogSize)} are newer than the checkpoint, so their truncation would not be detected"
            : string.Empty;
        return $"{chain}; checked against {Name(check)}{uncovered}";
    }

    private static string Name(LatestCheckpointCheck check)
    {
        var checkpoint = check.Latest.Checkpoint;
        var trust = check.SignerPinned ? "pinned" : "not pinned: no signature was checked; pass --vkey to check them";
        return $"signed checkpoint {Number(check.Number)} (size {Number(checkpoint.Size)}, root {checkpoint.Root}, signed by {check.SignedBy}, {trust})";
    }

    private static AuditVerdict Fail(AuditVerdict verdict, string code, string reason) =>
        verdict with { IsValid = false, ReasonCode = code, Reason = reason, FailedSeq = null };

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
