using System.Data.Common;
using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>What differs between the SQL databases; everything else about a SQL store is <see cref="DbAuditLog"/>.</summary>
internal abstract class DbDialect
{
    /// <summary>Names the store in messages, for example <c>SQLite 'audit.db'</c>.</summary>
    public abstract string What { get; }

    /// <summary>The schema, one script per version: version N is element N - 1. Scripts are never edited once shipped.</summary>
    public abstract IReadOnlyList<string> Migrations { get; }

    /// <summary>Opens a configured connection.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts the transaction an append (or a migration) runs in, holding the log's write lock until it ends, so that
    /// appends from every connection and process serialize and each reads the head the previous one committed.
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);
}

/// <summary>
/// The SQL stores' shared engine over ADO.NET: versioned migrations, the genesis, group commit (one transaction
/// per group, the head read inside it), reads and the indexed queries. The SQL text is common to SQLite and
/// PostgreSQL; <see cref="DbDialect"/> supplies the rest.
/// </summary>
internal sealed class DbAuditLog : IAsyncDisposable
{
    private const string Columns = "seq, row";
    private const string InsertSql =
        "INSERT INTO audit_events (seq, id, occurred_at, actor_id, event_type, entity_type, entity_id, run_id, row, hash) " +
        "VALUES (@seq, @id, @occurred_at, @actor_id, @event_type, @entity_type, @entity_id, @run_id, @row, @hash)";

    private static readonly string[] InsertColumns =
        ["seq", "id", "occurred_at", "actor_id", "event_type", "entity_type", "entity_id", "run_id", "row", "hash"];

    private readonly DbDialect _dialect;
    private readonly DbWriterConnection? _writer; // null when opened read-only
    private readonly AuditGroupCommit? _queue;

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
                    await InsertAsync(connection, tx, [AuditGroupCommit.Genesis(actual, time, newId)], cancellationToken).ConfigureAwait(false);
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

    private AuditGroupCommit Writer => _queue ?? throw new InvalidOperationException(
        $"The audit store {_dialect.What} was opened read-only (OpenReadOnlyAsync): it never appends. Open it with OpenAsync to write.");

    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM audit_events WHERE seq >= @a ORDER BY seq", [fromSeq], cancellationToken);

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
    }

    /// <summary>
    /// One group: lock, read the head inside the transaction, chain onto it, insert, commit. A conditional append is
    /// checked against that head (as moved by the group's earlier appends), so it holds under the same lock as its insert.
    /// </summary>
    private Task CommitAsync(AuditGroupChain chain, CancellationToken cancellationToken) =>
        _writer!.WriteAsync((writer, tx) => InsertOnHeadAsync(writer, tx, chain, cancellationToken), cancellationToken);

    private async Task InsertOnHeadAsync(DbConnection writer, DbTransaction tx, AuditGroupChain chain, CancellationToken cancellationToken)
    {
        long lastSeq;
        string headHex;
        await using (var head = Command(writer, tx, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new AuditStoreException($"The audit store {_dialect.What} has no genesis event: it was emptied behind the store's back.");
            }

            lastSeq = reader.GetInt64(0);
            headHex = reader.GetString(1);
        }

        await InsertAsync(writer, tx, chain(lastSeq, headHex), cancellationToken).ConfigureAwait(false);
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, tx, InsertSql);
        var p = InsertColumns.Select(name => AddParameter(insert, name, null)).ToArray();
        foreach (var row in rows)
        {
            object?[] values = [row.Seq, row.Id, row.OccurredAt, row.ActorId, row.EventType, row.EntityType, row.EntityId, row.RunId, row.Row, row.Hash];
            for (var i = 0; i < p.Length; i++)
            {
                p[i].Value = values[i] ?? DBNull.Value;
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
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
        await using var read = await DbRead.StartAsync(_dialect, $"SELECT {Columns} FROM audit_events WHERE seq >= @a ORDER BY seq",
            command => AddParameter(command, "a", 1L), // as ReadAsync(1) selects, so that both read exactly the same rows
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
