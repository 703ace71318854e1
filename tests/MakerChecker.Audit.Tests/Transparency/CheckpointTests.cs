using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class CheckpointTests
{
    private static readonly MerkleHash Root = MerkleHash.OfLeaf("root"u8);

    [Fact]
    public void The_body_is_origin_size_and_root_lines()
    {
        var checkpoint = new Checkpoint("audit.example.com/payments", 42, Root);
        Assert.Equal($"audit.example.com/payments\n42\n{Root}\n", checkpoint.ToBody());
        Assert.True(Checkpoint.TryParse(checkpoint.ToBody(), out var parsed, out var failure), failure);
        Assert.Equal(("audit.example.com/payments", 42L, Root), (parsed.Origin, parsed.Size, parsed.Root));
        Assert.Empty(parsed.Extensions);
    }

    [Fact]
    public void Extension_lines_round_trip()
    {
        var body = $"o\n1\n{Root}\nextension one\nextension two\n";
        Assert.True(Checkpoint.TryParse(body, out var parsed, out var failure), failure);
        Assert.Equal(["extension one", "extension two"], parsed.Extensions);
        Assert.Equal(body, parsed.ToBody());
    }

    [Fact]
    public void The_go_sumdb_checkpoint_shape_parses()
    {
        // The body layout of Go's sumdb tree notes ("go.sum database tree", size, root), with a made-up root.
        Assert.True(Checkpoint.TryParse("go.sum database tree\n5\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n", out var parsed, out var failure), failure);
        Assert.Equal(5, parsed.Size);
    }

    public static TheoryData<string, string> MalformedBodies() => new()
    {
        { $"o\n1\n{Root}", "newline" },
        { "o\n1\n", "lines" },
        { $"\n1\n{Root}\n", "line 1 is empty" },
        { $"o\n01\n{Root}\n", "leading zeros" },
        { $"o\n+1\n{Root}\n", "not a decimal" },
        { $"o\n-1\n{Root}\n", "not a decimal" },
        { $"o\n 1\n{Root}\n", "not a decimal" },
        { $"o\n1.0\n{Root}\n", "not a decimal" },
        { $"o\n9223372036854775808\n{Root}\n", "in range" },
        { "o\n1\nAAAA\n", "32 bytes" },
        { $"o\n1\n{NonCanonical(Root)}\n", "canonical" },
        { $"o\n1\n{Root} \n", "canonical" },
        { $"o\n1\n{Root}\n\n", "line 4 is empty" },
        { $"o\r\n1\n{Root}\n", "control character 0x0d" },
    };

    /// <summary>The same 32 bytes with a padding bit set in the last character: decoders that do not check it accept it.</summary>
    private static string NonCanonical(MerkleHash hash)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var text = hash.ToString();
        var last = Alphabet.IndexOf(text[^2], StringComparison.Ordinal);
        var mangled = text[..^2] + Alphabet[last ^ 1] + "=";
        Assert.Equal(hash.ToArray(), Convert.FromBase64String(mangled));
        return mangled;
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Malformed_bodies_are_rejected_with_the_reason(string body, string reason)
    {
        Assert.False(Checkpoint.TryParse(body, out _, out var failure));
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_checkpoint_opens_only_under_its_key()
    {
        using var signer = new Ed25519TestSigner();
        var key = NoteVerifierKey.FromEd25519("audit.example.com/payments", signer.PublicKey.Span);
        var signed = await SignedCheckpoint.SignAsync(new Checkpoint("audit.example.com/payments", 3, Root), key.Name, signer, default);

        Assert.StartsWith($"audit.example.com/payments\n3\n{Root}\n\n— audit.example.com/payments ", signed.NoteText, StringComparison.Ordinal);
        Assert.True(SignedCheckpoint.TryOpen(signed.NoteText, [key], out var opened, out var failure), failure);
        Assert.Equal(3, opened.Checkpoint.Size);
        Assert.Equal(Root, opened.Checkpoint.Root);

        using var other = new Ed25519TestSigner();
        var otherKey = NoteVerifierKey.FromEd25519("audit.example.com/payments", other.PublicKey.Span);
        Assert.False(SignedCheckpoint.TryOpen(signed.NoteText, [otherKey], out _, out failure));
        Assert.Contains("no verifiable signatures", failure, StringComparison.Ordinal);

        var resized = signed.NoteText.Replace("\n3\n", "\n4\n", StringComparison.Ordinal);
        Assert.False(SignedCheckpoint.TryOpen(resized, [key], out _, out failure));
        Assert.Contains("invalid signature", failure, StringComparison.Ordinal);
    }
}
