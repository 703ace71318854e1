using MakerChecker.Audit.Payloads;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite;

/// <summary>
/// A case store (<see cref="IRequestPayloadStore"/>) in a SQLite file: one row per payload, keyed by its digest, in table
/// <c>request_payloads</c>. Created on first use. Keep it in its own file, beside the audit log's: the log is the evidence,
/// this holds the personal data the log only digests (and may be purged by its own retention rules).
/// </summary>
public sealed class SqliteRequestPayloadStore : IRequestPayloadStore
{
    private const string Schema =
        "CREATE TABLE IF NOT EXISTS request_payloads (digest TEXT NOT NULL PRIMARY KEY, payload BLOB NOT NULL) WITHOUT ROWID;";

    private readonly string _connectionString;
    private volatile bool _created;

    /// <summary>A case store in the SQLite file at <paramref name="path"/>, created (with its table) on first use.</summary>
    /// <param name="path">The database file.</param>
    public SqliteRequestPayloadStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 30 }.ToString();
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default)
    {
        RequestPayloads.CheckPut(payloadDigest, canonicalJson.Span);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO request_payloads (digest, payload) VALUES ($digest, $payload);";
        command.Parameters.AddWithValue("$digest", payloadDigest);
        command.Parameters.AddWithValue("$payload", canonicalJson.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloadDigest);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM request_payloads WHERE digest = $digest;";
        command.Parameters.AddWithValue("$digest", payloadDigest);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!_created) await CreateSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates the table; idempotent, so two connections racing to create it both succeed.</summary>
    private async Task CreateSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL; " + Schema;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _created = true;
    }
}
