using System.Text;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// A checkpoint and a receipt computed by an independent implementation (make_golden.py beside this file: Python's
/// hashlib and cryptography packages, RFC 6962 written out literally), signed with the public test key from Go's note
/// tests. Our output must be byte-identical, and we must accept theirs.
/// </summary>
public sealed class IndependentGoldenTests
{
    private const string Origin = "audit.example.com/payments";

    private const string Note =
        "audit.example.com/payments\n3\nNZ9fihHATpKJoarQWELKKspOK95279g7hxWHTWiZGjM=\n\n" +
        "— PeterNeumann x08go5aT/cR48aHVYuVs7DlZQj7qYIs/dpjMJ3Xk+v8oD2aJQFzxsaR68li38kBcLDz6ivNzFtmHFZIIq/RvoX2HowY=\n";

    private const string PythonReceipt =
        "{\"format\": \"makerchecker-receipt/v1\", \"event\": \"{\\\"actor\\\":{\\\"id\\\":\\\"zoë\\\",\\\"kind\\\":\\\"human\\\"},\\\"eventType\\\":\\\"approval.decided\\\",\\\"id\\\":\\\"e2\\\",\\\"payload\\\":{\\\"decision\\\":\\\"approved\\\"}}\", " +
        "\"leafIndex\": 1, \"inclusionProof\": [\"FmnZjBHFOGySsNe8i6Y4U7+SU4IWtllIxWRbkfgX/wI=\", \"JUH3GAki0jcR2FkGRwjhTAJLolItP+peoKrLDfaXEVE=\"], " +
        "\"checkpoint\": \"audit.example.com/payments\\n3\\nNZ9fihHATpKJoarQWELKKspOK95279g7hxWHTWiZGjM=\\n\\n— PeterNeumann x08go5aT/cR48aHVYuVs7DlZQj7qYIs/dpjMJ3Xk+v8oD2aJQFzxsaR68li38kBcLDz6ivNzFtmHFZIIq/RvoX2HowY=\\n\"}";

    private static readonly string[] Events =
    [
        "{\"actor\":{\"id\":\"agent-7\",\"kind\":\"agent\"},\"eventType\":\"approval.requested\",\"id\":\"e1\",\"payload\":{\"amount\":120}}",
        "{\"actor\":{\"id\":\"zoë\",\"kind\":\"human\"},\"eventType\":\"approval.decided\",\"id\":\"e2\",\"payload\":{\"decision\":\"approved\"}}",
        "{\"actor\":{\"id\":\"svc\",\"kind\":\"service\"},\"eventType\":\"skill.ran\",\"id\":\"e3\",\"payload\":{}}",
    ];

    [Fact]
    public async Task Our_signed_checkpoint_is_byte_identical_to_the_independent_one()
    {
        using var signer = SignedNoteTests.SignerFromSkey(SignedNoteTests.PeterSkey, out var name);
        var key = NoteVerifierKey.FromEd25519(name, signer.PublicKey.Span);
        var tree = MerkleTreePropertyTests.Build([.. Events.Select(Encoding.UTF8.GetBytes)]);
        using var checkpoints = new CheckpointSigner(Origin, signer, CheckpointHistory.InMemory(key));

        var signed = await checkpoints.SignAsync(tree);

        Assert.Equal(Note, signed.NoteText);
    }

    [Fact]
    public async Task Our_receipt_file_is_the_independent_receipt_indented()
    {
        using var signer = SignedNoteTests.SignerFromSkey(SignedNoteTests.PeterSkey, out var name);
        var tree = MerkleTreePropertyTests.Build([.. Events.Select(Encoding.UTF8.GetBytes)]);
        using var checkpoints = new CheckpointSigner(Origin, signer, CheckpointHistory.InMemory(NoteVerifierKey.FromEd25519(name, signer.PublicKey.Span)));
        var signed = await checkpoints.SignAsync(tree);

        var ours = Encoding.UTF8.GetString(Receipt.Create(tree, 1, Encoding.UTF8.GetBytes(Events[1]), signed).ToJson());

        // Python's json.dumps(ensure_ascii=False) escapes only what JSON requires; ours differs only in indentation.
        var indented = PythonReceipt
            .Replace("{\"format\": ", "{\n  \"format\": ", StringComparison.Ordinal)
            .Replace("\", \"event\": ", "\",\n  \"event\": ", StringComparison.Ordinal)
            .Replace("\", \"leafIndex\": 1, \"inclusionProof\": [\"", "\",\n  \"leafIndex\": 1,\n  \"inclusionProof\": [\n    \"", StringComparison.Ordinal)
            .Replace("=\", \"JUH3", "=\",\n    \"JUH3", StringComparison.Ordinal)
            .Replace("\"], \"checkpoint\": ", "\"\n  ],\n  \"checkpoint\": ", StringComparison.Ordinal)
            .Replace("\\n\"}", "\\n\"\n}", StringComparison.Ordinal);
        Assert.Equal(indented + "\n", ours.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_independent_receipt_verifies_with_our_library()
    {
        Assert.True(Receipt.TryParse(Encoding.UTF8.GetBytes(PythonReceipt), out var receipt, out var failure), failure);
        var result = receipt.Verify([NoteVerifierKey.Parse(SignedNoteTests.PeterVkey)], Origin);
        Assert.True(result.IsValid, result.Failure);
        Assert.Equal(Events[1], receipt.EventJson);
    }
}
