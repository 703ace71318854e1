using System.Data.Common;

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

    /// <summary>
    /// Starts the write transaction (<see cref="BeginWriteAsync"/>) and reads the head (last seq and hash) inside it, after
    /// the lock is held; <see langword="null"/> head for a table with no row. A dialect may do both in one round trip, as
    /// long as the head is read by a statement that starts after the lock was granted (so it sees every earlier commit).
    /// With <paramref name="tailAfter"/>, a dialect may also read the rows stored after that seq (<see cref="TailSql"/>, in the
    /// same round trip, after the lock); the default reads none (<see langword="null"/> tail).
    /// </summary>
    public virtual async Task<(DbTransaction Transaction, (long Seq, string Hash)? Head, List<DbTailRow>? Tail)> BeginWriteAndReadHeadAsync(
        DbConnection connection, long? tailAfter, CancellationToken cancellationToken)
    {
        var tx = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var head = connection.CreateCommand();
            head.Transaction = tx;
            head.CommandText = HeadSql;
            await using var reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return (tx, await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetString(1)) : null, null);
        }
        catch
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Whether the database can hold the log's write lock for a session (<see cref="HoldAsync"/>). Known without asking the
    /// database, so that a store that cannot hold says so at once instead of waiting for its writer's turn first.
    /// <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public virtual bool CanHoldHead => false;

    /// <summary>
    /// Takes the log's write lock for the session of <paramref name="connection"/> (not for a transaction), so that it is held
    /// across this connection's next transactions, which take it again at once, until <see cref="ReleaseHoldAsync"/>; other
    /// connections wait for it meanwhile. Called only when <see cref="CanHoldHead"/>.
    /// </summary>
    public virtual Task HoldAsync(DbConnection connection, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The audit store {What} cannot hold its append lock for a session.");

    /// <summary>Lets go of one hold <see cref="HoldAsync"/> took on <paramref name="connection"/>.</summary>
    public virtual Task ReleaseHoldAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>The statement that reads the head: the last seq and its hash.</summary>
    public const string HeadSql = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

    /// <summary>
    /// The statement that reads the tail after seq <c>@after</c>: at most <see cref="MaxTail"/> rows (seqs are contiguous),
    /// with the columns a scope reads (<see cref="DbTailRow"/>). The range is bounded on both sides, not cut by a LIMIT, so
    /// that the plan PostgreSQL keeps for the prepared statement (a generic plan, made once while the table was small and
    /// reused by every later group) reads the primary key's range: with <c>seq &gt; @after ... LIMIT</c> that plan was a scan
    /// and sort of the whole table on every group, a cost growing with the log (docs/performance.md, "PostgreSQL, CPU per commit").
    /// </summary>
    public const string TailSql = "SELECT seq, actor_id, event_type, row FROM audit_events WHERE seq > @after AND seq <= @after + 1024 ORDER BY seq";

    /// <summary>The most rows <see cref="TailSql"/> reads; a longer tail is not used (the conflict check then queries).</summary>
    public const int MaxTail = 1024;

    /// <summary>
    /// Inserts the group's rows (<see cref="InsertAsync"/>) and commits. Throws <see cref="DbCommitUnknownException"/> when
    /// the commit may have happened (it was sent and no answer came); any other exception means nothing was committed. A
    /// dialect may send both in one round trip.
    /// </summary>
    public virtual async Task InsertAndCommitAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count > 0) await InsertAsync(connection, tx, rows, cancellationToken).ConfigureAwait(false);
        try
        {
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new DbCommitUnknownException(ex);
        }
    }

    /// <summary>
    /// Inserts one group's rows, in seq order, inside <paramref name="tx"/>, in as few statements as the database allows.
    /// The default is the SQL both databases share: multi-row <c>INSERT ... VALUES (...), (...)</c>, every value a parameter,
    /// at most <see cref="RowsPerInsert"/> rows a statement.
    /// </summary>
    public virtual async Task InsertAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += RowsPerInsert)
        {
            var count = Math.Min(RowsPerInsert, rows.Count - start);
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
#pragma warning disable CA2100 // The text is built from constants and row numbers only; every value is a parameter.
            insert.CommandText = MultiRowInsertSql(count);
#pragma warning restore CA2100
            for (var r = 0; r < count; r++)
            {
                var values = Values(rows[start + r]);
                for (var c = 0; c < values.Length; c++)
                {
                    var parameter = insert.CreateParameter();
                    parameter.ParameterName = $"p{r}_{c}";
                    parameter.Value = values[c] ?? DBNull.Value;
                    insert.Parameters.Add(parameter);
                }
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The most rows one multi-row insert carries (10 parameters a row, well under either database's limit).</summary>
    public const int RowsPerInsert = 256;

    /// <summary>The stored columns, in the order <see cref="Values"/> gives them.</summary>
    public const string InsertColumns = "seq, id, occurred_at, actor_id, event_type, entity_type, entity_id, run_id, row, hash";

    /// <summary>One row's column values, in <see cref="InsertColumns"/> order.</summary>
    public static object?[] Values(AuditRow row) =>
        [row.Seq, row.Id, row.OccurredAt, row.ActorId, row.EventType, row.EntityType, row.EntityId, row.RunId, row.Row, row.Hash];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> MultiRowSql = new();

    private static string MultiRowInsertSql(int rows) => MultiRowSql.GetOrAdd(rows, n =>
    {
        var sql = new System.Text.StringBuilder($"INSERT INTO audit_events ({InsertColumns}) VALUES ");
        for (var r = 0; r < n; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < 10; c++) sql.Append(c == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"@p{r}_{c}");
            sql.Append(')');
        }

        return sql.ToString();
    });
}
