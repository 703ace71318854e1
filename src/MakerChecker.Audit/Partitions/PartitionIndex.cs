using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Partitions;

/// <summary>One line of a <see cref="PartitionIndex"/>: a chain's latest signed checkpoint when the index was signed.</summary>
/// <param name="Chain">The chain's name (<c>p0</c>, <c>p1</c>, …).</param>
/// <param name="Size">The number of events the chain's checkpoint covers.</param>
/// <param name="Root">The Merkle root of those events.</param>
public sealed record PartitionIndexEntry(string Chain, long Size, MerkleHash Root);

/// <summary>
/// The signed index of a partitioned audit log: every chain's latest checkpoint (name, size, root), as a C2SP signed note
/// under the deployment's checkpoint key. An inspector who holds the index verifies every chain against it, and so
/// detects a chain that is missing, extra, truncated or rewritten. The format is in docs/audit-format.md section 10.
/// </summary>
public sealed class PartitionIndex
{
    /// <summary>The first line of every index body.</summary>
    public const string Format = "makerchecker-partition-index/v1";

    private PartitionIndex(string origin, IReadOnlyList<PartitionIndexEntry> chains, string noteText)
    {
        Origin = origin;
        Chains = chains;
        NoteText = noteText;
    }

    /// <summary>The deployment's origin: the index key's name, and the stem of every chain's origin.</summary>
    public string Origin { get; }

    /// <summary>The chains, in ordinal order of their names.</summary>
    public IReadOnlyList<PartitionIndexEntry> Chains { get; }

    /// <summary>The whole signed note. Publish or keep this exact text.</summary>
    public string NoteText { get; }

    /// <summary>The checkpoint origin (and key name) of chain <paramref name="chain"/> in the deployment <paramref name="origin"/>.</summary>
    /// <param name="origin">The deployment's origin.</param>
    /// <param name="chain">The chain's name.</param>
    /// <returns><c>origin/chain</c>.</returns>
    public static string ChainOrigin(string origin, string chain) => origin + "/" + chain;

    /// <summary>
    /// The verifier key of one chain's checkpoints: the same Ed25519 public key as the index's, named after the chain's origin.
    /// </summary>
    /// <param name="indexKey">The index's verifier key (named after the deployment's origin).</param>
    /// <param name="chain">The chain's name.</param>
    /// <returns>The chain's verifier key.</returns>
    public static NoteVerifierKey ChainVerifierKey(NoteVerifierKey indexKey, string chain)
    {
        ArgumentNullException.ThrowIfNull(indexKey);
        return NoteVerifierKey.FromEd25519(ChainOrigin(indexKey.Name, chain), indexKey.PublicKey.Span);
    }

    /// <summary>Opens an index: verifies the note under <paramref name="verifierKey"/> and parses its body strictly.</summary>
    /// <param name="noteText">The whole signed note.</param>
    /// <param name="verifierKey">The deployment's checkpoint key; its name must be the index's origin.</param>
    /// <param name="index">The index, when valid.</param>
    /// <param name="failure">What failed, otherwise.</param>
    /// <returns>Whether the index is valid.</returns>
    public static bool TryOpen(string noteText, NoteVerifierKey verifierKey, [NotNullWhen(true)] out PartitionIndex? index,
        [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        ArgumentNullException.ThrowIfNull(verifierKey);
        index = null;
        if (!SignedNote.TryOpen(noteText, [verifierKey], out var note, out var noteFailure))
        {
            failure = $"index note: {noteFailure}";
            return false;
        }

        if (!TryParseBody(note.Text, out var origin, out var chains, out failure))
        {
            return false;
        }

        if (!string.Equals(origin, verifierKey.Name, StringComparison.Ordinal))
        {
            failure = $"index origin '{origin}' is not the key's name '{verifierKey.Name}'";
            return false;
        }

        index = new PartitionIndex(origin, chains, noteText);
        return true;
    }

    /// <summary>Whether <paramref name="name"/> may name a chain: 1 to 63 of <c>a-z 0-9 _ -</c>, starting with a letter or digit.</summary>
    internal static bool IsValidChainName(string name) =>
        name.Length is >= 1 and <= 63 && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');

    /// <summary>Signs an index of <paramref name="chains"/> under the key named <paramref name="origin"/>.</summary>
    internal static async ValueTask<PartitionIndex> SignAsync(string origin, IEnumerable<PartitionIndexEntry> chains, IAuditSigner signer,
        CancellationToken cancellationToken)
    {
        var sorted = chains.OrderBy(c => c.Chain, StringComparer.Ordinal).ToArray();
        var note = await SignedNote.SignAsync(ToBody(origin, sorted), origin, signer, cancellationToken).ConfigureAwait(false);
        return new PartitionIndex(origin, sorted, note);
    }

    private static string ToBody(string origin, PartitionIndexEntry[] chains)
    {
        var body = new StringBuilder().Append(Format).Append('\n').Append(origin).Append('\n')
            .Append(chains.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var c in chains)
        {
            body.Append(c.Chain).Append(' ').Append(c.Size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(c.Root.ToString()).Append('\n');
        }

        return body.ToString();
    }

    /// <summary>Parses the body: the format line, the origin, the count, then one <c>chain size root</c> line per chain in ordinal order.</summary>
    private static bool TryParseBody(string body, [NotNullWhen(true)] out string? origin, [NotNullWhen(true)] out PartitionIndexEntry[]? chains,
        [NotNullWhen(false)] out string? failure)
    {
        origin = null;
        chains = null;
        var lines = body.EndsWith('\n') ? body[..^1].Split('\n') : null;
        if (lines is null || lines.Length < 3 || lines[0] != Format)
        {
            failure = $"index body does not start with the line '{Format}', an origin and a count, each ending in a newline";
            return false;
        }

        if (!IsNumber(lines[2], out var count) || count < 1 || count != lines.Length - 3)
        {
            failure = $"index count '{lines[2]}' is not the number of chain lines that follow ({lines.Length - 3}, at least 1)";
            return false;
        }

        var entries = new PartitionIndexEntry[count];
        for (var i = 0; i < count; i++)
        {
            var line = lines[i + 3];
            var parts = line.Split(' ');
            if (parts.Length != 3 || !IsValidChainName(parts[0]) || !IsNumber(parts[1], out var size) || size < 1
                || !MerkleHash.TryParseBase64(parts[2], out var root))
            {
                failure = $"index line {i + 4} '{line}' is not 'CHAIN SIZE ROOT' (a chain name, a size of at least 1, a base64 SHA-256 root)";
                return false;
            }

            if (i > 0 && string.CompareOrdinal(entries[i - 1].Chain, parts[0]) >= 0)
            {
                failure = $"index line {i + 4}: chain '{parts[0]}' is not after '{entries[i - 1].Chain}' (names are unique and in ordinal order)";
                return false;
            }

            entries[i] = new PartitionIndexEntry(parts[0], size, root);
        }

        if (lines[1].Length == 0)
        {
            failure = "index origin is empty";
            return false;
        }

        origin = lines[1];
        chains = entries;
        failure = null;
        return true;
    }

    private static bool IsNumber(string text, out long value)
    {
        value = 0;
        return text.Length > 0 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
