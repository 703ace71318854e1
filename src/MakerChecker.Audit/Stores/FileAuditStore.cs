using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// The embedded default audit store: an append-only JSON Lines file, one event row a line (the bundle row format),
/// written by one process at a time and acknowledged only once flushed to disk.
/// </summary>
/// <remarks>
/// <para>A lock file (<c>&lt;path&gt;.lock</c>, held with an exclusive OS lock) keeps a second writer out.</para>
/// <para>Opening for writing verifies the genesis row and the rows in the last
/// <see cref="FileAuditStoreOptions.OpenVerificationBytes"/> of the file (8 MiB by default), and finds the head in the
/// last whole row, so it costs the same whatever the length of the history; <see cref="OpenReadOnlyAsync"/> and
/// <c>makerchecker audit verify</c> verify the whole file (docs/stores.md, "What opening checks"). Bytes after the
/// last line break that are provably an incomplete append of this log (a prefix of its next row: see docs/stores.md,
/// "Recovery") were never acknowledged and are cut off. Anything else, including a whole row read that does not parse
/// or chain, refuses the open and leaves every byte as it was; <see cref="OpenReadOnlyAsync"/>, which never writes,
/// still opens it for inspection.</para>
/// </remarks>
public sealed partial class FileAuditStore : IAuditQuery, IStoredRowSource
{
    private readonly string _path;
    private readonly FileStream? _lockFile;
    private readonly FileStream? _log;
    private readonly ChainAppender? _appender;
    private readonly FileAuditStoreOptions _options;
    private readonly GroupCommitQueue? _queue;
    private readonly ByteBuffer? _rows;
    private long _committedLength;
    private int _disposed;
    private volatile Exception? _fault;

    private FileAuditStore(string path, string instanceId, AuditVerdict verdict, long committedLength, FileAuditStoreOptions options,
        FileStream? lockFile = null, FileStream? log = null, ChainAppender? appender = null)
    {
        _path = path;
        InstanceId = instanceId;
        OpenVerdict = verdict;
        _committedLength = committedLength;
        _options = options;
        _lockFile = lockFile;
        _log = log;
        _appender = appender;
        if (log is not null)
        {
            // The one group-commit engine (GroupCommitQueue), as the SQL stores use: this store's commit is the file write.
            _rows = new ByteBuffer(1 << 16);
            var maxGroup = options.FsyncPolicy == AuditFsyncPolicy.PerAppend ? 1 : options.MaxGroupSize;
            _queue = new GroupCommitQueue(appender!, maxGroup, CommitAsync, $"'{path}'", options.GroupCommitWindow, options.TimeProvider);
        }
    }

    /// <inheritdoc/>
    public string InstanceId { get; }

    /// <summary>The JSON Lines file; files derived from the log (Merkle hashes, checkpoints) are kept beside it.</summary>
    internal string Path => _path;

    /// <summary>Whether the store was opened read-only for inspection (appends throw).</summary>
    public bool IsReadOnly => _log is null;

    /// <summary>The result of verifying the file when it was opened. Always valid for a store opened for writing.</summary>
    public AuditVerdict OpenVerdict { get; }

    /// <summary>
    /// How many bytes after the last complete row were an incomplete append (a row torn by a crash, or one a writer was
    /// still writing when the file was opened read-only): <see cref="OpenAsync"/> cut them off; readers ignore them.
    /// 0 when the file ended with a line break.
    /// </summary>
    public long IncompleteTailBytes { get; private init; }

    /// <summary>How many bytes of the file opening it read: bounded by the options' OpenVerificationBytes, whatever the history.</summary>
    internal long OpenBytesRead { get; private init; }

    /// <summary>Opened read-only: why the bytes after the last line break are not an incomplete append; reading refuses them.</summary>
    private string? TailRefusal { get; init; }

    /// <summary>
    /// Opens the log at <paramref name="path"/> for appending, creating it (with its genesis event) if it does not exist.
    /// </summary>
    /// <param name="path">The JSON Lines file.</param>
    /// <param name="options">Durability, identity and clock options; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the verification of an existing file.</param>
    /// <returns>The open store; dispose it to release the writer lock.</returns>
    /// <exception cref="AuditStoreException">
    /// Another writer holds the log, the file fails verification, or its instance id differs from <see cref="FileAuditStoreOptions.InstanceId"/>.
    /// </exception>
    public static async Task<FileAuditStore> OpenAsync(string path, FileAuditStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new FileAuditStoreOptions();
        options.Validate();
        var lockFile = AcquireWriterLock(path);
        FileStream? log = null;
        try
        {
            log = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0,
            });
            var scan = await ScanEndAsync(log, path, options.OpenVerificationBytes, cancellationToken).ConfigureAwait(false);
            if (scan.Count > 0 && !scan.Verdict.IsValid)
            {
                throw new AuditStoreException(
                    $"The audit log '{path}' fails verification ({scan.Verdict.ReasonCode}: {scan.Verdict.Reason}), so it is not opened for writing. " +
                    "Open it with FileAuditStore.OpenReadOnlyAsync to inspect it.");
            }

            if (scan.TailRefusal is { } refusal)
            {
                throw new AuditStoreException(
                    $"The audit log '{path}' is not opened for writing, and nothing in it was changed: {refusal}. Only an incomplete final row " +
                    "(a prefix of the log's next row, with no line break) is dropped on open. Inspect the file, or restore it from a backup.");
            }

            if (scan.IncompleteTailBytes > 0 || scan.Count == 0)
            {
                // Never acknowledged: an append returns only after its whole line, line break included, is flushed.
                log.SetLength(scan.ValidLength);
                log.Flush(flushToDisk: true);
            }

            ChainAppender appender;
            if (scan.Count == 0)
            {
                var instanceId = options.InstanceId ?? Guid.NewGuid().ToString("D");
                appender = ChainAppender.ForNewLog(instanceId, options.TimeProvider, options.IdGenerator);
                var genesis = appender.Next(ChainAppender.Genesis(instanceId), 1, appender.Head);
                using var row = new ByteBuffer();
                genesis.WriteRow(row);
                row.Write((byte)'\n');
                log.Position = 0;
                log.Write(row.WrittenSpan);
                log.Flush(flushToDisk: true);
                // A new log's name must survive a power loss too, before any append to it is acknowledged.
                DirectorySync.SyncParentOf(path);
                appender.Commit(genesis);
                scan = scan with { ValidLength = row.Length, Verdict = new AuditVerdict { IsValid = true, EventCount = 1 } };
            }
            else
            {
                if (options.InstanceId is not null && options.InstanceId != scan.InstanceId)
                {
                    throw new AuditStoreException($"The audit log '{path}' belongs to instance {scan.InstanceId}, not {options.InstanceId}.");
                }

                appender = new ChainAppender(scan.InstanceId!, options.TimeProvider, options.IdGenerator, scan.LastSeq, scan.Head);
            }

            log.Position = scan.ValidLength;
            return new FileAuditStore(path, appender.InstanceId, scan.Verdict, scan.ValidLength, options, lockFile, log, appender)
            {
                IncompleteTailBytes = scan.IncompleteTailBytes,
                OpenBytesRead = scan.BytesRead,
            };
        }
        catch
        {
            log?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the log for inspection only: no lock is taken, nothing is repaired, and a file that fails verification
    /// still opens (see <see cref="OpenVerdict"/>). Appends throw.
    /// </summary>
    /// <param name="path">The JSON Lines file.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The read-only store.</returns>
    /// <exception cref="AuditStoreException">The file is empty or its first line is not an audit.genesis event.</exception>
    public static async Task<FileAuditStore> OpenReadOnlyAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var log = OpenForReading(path);
        var scan = await ScanAsync(log, path, cancellationToken).ConfigureAwait(false);
        if (scan.InstanceId is null)
        {
            throw new AuditStoreException($"The audit log '{path}' has no readable audit.genesis event: {scan.TailRefusal ?? scan.Verdict.Reason}");
        }

        var verdict = scan.TailRefusal is { } refusal && scan.Verdict.IsValid
            ? AuditVerdict.Fail(AuditReasonCodes.MalformedJson, $"'{path}' {refusal}") with { EventCount = scan.Count }
            : scan.Verdict;
        return new FileAuditStore(path, scan.InstanceId, verdict, scan.ValidLength, new FileAuditStoreOptions())
        {
            IncompleteTailBytes = scan.IncompleteTailBytes,
            TailRefusal = scan.TailRefusal,
        };
    }

    /// <inheritdoc/>
    public async ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        (await EnqueueAsync(entry, expectedLastSeq: null, cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc/>
    /// <remarks>The check is made by the writer loop when the entry is chained, at its position in its group commit.</remarks>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        EnqueueAsync(entry, expectedLastSeq, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>All or none: the batch is chained into one group commit, at its position in it.</remarks>
    public async ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (_queue is null)
        {
            throw new InvalidOperationException($"The audit log '{_path}' was opened read-only.");
        }

        ThrowIfFaulted();
        var prepared = entries.Select(ChainAppender.Prepare).ToArray();
        var stored = await _queue.TryAppendBatchAsync(prepared, expectedLastSeq, cancellationToken).ConfigureAwait(false);
        return stored.Select((s, i) => s.ToAuditEvent(entries[i])).ToArray();
    }

    private async ValueTask<AuditEvent?> EnqueueAsync(AuditEntry entry, long? expectedLastSeq, CancellationToken cancellationToken)
    {
        if (_queue is null)
        {
            throw new InvalidOperationException($"The audit log '{_path}' was opened read-only.");
        }

        ThrowIfFaulted();
        var stored = await _queue.TryAppendAsync(ChainAppender.Prepare(entry), expectedLastSeq, cancellationToken).ConfigureAwait(false);
        return stored?.ToAuditEvent(entry);
    }

    /// <inheritdoc/>
    /// <remarks>From a seq past the genesis, the file is bisected on the rows' seqs (O(log n) small reads) and read on from there.</remarks>
    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (fromSeq > 1)
        {
            await foreach (var e in ReadFromAsync(fromSeq, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            yield break;
        }

        using var parser = new EventRowParser();
        await foreach (var row in ((IStoredRowSource)this).ReadRowsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (row.Position >= fromSeq)
            {
                yield return ParseLine(parser, row).ToAuditEvent();
            }
        }
    }

    /// <inheritdoc/>
    bool IStoredRowSource.RefusesHashMismatchOnRead => !IsReadOnly;

    /// <inheritdoc/>
    /// <remarks>The lines acknowledged so far (a concurrent writer's unfinished line is never read), numbered from 1.</remarks>
    async IAsyncEnumerable<StoredRow> IStoredRowSource.ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limit = Interlocked.Read(ref _committedLength);
        await using var file = OpenForReading(_path);
        long line = 0;
        await foreach (var row in JsonLines.ReadAsync(file, limit, new JsonLinesTail(), cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredRow(row.Bytes, ++line);
        }

        if (TailRefusal is not null)
        {
            // What follows the rows is not part of the log: a reader says so rather than stopping short silently.
            throw new AuditStoreException($"The audit log '{_path}' cannot be read to its end: {TailRefusal}.");
        }
    }

    /// <inheritdoc/>
    Exception IStoredRowSource.UnreadableRow(StoredRow row, CanonicalJsonException error) =>
        new AuditStoreException($"The audit log '{_path}' line {row.Position} cannot be read: {error.Message}", error);

    /// <summary>Stops accepting appends, finishes those already accepted, and releases the writer lock.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_queue is not null && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _queue.DisposeAsync().ConfigureAwait(false); // finishes the queued appends, then disposes the appender
            _rows!.Dispose();
            await _log!.DisposeAsync().ConfigureAwait(false);
            await _lockFile!.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One group commit: chain the group onto the head this store holds, write its lines, flush. Called only by the
    /// queue's single loop. A failure stops the store (every later append is refused) and cuts the file back to the last
    /// acknowledged event; none of the group is acknowledged.
    /// </summary>
    private Task CommitAsync(GroupCommitQueue.Chain chain, CancellationToken cancellationToken)
    {
        var rows = _rows!;
        rows.Clear();
        try
        {
            ThrowIfFaulted();
            StoredEvent? last = null;
            // An empty batch is a conditional append whose head had moved past what the caller decided on: nothing is written for it.
            foreach (var stored in chain(_appender!.LastSeq, _appender.Head).SelectMany(batch => batch))
            {
                stored.WriteRow(rows);
                rows.Write((byte)'\n');
                last = stored;
            }

            if (last is null) return Task.CompletedTask;
            _log!.Write(rows.WrittenSpan);
            _log.Flush(flushToDisk: true);
            _appender.Commit(last);
            Interlocked.Add(ref _committedLength, rows.Length);
            return Task.CompletedTask;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever failed (the disk, or the id or clock source), no event of the group was acknowledged.
            throw Fault(ex);
        }
    }

    private AuditStoreException Fault(Exception ex)
    {
        var fault = _fault ?? ex;
        if (_fault is null)
        {
            _fault = ex;
            try
            {
                // Cut off whatever part of the group reached the file, so that the file ends at the last acknowledged event.
                _log!.SetLength(Interlocked.Read(ref _committedLength));
                _log.Position = _log.Length;
            }
            catch (IOException)
            {
                // Reopening verifies the file and cuts off a torn line; a complete unacknowledged line is harmless.
            }
        }

        return new AuditStoreException($"The audit log '{_path}' could not be written or flushed, so the event was not recorded: {fault.Message}", fault);
    }

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new AuditStoreException($"The audit log '{_path}' stopped accepting appends after a write failure: {fault.Message}. Reopen it.", fault);
        }
    }

    private static FileStream AcquireWriterLock(string path)
    {
        try
        {
            // FileShare.None takes an exclusive OS lock (flock on Unix), released when the process ends, even by SIGKILL.
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new AuditStoreException(
                $"The audit log '{path}' is already open for writing by another store (in this or another process): only one writer at a time. " +
                "Open it with FileAuditStore.OpenReadOnlyAsync to inspect it.",
                ex);
        }
    }

    private static FileStream OpenForReading(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    private StoredEvent ParseLine(EventRowParser parser, StoredRow row)
    {
        try
        {
            return parser.ParseStored(row.Bytes.Span, verifyHash: !IsReadOnly);
        }
        catch (CanonicalJsonException ex)
        {
            throw ((IStoredRowSource)this).UnreadableRow(row, ex);
        }
    }
}
