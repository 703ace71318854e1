using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// The statements every group and every catch-up read repeat are prepared once per connection, and PostgreSQL then keeps
/// one generic plan for each, made while the log was small. That plan must still read the primary key's range once the
/// log has grown: a scan of the whole table per group costs CPU in proportion to the log (docs/performance.md,
/// "PostgreSQL, CPU per commit"). Observed through the table's own statistics: how many sequential scans it had.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlPlanTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private const int Rounds = 40;

    [StoreFact]
    public async Task The_tail_and_catch_up_reads_prepared_on_a_small_log_do_not_scan_the_table_once_it_has_grown()
    {
        // Two writers in turn, so each group reads the other's events (the tail) and a catches up after each.
        var scans = await SequentialScansOnAGrownLogAsync(RoundAsync);

        // Each round is two groups that read the tail and one catch-up read: with a plan that scans, at least one scan each.
        Assert.True(scans < Rounds / 4, $"{scans} sequential scans of audit_events in {Rounds} rounds of appends and catch-up reads on a grown log");
    }

    [StoreFact]
    public async Task The_scope_check_prepared_on_a_small_log_does_not_scan_the_table_once_it_has_grown()
    {
        // Each round's scoped appends expect a head one event old, so the group checks the event in between against the
        // scope in the database (the store's own event, so no tail read holds it).
        var scans = await SequentialScansOnAGrownLogAsync((a, _) => ScopedRoundAsync(a));

        // Each round is two scope checks: with a plan that scans, at least one scan each.
        Assert.True(scans < Rounds / 4, $"{scans} sequential scans of audit_events in {Rounds} rounds of two scope checks on a grown log");
    }

    /// <summary>
    /// Runs <paramref name="round"/> on a small log, often enough for its statements to be prepared and their generic plans
    /// chosen; grows the log well past that size; then counts the table's sequential scans over <see cref="Rounds"/> more.
    /// </summary>
    private async Task<long> SequentialScansOnAGrownLogAsync(Func<PostgreSqlAuditStore, PostgreSqlAuditStore, Task> round)
    {
        var connection = await server.NewSchemaAsync();
        var schema = new NpgsqlConnectionStringBuilder(connection).SearchPath!;
        await using var a = await PostgreSqlAuditStore.OpenAsync(connection);
        await using var b = await PostgreSqlAuditStore.OpenAsync(connection);
        for (var i = 0; i < 24; i++) await round(a, b);

        // The log grows well past the size its plans were made at.
        await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => b.AppendAsync(Entry("bulk", $"filler {i} " + new string('x', 400))).AsTask()));

        await FlushStatisticsAsync(a, b);
        var before = await SequentialScansAsync(schema);
        for (var i = 0; i < Rounds; i++) await round(a, b);
        await FlushStatisticsAsync(a, b);
        var scans = await SequentialScansAsync(schema) - before;
        Assert.True((await Verification.AuditStoreVerifier.VerifyAsync(a)).IsValid);
        return scans;
    }

    /// <summary>
    /// An append, then a scoped append expecting the head before it: written after it when the scope lets it (an event of
    /// the scope's actor budget in between), refused when the scope forbids it (its type conflicts whoever wrote it).
    /// </summary>
    private static async Task ScopedRoundAsync(PostgreSqlAuditStore a)
    {
        var seen = await a.AppendAsync(Entry("a", "round"));
        var written = await a.TryAppendBatchAsync([Entry("a", "scoped")], seen.Seq - 1, Scope("test.blocked", budget: 1));
        Assert.Equal(seen.Seq + 1, Assert.Single(written).Seq);
        var other = await a.AppendAsync(Entry("a", "round"));
        Assert.Empty(await a.TryAppendBatchAsync([Entry("a", "scoped")], other.Seq - 1, Scope("test.recorded", budget: 0)));
    }

    private static AuditAppendScope Scope(string conflicting, int budget) =>
        new([conflicting], new Dictionary<string, int> { ["a"] = budget }, ["test.recorded"]);

    private static async Task RoundAsync(PostgreSqlAuditStore a, PostgreSqlAuditStore b)
    {
        var seen = await a.AppendAsync(Entry("a", "round"));
        await b.AppendAsync(Entry("b", "round"));
        var read = 0;
        await foreach (var e in a.ReadAsync(seen.Seq)) read++;
        Assert.True(read >= 2);
    }

    /// <summary>
    /// A backend sends its pending table statistics at the end of a statement once a second has passed since it last did:
    /// wait that long, then run one statement on each store's writer connection and read connection.
    /// </summary>
    private static async Task FlushStatisticsAsync(PostgreSqlAuditStore a, PostgreSqlAuditStore b)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await RoundAsync(a, b);
        await RoundAsync(b, a);
    }

    private async Task<long> SequentialScansAsync(string schema)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE schemaname = @schema AND relname = 'audit_events'", connection);
        command.Parameters.AddWithValue("schema", schema);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static AuditEntry Entry(string actor, string text) => new()
    {
        Actor = new AuditActor("service", actor),
        EventType = "test.recorded",
        EntityType = "claim",
        EntityId = "claim-1",
        Payload = new JsonObject { ["by"] = actor, ["text"] = text },
    };
}
