using System.Globalization;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using Npgsql;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// Verifies a partitioned log read-only (docs/audit-format.md section 10): the signed index under the pinned key; every
/// chain it lists is there and none it does not list; each chain's hash chain; each chain extends the checkpoint the index
/// lists for it (size and root); and each chain's own checkpoint history under the chain's key.
/// </summary>
internal static class PartitionedVerification
{
    /// <summary>Where the chains of a partitioned log are: the chains present, how to open one, and where its checkpoint history is.</summary>
    internal sealed record Layout(string Display, string IndexPath, IReadOnlyList<string> Present, IReadOnlyList<string> Expected,
        Func<string, CancellationToken, Task<IAuditStore>> Open, Func<string, string> HistoryPath);

    /// <summary>The description of <c>--partitions</c>.</summary>
    public const string PartitionsDescription =
        "A partitioned PostgreSQL log: how many chains (schemas makerchecker_p0 …); give --checkpoints DIR, where the index and histories are.";

    /// <summary>Whether <c>audit verify</c> reads a partitioned log: a directory, or a PostgreSQL log with <c>--partitions</c>.</summary>
    public static bool Applies(string path, int? partitions) => partitions is not null || System.IO.Directory.Exists(path);

    /// <summary><c>audit verify</c> of a partitioned log: the verdict line, then one line per chain; exit 0 verified, 1 failed, 2 usage.</summary>
    public static async Task<int> RunAsync(string path, int? partitions, string? vkeyText, string? checkpoints, TextWriter output, TextWriter error,
        CancellationToken ct)
    {
        if (vkeyText is null)
        {
            return await ArgumentChecks.UsageAsync(error, "A partitioned log is verified against its signed index, so --vkey is required: the deployment's " +
                "checkpoint key (name+keyid+base64, named after the origin), from 'makerchecker audit vkey'.", ct).ConfigureAwait(false);
        }

        var (key, keyFailure) = ReceiptCommands.ReadVerifierKey(vkeyText);
        if (key is null) return await ArgumentChecks.UsageAsync(error, keyFailure!, ct).ConfigureAwait(false);
        Layout layout;
        if (System.IO.Directory.Exists(path) && partitions is null)
        {
            layout = Directory(Path.GetFullPath(path), path);
        }
        else if (partitions is not { } n || n < 1 || checkpoints is null
            || !Logs.AuditLogLocation.TryParse(path, out var location, out _) || location!.Kind != Logs.AuditLogKind.Postgres)
        {
            return await ArgumentChecks.UsageAsync(error, "--partitions N applies to postgres:CONNECTION, with N at least 1 and --checkpoints DIR naming " +
                "the directory of the chains' checkpoint histories and partitions.index; a partitioned file log is verified by giving its directory.", ct)
                .ConfigureAwait(false);
        }
        else
        {
            try
            {
                layout = await PostgresAsync(location.Target, location.Display, n, Path.GetFullPath(checkpoints), ct).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                await error.WriteLineAsync($"FAILED: {location.Display}: the database cannot be read: {ex.Message}".AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        AuditVerdict verdict;
        IReadOnlyList<string> chains;
        try
        {
            (verdict, chains) = await VerifyAsync(layout, key, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Logs.AuditLogLocation.IsReadFailure(ex) || ex is NpgsqlException)
        {
            await error.WriteLineAsync($"FAILED: {layout.Display}: a chain cannot be read: {ex.Message}".AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var line = verdict.IsValid
            ? $"verified: {layout.Display}: {N(verdict.CheckpointCount)} chains, {N(verdict.EventCount)} events; " +
                "every chain verifies, is in the signed index " +
                $"(key {key.Name}+{key.KeyId:x8}, pinned) and extends its entry"
            : $"FAILED: {layout.Display}: {verdict.ReasonCode}: {verdict.Reason}";
        await output.WriteLineAsync(line.AsMemory(), ct).ConfigureAwait(false);
        foreach (var chain in chains) await output.WriteLineAsync(chain.AsMemory(), ct).ConfigureAwait(false);
        return verdict.IsValid ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>The layout of a directory of chains: <c>CHAIN.jsonl</c>, <c>CHAIN.jsonl.checkpoints</c> and <c>partitions.index</c>.</summary>
    public static Layout Directory(string path, string display) => new(
        display,
        Path.Combine(path, PartitionedAuditLog.IndexFileName),
        [.. System.IO.Directory.EnumerateFiles(path, "*.jsonl").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)],
        [],
        async (chain, ct) => await FileAuditStore.OpenReadOnlyAsync(Path.Combine(path, chain + ".jsonl"), ct).ConfigureAwait(false),
        chain => Path.Combine(path, chain + ".jsonl" + CheckpointedAuditStore.HistoryFileSuffix));

    /// <summary>
    /// The layout of a PostgreSQL partitioned log: one schema per chain (<c>makerchecker_CHAIN</c>) with an <c>audit_events</c> table,
    /// <paramref name="partitions"/> chains expected, the checkpoint histories and the index in <paramref name="directory"/>.
    /// </summary>
    public static async Task<Layout> PostgresAsync(string connectionString, string display, int partitions, string directory, CancellationToken ct)
    {
        var present = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT table_schema FROM information_schema.tables WHERE table_name = 'audit_events' ORDER BY table_schema";
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var schema = reader.GetString(0);
                if (schema.StartsWith(PostgreSqlPartitionedAuditLog.SchemaPrefix, StringComparison.Ordinal))
                {
                    present.Add(schema[PostgreSqlPartitionedAuditLog.SchemaPrefix.Length..]);
                }
            }
        }

        return new Layout(display, Path.Combine(directory, PartitionedAuditLog.IndexFileName), present,
            [.. Enumerable.Range(0, partitions).Select(PartitionedAuditLog.ChainName)],
            async (chain, c) => await PostgreSqlAuditStore.OpenReadOnlyAsync(PostgreSqlPartitionedAuditLog.ChainConnectionString(connectionString, chain), c)
                .ConfigureAwait(false),
            chain => Path.Combine(directory, chain + CheckpointedAuditStore.HistoryFileSuffix));
    }

    /// <summary>The verdict over every chain, and one line per chain that verified.</summary>
    public static async Task<(AuditVerdict Verdict, IReadOnlyList<string> Chains)> VerifyAsync(Layout layout, NoteVerifierKey key, CancellationToken ct)
    {
        var lines = new List<string>();
        if (!File.Exists(layout.IndexPath))
        {
            return (Fail(AuditReasonCodes.PartitionIndexMissing,
                $"'{layout.IndexPath}' does not exist: without the signed index a missing or truncated chain cannot be detected"), lines);
        }

        if (!PartitionIndex.TryOpen(await File.ReadAllTextAsync(layout.IndexPath, ct).ConfigureAwait(false), key, out var index, out var failure))
        {
            return (Fail(AuditReasonCodes.PartitionIndexInvalid, $"'{layout.IndexPath}': {failure}"), lines);
        }

        var listed = index.Chains.Select(c => c.Chain).ToHashSet(StringComparer.Ordinal);
        var missing = listed.Union(layout.Expected).Where(c => !layout.Present.Contains(c)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return (Fail(AuditReasonCodes.PartitionMissing, $"chain{Plural(missing.Count)} {string.Join(", ", missing)} " +
                $"{(missing.Count == 1 ? "is" : "are")} not in {layout.Display}, but the signed index (or --partitions) lists {Them(missing.Count)}"), lines);
        }

        var extra = layout.Present.Where(c => !listed.Contains(c)).ToList();
        if (extra.Count > 0)
        {
            return (Fail(AuditReasonCodes.PartitionNotIndexed, $"chain{Plural(extra.Count)} {string.Join(", ", extra)} " +
                $"{(extra.Count == 1 ? "is" : "are")} in {layout.Display} but not in the signed index, " +
                $"which lists {string.Join(", ", listed.Order())}"), lines);
        }

        long events = 0;
        foreach (var entry in index.Chains)
        {
            await using var store = await layout.Open(entry.Chain, ct).ConfigureAwait(false);
            var verdict = await AuditStoreVerifier.VerifyAsync(store, ct).ConfigureAwait(false);
            if (!verdict.IsValid)
            {
                return (verdict with { Reason = $"chain {entry.Chain}: {verdict.Reason}" }, lines);
            }

            var (count, root) = await CheckpointInspection.RootAtAsync(store, entry.Size, ct).ConfigureAwait(false);
            var report = LogConsistency.Check(new Checkpoint(PartitionIndex.ChainOrigin(index.Origin, entry.Chain), entry.Size, entry.Root), count, root, null);
            if (!report.Extends)
            {
                var code = report.ReasonCode == AuditReasonCodes.LogShorterThanCheckpoint
                    ? AuditReasonCodes.PartitionShorterThanIndex : AuditReasonCodes.PartitionDivergesFromIndex;
                return (Fail(code, $"chain {entry.Chain} against the signed index (size {N(entry.Size)}, root {entry.Root}): " +
                    report.Failure!.Replace("signed checkpoint", "index entry", StringComparison.Ordinal)), lines);
            }

            var history = layout.HistoryPath(entry.Chain);
            LatestCheckpointCheck? own;
            try
            {
                own = File.Exists(history)
                    ? await CheckpointInspection.CheckLatestAsync(store, history, PartitionIndex.ChainVerifierKey(key, entry.Chain), ct).ConfigureAwait(false)
                    : null;
            }
            catch (InvalidDataException ex)
            {
                return (Fail(AuditReasonCodes.CheckpointHistoryInvalid, $"chain {entry.Chain}: {ex.Message}"), lines);
            }

            if (own is null)
            {
                return (Fail(AuditReasonCodes.CheckpointMissing, $"chain {entry.Chain}: '{history}' holds no signed checkpoint"), lines);
            }

            if (!own.Report.Extends)
            {
                return (Fail(own.Report.ReasonCode!, $"chain {entry.Chain}: {own.Report.Failure}"), lines);
            }

            events += count;
            lines.Add($"  {entry.Chain}: {N(count)} events; indexed at size {N(entry.Size)}; {N(own.Number)} signed checkpoint{Plural(own.Number)} verified");
        }

        return (new AuditVerdict { IsValid = true, EventCount = events, CheckpointCount = index.Chains.Count }, lines);
    }

    private static AuditVerdict Fail(string code, string reason) => new() { IsValid = false, ReasonCode = code, Reason = reason };

    private static string Plural(long n) => n == 1 ? "" : "s";

    private static string Them(int n) => n == 1 ? "it" : "them";

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
}
