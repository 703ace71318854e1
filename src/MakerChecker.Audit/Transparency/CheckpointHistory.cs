using System.Collections.ObjectModel;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Every checkpoint a log has signed, oldest first, with the consistency proof between each and the one before; the
/// last is the latest. Kept in a file beside the log (conventionally <c>audit.checkpoints</c>), one JSON object a line:
/// <c>{"checkpoint":"&lt;signed note&gt;","consistencyFromPrevious":["&lt;base64&gt;",…]}</c>.
/// </summary>
/// <remarks>
/// Opening verifies the whole history: every note under the log's verifier key, one origin, strictly growing sizes
/// and every consistency proof. A last line without its newline is the torn tail of an interrupted write and is dropped;
/// anything else that fails is tampering and refuses to open.
/// </remarks>
public sealed class CheckpointHistory : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>More than any record can be: a signed note and a consistency proof of at most 63 hashes take a few KiB.</summary>
    private const int MaxRecordBytes = 64 * 1024;

    private readonly FileStream? _file;
    private readonly Lock _appendLock = new();

    // The records, append-only, readable while a checkpoint is being appended (a web endpoint serving the latest
    // checkpoint while the log signs): an element is written before the count that covers it is published, a full
    // array is replaced by a larger copy (never changed in place), and readers take the count first, then the array.
    private CheckpointRecord[] _records;
    private int _count;

    private CheckpointHistory(NoteVerifierKey verifierKey, List<CheckpointRecord> records, FileStream? file, long droppedBytes)
    {
        VerifierKey = verifierKey;
        _records = [.. records];
        _count = _records.Length;
        _file = file;
        DroppedBytes = droppedBytes;
    }

    /// <summary>The key every checkpoint in the history is signed with.</summary>
    public NoteVerifierKey VerifierKey { get; }

    /// <summary>The records, oldest first: those appended when it was read (later appends do not change it).</summary>
    public IReadOnlyList<CheckpointRecord> Records
    {
        get
        {
            var count = Volatile.Read(ref _count);
            return new ReadOnlyCollection<CheckpointRecord>(new ArraySegment<CheckpointRecord>(Volatile.Read(ref _records), 0, count));
        }
    }

    /// <summary>The latest signed checkpoint, or <see langword="null"/> before the first.</summary>
    public SignedCheckpoint? Latest
    {
        get
        {
            var count = Volatile.Read(ref _count);
            return count == 0 ? null : Volatile.Read(ref _records)[count - 1].Checkpoint;
        }
    }

    /// <summary>Bytes of torn tail dropped on open (0 after a clean shutdown).</summary>
    public long DroppedBytes { get; }

    /// <summary>A history kept only in memory.</summary>
    /// <param name="verifierKey">The log's verifier key.</param>
    /// <returns>An empty history.</returns>
    public static CheckpointHistory InMemory(NoteVerifierKey verifierKey)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        return new CheckpointHistory(verifierKey, [], null, 0);
    }

    /// <summary>Opens (or creates) the history file at <paramref name="path"/> and verifies every record in it.</summary>
    /// <param name="path">The file, conventionally beside the log.</param>
    /// <param name="verifierKey">The log's verifier key.</param>
    /// <returns>The open history; dispose it to close the file.</returns>
    /// <exception cref="InvalidDataException">A record is malformed, badly signed, or inconsistent with the one before.</exception>
    public static CheckpointHistory Open(string path, NoteVerifierKey verifierKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(verifierKey);
        var created = !File.Exists(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            // The history guards the log against rollback: its name must outlive a power loss like its records.
            if (created) Stores.DirectorySync.SyncParentOf(path);
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            var (records, complete) = ParseAll(bytes, path, verifierKey);
            if (complete != bytes.Length)
            {
                // Only a record whose append was cut short is dropped; anything else is evidence to keep, not to cut.
                var tail = bytes.AsSpan(complete);
                if (Stores.TornRow.WhyNotTornLine(tail, complete, "{\"checkpoint\":\""u8, MaxRecordBytes, "a checkpoint record") is { } why)
                {
                    throw new InvalidDataException(
                        $"'{path}' cannot be opened, and nothing in it was changed: {why}. Only an incomplete last record is dropped on open; " +
                        "keep the file as evidence.");
                }

                file.SetLength(complete);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            return new CheckpointHistory(verifierKey, records, file, bytes.Length - complete);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads and verifies the history at <paramref name="path"/> for inspection, without opening it for writing or
    /// dropping a torn tail; an absent file is an empty history. Records cannot be appended to it.
    /// </summary>
    internal static CheckpointHistory LoadReadOnly(string path, NoteVerifierKey verifierKey)
    {
        var bytes = ReadIfPresent(path);
        var (records, complete) = ParseAll(bytes, path, verifierKey);
        return new CheckpointHistory(verifierKey, records, null, bytes.Length - complete) { IsReadOnly = true };
    }

    private bool IsReadOnly { get; init; }

    /// <summary>
    /// Reads the history at <paramref name="path"/> when the log's key is not pinned: every record's form, one origin,
    /// strictly growing sizes and every consistency proof are checked, but no signature is (nothing to check it
    /// against). An absent file is an empty history. For inspection only: it shows the log only grew, not who said so.
    /// </summary>
    /// <exception cref="InvalidDataException">A record is malformed or inconsistent with the one before.</exception>
    internal static IReadOnlyList<CheckpointRecord> ReadUnverified(string path) => ParseAll(ReadIfPresent(path), path, verifierKey: null).Records;

    private static byte[] ReadIfPresent(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    /// <summary>
    /// The origin line of the first checkpoint in the history file at <paramref name="path"/>, unverified (opening
    /// verifies it), or <see langword="null"/> when there is none: lets a log be reopened without restating its origin.
    /// </summary>
    internal static string? PeekOrigin(string path)
    {
        string? first;
        try
        {
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            first = reader.ReadLine();
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(first ?? string.Empty);
            return json.RootElement.TryGetProperty("checkpoint", out var note) && note.ValueKind == JsonValueKind.String
                ? note.GetString()!.Split('\n')[0]
                : null;
        }
        catch (JsonException)
        {
            return null; // opening reports the malformed line
        }
    }

    private static (List<CheckpointRecord> Records, int Complete) ParseAll(byte[] bytes, string path, NoteVerifierKey? verifierKey)
    {
        var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        if (!Utf8.IsValid(bytes.AsSpan(0, complete)))
        {
            throw new InvalidDataException($"'{path}' is not valid UTF-8. The checkpoint history was altered; keep the file as evidence.");
        }

        var records = new List<CheckpointRecord>();
        var lineNumber = 0;
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, complete).Split('\n')[..^1])
        {
            lineNumber++;
            var record = ParseRecord(line, verifierKey, out var failure);
            failure ??= record is null ? null : LinkFailure(records, record);
            if (failure is not null || record is null)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: {failure}. The checkpoint history was altered; keep the file as evidence.");
            }

            records.Add(record);
        }

        return (records, complete);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file?.Dispose();

    /// <summary>Appends a record durably (written and fsync'd before returning). The caller has checked it links.</summary>
    internal void Append(CheckpointRecord record)
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException("This checkpoint history was loaded read-only for inspection; open it with CheckpointHistory.Open to sign.");
        }

        lock (_appendLock)
        {
            if (LinkFailure(Records, record) is { } failure)
            {
                throw new InvalidOperationException($"Refusing to record checkpoint {record.Checkpoint}: {failure}.");
            }

            if (_file is not null)
            {
                // One write ending in the newline: a crash leaves either the whole line or a tail that Open drops.
                _file.Write(Serialize(record));
                _file.Flush(flushToDisk: true);
            }

            var records = _records;
            if (_count == records.Length)
            {
                records = new CheckpointRecord[Math.Max(8, 2 * _count)];
                Array.Copy(_records, records, _count);
                Volatile.Write(ref _records, records);
            }

            records[_count] = record;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    /// <summary>One record as its JSON line, newline included.</summary>
    internal static byte[] Serialize(CheckpointRecord record)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteRecord(writer, record);
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>One record as a JSON object: the form of a history line and of a bundle's checkpoint entry.</summary>
    internal static void WriteRecord(Utf8JsonWriter writer, CheckpointRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("checkpoint", record.Checkpoint.NoteText);
        writer.WriteStartArray("consistencyFromPrevious");
        foreach (var hash in record.ConsistencyFromPrevious)
        {
            writer.WriteStringValue(hash.ToString());
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Parses one record (a history line or a bundle's checkpoint entry) and verifies its note under <paramref name="key"/>.</summary>
    internal static CheckpointRecord? ParseRecord(string line, NoteVerifierKey? key, out string? failure)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            failure = $"not JSON ({e.Message})";
            return null;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).SequenceEqual(["checkpoint", "consistencyFromPrevious"]) is false
                || root.GetProperty("checkpoint").ValueKind != JsonValueKind.String
                || root.GetProperty("consistencyFromPrevious").ValueKind != JsonValueKind.Array)
            {
                failure = "a record is an object with exactly a string 'checkpoint' and an array 'consistencyFromPrevious'";
                return null;
            }

            var note = root.GetProperty("checkpoint").GetString()!;
            SignedCheckpoint? checkpoint;
            if (key is null
                ? !SignedCheckpoint.TryReadUnverified(note, out checkpoint, out _, out failure)
                : !SignedCheckpoint.TryOpen(note, [key], out checkpoint, out failure))
            {
                return null;
            }

            var proof = new List<MerkleHash>();
            foreach (var element in root.GetProperty("consistencyFromPrevious").EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String || !MerkleHash.TryParseBase64(element.GetString(), out var hash))
                {
                    failure = $"consistency proof hash {proof.Count} is not base64 of 32 bytes";
                    return null;
                }

                proof.Add(hash);
            }

            failure = null;
            return new CheckpointRecord(checkpoint, proof);
        }
    }

    /// <summary>Why <paramref name="record"/> cannot follow <paramref name="records"/>, or <see langword="null"/>.</summary>
    internal static string? LinkFailure(IReadOnlyList<CheckpointRecord> records, CheckpointRecord record)
    {
        var next = record.Checkpoint.Checkpoint;
        if (next.Size == 0)
        {
            return "a checkpoint of an empty log is never signed";
        }

        if (records.Count == 0)
        {
            return record.ConsistencyFromPrevious.Count == 0 ? null : "the first checkpoint carries a consistency proof but has no predecessor";
        }

        var previous = records[^1].Checkpoint.Checkpoint;
        if (!string.Equals(previous.Origin, next.Origin, StringComparison.Ordinal))
        {
            return $"origin '{next.Origin}' differs from the history's '{previous.Origin}'";
        }

        if (next.Size <= previous.Size)
        {
            return $"size {next.Size} does not grow past the previous checkpoint's {previous.Size}";
        }

        var result = MerkleProof.VerifyConsistency(previous.Size, next.Size, record.ConsistencyFromPrevious, previous.Root, next.Root);
        return result.IsValid ? null : $"it is not consistent with the previous checkpoint: {result.Failure}";
    }
}
