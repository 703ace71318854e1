using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Verification;

/// <summary>
/// Parses and hashes event rows on all cores and hands them back in order, in bounded memory: rows are gathered into
/// batches of about 256 KiB, each batch starts on a worker as soon as it is full, and a pump lets at most
/// 2 × parallelism batches stay in flight. The bundle verifier and the store verifier share it; the caller feeds rows,
/// pumps, and checks each finished batch in order. Not thread-safe: one caller.
/// </summary>
/// <remarks>
/// Rows are copied into the batch, unless the caller has set <see cref="Source"/>: then the rows it adds lie in that
/// memory (a mapped window of a bundle file) and the batch references them in place. The caller keeps the source alive
/// until <see cref="ConsumedBatches"/> reaches the <see cref="SealedBatches"/> count it had when it replaced the source.
/// </remarks>
internal sealed class RowHashingPipeline(int parallelism, Func<EventRowParser> newParser, Func<bool> withLeafHashes, bool checkActors = false,
    int batchBytes = RowHashingPipeline.BatchBytes) : IDisposable
{
    /// <summary>How many bytes of rows fill a batch (tests use fewer, to have many batches in a small bundle).</summary>
    public const int BatchBytes = 256 * 1024;
    private readonly int _parallelism = Math.Max(1, parallelism);
    private readonly ConcurrentBag<EventRowParser> _parsers = [];
    private readonly Queue<Task<RowBatch>> _inFlight = new();
    private readonly Stack<RowBatch> _spareBatches = new(); // consumed batches, reused so that batches allocate nothing
    private RowBatch _current = new();
    private ReadOnlyMemory<byte> _source;

    /// <summary>
    /// The memory the next rows lie in, referenced in place; empty (the default) to copy rows. Replacing it seals the
    /// current batch, so that a batch never spans two sources.
    /// </summary>
    public ReadOnlyMemory<byte> Source
    {
        get => _source;
        set
        {
            Seal();
            _source = value;
        }
    }

    /// <summary>How many batches have been started on a worker.</summary>
    public long SealedBatches { get; private set; }

    /// <summary>How many batches have been handed to the consumer (or drained): no row of theirs is read again.</summary>
    public long ConsumedBatches { get; private set; }

    /// <summary>
    /// Adds a row to the current batch (a copy, or a reference when it lies in <see cref="Source"/>); returns whether that
    /// filled the batch (time to pump).
    /// </summary>
    public bool Add(ReadOnlySpan<byte> row, long tag = 0)
    {
        _current.Add(_source, row, tag);
        if (_current.Length < batchBytes)
        {
            return false;
        }

        Seal();
        return true;
    }

    /// <summary>
    /// Adds the rest of a bundle that ends inside its last row: the row fails, after the rows before it, with the
    /// reference verifier's reason (a syntax error in the row, or a truncated bundle).
    /// </summary>
    public void AddUnfinished(ReadOnlySpan<byte> rest) => _current.Add(_source, rest, 0, unfinished: true);

    /// <summary>
    /// Closes the current batch (if it holds rows) and starts it on a worker now, so that the workers are busy while
    /// the caller is still splitting the rest of its read buffer into rows.
    /// </summary>
    /// <remarks>
    /// Batches go to the thread pool's global queue, which workers take first in, first out
    /// (<see cref="TaskCreationOptions.PreferFairness"/>). <c>Task.Run</c> from a pool thread (the caller runs on one
    /// after its first await) would put each into that thread's own queue, which it empties newest first: the oldest
    /// batch, the one <see cref="PumpAsync"/> waits for, was then often the last to start, and one core idled while the
    /// newer batches sat finished behind it (about 0.3 ms every few milliseconds, seen with <c>perf sched</c>).
    /// </remarks>
    public void Seal()
    {
        if (_current.Count > 0)
        {
            var batch = _current;
            _inFlight.Enqueue(Task.Factory.StartNew(() => Hash(batch), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default));
            SealedBatches++;
            _current = _spareBatches.TryPop(out var spare) ? spare : new RowBatch();
        }
    }

    /// <summary>
    /// Hands finished batches in order to <paramref name="consume"/> until at most 2 × parallelism are in flight, or
    /// none when <paramref name="final"/>. A batch is recycled after it is consumed.
    /// </summary>
    public async ValueTask PumpAsync(bool final, Action<RowBatch> consume, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (_inFlight.Count > (final ? 0 : _parallelism * 2))
        {
            var batch = await _inFlight.Dequeue().ConfigureAwait(false);
            try
            {
                consume(batch);
            }
            finally
            {
                ConsumedBatches++;
                batch.Clear();
                _spareBatches.Push(batch);
            }
        }
    }

    /// <summary>Runs on a worker: parses and hashes every row of the batch, stopping at the first bad one.</summary>
    private RowBatch Hash(RowBatch batch)
    {
        if (!_parsers.TryTake(out var parser))
        {
            parser = newParser();
        }

        try
        {
            batch.ParseAll(parser, withLeafHashes(), checkActors);
        }
        finally
        {
            _parsers.Add(parser);
        }

        return batch;
    }

    /// <summary>Waits for batches still in flight (after a failure or cancellation) and returns every buffer.</summary>
    public async Task DrainAsync()
    {
        while (_inFlight.Count > 0)
        {
            (await _inFlight.Dequeue().ConfigureAwait(false)).Dispose();
            ConsumedBatches++;
        }

        _current.Dispose();
        while (_spareBatches.TryPop(out var spare))
        {
            spare.Dispose();
        }
    }

    public void Dispose()
    {
        while (_parsers.TryTake(out var parser))
        {
            parser.Dispose();
        }
    }
}

/// <summary>
/// A run of consecutive rows, copied out of a read buffer or referenced in the memory they lie in, and their parse
/// results. Reusable after <see cref="Clear"/>.
/// </summary>
internal sealed class RowBatch : IDisposable
{
    private readonly List<(int Start, int Length, long Tag)> _rows = [];
    private byte[] _data = ArrayPool<byte>.Shared.Rent(320 * 1024);
    private ReadOnlyMemory<byte> _source; // where the rows lie when they are referenced in place; empty when copied
    private bool[] _actorIsEncodable = [];
    private int _unfinishedIndex = -1;

    public int Length { get; private set; }
    public int Count => _rows.Count;
    public ParsedRow[] Results { get; private set; } = [];
    public int ErrorIndex { get; private set; } = -1;
    public CanonicalJsonException? Error { get; private set; }
    public long? ErrorSeq { get; private set; }

    /// <summary>Row <paramref name="index"/>'s bytes; valid until the batch is cleared.</summary>
    public ReadOnlyMemory<byte> Row(int index) => Data.Slice(_rows[index].Start, _rows[index].Length);

    private ReadOnlyMemory<byte> Data => _source.IsEmpty ? _data : _source;

    /// <summary>What the caller tagged row <paramref name="index"/> with (a store's line number or seq column).</summary>
    public long Tag(int index) => _rows[index].Tag;

    /// <summary>Whether row <paramref name="index"/>'s actor survives the AuditEvent round trip (only when parsed with checkActors).</summary>
    public bool ActorIsEncodable(int index) => _actorIsEncodable[index];

    /// <summary>Adds a row: a reference when <paramref name="source"/> is not empty (the row lies in it), else a copy.</summary>
    public void Add(ReadOnlyMemory<byte> source, ReadOnlySpan<byte> row, long tag, bool unfinished = false)
    {
        if (unfinished)
        {
            _unfinishedIndex = _rows.Count;
        }

        if (!source.IsEmpty)
        {
            // The pipeline seals a batch before its source changes, so every row of a batch lies in the same source.
            _source = source;
            var start = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(source.Span), ref MemoryMarshal.GetReference(row));
            _rows.Add((start, row.Length, tag));
            Length += row.Length;
            return;
        }

        if (_data.Length - Length < row.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Length + row.Length);
            _data.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_data);
            _data = bigger;
        }

        row.CopyTo(_data.AsSpan(Length));
        _rows.Add((Length, row.Length, tag));
        Length += row.Length;
    }

    public void ParseAll(EventRowParser parser, bool withLeafHashes, bool checkActors)
    {
        if (Results.Length < _rows.Count)
        {
            ReturnResults();
            Results = ArrayPool<ParsedRow>.Shared.Rent(_rows.Count);
        }

        if (checkActors && _actorIsEncodable.Length < _rows.Count)
        {
            _actorIsEncodable = new bool[Results.Length];
        }

        var data = Data.Span;
        for (var i = 0; i < _rows.Count; i++)
        {
            var row = data.Slice(_rows[i].Start, _rows[i].Length);
            try
            {
                if (i == _unfinishedIndex)
                {
                    (Error, ErrorSeq) = ReferenceBundleVerifier.RowError(row);
                    ErrorIndex = i;
                    return;
                }

                Results[i] = parser.Parse(row);
                if (withLeafHashes)
                {
                    // The leaf data is exactly the canonical JSON the event's hash was just computed over.
                    Results[i].LeafHash = Transparency.MerkleHashing.LeafHash(parser.LastHashedBytes);
                }

                if (checkActors)
                {
                    _actorIsEncodable[i] = StoredEvent.IsEncodableActor(parser.LastActor(row));
                }
            }
            catch (CanonicalJsonException ex)
            {
                Error = ex;
                ErrorIndex = i;
                ErrorSeq = TryReadSeq(row);
                return;
            }
        }
    }

    /// <summary>The row's seq for the error report, if the row is readable that far.</summary>
    private static long? TryReadSeq(ReadOnlySpan<byte> row)
    {
        try
        {
            var reader = new Utf8JsonReader(row);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSeq = reader.ValueTextEquals("seq"u8);
                reader.Read();
                if (isSeq && reader.TokenType == JsonTokenType.String && EventRowParser.TryParseSeq(reader.ValueSpan, out var seq))
                {
                    return seq;
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The row is too broken to say (a key with an escaped lone surrogate makes ValueTextEquals throw the latter).
        }

        return null;
    }

    /// <summary>Empties the batch for reuse, keeping its buffers.</summary>
    public void Clear()
    {
        _rows.Clear();
        _source = default;
        Length = 0;
        ErrorIndex = -1;
        Error = null;
        ErrorSeq = null;
        _unfinishedIndex = -1;
    }

    public void Dispose()
    {
        if (_data.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = [];
        }

        ReturnResults();
    }

    private void ReturnResults()
    {
        if (Results.Length > 0)
        {
            ArrayPool<ParsedRow>.Shared.Return(Results, clearArray: true);
            Results = [];
        }
    }
}
