using System.Globalization;
using System.Text.Json;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// A full bundle's optional <c>"transparency"</c> member: the log's verifier key and its signed checkpoints, each with the
/// consistency proof from the one before. Outside the signed manifest, so audit-spec v1 verifiers ignore it; ours checks
/// that the checkpoints are signed by the bundle's key, form one consistent history, and that each one's root is the
/// Merkle root of the bundle's first <c>size</c> events (built while the events stream past, in O(log n) memory).
/// </summary>
internal sealed class BundleTransparency
{
    /// <summary>The value of the section's <c>format</c> member.</summary>
    public const string FormatV1 = "makerchecker-transparency/v1";

    private static readonly string[] SectionMembers = ["checkpoints", "format", "verifierKey"];

    private readonly List<CheckpointRecord> _records;
    private readonly CompactRange _range = new();
    private readonly MerkleHash[] _rootsAtSize;
    private int _next;

    private BundleTransparency(List<CheckpointRecord> records)
    {
        _records = records;
        _rootsAtSize = new MerkleHash[records.Count];
    }

    /// <summary>Writes <c>,"transparency":{…}</c> for <paramref name="records"/> (oldest first) signed by <paramref name="key"/>.</summary>
    public static void Write(Utf8JsonWriter writer, NoteVerifierKey key, IEnumerable<CheckpointRecord> records)
    {
        writer.WriteStartObject();
        writer.WriteString("format", FormatV1);
        writer.WriteString("verifierKey", key.ToString());
        writer.WriteStartArray("checkpoints");
        foreach (var record in records)
        {
            CheckpointHistory.WriteRecord(writer, record);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Parses and checks the section on its own: format, key (the bundle's), every signature and the consistency chain.</summary>
    public static BundleTransparency Parse(ReadOnlySpan<byte> section, ReadOnlySpan<byte> bundlePublicKey, out AuditVerdict? failure)
    {
        failure = null;
        var empty = new BundleTransparency([]);
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(section.ToArray());
        }
        catch (JsonException ex)
        {
            failure = Invalid($"it is not JSON ({ex.Message})");
            return empty;
        }

        using (json)
        {
            var root = json.RootElement;
            if (!root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).SequenceEqual(SectionMembers)
                || root.GetProperty("format").ValueKind != JsonValueKind.String
                || root.GetProperty("verifierKey").ValueKind != JsonValueKind.String
                || root.GetProperty("checkpoints").ValueKind != JsonValueKind.Array)
            {
                failure = Invalid("it is an object with exactly a string \"format\", a string \"verifierKey\" and an array \"checkpoints\"");
                return empty;
            }

            if (root.GetProperty("format").GetString() != FormatV1)
            {
                failure = Invalid($"its format is {root.GetProperty("format").GetRawText()}, want \"{FormatV1}\"");
                return empty;
            }

            if (!NoteVerifierKey.TryParse(root.GetProperty("verifierKey").GetString()!, out var key, out var keyFailure))
            {
                failure = Invalid($"its verifierKey is not a verifier key: {keyFailure}");
                return empty;
            }

            if (!key.PublicKey.Span.SequenceEqual(bundlePublicKey))
            {
                failure = Invalid($"its checkpoints are signed by {key}, not by the bundle's key");
                return empty;
            }

            var records = new List<CheckpointRecord>();
            foreach (var element in root.GetProperty("checkpoints").EnumerateArray())
            {
                var position = (records.Count + 1).ToString(CultureInfo.InvariantCulture);
                CheckpointRecord? record = null;
                string? recordFailure;
                if (element.ValueKind != JsonValueKind.Object)
                {
                    recordFailure = "it is not an object";
                }
                else
                {
                    record = CheckpointHistory.ParseRecord(element.GetRawText(), key, out recordFailure);
                    recordFailure ??= record is null ? "it is not a checkpoint record" : CheckpointHistory.LinkFailure(records, record);
                }

                if (record is null || recordFailure is not null)
                {
                    failure = Invalid($"checkpoint {position}: {recordFailure}");
                    return empty;
                }

                records.Add(record);
            }

            if (records.Count == 0)
            {
                failure = Invalid("it holds no checkpoint");
                return empty;
            }

            return new BundleTransparency(records);
        }
    }

    /// <summary>How many signed checkpoints the section holds.</summary>
    public int Count => _records.Count;

    /// <summary>Adds the next event's leaf, in bundle order, noting the root at each checkpoint's size.</summary>
    public void AddLeaf(MerkleHash leafHash)
    {
        _range.Append(leafHash);
        while (_next < _records.Count && _records[_next].Checkpoint.Checkpoint.Size == _range.Size)
        {
            _rootsAtSize[_next++] = _range.Root();
        }
    }

    /// <summary>Whether every checkpoint matches the events: null when they all do.</summary>
    public AuditVerdict? Conclude()
    {
        for (var i = 0; i < _records.Count; i++)
        {
            var checkpoint = _records[i].Checkpoint.Checkpoint;
            if (i >= _next)
            {
                return AuditVerdict.Fail(AuditReasonCodes.CheckpointMismatch,
                    $"checkpoint {checkpoint} covers {checkpoint.Size} events but the bundle holds {_range.Size}");
            }

            if (_rootsAtSize[i] != checkpoint.Root)
            {
                return AuditVerdict.Fail(AuditReasonCodes.CheckpointMismatch,
                    $"checkpoint {checkpoint} does not match the bundle's events: the Merkle root of the first {checkpoint.Size} events is {_rootsAtSize[i]}");
            }
        }

        return null;
    }

    private static AuditVerdict Invalid(string detail) =>
        AuditVerdict.Fail(AuditReasonCodes.TransparencyInvalid, $"the bundle's transparency section is invalid: {detail}");
}
