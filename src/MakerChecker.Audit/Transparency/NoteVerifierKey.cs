using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using NSec.Cryptography;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// A C2SP signed-note verifier key: a key name and an Ed25519 public key, published in the text form
/// <c>name+hex(key id)+base64(0x01 ‖ public key)</c> (the <c>vkey</c> that Go's <c>note.NewVerifier</c> reads).
/// </summary>
public sealed class NoteVerifierKey
{
    /// <summary>The signature type byte for Ed25519 in C2SP signed-note.</summary>
    internal const byte Ed25519Type = 0x01;

    private const int PublicKeySize = 32;

    private readonly byte[] _publicKey;
    private readonly PublicKey _nsecKey;

    private NoteVerifierKey(string name, byte[] publicKey, PublicKey nsecKey)
    {
        Name = name;
        _publicKey = publicKey;
        _nsecKey = nsecKey;
        KeyId = ComputeKeyId(name, publicKey);
    }

    /// <summary>The key name, as it appears on signature lines.</summary>
    public string Name { get; }

    /// <summary>The key id: the first 4 bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).</summary>
    public uint KeyId { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>Creates the verifier key for an Ed25519 public key under <paramref name="name"/>.</summary>
    /// <param name="name">The key name: non-empty, with no whitespace and no <c>+</c>. By convention the log's origin.</param>
    /// <param name="publicKey">The raw 32-byte Ed25519 public key.</param>
    /// <returns>The verifier key.</returns>
    /// <exception cref="ArgumentException">The name or the key is malformed.</exception>
    public static NoteVerifierKey FromEd25519(string name, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidKeyName(name))
        {
            throw new ArgumentException($"Key name '{name}' is not valid: it must be non-empty, with no whitespace and no '+'.", nameof(name));
        }

        if (publicKey.Length != PublicKeySize)
        {
            throw new ArgumentException($"An Ed25519 public key is {PublicKeySize} bytes, not {publicKey.Length}.", nameof(publicKey));
        }

        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var nsecKey) || nsecKey is null)
        {
            throw new ArgumentException("The bytes are not an Ed25519 public key.", nameof(publicKey));
        }

        return new NoteVerifierKey(name, publicKey.ToArray(), nsecKey);
    }

    /// <summary>Parses the text form <c>name+hex(key id)+base64(0x01 ‖ public key)</c>.</summary>
    /// <param name="text">The verifier key text.</param>
    /// <param name="key">The key, when the text is well-formed and its key id matches.</param>
    /// <param name="failure">Why the text is not a verifier key, otherwise.</param>
    /// <returns>Whether the text was a valid Ed25519 verifier key.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out NoteVerifierKey? key, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(text);
        key = null;
        var first = text.IndexOf('+', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf('+', first + 1);
        if (second < 0)
        {
            failure = "a verifier key has three parts, name+keyid+key";
            return false;
        }

        var name = text[..first];
        var idText = text[(first + 1)..second];
        var keyText = text[(second + 1)..];
        if (!IsValidKeyName(name))
        {
            failure = $"key name '{name}' is not valid";
            return false;
        }

        if (idText.Length != 8 || !uint.TryParse(idText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        {
            failure = $"key id '{idText}' is not 8 hex digits";
            return false;
        }

        if (!TryDecodeBase64(keyText, out var typedKey) || typedKey.Length == 0)
        {
            failure = "the key is not base64";
            return false;
        }

        // The key id covers the type byte too, so it is checked before the type is interpreted, as Go's note does.
        if (ComputeKeyId(name, typedKey.AsSpan(1), typedKey[0]) != keyId)
        {
            failure = $"key id {idText} does not match the name and key";
            return false;
        }

        if (typedKey[0] != Ed25519Type)
        {
            failure = $"signature type 0x{typedKey[0]:x2} is not Ed25519 (0x01)";
            return false;
        }

        if (typedKey.Length != 1 + PublicKeySize
            || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, typedKey.AsSpan(1), KeyBlobFormat.RawPublicKey, out var nsecKey)
            || nsecKey is null)
        {
            failure = $"the Ed25519 key is {typedKey.Length - 1} bytes or not a valid point, want {PublicKeySize}";
            return false;
        }

        key = new NoteVerifierKey(name, typedKey[1..], nsecKey);
        failure = null;
        return true;
    }

    /// <summary>Parses the text form <c>name+hex(key id)+base64(0x01 ‖ public key)</c>.</summary>
    /// <param name="text">The verifier key text.</param>
    /// <returns>The key.</returns>
    /// <exception cref="FormatException">The text is not a valid verifier key.</exception>
    public static NoteVerifierKey Parse(string text) =>
        TryParse(text, out var key, out var failure) ? key : throw new FormatException($"Not a signed-note verifier key: {failure}.");

    /// <summary>The text form, <c>name+hex(key id)+base64(0x01 ‖ public key)</c>.</summary>
    /// <returns>The verifier key text.</returns>
    public override string ToString()
    {
        var typed = new byte[1 + PublicKeySize];
        typed[0] = Ed25519Type;
        _publicKey.CopyTo(typed, 1);
        return $"{Name}+{KeyId:x8}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>Whether <paramref name="signature"/> is this key's Ed25519 signature of <paramref name="message"/>.</summary>
    internal bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureAlgorithm.Ed25519.SignatureSize && SignatureAlgorithm.Ed25519.Verify(_nsecKey, message, signature);

    /// <summary>SHA-256(name ‖ 0x0A ‖ type ‖ key)[0..4], big-endian.</summary>
    internal static uint ComputeKeyId(string name, ReadOnlySpan<byte> publicKey, byte type = Ed25519Type)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>A key name is non-empty, well-formed Unicode, and has no whitespace and no '+' (the vkey separator).</summary>
    internal static bool IsValidKeyName(string name)
    {
        if (name.Length == 0 || name.Contains('+', StringComparison.Ordinal))
        {
            return false;
        }

        // A lone surrogate has no UTF-8 form, so it could never appear on a signature line.
        var utf8 = new byte[name.Length * 3];
        if (Utf8.FromUtf16(name, utf8, out _, out _, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            return false;
        }

        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Strict standard base64: only the 64 characters and padding, length a multiple of 4, no whitespace, and canonical
    /// (zero padding bits), so that no two texts decode to the same bytes and a changed character is always a change.
    /// </summary>
    internal static bool TryDecodeBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text.Length == 0 || text.Length % 4 != 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/' && c != '=')
            {
                return false;
            }
        }

        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            return false;
        }

        bytes = buffer[..written];
        return string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal);
    }
}
