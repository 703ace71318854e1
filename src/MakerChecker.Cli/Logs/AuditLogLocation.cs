using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using Npgsql;

namespace MakerChecker.Cli.Logs;

/// <summary>The kinds of log a command can read.</summary>
internal enum AuditLogKind
{
    /// <summary>A signed bundle exported by <c>audit export</c> (one JSON object opening with its manifest).</summary>
    Bundle,

    /// <summary>A live file store (JSON Lines).</summary>
    File,

    /// <summary>A SQLite store: <c>sqlite:PATH</c>.</summary>
    Sqlite,

    /// <summary>A PostgreSQL store: <c>postgres:CONNECTION</c>.</summary>
    Postgres,
}

/// <summary>
/// Where a command reads a log from, as the user wrote it: a bundle, a <c>.jsonl</c> file store, <c>sqlite:PATH</c> or
/// <c>postgres:CONNECTION</c> (docs/stores.md, "The command line on every store"). Every store is opened read-only: the
/// file store without its lock file, SQLite read-only beside the writer's WAL, PostgreSQL in read-only sessions; none
/// takes the lock an application's appends take, so a running application is never blocked.
/// </summary>
internal sealed record AuditLogLocation(AuditLogKind Kind, string Target, string Display)
{
    /// <summary>The argument's description, shared by every command that reads a log.</summary>
    public const string Description =
        "The log: a bundle (.json), a file store (.jsonl), sqlite:PATH or postgres:CONNECTION; opened read-only.";

    /// <summary>The description of <c>--checkpoints</c>, shared by every command that reads checkpoints.</summary>
    public const string CheckpointsDescription =
        "Where the log's checkpoint history is: PREFIX.checkpoints (default: beside a file store or SQLite database; a PostgreSQL log needs it).";

    /// <summary>Parses a log argument; a plain path is a bundle when its content opens with a manifest, else a file store.</summary>
    public static bool TryParse(string text, out AuditLogLocation? location, out string? failure)
    {
        location = null;
        failure = null;
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            if (path.Length == 0)
            {
                failure = "sqlite: needs the database file's path, for example sqlite:audit.db.";
                return false;
            }

            location = new AuditLogLocation(AuditLogKind.Sqlite, Path.GetFullPath(path), text);
            return true;
        }

        foreach (var scheme in new[] { "postgres:", "postgresql:" })
        {
            if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) continue;
            var connection = text[scheme.Length..];
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(connection);
                if (string.IsNullOrEmpty(builder.Host))
                {
                    failure = $"{scheme} needs an Npgsql connection string with a Host, for example \"{scheme}Host=db;Database=audit;Username=inspector\".";
                    return false;
                }

                // Never echo a password: messages name the server and database only.
                location = new AuditLogLocation(AuditLogKind.Postgres, connection, $"postgres:{builder.Host}/{builder.Database}");
                return true;
            }
            catch (ArgumentException ex)
            {
                failure = $"{scheme} is followed by something that is not an Npgsql connection string: {ex.Message}";
                return false;
            }
        }

        if (text.Length == 0)
        {
            failure = "the log's path is empty.";
            return false;
        }

        location = new AuditLogLocation(LooksLikeBundle(text) ? AuditLogKind.Bundle : AuditLogKind.File, Path.GetFullPath(text), text);
        return true;
    }

    /// <summary>Whether the log is a live store (not a bundle).</summary>
    public bool IsStore => Kind != AuditLogKind.Bundle;

    /// <summary>
    /// Whether <paramref name="ex"/> is a failure to read a log that a command reports in one line (exit 1): the store
    /// refused it, the file could not be read, or its content is not what the format says. Anything else is a bug.
    /// </summary>
    public static bool IsReadFailure(Exception ex) =>
        ex is AuditStoreException or IOException or UnauthorizedAccessException or FormatException or CanonicalJsonException;

    /// <summary>Whether there is nothing at a file location (a bundle, a file store or a SQLite database).</summary>
    public bool IsMissingFile => Kind != AuditLogKind.Postgres && !System.IO.File.Exists(Target);

    /// <summary>
    /// The prefix of the log's checkpoint files (<c>PREFIX.checkpoints</c>, <c>PREFIX.merkle</c>): <paramref name="given"/>
    /// when set, else beside a file store or SQLite database; <see langword="null"/> for PostgreSQL without one.
    /// </summary>
    public string? CheckpointPrefix(string? given) => given is { Length: > 0 } ? Path.GetFullPath(given) : Kind switch
    {
        AuditLogKind.File or AuditLogKind.Sqlite => Target,
        _ => null,
    };

    /// <summary>The checkpoint history file, or <see langword="null"/> when the log has none to look for.</summary>
    public string? HistoryPath(string? given) => CheckpointPrefix(given) is { } prefix ? prefix + CheckpointedAuditStore.HistoryFileSuffix : null;

    /// <summary>The checkpoint prefix of a log already opened: a bundle's is its transparency section's, extracted at open.</summary>
    public string? CheckpointPrefix(IAuditStore opened, string? given) => opened is BundleLog bundle ? bundle.CheckpointPrefix : CheckpointPrefix(given);

    /// <summary>The checkpoint history file of a log already opened (see <see cref="CheckpointPrefix(IAuditStore, string?)"/>).</summary>
    public string? HistoryPath(IAuditStore opened, string? given) =>
        CheckpointPrefix(opened, given) is { } prefix ? prefix + CheckpointedAuditStore.HistoryFileSuffix : null;

    /// <summary>Opens the log read-only: a live store, or a full bundle after it verifies (<see cref="BundleLog"/>).</summary>
    /// <exception cref="AuditStoreException">The log cannot be opened (missing, not a log, unreachable, a bundle that fails verification).</exception>
    public async Task<IAuditStore> OpenReadOnlyAsync(CancellationToken cancellationToken) => Kind switch
    {
        AuditLogKind.File => await FileAuditStore.OpenReadOnlyAsync(Target, cancellationToken).ConfigureAwait(false),
        AuditLogKind.Sqlite => await SqliteAuditStore.OpenReadOnlyAsync(Target, cancellationToken).ConfigureAwait(false),
        AuditLogKind.Postgres => await PostgreSqlAuditStore.OpenReadOnlyAsync(Target, cancellationToken).ConfigureAwait(false),
        _ => await BundleLog.OpenAsync(Target, cancellationToken).ConfigureAwait(false),
    };

    /// <summary>
    /// Opens the store read-only with its checkpoint layer: the tree rebuilt in memory, the history verified under the
    /// options' key, nothing written. A file store whose own rows fail verification is refused first.
    /// </summary>
    /// <returns>The checkpointed store, or the failed verdict of a file store that does not verify.</returns>
    public async Task<(CheckpointedAuditStore? Store, Audit.Verification.AuditVerdict? Failed)> OpenCheckpointedAsync(
        CheckpointedAuditStoreOptions options, string? checkpoints, CancellationToken cancellationToken)
    {
        var inner = await OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false);
        if (inner is FileAuditStore { OpenVerdict.IsValid: false } file)
        {
            var verdict = file.OpenVerdict;
            await inner.DisposeAsync().ConfigureAwait(false);
            return (null, verdict);
        }

        try
        {
            options.FilePrefix = CheckpointPrefix(inner, checkpoints);
            return (await CheckpointedAuditStore.OpenReadOnlyAsync(inner, options, cancellationToken).ConfigureAwait(false), null);
        }
        catch
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A <c>.jsonl</c> file is a file store and a <c>.json</c> file a bundle, as they always were; any other file is a
    /// bundle when it opens with a manifest (one JSON object), else a file store.
    /// </summary>
    private static bool LooksLikeBundle(string path)
    {
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return false;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var file = System.IO.File.OpenRead(path);
            var head = new byte[256];
            var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var text = System.Text.Encoding.UTF8.GetString(head, 0, read).TrimStart();
            return text.StartsWith('{') && text[1..].TrimStart().StartsWith("\"manifest\"", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // opening it as a store reports why it cannot be read
        }
    }
}
