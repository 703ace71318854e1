using MakerChecker.Audit.Payloads;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql;

/// <summary>
/// A case store (<see cref="IRequestPayloadStore"/>) in PostgreSQL: one row per payload, keyed by its digest, in table
/// <c>request_payloads</c> of the connection's schema, created on first use. Many app instances may share it.
/// </summary>
public sealed class PostgreSqlRequestPayloadStore : IRequestPayloadStore, IAsyncDisposable
{
    private const string Schema = "CREATE TABLE IF NOT EXISTS request_payloads (digest text NOT NULL PRIMARY KEY, payload bytea NOT NULL)";

    private readonly NpgsqlDataSource _dataSource;
    private volatile bool _created;

    /// <summary>A case store on the database <paramref name="connectionString"/> names, created (with its table) on first use.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public PostgreSqlRequestPayloadStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default)
    {
        RequestPayloads.CheckPut(payloadDigest, canonicalJson.Span);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO request_payloads (digest, payload) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = payloadDigest });
        command.Parameters.Add(new NpgsqlParameter { Value = canonicalJson.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloadDigest);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand("SELECT payload FROM request_payloads WHERE digest = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = payloadDigest });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <summary>Closes the store's connection pool.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Creates the table once; idempotent, so instances racing to create it both succeed.</summary>
    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_created) return;
        await using var command = _dataSource.CreateCommand(Schema);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
        {
            // Another instance created it at the same moment (CREATE TABLE IF NOT EXISTS is not race-free in PostgreSQL).
        }
        _created = true;
    }
}
