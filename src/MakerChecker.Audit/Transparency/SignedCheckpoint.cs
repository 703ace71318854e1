using System.Diagnostics.CodeAnalysis;
using MakerChecker.Audit.Signing;

namespace MakerChecker.Audit.Transparency;

/// <summary>A <see cref="Transparency.Checkpoint"/> together with the signed note that carries it.</summary>
public sealed class SignedCheckpoint
{
    private SignedCheckpoint(Checkpoint checkpoint, string noteText)
    {
        Checkpoint = checkpoint;
        NoteText = noteText;
    }

    /// <summary>The checkpoint the note signs.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The whole signed note: the checkpoint body, a blank line and the signature lines. Publish or store this exact text.</summary>
    public string NoteText { get; }

    /// <summary>Signs <paramref name="checkpoint"/> with <paramref name="signer"/> under <paramref name="keyName"/>.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="keyName">The key name on the signature line, as in the published verifier key.</param>
    /// <param name="signer">The Ed25519 signer.</param>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The signed checkpoint.</returns>
    /// <remarks>Signs whatever it is given. Logs sign through <see cref="CheckpointSigner"/>, which refuses empty and inconsistent checkpoints.</remarks>
    internal static async ValueTask<SignedCheckpoint> SignAsync(Checkpoint checkpoint, string keyName, IAuditSigner signer, CancellationToken cancellationToken)
    {
        var note = await SignedNote.SignAsync(checkpoint.ToBody(), keyName, signer, cancellationToken).ConfigureAwait(false);
        return new SignedCheckpoint(checkpoint, note);
    }

    /// <summary>Opens a signed checkpoint: verifies the note by one of <paramref name="verifiers"/> and parses its body strictly.</summary>
    /// <param name="noteText">The whole signed note.</param>
    /// <param name="verifiers">The keys to trust (normally the one published verifier key of the log).</param>
    /// <param name="checkpoint">The checkpoint, when the note verified and parsed.</param>
    /// <param name="failure">What failed, otherwise.</param>
    /// <returns>Whether the signed checkpoint is valid.</returns>
    public static bool TryOpen(string noteText, IReadOnlyCollection<NoteVerifierKey> verifiers, [NotNullWhen(true)] out SignedCheckpoint? checkpoint,
        [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        checkpoint = null;
        if (!SignedNote.TryOpen(noteText, verifiers, out var note, out var noteFailure))
        {
            failure = $"checkpoint note: {noteFailure}";
            return false;
        }

        if (!Checkpoint.TryParse(note.Text, out var body, out failure))
        {
            return false;
        }

        checkpoint = new SignedCheckpoint(body, noteText);
        return true;
    }

    /// <summary>
    /// Parses a signed checkpoint without checking its signatures (they are returned, unverified): for inspecting a
    /// log whose checkpoint key is not pinned. The result proves nothing about who signed it.
    /// </summary>
    internal static bool TryReadUnverified(
        string noteText,
        [NotNullWhen(true)] out SignedCheckpoint? checkpoint,
        out IReadOnlyList<NoteSignature> signatures,
        [NotNullWhen(false)] out string? failure)
    {
        checkpoint = null;
        signatures = [];
        if (!SignedNote.TryReadUnverified(noteText, out var note, out var noteFailure))
        {
            failure = $"checkpoint note: {noteFailure}";
            return false;
        }

        if (!Checkpoint.TryParse(note.Text, out var body, out failure))
        {
            return false;
        }

        signatures = note.UnverifiedSignatures;
        checkpoint = new SignedCheckpoint(body, noteText);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Checkpoint.ToString();
}
