using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using Microsoft.Data.Sqlite;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// Every command that reads a log, on the kinds of store that are not a file: here <c>sqlite:PATH</c> (PostgreSQL in
/// <see cref="PostgreSqlStoreKindTests"/>), with its checkpoint history beside the database. Success, tampering, bad input.
/// </summary>
public sealed class StoreKindsTests : IDisposable
{
    private const string Subject = "claim:C-1009";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-sqlite-").FullName;
    private readonly string _db;
    private readonly string _key;
    private readonly string _pub;

    public StoreKindsTests()
    {
        _db = Path.Combine(_dir, "audit.db");
        _key = Path.Combine(_dir, "key.pem");
        _pub = Path.Combine(_dir, "key.pub.pem");
        Ed25519KeyFile.Create(_key, _pub);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string Log => "sqlite:" + _db;

    private async Task<string> WriteAsync(int count = 7) =>
        await AppendAsync(await SqliteAuditStore.OpenAsync(_db), _db, _key,
            Enumerable.Range(1, count).Select(i => i % 2 == 1 ? CaseEntry(i, Subject) : Entry(i)));

    [Fact]
    public async Task Verify_export_case_receipt_latest_checkpoint_and_consistency_work_on_sqlite()
    {
        var vkey = await WriteAsync();
        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", Log, "--vkey", vkey, "--require-checkpoints");
        Assert.True(exit == 0, error + output);
        Assert.StartsWith($"verified: {Log}: 8 events, every hash and link checks; checked against signed checkpoint 1 (size 8,", output,
            StringComparison.Ordinal);

        var old = Path.Combine(_dir, "old.note");
        (exit, _, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", Log, "--vkey", vkey, "-o", old);
        Assert.True(exit == 0, error);

        var receipt = Path.Combine(_dir, "r.json");
        (exit, output, error) = await CliRunner.RunAsync("audit", "receipt", Log, "--seq", "3", "--vkey", vkey, "-o", receipt);
        Assert.True(exit == 0, error);
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey);
        Assert.True(exit == 0, output);

        var bundle = Path.Combine(_dir, "full.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "export", Log, "--key", _key, "--out", bundle);
        Assert.True(exit == 0, error);
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--key", _pub, "--require-checkpoints");
        Assert.True(exit == 0, output);

        var pack = Path.Combine(_dir, "case");
        (exit, output, error) = await CliRunner.RunAsync("audit", "export", Log, "--case", Subject, "--key", _key, "--out", pack);
        Assert.True(exit == 0, error);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(pack, "receipts")).Length);

        await WriteAsync(3); // the log grows and its writer signs again
        (exit, output, error) = await CliRunner.RunAsync("audit", "consistency", old, Log, "--vkey", vkey);
        Assert.True(exit == 0, error + output);
        Assert.StartsWith("extends: the log (11 events) extends checkpoint example.com/claims size 8", output, StringComparison.Ordinal);
        Assert.Contains("\n\nexample.com/claims\n11\n", output, StringComparison.Ordinal); // the latest signed checkpoint follows the proof
    }

    [Fact]
    public async Task A_tampered_sqlite_row_fails_verification_in_one_line()
    {
        var vkey = await WriteAsync();
        await using (var connection = new SqliteConnection($"Data Source={_db}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // What an attacker with file access does: drop the append-only trigger, rewrite a decision.
            command.CommandText = "DROP TRIGGER audit_events_no_update; " +
                "UPDATE audit_events SET row = CAST(replace(CAST(row AS TEXT), 'approved', 'rejected') AS BLOB) WHERE seq = 4;";
            await command.ExecuteNonQueryAsync();
        }

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", Log, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAILED: {Log} at seq 4: hash_mismatch", output, StringComparison.Ordinal);
        Assert.Single(output.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);

        (exit, _, error) = await CliRunner.RunAsync("audit", "export", Log, "--key", _key, "--out", Path.Combine(_dir, "x.json"));
        Assert.Equal(1, exit);
        Assert.Contains("nothing was signed or written", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.json")));
    }

    [Theory]
    [InlineData("sqlite:", 2, "error: sqlite: needs the database file's path")]
    [InlineData("sqlite:/nonexistent/audit.db", 2, "error: 'sqlite:/nonexistent/audit.db' does not exist.")]
    [InlineData("postgres:Port=5", 2, "error: postgres: needs an Npgsql connection string with a Host")]
    [InlineData("postgres:Host=127.0.0.1;Port=1;Timeout=1;Username=nobody", 1, "FAILED: postgres:127.0.0.1/: the store cannot be read: ")]
    public async Task Bad_store_locations_exit_with_one_clear_line(string location, int code, string message)
    {
        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", location);
        Assert.Equal(code, exit);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_file_that_is_not_a_sqlite_database_fails_in_one_line_and_is_not_changed()
    {
        var notADb = Path.Combine(_dir, "notes.db");
        await File.WriteAllTextAsync(notADb, "this is not a database\n");
        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", "sqlite:" + notADb);
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAILED: sqlite:{notADb}: the store cannot be read: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Empty(output);
        Assert.Equal("this is not a database\n", await File.ReadAllTextAsync(notADb));
        Assert.Equal(["notes.db"], Directory.GetFiles(_dir, "notes.db*").Select(Path.GetFileName));
    }

    [Fact]
    public async Task Opening_read_only_never_writes_a_genesis_into_an_empty_database()
    {
        var empty = Path.Combine(_dir, "empty.db");
        await using (var connection = new SqliteConnection($"Data Source={empty}"))
        {
            await connection.OpenAsync(); // creates an empty database file
        }

        var (exit, _, error) = await CliRunner.RunAsync("audit", "verify", "sqlite:" + empty);
        Assert.Equal(1, exit);
        Assert.Contains("holds no audit log", error, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AuditStoreException>(async () => await SqliteAuditStore.OpenReadOnlyAsync(empty));
    }

    [Fact]
    public async Task Review_report_reads_a_sqlite_store_and_refuses_a_pinned_key_for_it()
    {
        await using (var store = await SqliteAuditStore.OpenAsync(_db))
        {
            // An event the report does not read (the checkpointed logs' approval.decided entries are not gate-shaped).
            await store.AppendAsync(new() { Actor = new("service", "app"), EventType = "app.started", Payload = [] });
        }

        var (exit, output, error) = await CliRunner.RunAsync("review", "report", Log, "--json");
        Assert.True(exit == 0, error);
        Assert.Contains("\"kind\": \"SQLite store\"", output, StringComparison.Ordinal);

        (exit, _, error) = await CliRunner.RunAsync("review", "report", Log, "--key", _pub);
        Assert.Equal(2, exit);
        Assert.Contains("--key does not apply", error, StringComparison.Ordinal);
    }
}
