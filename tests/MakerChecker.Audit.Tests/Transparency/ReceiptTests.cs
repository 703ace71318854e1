using System.Text;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class ReceiptTests : IDisposable
{
    private const string Origin = "audit.example.com/payments";

    private readonly Ed25519TestSigner _signer = new();
    private readonly NoteVerifierKey _key;
    private readonly byte[][] _events;
    private readonly MerkleTree _tree;

    public ReceiptTests()
    {
        _key = NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span);
        // Canonical JSON, including non-ASCII text, which the receipt must carry byte for byte.
        _events = [.. Enumerable.Range(0, 23).Select(i => Encoding.UTF8.GetBytes(
            $"{{\"actor\":{{\"id\":\"user-{i}\",\"kind\":\"human\"}},\"eventType\":\"approval.decided\",\"payload\":{{\"note\":\"Zoë \u2014 ok <&> \\\"{i}\\\"\"}}}}"))];
        _tree = MerkleTreePropertyTests.Build(_events);
    }

    public void Dispose() => _signer.Dispose();

    [Fact]
    public async Task Every_receipt_verifies_offline_from_its_file_alone()
    {
        var checkpoint = await Sign();
        for (var i = 0; i < _events.Length; i++)
        {
            var file = Receipt.Create(_tree, i, _events[i], checkpoint).ToJson();
            Assert.True(Receipt.TryParse(file, out var receipt, out var failure), failure);
            Assert.Equal(_events[i], Encoding.UTF8.GetBytes(receipt.EventJson));
            Assert.Equal(i, receipt.LeafIndex);
            var result = receipt.Verify([_key], Origin);
            Assert.True(result.IsValid, result.Failure);
        }
    }

    [Fact]
    public async Task Flipping_any_bit_of_a_receipt_file_makes_it_fail()
    {
        var checkpoint = await Sign();
        foreach (var index in new[] { 0, 13, 22 })
        {
            var original = Receipt.Create(_tree, index, _events[index], checkpoint);
            var file = original.ToJson();
            for (var bit = 0; bit < file.Length * 8; bit++)
            {
                var tampered = (byte[])file.Clone();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                var accepted = Receipt.TryParse(tampered, out var receipt, out _) && receipt.Verify([_key], Origin).IsValid;
                // JSON can spell one value two ways (\u00EB and \u00eb); such a flip changes the file, not the receipt.
                Assert.False(accepted && !SameContent(receipt!, original), $"receipt {index} with bit {bit} (byte {bit / 8}, '{(char)file[bit / 8]}') flipped still verifies");
            }
        }
    }

    [Fact]
    public async Task A_receipt_fails_under_another_key_origin_index_or_event()
    {
        var checkpoint = await Sign();
        var receipt = Receipt.Create(_tree, 5, _events[5], checkpoint);

        using var other = new Ed25519TestSigner();
        Assert.Contains("no verifiable signatures", receipt.Verify([NoteVerifierKey.FromEd25519(Origin, other.PublicKey.Span)]).Failure, StringComparison.Ordinal);
        Assert.Equal("receipt checkpoint is for log 'audit.example.com/payments', not 'audit.example.com/other'", receipt.Verify([_key], "audit.example.com/other").Failure);

        var json = Encoding.UTF8.GetString(receipt.ToJson());
        Assert.True(Receipt.TryParse(Encoding.UTF8.GetBytes(json.Replace("\"leafIndex\": 5", "\"leafIndex\": 6", StringComparison.Ordinal)), out var moved, out _));
        Assert.Contains("is not in checkpoint", moved.Verify([_key]).Failure, StringComparison.Ordinal);

        Assert.True(Receipt.TryParse(Encoding.UTF8.GetBytes(json.Replace("user-5", "user-6", StringComparison.Ordinal)), out var altered, out _));
        Assert.Contains("gives root", altered.Verify([_key]).Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_whose_event_or_checkpoint_holds_a_lone_surrogate_is_malformed_not_an_exception()
    {
        // Found by the verifier page's fuzzing: a changed byte left "\uDE42" alone in the event string, and reading it threw
        // InvalidOperationException out of TryParse (a stack trace from `makerchecker audit verify-receipt`).
        var checkpoint = await Sign();
        var json = Encoding.UTF8.GetString(Receipt.Create(_tree, 5, _events[5], checkpoint).ToJson());
        foreach (var member in (string[])["event", "checkpoint"])
        {
            var at = json.IndexOf($"\"{member}\": \"", StringComparison.Ordinal) + member.Length + 5;
            var broken = Encoding.UTF8.GetBytes(json[..at] + "\\uDE42" + json[at..]);

            Assert.False(Receipt.TryParse(broken, out _, out var failure));
            Assert.Equal($"receipt '{member}' holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF alone), which is not text", failure);
        }
    }

    [Fact]
    public async Task The_receipt_file_keeps_non_ascii_text_readable()
    {
        var checkpoint = await Sign();
        var file = Encoding.UTF8.GetString(Receipt.Create(_tree, 1, _events[1], checkpoint).ToJson());
        Assert.Contains("Zoë —", file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_receipt_file_escapes_relaxed_and_still_verifies()
    {
        var checkpoint = await Sign();
        var bytes = Receipt.Create(_tree, 1, _events[1], checkpoint).ToJson();
        var file = Encoding.UTF8.GetString(bytes);

        // The event string reads as its canonical JSON: \" for a quote, and +, <, &, > as they are.
        Assert.Contains(@"{\""actor\"":{\""id\"":\""user-1\""", file, StringComparison.Ordinal);
        Assert.Contains(@"Zoë — ok <&> \\\""1\\\""", file, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\u00", file, StringComparison.Ordinal);
        Assert.True(Receipt.TryParse(bytes, out var parsed, out var failure), failure);
        Assert.Equal(_events[1], Encoding.UTF8.GetBytes(parsed.EventJson));
        Assert.True(parsed.Verify([_key], Origin).IsValid);
    }

    public static TheoryData<string, string> MalformedReceipts() => new()
    {
        { "[]", "not a JSON object" },
        { "{\"format\":\"makerchecker-receipt/v1\"}", "want exactly" },
        { "{\"format\":\"makerchecker-receipt/v2\",\"event\":\"{}\",\"leafIndex\":0,\"inclusionProof\":[],\"checkpoint\":\"\"}", "want \"makerchecker-receipt/v1\"" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":0,\"inclusionProof\":[],\"checkpoint\":\"\",\"extra\":1}", "want exactly" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"event\":\"{}\",\"leafIndex\":0,\"inclusionProof\":[],\"checkpoint\":\"\"}", "want exactly" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":{},\"leafIndex\":0,\"inclusionProof\":[],\"checkpoint\":\"\"}", "must be strings" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":-1,\"inclusionProof\":[],\"checkpoint\":\"\"}", "non-negative integer" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":1.0,\"inclusionProof\":[],\"checkpoint\":\"\"}", "non-negative integer" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":1e0,\"inclusionProof\":[],\"checkpoint\":\"\"}", "non-negative integer" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":0,\"inclusionProof\":[\"AAAA\"],\"checkpoint\":\"\"}", "hash 0" },
        { "{\"format\":\"makerchecker-receipt/v1\",\"event\":\"{}\",\"leafIndex\":0,\"inclusionProof\":{},\"checkpoint\":\"\"}", "not an array" },
        { "{\"format\":\"makerchecker-receipt/v1\",", "not JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedReceipts))]
    public void Malformed_receipts_are_rejected_with_the_reason(string json, string reason)
    {
        Assert.False(Receipt.TryParse(Encoding.UTF8.GetBytes(json), out _, out var failure));
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_receipt_checks_the_event_and_the_checkpoint()
    {
        var checkpoint = await Sign(size: 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => Receipt.Create(_tree, 10, _events[10], checkpoint));
        Assert.Throws<ArgumentException>(() => Receipt.Create(_tree, 3, _events[4], checkpoint));
        var otherTree = MerkleTreePropertyTests.Build(_events[1..]);
        Assert.Throws<ArgumentException>(() => Receipt.Create(otherTree, 3, _events[4], checkpoint));
    }

    private static bool SameContent(Receipt a, Receipt b) =>
        a.EventJson == b.EventJson && a.LeafIndex == b.LeafIndex && a.InclusionProof.SequenceEqual(b.InclusionProof) && a.CheckpointNote == b.CheckpointNote;

    private async Task<SignedCheckpoint> Sign(int? size = null)
    {
        using var signer = new CheckpointSigner(Origin, _signer, CheckpointHistory.InMemory(_key));
        return await signer.SignAsync(size is { } n ? MerkleTreePropertyTests.Build(_events[..n]) : _tree);
    }
}
