using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using MakerChecker.Audit.Signing;

namespace MakerChecker.Audit.Transparency;

/// <summary>One signature line of a signed note: <c>— name base64(key id ‖ signature)</c>.</summary>
/// <param name="Name">The key name.</param>
/// <param name="KeyId">The key id, the first four bytes of the decoded signature.</param>
/// <param name="Base64">The base64 text of key id ‖ signature, as it appeared.</param>
public readonly record struct NoteSignature(string Name, uint KeyId, string Base64);

/// <summary>
/// A C2SP signed note (<c>c2sp.org/signed-note</c>): UTF-8 text ending in a newline, a blank line, then signature
/// lines. <see cref="TryOpen(ReadOnlySpan{byte}, IReadOnlyCollection{NoteVerifierKey}, out SignedNote?, out string?)"/>
/// follows Go's <c>golang.org/x/mod/sumdb/note.Open</c> rule for rule.
/// </summary>
public sealed class SignedNote
{
    /// <summary>More signature lines than this make a note malformed, so a hostile note cannot make us verify forever.</summary>
    public const int MaxSignatures = 100;

    private const string SignaturePrefix = "\u2014 "; // em dash, space

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures, IReadOnlyList<NoteSignature> unverified)
    {
        Text = text;
        Signatures = signatures;
        UnverifiedSignatures = unverified;
    }

    /// <summary>The signed text, ending in a newline (for a checkpoint, its body).</summary>
    public string Text { get; }

    /// <summary>The signatures that verified against a known key.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signatures by keys the caller did not supply: ignored, never trusted.</summary>
    public IReadOnlyList<NoteSignature> UnverifiedSignatures { get; }

    /// <summary>Signs <paramref name="text"/> and returns the whole note: the text, a blank line and one signature line.</summary>
    /// <param name="text">Non-empty UTF-8 text ending in a newline, with no control characters other than newline.</param>
    /// <param name="keyName">The key name, as in the verifier key.</param>
    /// <param name="signer">The Ed25519 signer.</param>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The signed note text.</returns>
    /// <exception cref="ArgumentException">The text or key name is malformed.</exception>
    /// <exception cref="InvalidOperationException">The signer returned something that is not an Ed25519 signature.</exception>
    public static async ValueTask<string> SignAsync(string text, string keyName, IAuditSigner signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(keyName);
        ArgumentNullException.ThrowIfNull(signer);
        if (TextFailure(text) is { } failure)
        {
            throw new ArgumentException($"The note text is not signable: {failure}.", nameof(text));
        }

        var key = NoteVerifierKey.FromEd25519(keyName, signer.PublicKey.Span);
        var message = StrictUtf8.GetBytes(text);
        var signature = await signer.SignAsync(message, cancellationToken).ConfigureAwait(false);
        // Checking our own signature costs one verification and means a broken HSM or a wrong key can never
        // publish a checkpoint that nobody can verify.
        if (!key.Verify(message, signature))
        {
            throw new InvalidOperationException($"The signer's signature does not verify under its own public key ({key}).");
        }

        var line = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(line, key.KeyId);
        signature.CopyTo(line, 4);
        return $"{text}\n{SignaturePrefix}{keyName} {Convert.ToBase64String(line)}\n";
    }

    /// <summary>Parses a signed note and verifies its signatures by <paramref name="verifiers"/>.</summary>
    /// <param name="message">The whole note as UTF-8 bytes.</param>
    /// <param name="verifiers">The keys to trust. Signatures by other keys are ignored.</param>
    /// <param name="note">The note, when it is well-formed and at least one known key signed it.</param>
    /// <param name="failure">Why not, otherwise.</param>
    /// <returns>Whether the note opened.</returns>
    public static bool TryOpen(ReadOnlySpan<byte> message, IReadOnlyCollection<NoteVerifierKey> verifiers, [NotNullWhen(true)] out SignedNote? note,
        [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(verifiers);
        return TryOpen(message, verifiers, requireVerified: true, out note, out failure);
    }

    /// <summary>
    /// Parses a well-formed note without checking any signature: every signature is listed in
    /// <see cref="UnverifiedSignatures"/>. For inspection when the signer's key is not pinned; never a trust decision.
    /// </summary>
    internal static bool TryReadUnverified(string message, [NotNullWhen(true)] out SignedNote? note, [NotNullWhen(false)] out string? failure)
    {
        if (StrictBytes(message) is not { } bytes)
        {
            note = null;
            failure = "malformed note: the text is not well-formed Unicode";
            return false;
        }

        return TryOpen(bytes, [], requireVerified: false, out note, out failure);
    }

    private static bool TryOpen(
        ReadOnlySpan<byte> message, IReadOnlyCollection<NoteVerifierKey> verifiers, bool requireVerified, [NotNullWhen(true)] out SignedNote? note,
        [NotNullWhen(false)] out string? failure)
    {
        note = null;

        // Valid UTF-8 with no control characters but newline (so no CR, no NUL, no tab).
        if (EncodingFailure(message) is { } encoding)
        {
            failure = $"malformed note: {encoding}";
            return false;
        }

        var all = Encoding.UTF8.GetString(message);
        // The signatures follow the last blank line; the text ends with the newline before it.
        var split = all.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            failure = "malformed note: no blank line before the signatures";
            return false;
        }

        var text = all[..(split + 1)];
        var signatureBlock = all[(split + 2)..];
        if (signatureBlock.Length == 0 || signatureBlock[^1] != '\n')
        {
            failure = "malformed note: the signature block is empty or does not end in a newline";
            return false;
        }

        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var seenVerified = new HashSet<(string, uint)>();
        var seenUnverified = new HashSet<string>(StringComparer.Ordinal);
        var lines = signatureBlock[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            failure = $"malformed note: {lines.Length} signature lines, more than {MaxSignatures}";
            return false;
        }

        var textBytes = Encoding.UTF8.GetBytes(text);
        foreach (var line in lines)
        {
            if (!TryParseSignatureLine(line, out var signature, out var keyIdAndSignature, out failure))
            {
                return false;
            }

            var key = FindKey(verifiers, signature, out failure);
            if (failure is not null)
            {
                return false;
            }

            if (key is null)
            {
                // C2SP: signatures by unknown keys are ignored. Identical repeats are listed once.
                if (seenUnverified.Add(line))
                {
                    unverified.Add(signature);
                }

                continue;
            }

            if (!seenVerified.Add((signature.Name, signature.KeyId)))
            {
                continue;
            }

            if (!key.Verify(textBytes, keyIdAndSignature.AsSpan(4)))
            {
                failure = $"invalid signature for key {signature.Name}+{signature.KeyId:x8}";
                return false;
            }

            verified.Add(signature);
        }

        if (verified.Count == 0 && requireVerified)
        {
            failure = unverified.Count == 0
                ? "note has no verifiable signatures"
                : "note has no verifiable signatures: it is signed only by unknown keys " +
                    $"({string.Join(", ", unverified.Select(s => $"{s.Name}+{s.KeyId:x8}"))})";
            return false;
        }

        note = new SignedNote(text, verified, unverified);
        failure = null;
        return true;
    }

    /// <summary>Parses a signed note given as a string. Lone surrogates, which have no UTF-8 form, make it malformed.</summary>
    /// <param name="message">The whole note.</param>
    /// <param name="verifiers">The keys to trust.</param>
    /// <param name="note">The note, when it opened.</param>
    /// <param name="failure">Why not, otherwise.</param>
    /// <returns>Whether the note opened.</returns>
    public static bool TryOpen(string message, IReadOnlyCollection<NoteVerifierKey> verifiers, [NotNullWhen(true)] out SignedNote? note,
        [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (StrictBytes(message) is not { } bytes)
        {
            note = null;
            failure = "malformed note: the text is not well-formed Unicode";
            return false;
        }

        return TryOpen(bytes, verifiers, out note, out failure);
    }

    /// <summary>Why <paramref name="text"/> cannot be a note's text, or <see langword="null"/>.</summary>
    internal static string? TextFailure(string text)
    {
        if (text.Length == 0 || text[^1] != '\n')
        {
            return "it must be non-empty and end in a newline";
        }

        return StrictBytes(text) is { } bytes ? EncodingFailure(bytes) : "it is not well-formed Unicode";
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, or <see langword="null"/> when it holds a lone surrogate.</summary>
    private static byte[]? StrictBytes(string text)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            return null;
        }
    }

    private static string? EncodingFailure(ReadOnlySpan<byte> message)
    {
        var offset = 0;
        while (offset < message.Length)
        {
            if (Rune.DecodeFromUtf8(message[offset..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return $"invalid UTF-8 at byte {offset}";
            }

            if (rune.Value < 0x20 && rune.Value != '\n')
            {
                return rune.Value == '\r' ? $"carriage return at byte {offset}" : $"control character 0x{rune.Value:x2} at byte {offset}";
            }

            offset += consumed;
        }

        return null;
    }

    private static bool TryParseSignatureLine(string line, out NoteSignature signature, [NotNullWhen(true)] out byte[]? keyIdAndSignature,
        [NotNullWhen(false)] out string? failure)
    {
        signature = default;
        keyIdAndSignature = null;
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            failure = $"malformed note: signature line '{line}' does not start with an em dash and a space";
            return false;
        }

        var rest = line[SignaturePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? rest : rest[..space];
        var base64 = space < 0 ? string.Empty : rest[(space + 1)..];
        if (!NoteVerifierKey.IsValidKeyName(name))
        {
            failure = $"malformed note: signature key name '{name}' is not valid";
            return false;
        }

        if (!NoteVerifierKey.TryDecodeBase64(base64, out keyIdAndSignature) || keyIdAndSignature.Length < 5)
        {
            failure = $"malformed note: the signature by '{name}' is not base64 of a key id and a signature";
            keyIdAndSignature = null;
            return false;
        }

        signature = new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(keyIdAndSignature), base64);
        failure = null;
        return true;
    }

    private static NoteVerifierKey? FindKey(IReadOnlyCollection<NoteVerifierKey> verifiers, NoteSignature signature, out string? failure)
    {
        NoteVerifierKey? found = null;
        foreach (var key in verifiers)
        {
            if (key.KeyId != signature.KeyId || !string.Equals(key.Name, signature.Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (found is not null && !found.PublicKey.Span.SequenceEqual(key.PublicKey.Span))
            {
                failure = $"ambiguous key {signature.Name}+{signature.KeyId:x8}: two different trusted keys share its name and id";
                return null;
            }

            found = key;
        }

        failure = null;
        return found;
    }
}
