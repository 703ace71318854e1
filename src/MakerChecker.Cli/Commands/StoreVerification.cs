using System.Globalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// Verifies a live store (file, SQLite, PostgreSQL) read-only: every hash and link with the store's own verifier, then, when a checkpoint
/// history is beside it, the log against the latest signed checkpoint (size and root). Opens nothing for writing.
/// </summary>
internal static class StoreVerification
{
    /// <summary>
    /// The verdict, and what the checkpoint check found (<see langword="null"/> when the log has no checkpoint). With
    /// <paramref name="pinned"/>, a log without a signed checkpoint fails (<c>checkpoint_missing</c>): a pinned key is a
    /// demand that the log be checked against one.
    /// </summary>
    /// <param name="store">The store, opened read-only.</param>
    /// <param name="historyPath">Its checkpoint history file, or <see langword="null"/> when it has none to look for.</param>
    /// <param name="pinned">The checkpoint key every signature must verify under, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="AuditStoreException">The store cannot be read (empty, no genesis, events not contiguous).</exception>
    public static async Task<(AuditVerdict Verdict, LatestCheckpointCheck? Checkpoint)> VerifyAsync(
        IAuditStore store, string? historyPath, NoteVerifierKey? pinned, CancellationToken cancellationToken)
    {
        var verdict = await AuditStoreVerifier.VerifyAsync(store, cancellationToken).ConfigureAwait(false);
        if (!verdict.IsValid)
        {
            return (verdict, null);
        }

        LatestCheckpointCheck? check = null;
        try
        {
            if (historyPath is not null)
            {
                check = await CheckpointInspection.CheckLatestAsync(store, historyPath, pinned, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException ex)
        {
            return (Fail(verdict, AuditReasonCodes.CheckpointHistoryInvalid, ex.Message), null);
        }

        if (check is null)
        {
            var where = historyPath is null
                ? "no checkpoint history was named (give --checkpoints PREFIX for a PostgreSQL log)"
                : $"'{historyPath}' holds no signed checkpoint: it was removed or emptied, or the log was never checkpointed";
            return pinned is null
                ? (verdict, null)
                : (Fail(verdict, AuditReasonCodes.CheckpointMissing, $"--vkey was given but {where}"), null);
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
        var verified = check.SignerPinned
            ? $"; {Number(check.Number)} signed checkpoint{(check.Number == 1 ? "" : "s")} verified (every signature under the pinned key, " +
                "every consistency proof between them)"
            : string.Empty;
        return $"{chain}; checked against {Name(check)}{uncovered}{verified}";
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
