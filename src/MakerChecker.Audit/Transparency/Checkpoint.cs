using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// A C2SP <c>tlog-checkpoint</c> v1 body: the log's origin, its size and its Merkle root, each on its own line,
/// optionally followed by extension lines. Signed as a <see cref="SignedNote"/>, it commits the log to that history.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Creates a checkpoint.</summary>
    /// <param name="origin">The log's unique name, conventionally a schema-less URL (for example <c>audit.example.com/payments</c>).</param>
    /// <param name="size">The number of leaves (events).</param>
    /// <param name="root">The Merkle root of those leaves.</param>
    /// <param name="extensions">Optional extension lines, each non-empty; none for MakerChecker's own checkpoints.</param>
    /// <exception cref="ArgumentException">A line is empty or contains a newline or other control character.</exception>
    public Checkpoint(string origin, long size, MerkleHash root, IReadOnlyList<string>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (LineFailure(origin) is { } originFailure)
        {
            throw new ArgumentException($"The origin {originFailure}.", nameof(origin));
        }

        extensions ??= [];
        foreach (var line in extensions)
        {
            if (LineFailure(line) is { } lineFailure)
            {
                throw new ArgumentException($"An extension line {lineFailure}.", nameof(extensions));
            }
        }

        Origin = origin;
        Size = size;
        Root = root;
        Extensions = [.. extensions];
    }

    /// <summary>The log's origin line.</summary>
    public string Origin { get; }

    /// <summary>The tree size: the number of events the checkpoint covers.</summary>
    public long Size { get; }

    /// <summary>The Merkle root of the first <see cref="Size"/> events.</summary>
    public MerkleHash Root { get; }

    /// <summary>Extension lines after the root, in order.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note text: <c>origin\nsize\nroot\n</c> then each extension line and a newline.</summary>
    /// <returns>The body to sign.</returns>
    public string ToBody()
    {
        var body = new StringBuilder();
        body.Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Root.ToString()).Append('\n');
        foreach (var line in Extensions)
        {
            body.Append(line).Append('\n');
        }

        return body.ToString();
    }

    /// <summary>
    /// Parses a checkpoint body strictly: three or more lines each ending in a newline; a decimal size with no sign or leading zero;
    /// a root in canonical standard base64 of 32 bytes.
    /// </summary>
    /// <param name="body">The note text.</param>
    /// <param name="checkpoint">The checkpoint, when the body is well-formed.</param>
    /// <param name="failure">What is wrong with it, otherwise.</param>
    /// <returns>Whether the body is a checkpoint.</returns>
    public static bool TryParse(string body, [NotNullWhen(true)] out Checkpoint? checkpoint, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(body);
        checkpoint = null;
        if (body.Length == 0 || body[^1] != '\n')
        {
            failure = "checkpoint body does not end in a newline";
            return false;
        }

        var lines = body[..^1].Split('\n');
        if (lines.Length < 3)
        {
            failure = $"checkpoint body has {lines.Length} lines, want origin, size and root";
            return false;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (LineFailure(lines[i]) is { } lineFailure)
            {
                failure = $"checkpoint line {i + 1} {lineFailure}";
                return false;
            }
        }

        var sizeText = lines[1];
        if (!sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            failure = $"checkpoint size '{sizeText}' is not a decimal number without leading zeros in range";
            return false;
        }

        if (!MerkleHash.TryParseBase64(lines[2], out var root))
        {
            failure = $"checkpoint root '{lines[2]}' is not canonical base64 of 32 bytes";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], size, root, lines[3..]);
        failure = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Origin} size {Size.ToString(CultureInfo.InvariantCulture)} root {Root}";

    private static string? LineFailure(string line)
    {
        if (line.Length == 0)
        {
            return "is empty";
        }

        foreach (var c in line)
        {
            if (char.IsControl(c))
            {
                return $"contains control character 0x{(int)c:x2}";
            }
        }

        return null;
    }
}
