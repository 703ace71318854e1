using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.PartitionLoad;

/// <summary>
/// What is checked after every run, as an inspector and the load driver would: the signed index verifies under the key
/// and lists every chain; every chain's hash chain verifies and holds exactly the events its index entry covers, with the
/// same root (checked by opening the log again, which refuses a chain that does not extend its entry); the capped skill
/// was allowed exactly its limit across every process; every allowed invocation and every executed request has exactly
/// one outcome; and the log agrees with what the callers were told.
/// </summary>
internal static class RunCheck
{
    public static async Task<bool> RunAsync(string connection, int partitions, PartitionedAuditLogOptions options, PartitionIndex index,
        long completed, long failed, long cappedTried, long cappedAllowed, string workload)
    {
        var failures = new List<string>();
        var indexText = await File.ReadAllTextAsync(Path.Combine(options.Directory!, PartitionedAuditLog.IndexFileName));
        var key = NoteVerifierKey.FromEd25519(options.Origin!, options.Signer!.PublicKey.Span);
        if (!PartitionIndex.TryOpen(indexText, key, out var signed, out var failure)) failures.Add("index: " + failure);
        else if (signed.NoteText != index.NoteText) failures.Add("index file is not the last index signed");
        var expected = Enumerable.Range(0, partitions).Select(PartitionedAuditLog.ChainName).ToList();
        if (!index.Chains.Select(c => c.Chain).SequenceEqual(expected.Order(StringComparer.Ordinal))) failures.Add("index does not list every chain");

        long events = 0, capped = 0, invocations = 0, outcomesOk = 0;
        foreach (var entry in index.Chains)
        {
            await using var store = await PostgreSqlAuditStore.OpenReadOnlyAsync(PostgreSqlPartitionedAuditLog.ChainConnectionString(connection, entry.Chain));
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            if (!verdict.IsValid) failures.Add($"chain {entry.Chain}: {verdict.ReasonCode}: {verdict.Reason}");
            if (verdict.EventCount != entry.Size) failures.Add($"chain {entry.Chain}: {verdict.EventCount} events, index covers {entry.Size}");
            events += verdict.EventCount;

            var invoked = new HashSet<string>(StringComparer.Ordinal);
            var started = new Dictionary<string, int>(StringComparer.Ordinal);
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var e in store.ReadAsync())
            {
                switch (e.EventType)
                {
                    case "decision.allowed" when e.Payload.GetProperty("skill").GetString() == LoadPolicy.CappedSkill:
                        capped++;
                        invoked.Add(e.EntityId!);
                        break;
                    case "decision.allowed":
                        invoked.Add(e.EntityId!);
                        break;
                    case "action.started":
                        started[e.EntityId!] = started.GetValueOrDefault(e.EntityId!) + 1;
                        break;
                    case "action.executed" or "action.failed":
                        outcomes[e.EntityId!] = outcomes.GetValueOrDefault(e.EntityId!) + 1;
                        break;
                }
            }

            // A direct invocation has its decision and one outcome; an executed request one action.started and one outcome.
            var once = invoked.All(id => outcomes.GetValueOrDefault(id) == 1) && started.All(s => s.Value == 1 && outcomes.GetValueOrDefault(s.Key) == 1)
                && outcomes.Count == invoked.Count + started.Count;
            if (!once) failures.Add($"chain {entry.Chain}: an invocation or request without exactly one outcome");
            outcomesOk += outcomes.Count;
            invocations += workload == "roundtrip" ? started.Count : invoked.Count;
        }

        // Opening the log again checks every chain against the index: its size and Merkle root (partition_diverges_from_index).
        try
        {
            await using var reopened = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, partitions, options);
        }
        catch (Exception ex) when (ex is Audit.Stores.AuditStoreException or LogRollbackException)
        {
            failures.Add("reopening against the index: " + ex.Message);
        }

        var limitExact = capped == Math.Min(LoadPolicy.CappedPerMinute, cappedTried) && capped == cappedAllowed;
        if (!limitExact) failures.Add($"{LoadPolicy.CappedSkill} allowed {capped} in the log, {cappedAllowed} told, {cappedTried} tried");
        // A call that threw (the gate failed closed) may or may not have recorded its decision; every other one was told what the log holds.
        var logged = invocations - (workload == "roundtrip" ? 0 : capped);
        var agrees = logged >= completed && logged <= completed + failed;
        if (!agrees) failures.Add($"the log holds {logged} invocations, the callers were told {completed} ({failed} calls threw)");
        Console.WriteLine($"    check: index signed, {index.Chains.Count} chains, {events} events, every chain verifies and extends its entry: " +
            $"{(failures.Count == 0 ? "yes" : "NO")}; {LoadPolicy.CappedSkill} allowed {capped} of {cappedTried} tried (limit " +
            $"{LoadPolicy.CappedPerMinute}/min): {(limitExact ? "exact" : "WRONG")}; {outcomesOk} outcomes, one each: " +
            $"{(failures.Any(f => f.Contains("outcome", StringComparison.Ordinal)) ? "NO" : "yes")}; log agrees with callers: {(agrees ? "yes" : "NO")}");
        foreach (var f in failures) Console.WriteLine("    FAILED: " + f);
        return failures.Count == 0;
    }
}
