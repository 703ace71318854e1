using System.Data.Common;
using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// The SQL stores' shared engine over ADO.NET: versioned migrations, the genesis, group commit (one transaction
/// per group, the head read inside it), reads and the indexed queries. The SQL text is common to SQLite and
/// PostgreSQL; <see cref="DbDialect"/> supplies the rest.
/// </summary>
internal sealed class DbAuditLog : IAsyncDisposable
{
    private const string Columns = "seq, row";

    /// <summary>
    /// The events from seq <c>@a</c> on. Bounded on both sides (<c>@b</c> is <see cref="long.MaxValue"/>) so that a plan the
    /// database prepared once for every later read (PostgreSQL's generic plan of an auto-prepared statement, made while the
    /// table was small) still reads the primary key's range: with one bound, such a plan could scan the whole table on every
    /// read, at a cost growing with the log.
    /// </summary>
    private const string FromSeqSql = $"SELECT {Columns} FROM audit_events WHERE seq >= @a AND seq <= @b ORDER BY seq";
    private readonly DbDialect _dialect;
    private readonly DbWriterConnection? _writer; // null when opened read-only
    private readonly AuditGroupCommit? _queue;
    private long? _knownSeq; // the head after this store's last transaction; used only by the commit loop
    private bool _othersAppend; // whether other writers had appended before that transaction; used only by the commit loop
    private volatile DbTail? _recent; // that transaction's tail and rows, for reads
    private readonly SemaphoreSlim _writerTurn = new(1, 1); // the commit loop and the holds (IAuditHeadHold) take turns on the writer

    private DbAuditLog(DbDialect dialect, DbConnection writer, string instanceId, TimeProvider time, Func<Guid> newId, int maxGroup)
    {
        _dialect = dialect;
        _writer = new DbWriterConnection(dialect, writer);
        InstanceId = instanceId;
        _queue = new AuditGroupCommit(instanceId, time, newId, maxGroup, dialect.What, CommitAsync);
    }

    private DbAuditLog(DbDialect dialect, string instanceId)
    {
        _dialect = dialect;
        InstanceId = instanceId;
    }

    public string InstanceId { get; }

    /// <summary>Whether the log was opened for reading only: appends throw, and no connection ever holds the write lock.</summary>
    public bool IsReadOnly => _queue is null;

    /// <summary>
    /// Opens an existing log for reading only (inspectors, the CLI): no migration, no genesis, no write transaction, so
    /// it never waits for or holds the log's write lock, and an application appending meanwhile is never blocked.
    /// </summary>
    /// <exception cref="AuditStoreException">There is no log (no schema, no genesis), its schema is newer than this library, or it cannot be read.</exception>
    public static async Task<DbAuditLog> OpenReadOnlyAsync(DbDialect dialect, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                int version;
                try
                {
                    await using var current = Command(connection, null, "SELECT COALESCE(MAX(version), 0) FROM audit_schema_version");
                    version = Convert.ToInt32(
                        await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (DbException ex)
                {
                    throw new AuditStoreException($"The audit store {dialect.What} holds no audit log (no audit_schema_version table): {ex.Message}", ex);
                }

                if (version > dialect.Migrations.Count)
                {
                    throw new AuditStoreException(
                        $"The audit store {dialect.What} has schema version {version}, newer than this library knows ({dialect.Migrations.Count}). " +
                        "Upgrade MakerChecker.");
                }

                var genesis = await ReadGenesisInstanceAsync(connection, null, dialect.What, cancellationToken).ConfigureAwait(false)
                    ?? throw new AuditStoreException($"The audit store {dialect.What} holds no audit log: it has no genesis event (seq 1).");
                return new DbAuditLog(dialect, genesis);
            }
        }
        catch (Exception ex) when (ex is not (AuditStoreException or OperationCanceledException))
        {
            throw new AuditStoreException($"The audit store {dialect.What} could not be opened for reading: {ex.Message}", ex);
        }
    }

    /// <summary>Migrates the schema, writes the genesis of a new log, and starts the group-commit loop.</summary>
    /// <exception cref="AuditStoreException">The database holds the log of another instance, or it cannot be migrated.</exception>
    public static async Task<DbAuditLog> OpenAsync(DbDialect dialect, string? instanceId, TimeProvider time, Func<Guid> newId, int maxGroup,
        CancellationToken cancellationToken)
    {
        var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string actual;
            await using (var tx = await dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                await MigrateAsync(dialect, connection, tx, cancellationToken).ConfigureAwait(false);
                var genesis = await ReadGenesisInstanceAsync(connection, tx, dialect.What, cancellationToken).ConfigureAwait(false);
                actual = genesis ?? instanceId ?? newId().ToString("D");
                if (genesis is null)
                {
                    await dialect.InsertAsync(connection, tx, [AuditGroupCommit.Genesis(actual, time, newId)], cancellationToken).ConfigureAwait(false);
                }
                else if (instanceId is not null && instanceId != genesis)
                {
                    throw new AuditStoreException($"The audit store {dialect.What} belongs to instance {genesis}, not {instanceId}.");
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new DbAuditLog(dialect, connection, actual, time, newId, maxGroup);
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (ex is AuditStoreException or OperationCanceledException) throw;
            throw new AuditStoreException($"The audit store {dialect.What} could not be opened: {ex.Message}", ex);
        }
    }

    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken) => Writer.AppendAsync(entry, cancellationToken);

    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken) =>
        Writer.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

    public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope,
        CancellationToken cancellationToken) => Writer.TryAppendBatchAsync(entries, expectedLastSeq, scope, cancellationToken);

    /// <summary>
    /// Holds the write lock on the writer connection between two groups (<see cref="DbDialect.HoldAsync"/>): this store's
    /// groups go on taking it at once, other writers wait. <see langword="null"/> when the dialect cannot hold it, answered at
    /// once: asking does not wait for the writer's turn (a group waiting for the database) to find that out.
    /// </summary>
    public async ValueTask<IAsyncDisposable?> HoldHeadAsync(CancellationToken cancellationToken)
    {
        _ = Writer; // a read-only log holds nothing
        if (!_dialect.CanHoldHead) return null;
        await _writerTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new Hold(this, await _writer!.HoldAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _writerTurn.Release();
        }
    }

    /// <summary>One hold: let go on the connection it was taken on, if that is still the writer's (a dropped one let go already).</summary>
    private sealed class Hold(DbAuditLog log, System.Data.Common.DbConnection connection) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            try
            {
                await log._writerTurn.WaitAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return; // the store is closed: its writer's session, and the hold, ended with it
            }

            try
            {
                await log._writer!.ReleaseHoldAsync(connection).ConfigureAwait(false);
            }
            finally
            {
                log._writerTurn.Release();
            }
        }
    }

    private AuditGroupCommit Writer => _queue ?? throw new InvalidOperationException(
        $"The audit store {_dialect.What} was opened read-only (OpenReadOnlyAsync): it never appends. Open it with OpenAsync to write.");

    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq, CancellationToken cancellationToken) =>
        _recent is { } recent && recent.Covers(fromSeq - 1)
            ? ReadThroughAsync(recent, fromSeq, cancellationToken)
            : QueryAsync(FromSeqSql, [fromSeq, long.MaxValue], cancellationToken);

    /// <summary>
    /// The events from <paramref name="fromSeq"/>: those <paramref name="recent"/> holds (committed, read or written by the
    /// last transaction), then, only if the caller reads on, the rest from the database. Together they are the log from
    /// <paramref name="fromSeq"/> as one read would give it at the moment the rest is queried: the log only grows.
    /// </summary>
    private async IAsyncEnumerable<AuditEvent> ReadThroughAsync(DbTail recent, long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (var rows = new AuditRowReader())
        {
            foreach (var row in recent.From(fromSeq))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return SqlEventRow.Read(rows, row.Row, row.Seq, _dialect.What);
            }
        }

        await foreach (var e in QueryAsync(FromSeqSql, [recent.End + 1, long.MaxValue], cancellationToken)
            .ConfigureAwait(false))
        {
            yield return e;
        }
    }

    public IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM audit_events WHERE run_id = @a ORDER BY seq", [NotNull(runId)], cancellationToken);

    public IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM audit_events WHERE entity_type = @a AND entity_id = @b ORDER BY seq",
            [NotNull(entityType), NotNull(entityId)], cancellationToken);

    public IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM audit_events WHERE actor_id = @a ORDER BY seq", [NotNull(actorId)], cancellationToken);

    public IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        // occurred_at holds the exact hashed text, one fixed-width UTC form, so text order is time order.
        var (low, high) = (AuditRow.FormatOccurredAt(since), AuditRow.FormatOccurredAt(until));
        return QueryAsync($"SELECT {Columns} FROM audit_events WHERE occurred_at >= @a AND occurred_at < @b ORDER BY seq", [low, high], cancellationToken);
    }

    public IAsyncEnumerable<AuditEvent> ReadOpenAsync(string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closingEventTypes);
        var closing = closingEventTypes.Count == 0 ? "NULL" : string.Join(", ", closingEventTypes.Select((_, i) => $"@c{i}"));
        var sql = $"SELECT o.seq, o.row FROM audit_events o WHERE o.entity_type = @a AND o.event_type = @b " +
            "AND o.seq = (SELECT MIN(f.seq) FROM audit_events f WHERE f.entity_type = @a AND f.entity_id = o.entity_id AND f.event_type = @b) " +
            $"AND NOT EXISTS (SELECT 1 FROM audit_events c WHERE c.entity_type = @a AND c.entity_id = o.entity_id AND c.event_type IN ({closing})) " +
            "ORDER BY o.seq";
        return QueryAsync(sql, [NotNull(entityType), NotNull(openingEventType), .. closingEventTypes], cancellationToken, closingOffset: 2);
    }

    public async ValueTask DisposeAsync()
    {
        if (_queue is not null) await _queue.DisposeAsync().ConfigureAwait(false);
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
        _writerTurn.Dispose();
    }

    /// <summary>
    /// One group: lock and read the head inside the transaction (one round trip where the dialect allows), chain onto it,
    /// insert the whole group in one statement, commit. A conditional append is checked against that head (as moved by
    /// the group's earlier appends), so it holds under the same lock as its insert.
    /// </summary>
    /// <remarks>
    /// When other writers appended before the last transaction, the next also reads (where the dialect can, in the same
    /// round trip) the rows stored after the head this store last committed on (<see cref="DbTail"/>): other writers'
    /// events. A scope's conflict check after that seq is answered from them, and after the commit they, with the rows
    /// inserted, serve the next read from that seq (<see cref="ReadAsync"/>).
    /// </remarks>
    private async Task CommitAsync(AuditScopedGroupChain chain, CancellationToken cancellationToken)
    {
        DbTail? tail = null;
        long lastSeq = 0;
        IReadOnlyList<AuditRow> rows;
        var known = _knownSeq;
        await _writerTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            rows = await _writer!.WriteAsync(async (writer, tx, head, tailRows) =>
            {
                (lastSeq, var headHex) = head
                    ?? throw new AuditStoreException($"The audit store {_dialect.What} has no genesis event: it was emptied behind the store's back.");
                tail = tailRows is not null && known is { } after ? DbTail.Of(after, tailRows, lastSeq) : null;
                return await chain(lastSeq, headHex, (after, scope) => tail is { } read && read.Covers(after)
                    ? ValueTask.FromResult(read.Since(after, scope))
                    : ConflictsSinceAsync(writer, tx, after, scope, cancellationToken)).ConfigureAwait(false);
            }, _othersAppend ? known : null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whether anything was written is not known here: read the whole tail next time, and serve no read from memory.
            (_knownSeq, _recent, _othersAppend) = (null, null, false);
            throw;
        }
        finally
        {
            _writerTurn.Release();
        }

        // Only a store whose log other writers append to reads the tail: alone, it would read nothing, one statement a group.
        _othersAppend = known is { } before && lastSeq != before;
        _knownSeq = rows.Count > 0 ? rows[^1].Seq : lastSeq;
        _recent = tail?.Then(rows);
    }

    /// <summary>
    /// Whether an event after seq <paramref name="after"/> conflicts with <paramref name="scope"/>: one indexed range query
    /// on the columns the scope names, inside the group's transaction (under the write lock). Bounded on both sides of seq
    /// (<c>@last</c> is <see cref="long.MaxValue"/>, so the same rows), as <see cref="FromSeqSql"/> is and for the same reason:
    /// PostgreSQL's generic plan of the auto-prepared statement, made while the table was small, then still reads the primary
    /// key's range instead of scanning the whole table on every check.
    /// </summary>
    private static async ValueTask<IReadOnlyList<(string ActorId, string EventType)>> ConflictsSinceAsync(
        DbConnection writer, DbTransaction tx, long after, AuditAppendScope scope, CancellationToken cancellationToken)
    {
        await using var command = writer.CreateCommand();
        command.Transaction = tx;
        AddParameter(command, "after", after);
        AddParameter(command, "last", long.MaxValue);
        var types = In(command, "t", scope.EventTypes);
        var actors = In(command, "a", scope.ActorBudgets.Keys);
        var actorTypes = In(command, "u", scope.ActorEventTypes);
#pragma warning disable CA2100 // Built from constants and parameter names; every value is a parameter.
        command.CommandText = "SELECT actor_id, event_type FROM audit_events WHERE seq > @after AND seq <= @last AND " +
            $"(event_type IN ({types}) OR (actor_id IN ({actors}) AND event_type IN ({actorTypes}))) ORDER BY seq";
#pragma warning restore CA2100
        var matters = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            matters.Add((reader.GetString(0), reader.GetString(1)));
        }

        return matters;
    }

    private static string In(DbCommand command, string prefix, IEnumerable<string> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = prefix + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            AddParameter(command, name, value);
            names.Add("@" + name);
        }

        return names.Count == 0 ? "NULL" : string.Join(", ", names);
    }

    private static async Task MigrateAsync(DbDialect dialect, DbConnection connection, DbTransaction tx, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, tx, "CREATE TABLE IF NOT EXISTS audit_schema_version (version INTEGER PRIMARY KEY)", cancellationToken)
            .ConfigureAwait(false);
        await using var current = Command(connection, tx, "SELECT COALESCE(MAX(version), 0) FROM audit_schema_version");
        var version = Convert.ToInt32(
            await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > dialect.Migrations.Count)
        {
            throw new AuditStoreException(
                $"The audit store {dialect.What} has schema version {version}, newer than this library knows ({dialect.Migrations.Count}). " +
                "Upgrade MakerChecker.");
        }

        for (var v = version + 1; v <= dialect.Migrations.Count; v++)
        {
            await ExecuteAsync(connection, tx, dialect.Migrations[v - 1], cancellationToken).ConfigureAwait(false);
            await using var record = Command(connection, tx, "INSERT INTO audit_schema_version (version) VALUES (@v)");
            AddParameter(record, "v", v);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string?> ReadGenesisInstanceAsync(DbConnection connection, DbTransaction? tx, string what, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, tx, "SELECT row FROM audit_events WHERE seq = 1");
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not byte[] row)
        {
            return null;
        }

        using var reader = new AuditRowReader();
        try
        {
            return reader.ReadGenesisInstanceId(row)
                ?? throw new AuditStoreException($"The audit store {what} does not start with an audit.genesis event.");
        }
        catch (CanonicalJsonException ex)
        {
            throw new AuditStoreException($"The audit store {what} has an unreadable genesis event: {ex.Message}", ex);
        }
    }

    private async IAsyncEnumerable<AuditEvent> QueryAsync(string sql, object[] args, [EnumeratorCancellation] CancellationToken cancellationToken,
        int closingOffset = int.MaxValue)
    {
        // One statement is one snapshot: appends committed while this read runs are not part of it.
        await using var read = await DbRead.StartAsync(_dialect, sql, command =>
        {
            for (var i = 0; i < args.Length; i++)
            {
                AddParameter(command, i >= closingOffset ? $"c{i - closingOffset}" : ((char)('a' + i)).ToString(), args[i]);
            }
        }, cancellationToken).ConfigureAwait(false);
        using var rows = new AuditRowReader();
        while (await read.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var seq = read.Seq;
            yield return SqlEventRow.Read(rows, read.Row, seq, _dialect.What);
        }
    }

    /// <summary>Every stored row as kept, in seq order, from one snapshot: the events <see cref="ReadAsync"/> from seq 1 yields.</summary>
    public async IAsyncEnumerable<StoredRow> ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var read = await DbRead.StartAsync(_dialect, FromSeqSql, command =>
            {
                AddParameter(command, "a", 1L); // as ReadAsync(1) selects, so that both read exactly the same rows
                AddParameter(command, "b", long.MaxValue);
            },
            cancellationToken).ConfigureAwait(false);
        while (await read.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredRow(read.Row, read.Seq);
        }
    }

    /// <summary>What <see cref="ReadAsync"/> throws for a row that does not parse.</summary>
    public AuditStoreException UnreadableRow(StoredRow row, CanonicalJsonException error) => SqlEventRow.Unreadable(row.Position, _dialect.What, error);

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, tx, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Every statement is a constant of this class or a migration script; values are always parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = tx;
        return command;
    }

    private static DbParameter AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static string NotNull(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }
}
