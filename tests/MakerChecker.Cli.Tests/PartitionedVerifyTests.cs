using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.PostgreSql.Tests;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using MakerChecker.Cli.Tests.GoChecker;
using Npgsql;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// <c>makerchecker audit verify</c> over a partitioned log: a directory of chains, and PostgreSQL with <c>--partitions</c>.
/// Valid; a chain removed, added, truncated or rewritten; the index tampered or missing: each fails with its reason code.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionedVerifyTests(PostgresServer server) : IDisposable
{
    private const string Origin = "audit.example.com/claims";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-partitions-").FullName;
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();

    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private string Vkey => NoteVerifierKey.FromEd25519(Origin, _signer.PublicKey.Span).ToString();

    private string Log => Path.Combine(_dir, "log");

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A partitioned file log of three chains holding 1 + 4, 1 + 3 and 1 + 3 events, closed (so its last round is signed).</summary>
    private async Task WriteLogAsync()
    {
        await using var log = await PartitionedAuditLog.OpenDirectoryAsync(Log, 3, new PartitionedAuditLogOptions { Signer = _signer, Origin = Origin });
        for (var i = 1; i <= 9; i++) await log.GetChain(PartitionedAuditLog.ChainName(i % 3)).AppendAsync(Entry(i));
        await log.GetChain("p0").AppendAsync(Entry(10));
    }

    private async Task<(int Exit, string Output)> VerifyAsync(params string[] more)
    {
        var (exit, output, error) = await CliRunner.RunAsync(["audit", "verify", Log, "--vkey", Vkey, .. more]);
        return (exit, output + error);
    }

    [Fact]
    public async Task A_valid_partitioned_directory_verifies_chain_by_chain()
    {
        await WriteLogAsync();

        var (exit, output) = await VerifyAsync();

        Assert.True(exit == 0, output);
        Assert.StartsWith($"verified: {Log}: 3 chains, 13 events; every chain verifies, is in the signed index", output, StringComparison.Ordinal);
        Assert.Contains("  p0: 5 events; indexed at size 5;", output, StringComparison.Ordinal);
        Assert.Contains("  p2: 4 events; indexed at size 4;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_chain_fails_as_partition_missing()
    {
        await WriteLogAsync();
        File.Delete(Path.Combine(Log, "p1.jsonl"));

        var (exit, output) = await VerifyAsync();

        Assert.Equal(1, exit);
        Assert.StartsWith($"FAILED: {Log}: {AuditReasonCodes.PartitionMissing}: chain p1 is not in {Log}, but the signed index", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_added_chain_fails_as_partition_not_indexed()
    {
        await WriteLogAsync();
        await (await FileAuditStore.OpenAsync(Path.Combine(Log, "p7.jsonl"))).DisposeAsync();

        var (exit, output) = await VerifyAsync();

        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionNotIndexed}: chain p7 is in {Log} but not in the signed index", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_chain_fails_as_shorter_than_the_index_even_though_its_hash_chain_verifies()
    {
        await WriteLogAsync();
        var chain = Path.Combine(Log, "p2.jsonl");
        var lines = File.ReadAllLines(chain);
        File.WriteAllLines(chain, lines[..^1]);
        Assert.True((await AuditStoreVerifier.VerifyAsync(await FileAuditStore.OpenReadOnlyAsync(chain))).IsValid);

        var (exit, output) = await VerifyAsync();

        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionShorterThanIndex}: chain p2 against the signed index (size 4,", output, StringComparison.Ordinal);
        Assert.Contains("the log has 3 events but its index entry covers 4 events", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_or_missing_index_fails_and_no_key_is_a_usage_error()
    {
        await WriteLogAsync();
        var index = Path.Combine(Log, PartitionedAuditLog.IndexFileName);
        var text = File.ReadAllText(index);
        File.WriteAllText(index, text.Replace("\np1 4 ", "\np1 3 ", StringComparison.Ordinal));

        var (exit, output) = await VerifyAsync();
        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionIndexInvalid}: '{index}': index note:", output, StringComparison.Ordinal);

        File.Delete(index);
        (exit, output) = await VerifyAsync();
        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionIndexMissing}: '{index}' does not exist", output, StringComparison.Ordinal);

        var (usage, _, error) = await CliRunner.RunAsync("audit", "verify", Log);
        Assert.Equal(2, usage);
        Assert.Contains("--vkey is required", error, StringComparison.Ordinal);
    }

    [GoFact]
    public async Task Go_note_Open_reads_the_index_and_rejects_a_tampered_one()
    {
        await WriteLogAsync();
        var index = Path.Combine(Log, PartitionedAuditLog.IndexFileName);

        var (exit, output) = await GoChecker.GoChecker.RunAsync("index", Vkey, index);
        Assert.True(exit == 0, output);
        Assert.Contains($"ok: index of {Origin} lists 3 chains", output, StringComparison.Ordinal);

        File.WriteAllText(index, File.ReadAllText(index).Replace("\np0 5 ", "\np0 6 ", StringComparison.Ordinal));
        (exit, output) = await GoChecker.GoChecker.RunAsync("index", Vkey, index);
        Assert.Equal(1, exit);
        Assert.Contains("rejected: note.Open", output, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task A_partitioned_PostgreSQL_log_verifies_with_partitions_and_a_dropped_chain_schema_fails()
    {
        var connection = await server.NewSchemaAsync(); // an empty database area of our own: the chains go in schemas makerchecker_p*
        var database = "mc_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = admin.CreateCommand();
            create.CommandText = $"CREATE DATABASE {database}";
            await create.ExecuteNonQueryAsync();
        }

        connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ToString();
        var checkpoints = Path.Combine(_dir, "pg");
        await using (var log = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, 2,
            new PartitionedAuditLogOptions { Signer = _signer, Origin = Origin, Directory = checkpoints }))
        {
            for (var i = 1; i <= 5; i++) await log.GetChain(PartitionedAuditLog.ChainName(i % 2)).AppendAsync(Entry(i));
        }

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", "postgres:" + connection, "--partitions", "2", "--checkpoints", checkpoints,
            "--vkey", Vkey);
        Assert.True(exit == 0, output + error);
        Assert.Contains("2 chains, 7 events", output, StringComparison.Ordinal);

        // An inspector told to expect 3 chains finds only 2.
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", "postgres:" + connection, "--partitions", "3", "--checkpoints", checkpoints,
            "--vkey", Vkey);
        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionMissing}: chain p2 is not in", output, StringComparison.Ordinal);

        await using (var owner = new NpgsqlConnection(connection))
        {
            await owner.OpenAsync();
            await using var drop = owner.CreateCommand();
            drop.CommandText = $"DROP SCHEMA {PostgreSqlPartitionedAuditLog.SchemaPrefix}p1 CASCADE";
            await drop.ExecuteNonQueryAsync();
        }

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", "postgres:" + connection, "--partitions", "2", "--checkpoints", checkpoints,
            "--vkey", Vkey);
        Assert.Equal(1, exit);
        Assert.Contains($"{AuditReasonCodes.PartitionMissing}: chain p1 is not in", output, StringComparison.Ordinal);
    }
}
