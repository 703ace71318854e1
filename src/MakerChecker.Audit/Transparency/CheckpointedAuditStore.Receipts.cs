using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Transparency;

/// <summary>Receipts: one event, its inclusion proof and a signed checkpoint that covers it.</summary>
public sealed partial class CheckpointedAuditStore
{
    /// <summary>
    /// Creates the receipt of event <paramref name="seq"/>: its canonical JSON, leaf index, inclusion proof and the latest
    /// signed checkpoint, signing one first when none covers the event yet. It verifies offline with <see cref="Receipt.Verify"/>.
    /// </summary>
    /// <param name="seq">The event's sequence number (1 is genesis).</param>
    /// <param name="cancellationToken">Cancels reading the event or signing.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No event <paramref name="seq"/> is in the tree.</exception>
    /// <exception cref="CheckpointRefusedException">
    /// Read-only, and no signed checkpoint covers the event (<see cref="AuditReasonCodes.EventNotCheckpointed"/>).
    /// </exception>
    public async ValueTask<Receipt> CreateReceiptAsync(long seq, CancellationToken cancellationToken = default)
    {
        byte[]? leaf = null;
        await foreach (var e in _inner.ReadAsync(seq, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq == seq)
            {
                leaf = EventLeaf.Bytes(e);
            }

            break;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
            if (leaf is null || seq < 1 || seq > _tree.Size)
            {
                throw new ArgumentOutOfRangeException(nameof(seq), seq, $"Event seq {seq} is not in the log, which holds {_tree.Size} events.");
            }

            var checkpoint = _history.Latest;
            if (checkpoint is null || checkpoint.Checkpoint.Size < seq)
            {
                checkpoint = IsReadOnly
                    ? throw new CheckpointRefusedException(
                        AuditReasonCodes.EventNotCheckpointed,
                        $"No signed checkpoint covers event seq {seq} (the latest covers {checkpoint?.Checkpoint.Size ?? 0} events) " +
                        "and a read-only store never signs one. " +
                        "The log's writer signs one with CheckpointedAuditStore.CheckpointAsync " +
                        "(or 'makerchecker audit checkpoint' for a file log no application holds open).")
                    : await SignLockedAsync(cancellationToken).ConfigureAwait(false);
            }

            return CheckedReceipt(seq, leaf, checkpoint);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The receipt, checked before it is handed out: the hashes below the latest checkpoint come from the hash file, which
    /// opening checked only through the signed root (its frontier), so a damaged interior hash must refuse, not prove.
    /// </summary>
    private Receipt CheckedReceipt(long seq, byte[] leaf, SignedCheckpoint checkpoint)
    {
        Receipt receipt;
        try
        {
            receipt = Receipt.Create(_tree, seq - 1, leaf, checkpoint);
        }
        catch (ArgumentException ex)
        {
            throw new AuditStoreException(
                $"No receipt for event seq {seq}: {ex.Message} The log or its hash file was altered; run 'makerchecker audit verify' on the log.", ex);
        }

        var root = checkpoint.Checkpoint.Root;
        if (!MerkleProof.VerifyInclusion(seq - 1, checkpoint.Checkpoint.Size, MerkleHashing.LeafHash(leaf), receipt.InclusionProof, root).IsValid)
        {
            throw new AuditStoreException(
                $"No receipt for event seq {seq}: its inclusion proof, read from the hash file, does not lead to the signed root {root}. " +
                "The hash file is damaged: move it aside and reopen the log, which rebuilds it from the events.");
        }

        return receipt;
    }
}
