using System.Text;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// Golden cases from the C2SP signed-note examples as published in Go's golang.org/x/mod/sumdb/note tests
/// (note_test.go: TestNewVerifier, TestSign, TestOpen). The PeterNeumann signature was also recomputed independently
/// with Python's cryptography package from the published private key, and matched.
/// </summary>
public sealed class SignedNoteTests
{
    internal const string PeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    internal const string PeterSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string EnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    private static readonly NoteVerifierKey Peter = NoteVerifierKey.Parse(PeterVkey);
    private static readonly NoteVerifierKey Enoch = NoteVerifierKey.Parse(EnochVkey);

    [Fact]
    public void Verifier_key_round_trips_and_its_key_id_is_the_spec_computation()
    {
        Assert.Equal("PeterNeumann", Peter.Name);
        Assert.Equal(0xc74f20a3u, Peter.KeyId);
        Assert.Equal(PeterVkey, Peter.ToString());

        // Key id = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), computed here without the library.
        var input = Encoding.UTF8.GetBytes("PeterNeumann\n").Concat(new byte[] { 0x01 }).Concat(Peter.PublicKey.ToArray()).ToArray();
        Assert.Equal("c74f20a3", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(input).AsSpan(0, 4)));
        Assert.Equal(PeterVkey, NoteVerifierKey.FromEd25519("PeterNeumann", Peter.PublicKey.Span).ToString());
    }

    [Fact]
    public void Every_mangling_of_the_verifier_key_is_rejected()
    {
        // As Go's TestNewVerifier: every proper substring and every single-byte increment must fail.
        for (var i = 0; i <= PeterVkey.Length; i++)
        {
            for (var j = i + 1; j <= PeterVkey.Length; j++)
            {
                if (i != 0 || j != PeterVkey.Length)
                {
                    Assert.False(NoteVerifierKey.TryParse(PeterVkey[i..j], out _, out _), PeterVkey[i..j]);
                }
            }
        }

        for (var i = 0; i < PeterVkey.Length; i++)
        {
            var mangled = PeterVkey[..i] + (char)(PeterVkey[i] + 1) + PeterVkey[(i + 1)..];
            Assert.False(NoteVerifierKey.TryParse(mangled, out _, out _), mangled);
        }

        // Go rejects this one for its length; its base64 also has non-zero padding bits, which we reject first.
        Assert.False(NoteVerifierKey.TryParse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", out _, out var wrongLength));
        Assert.Equal("the key is not base64", wrongLength);
        // A 33-byte key with its key id recomputed (Python hashlib) reaches the length check.
        Assert.False(NoteVerifierKey.TryParse("PeterNeumann+5bdbe860+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", out _, out wrongLength));
        Assert.Contains("33 bytes", wrongLength, StringComparison.Ordinal);
        Assert.False(NoteVerifierKey.TryParse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out var unknownType));
        Assert.Contains("not Ed25519", unknownType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_the_spec_text_with_the_spec_key_gives_the_published_note()
    {
        using var signer = SignerFromSkey(PeterSkey, out var name);
        var note = await SignedNote.SignAsync(Text, name, signer);
        Assert.Equal(Text + "\n" + PeterSig, note);
    }

    [Fact]
    public void Opening_the_published_note_verifies_one_key_and_ignores_the_other()
    {
        Assert.True(SignedNote.TryOpen(Text + "\n" + PeterSig + EnochSig, [Peter], out var note, out var failure), failure);
        Assert.Equal(Text, note.Text);
        Assert.Equal([new NoteSignature("PeterNeumann", 0xc74f20a3, PeterSig[15..^1])], note.Signatures);
        Assert.Equal([new NoteSignature("EnochRoot", 0xaf0cfe78, EnochSig[12..^1])], note.UnverifiedSignatures);

        Assert.True(SignedNote.TryOpen(Text + "\n" + PeterSig + EnochSig, [Peter, Enoch], out note, out failure), failure);
        Assert.Equal(2, note.Signatures.Count);
        Assert.Empty(note.UnverifiedSignatures);
    }

    [Fact]
    public void A_note_signed_only_by_unknown_keys_fails_as_unsigned()
    {
        Assert.False(SignedNote.TryOpen(Text + "\n" + PeterSig + EnochSig, [], out _, out var failure));
        Assert.Contains("no verifiable signatures", failure, StringComparison.Ordinal);
        Assert.False(SignedNote.TryOpen(Text + "\n" + EnochSig, [Peter], out _, out failure));
        Assert.Contains("EnochRoot+af0cfe78", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_100_signatures_is_malformed_even_when_all_are_valid()
    {
        Assert.True(SignedNote.TryOpen(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 100)), [Peter], out var note, out _));
        Assert.Single(note.Signatures); // repeats by one key count once
        Assert.False(SignedNote.TryOpen(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 101)), [Peter], out _, out var failure));
        Assert.Contains("more than 100", failure, StringComparison.Ordinal);
        Assert.False(SignedNote.TryOpen(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 101)), [], out _, out _));
    }

    [Fact]
    public void A_changed_signature_is_an_invalid_signature_not_an_unknown_one()
    {
        Assert.False(SignedNote.TryOpen(Text + "\n" + PeterSig[..60] + "ABCD" + PeterSig[60..], [Peter], out _, out var failure));
        Assert.Equal("invalid signature for key PeterNeumann+c74f20a3", failure);
        Assert.False(SignedNote.TryOpen(Text.Replace("problem,", "problem;", StringComparison.Ordinal) + "\n" + PeterSig, [Peter], out _, out failure));
        Assert.Equal("invalid signature for key PeterNeumann+c74f20a3", failure);
    }

    public static TheoryData<string, string> MalformedNotes() => new()
    {
        { Text, "no blank line" },
        { Text + "\n", "signature block is empty" },
        { Text + "\n" + PeterSig[..^1], "does not end in a newline" },
        { "\u0001" + Text + "\n" + PeterSig, "control character 0x01" },
        { Text.Replace("\n", "\r\n", StringComparison.Ordinal) + "\n" + PeterSig, "carriage return" },
        { Text + "\r\n" + PeterSig, "carriage return" },
        { Text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "not base64" },
        { Text + "\n" + PeterSig + "Unexpected line.\n", "does not start with an em dash" },
        { Text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "em dash" },
        { Text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n", "not base64" },
        { Text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ryy BwJnAM=\n", "not base64" },
        { Text + "\n" + "— PeterNeumann x08go/Z!kuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "not base64" },
        { Text + "\n" + "— PeterNeumann x08g\n", "not base64" },
        { Text + "\n" + "— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "key name" },
        { Text + "\n" + "— PeterNeumann\n", "not base64" },
    };

    [Theory]
    [MemberData(nameof(MalformedNotes))]
    public void Malformed_notes_are_rejected_with_the_reason(string message, string reason)
    {
        Assert.False(SignedNote.TryOpen(message, [Peter], out _, out var failure));
        Assert.Contains("malformed note", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_and_lone_surrogates_are_malformed()
    {
        var bytes = Encoding.UTF8.GetBytes(Text + "\n" + PeterSig);
        Assert.False(SignedNote.TryOpen([0xff, .. bytes], [Peter], out _, out var failure));
        Assert.Contains("invalid UTF-8 at byte 0", failure, StringComparison.Ordinal);
        Assert.False(SignedNote.TryOpen("\ud800" + Text + "\n" + PeterSig, [Peter], out _, out failure));
        Assert.Contains("well-formed", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_refuses_text_that_could_not_be_opened()
    {
        using var signer = new Ed25519TestSigner();
        await Assert.ThrowsAsync<ArgumentException>(async () => await SignedNote.SignAsync("no newline", "k", signer));
        await Assert.ThrowsAsync<ArgumentException>(async () => await SignedNote.SignAsync("cr\r\n", "k", signer));
        await Assert.ThrowsAsync<ArgumentException>(async () => await SignedNote.SignAsync("text\n", "bad name", signer));
        await Assert.ThrowsAsync<ArgumentException>(async () => await SignedNote.SignAsync("text\n", "a+b", signer));
    }

    [Fact]
    public async Task A_signer_whose_signature_does_not_verify_is_refused()
    {
        using var signer = new Ed25519TestSigner();
        var liar = new LyingSigner(signer);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await SignedNote.SignAsync("text\n", "k", liar));
        Assert.Contains("does not verify", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Builds a signer from Go's private key text <c>PRIVATE+KEY+name+hex(id)+base64(0x01 ‖ seed)</c>.</summary>
    internal static Ed25519TestSigner SignerFromSkey(string skey, out string name)
    {
        var parts = skey.Split('+', 5);
        Assert.Equal(["PRIVATE", "KEY"], parts[..2]);
        name = parts[2];
        var typedSeed = Convert.FromBase64String(parts[4]);
        Assert.Equal(0x01, typedSeed[0]);
        var signer = new Ed25519TestSigner(typedSeed.AsSpan(1));
        Assert.Equal(parts[3], NoteVerifierKey.FromEd25519(name, signer.PublicKey.Span).KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        return signer;
    }

    private sealed class LyingSigner(Ed25519TestSigner inner) : MakerChecker.Audit.Signing.IAuditSigner
    {
        public ReadOnlyMemory<byte> PublicKey => inner.PublicKey;

        public async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            var signature = await inner.SignAsync(data, cancellationToken);
            signature[0] ^= 1;
            return signature;
        }
    }
}
