using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// A self-contained proof that one audit event is in the log: the event's exact canonical JSON, its leaf index, its
/// inclusion proof and a signed checkpoint. Anyone holding the log's verifier key can check it offline, and it reveals
/// no other event. The file format is documented in <c>docs/checkpoints-and-receipts.md</c>:
/// <code>
/// {
///   "format": "makerchecker-receipt/v1",
///   "event": "&lt;the event's canonical JSON, as a string&gt;",
///   "leafIndex": 41,
///   "inclusionProof": ["&lt;base64 hash&gt;", …],
///   "checkpoint": "&lt;signed checkpoint note&gt;"
/// }
/// </code>
/// </summary>
public sealed class Receipt
{
    /// <summary>The value of the <c>format</c> member.</summary>
    public const string FormatV1 = "makerchecker-receipt/v1";

    private static readonly string[] Members = ["checkpoint", "event", "format", "inclusionProof", "leafIndex"];
    // Relaxed escaping: the event string reads as its canonical JSON (\" not \u0022, + not \u002B) and non-ASCII text stays
    // readable, as Python's json writes it. A receipt is a JSON file for JSON parsers, never markup, so HTML-sensitive
    // characters need no escaping; control characters and lone surrogates are still escaped, so the file is valid JSON.
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Receipt(string eventJson, long leafIndex, IReadOnlyList<MerkleHash> inclusionProof, string checkpointNote)
    {
        EventJson = eventJson;
        LeafIndex = leafIndex;
        InclusionProof = inclusionProof;
        CheckpointNote = checkpointNote;
    }

    /// <summary>The event's canonical JSON: the exact leaf data, as text.</summary>
    public string EventJson { get; }

    /// <summary>The event's leaf index in the log's tree, counting from 0.</summary>
    public long LeafIndex { get; }

    /// <summary>The inclusion proof of the event in the tree of the checkpoint's size, bottom-up.</summary>
    public IReadOnlyList<MerkleHash> InclusionProof { get; }

    /// <summary>The signed checkpoint note the proof leads to.</summary>
    public string CheckpointNote { get; }

    /// <summary>Creates the receipt for leaf <paramref name="leafIndex"/> of <paramref name="tree"/> under <paramref name="checkpoint"/>.</summary>
    /// <param name="tree">The log's tree, at least as large as the checkpoint.</param>
    /// <param name="leafIndex">The event's leaf index; below the checkpoint's size.</param>
    /// <param name="eventCanonicalJson">The event's exact canonical JSON bytes (the leaf data).</param>
    /// <param name="checkpoint">A signed checkpoint of this tree (normally the latest).</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentException">The bytes are not this leaf's data, or the checkpoint is not of this tree.</exception>
    public static Receipt Create(MerkleTree tree, long leafIndex, ReadOnlySpan<byte> eventCanonicalJson, SignedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var size = checkpoint.Checkpoint.Size;
        if (size > tree.Size || tree.RootAt(size) != checkpoint.Checkpoint.Root)
        {
            throw new ArgumentException($"Checkpoint {checkpoint} is not of this tree (size {tree.Size}).", nameof(checkpoint));
        }

        if (leafIndex < 0 || leafIndex >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex), leafIndex,
                $"Leaf {leafIndex} is not covered by checkpoint {checkpoint}: sign a newer checkpoint first.");
        }

        if (MerkleHashing.LeafHash(eventCanonicalJson) != tree.LeafHashAt(leafIndex))
        {
            throw new ArgumentException(
                $"The event bytes are not the data of leaf {leafIndex}: their leaf hash differs from the tree's.", nameof(eventCanonicalJson));
        }

        string eventJson;
        try
        {
            eventJson = StrictUtf8.GetString(eventCanonicalJson);
        }
        catch (DecoderFallbackException e)
        {
            throw new ArgumentException("Canonical JSON is UTF-8; these bytes are not.", nameof(eventCanonicalJson), e);
        }

        return new Receipt(eventJson, leafIndex, tree.ProveInclusion(leafIndex, size), checkpoint.NoteText);
    }

    /// <summary>The receipt file: indented UTF-8 JSON.</summary>
    /// <returns>The bytes to write.</returns>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("format", FormatV1);
            writer.WriteString("event", EventJson);
            writer.WriteNumber("leafIndex", LeafIndex);
            writer.WriteStartArray("inclusionProof");
            foreach (var hash in InclusionProof)
            {
                writer.WriteStringValue(hash.ToString());
            }

            writer.WriteEndArray();
            writer.WriteString("checkpoint", CheckpointNote);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Parses a receipt file strictly: exactly the five members, each once and of its type.</summary>
    /// <param name="json">The file's bytes.</param>
    /// <param name="receipt">The receipt, when well-formed (not yet verified).</param>
    /// <param name="failure">What is malformed, otherwise.</param>
    /// <returns>Whether the bytes are a receipt.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out Receipt? receipt, [NotNullWhen(false)] out string? failure)
    {
        receipt = null;
        // JSON readers check UTF-8 only when a string is read; check it all first so every later read is safe.
        if (!Utf8.IsValid(json))
        {
            failure = "receipt is not valid UTF-8";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            failure = $"receipt is not JSON: {e.Message}";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                failure = "receipt is not a JSON object";
                return false;
            }

            // Sorted names equal to the sorted member list: no member missing, none unknown, none repeated.
            var names = root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            if (!names.SequenceEqual(Members))
            {
                failure = $"receipt members are [{string.Join(", ", names)}], want exactly [{string.Join(", ", Members)}]";
                return false;
            }

            var format = root.GetProperty("format");
            if (format.ValueKind != JsonValueKind.String || format.GetString() != FormatV1)
            {
                failure = $"receipt format is {format.GetRawText()}, want \"{FormatV1}\"";
                return false;
            }

            var eventJson = root.GetProperty("event");
            var checkpoint = root.GetProperty("checkpoint");
            if (eventJson.ValueKind != JsonValueKind.String || checkpoint.ValueKind != JsonValueKind.String)
            {
                failure = "receipt 'event' and 'checkpoint' must be strings";
                return false;
            }

            var index = root.GetProperty("leafIndex");
            if (index.ValueKind != JsonValueKind.Number || !index.TryGetInt64(out var leafIndex) || leafIndex < 0
                || index.GetRawText() != leafIndex.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                failure = $"receipt leafIndex {index.GetRawText()} is not a non-negative integer";
                return false;
            }

            var proofElement = root.GetProperty("inclusionProof");
            if (proofElement.ValueKind != JsonValueKind.Array)
            {
                failure = "receipt inclusionProof is not an array";
                return false;
            }

            var proof = new List<MerkleHash>();
            foreach (var element in proofElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String || !MerkleHash.TryParseBase64(element.GetString(), out var hash))
                {
                    failure = $"receipt inclusion proof hash {proof.Count} is not canonical base64 of 32 bytes";
                    return false;
                }

                proof.Add(hash);
            }

            if (!TryReadText(eventJson, "event", out var eventText, out failure) || !TryReadText(checkpoint, "checkpoint", out var note, out failure))
            {
                return false;
            }

            receipt = new Receipt(eventText, leafIndex, proof, note);
            failure = null;
            return true;
        }
    }

    /// <summary>A string member's text; false (with the failure) when an escape leaves a lone surrogate, which no text holds.</summary>
    private static bool TryReadText(JsonElement element, string member, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? failure)
    {
        try
        {
            text = element.GetString()!;
            failure = null;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            failure = $"receipt '{member}' holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF alone), which is not text";
            return false;
        }
    }

    /// <summary>
    /// Verifies the receipt offline: the checkpoint note is signed by one of <paramref name="verifiers"/>, its body is a
    /// checkpoint (of <paramref name="expectedOrigin"/> when given), and the event's leaf hash with the inclusion proof
    /// gives the checkpoint's root at the checkpoint's size.
    /// </summary>
    /// <param name="verifiers">The log's published verifier key(s).</param>
    /// <param name="expectedOrigin">The log the receipt must come from; <see langword="null"/> to accept any origin the key signs.</param>
    /// <returns>Valid, or what failed.</returns>
    public TransparencyResult Verify(IReadOnlyCollection<NoteVerifierKey> verifiers, string? expectedOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(verifiers);
        if (!SignedCheckpoint.TryOpen(CheckpointNote, verifiers, out var signed, out var failure))
        {
            return TransparencyResult.Invalid($"receipt {failure}");
        }

        var checkpoint = signed.Checkpoint;
        if (expectedOrigin is not null && !string.Equals(expectedOrigin, checkpoint.Origin, StringComparison.Ordinal))
        {
            return TransparencyResult.Invalid($"receipt checkpoint is for log '{checkpoint.Origin}', not '{expectedOrigin}'");
        }

        byte[] leaf;
        try
        {
            leaf = StrictUtf8.GetBytes(EventJson);
        }
        catch (EncoderFallbackException)
        {
            return TransparencyResult.Invalid("receipt event is not well-formed Unicode, so it has no canonical JSON bytes");
        }

        var inclusion = MerkleProof.VerifyInclusion(LeafIndex, checkpoint.Size, MerkleHashing.LeafHash(leaf), InclusionProof, checkpoint.Root);
        return inclusion.IsValid
            ? TransparencyResult.Valid
            : TransparencyResult.Invalid($"receipt event at index {LeafIndex} is not in checkpoint {checkpoint}: {inclusion.Failure}");
    }
}
