using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Signs a log's checkpoints and guards the two rules that make them worth having: never a checkpoint of an empty log,
/// and never two checkpoints that contradict each other. Before signing size n it proves, with an RFC 9162 consistency
/// proof, that the tree extends the last signed checkpoint, and records the signature durably in the history.
/// </summary>
/// <remarks>
/// Sign only sizes whose events are durable in the log (append the leaf after the event is fsync'd), so a crash can never
/// leave a signed checkpoint ahead of the log. Calls are serialised; appends to the tree must not run during one.
/// </remarks>
public sealed class CheckpointSigner : IDisposable
{
    private readonly IAuditSigner _signer;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the signer for the log named <paramref name="origin"/>.</summary>
    /// <param name="origin">The checkpoint origin line: the log's unique name.</param>
    /// <param name="signer">The Ed25519 signer; its public key must be the history's.</param>
    /// <param name="history">Where signed checkpoints are kept; its verifier key names the key.</param>
    /// <exception cref="ArgumentException">The signer's public key is not the history's key.</exception>
    public CheckpointSigner(string origin, IAuditSigner signer, CheckpointHistory history)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(history);
        if (!signer.PublicKey.Span.SequenceEqual(history.VerifierKey.PublicKey.Span))
        {
            throw new ArgumentException($"The signer's public key is not the key of the checkpoint history ({history.VerifierKey}).", nameof(signer));
        }

        Origin = origin;
        _signer = signer;
        History = history;
    }

    /// <summary>The origin line of every checkpoint.</summary>
    public string Origin { get; }

    /// <summary>The signed checkpoints so far.</summary>
    public CheckpointHistory History { get; }

    /// <summary>
    /// Signs a checkpoint of <paramref name="tree"/> at its current size, or returns the latest checkpoint when the tree
    /// has not grown since.
    /// </summary>
    /// <param name="tree">The log's tree.</param>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The checkpoint now latest in the history.</returns>
    /// <exception cref="CheckpointRefusedException">The tree is empty or does not extend the latest checkpoint.</exception>
    public async ValueTask<SignedCheckpoint> SignAsync(MerkleTree tree, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tree);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var size = tree.Size;
            if (size == 0)
            {
                throw new CheckpointRefusedException(
                    AuditReasonCodes.EmptyLog, $"Refusing to sign a checkpoint of '{Origin}' at size 0: an empty log commits to nothing.");
            }

            var root = tree.RootAt(size);
            var latest = History.Latest?.Checkpoint;
            MerkleHash[] proof = [];
            if (latest is not null)
            {
                if (!string.Equals(latest.Origin, Origin, StringComparison.Ordinal))
                {
                    throw new CheckpointRefusedException(
                        AuditReasonCodes.OriginMismatch, $"The checkpoint history belongs to '{latest.Origin}', not '{Origin}'.");
                }

                var extends = LogConsistency.Check(latest, size, size >= latest.Size ? tree.RootAt(latest.Size) : null, locate: null);
                if (!extends.Extends)
                {
                    throw new CheckpointRefusedException(
                        extends.ReasonCode!, $"Refusing to sign '{Origin}' at size {size}: {extends.Failure}. The log was rolled back or rewritten.");
                }

                if (size == latest.Size)
                {
                    return History.Latest!;
                }

                // The history checks this proof again before it records the checkpoint.
                proof = tree.ProveConsistency(latest.Size, size);
            }

            var signed = await SignedCheckpoint.SignAsync(new Checkpoint(Origin, size, root), History.VerifierKey.Name, _signer, cancellationToken)
                .ConfigureAwait(false);
            History.Append(new CheckpointRecord(signed, proof));
            return signed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Releases the signing gate. The history and the signer belong to the caller and stay open.</summary>
    public void Dispose() => _gate.Dispose();
}
