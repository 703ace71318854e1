using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.PostgreSql.Tests;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Testing;
using Npgsql;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// Every command that reads a log, on <c>postgres:CONNECTION</c>, against the test server of the PostgreSQL store's tests
/// (a throwaway cluster; skipped only outside CI when no server binaries are installed). The checkpoint history of a
/// database-backed log is wherever its writer keeps it, named with <c>--checkpoints PREFIX</c>.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStoreKindTests(PostgresServer server) : IDisposable
{
    private const string Subject = "claim:C-1009";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-pg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task Verify_export_case_receipt_latest_checkpoint_and_consistency_work_on_postgres_and_tampering_fails()
    {
        var connection = await server.NewSchemaAsync();
        var (key, pub) = (Path.Combine(_dir, "key.pem"), Path.Combine(_dir, "key.pub.pem"));
        Ed25519KeyFile.Create(key, pub);
        var prefix = Path.Combine(_dir, "pg-audit");
        var vkey = await AppendAsync(await PostgreSqlAuditStore.OpenAsync(connection), prefix, key,
            Enumerable.Range(1, 7).Select(i => i % 2 == 1 ? CaseEntry(i, Subject) : Entry(i)));
        var log = "postgres:" + connection;
        var shown = $"postgres:{new NpgsqlConnectionStringBuilder(connection).Host}/{new NpgsqlConnectionStringBuilder(connection).Database}";

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", log, "--checkpoints", prefix, "--vkey", vkey, "--require-checkpoints");
        Assert.True(exit == 0, error + output);
        Assert.StartsWith($"verified: {shown}: 8 events, every hash and link checks; checked against signed checkpoint 1 (size 8,", output,
            StringComparison.Ordinal);

        // Without --checkpoints a PostgreSQL log has no history to check, and a pinned key then fails.
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", log, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.Contains("checkpoint_missing: --vkey was given but no checkpoint history was named", output, StringComparison.Ordinal);

        var old = Path.Combine(_dir, "old.note");
        (exit, _, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", log, "--checkpoints", prefix, "--vkey", vkey, "-o", old);
        Assert.True(exit == 0, error);
        var receipt = Path.Combine(_dir, "r.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", log, "--checkpoints", prefix, "--seq", "2", "--vkey", vkey, "-o", receipt);
        Assert.True(exit == 0, error);
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey);
        Assert.True(exit == 0, output);

        var pack = Path.Combine(_dir, "case");
        (exit, _, error) = await CliRunner.RunAsync("audit", "export", log, "--checkpoints", prefix, "--case", Subject, "--key", key, "--out", pack);
        Assert.True(exit == 0, error);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(pack, "receipts")).Length);
        var bundle = Path.Combine(_dir, "full.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "export", log, "--checkpoints", prefix, "--key", key, "--out", bundle);
        Assert.True(exit == 0, error);
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--key", pub, "--require-checkpoints");
        Assert.True(exit == 0, output);

        await AppendAsync(await PostgreSqlAuditStore.OpenAsync(connection), prefix, key, [Entry(8), Entry(9)]);
        (exit, output, error) = await CliRunner.RunAsync("audit", "consistency", old, log, "--checkpoints", prefix, "--vkey", vkey);
        Assert.True(exit == 0, error + output);
        Assert.Contains("\n\nexample.com/claims\n10\n", output, StringComparison.Ordinal);

        await using (var db = new NpgsqlConnection(connection))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "ALTER TABLE audit_events DISABLE TRIGGER USER; " +
                "UPDATE audit_events SET row = convert_to(replace(convert_from(row, 'UTF8'), 'approved', 'rejected'), 'UTF8') WHERE seq = 5;";
            await command.ExecuteNonQueryAsync();
        }

        (exit, output, error) = await CliRunner.RunAsync("audit", "verify", log, "--checkpoints", prefix, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAILED: {shown} at seq 5: hash_mismatch", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", output + error, StringComparison.OrdinalIgnoreCase);
    }
}
