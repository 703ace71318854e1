using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Decisions;
using MakerChecker.Partitions;

namespace MakerChecker.PartitionLoad;

/// <summary>
/// What the callers do. <c>allowed</c>: allowed invocations without an idempotency key, which the gate pipelines (a batch
/// of decisions per commit). <c>keyed</c>: the same invocations each with its own idempotency key, which the gate decides
/// one at a time, holding the chain's head for a durable commit per decision. <c>roundtrip</c>: open a gated request,
/// present it, approve it, execute it (four calls, none pipelined but the outcome). Every caller also invokes the capped
/// skill every <see cref="LoadPolicy.CappedEvery"/>th time.
/// </summary>
internal static class Workload
{
    public static readonly string[] Names = ["allowed", "keyed", "roundtrip"];

    /// <summary>The counters every process reports, by name.</summary>
    public static readonly string[] Counters = ["completed", "limit_exceeded", "other", "capped_tried", "capped_allowed", "ran", "failed"];

    private const int Completed = 0, LimitExceeded = 1, Other = 2, CappedTried = 3, CappedAllowed = 4, Ran = 5, Failed = 6;

    /// <summary>Runs <paramref name="callers"/> callers of process <paramref name="process"/> until the time or the budget runs out.</summary>
    /// <returns>The counters, in <see cref="Counters"/> order, and the first unexpected reason codes.</returns>
    public static async Task<(long[] Counts, string Unexpected)> RunAsync(PartitionedGate gate, string workload, int process, int callers,
        Func<int, string> principalOf, TimeSpan duration, long budget)
    {
        var counts = new long[Counters.Length];
        var unexpected = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var run = Guid.NewGuid().ToString("N")[..8]; // every run its own idempotency keys: the warm-up's are not replayed
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var principal = principalOf(c);
            var reviewer = LoadPolicy.Reviewer(c);
            var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = $"C-{process}-{c}", ["amount"] = 125.5 } };
            ValueTask Action(CancellationToken _)
            {
                Interlocked.Increment(ref counts[Ran]);
                return ValueTask.CompletedTask;
            }

            for (var n = 0; clock.Elapsed < duration && Interlocked.Read(ref counts[Completed]) < budget; n++)
            {
                if (n % LoadPolicy.CappedEvery == LoadPolicy.CappedEvery - 1)
                {
                    Interlocked.Increment(ref counts[CappedTried]);
                    var capped = await gate.InvokeAsync(LoadPolicy.CappedPrincipal, LoadPolicy.CappedSkill, payload, Action);
                    Interlocked.Increment(ref counts[capped.Outcome == DecisionOutcome.Allowed ? CappedAllowed
                        : capped.ReasonCode == ReasonCodes.LimitExceeded ? LimitExceeded : Other]);
                    if (capped.Outcome != DecisionOutcome.Allowed && capped.ReasonCode != ReasonCodes.LimitExceeded) unexpected.TryAdd(capped.ReasonCode, 0);
                    continue;
                }

                string? reason;
                try
                {
                    reason = await CallAsync(gate, workload, $"k{run}.{process.ToString(CultureInfo.InvariantCulture)}.{c.ToString(CultureInfo.InvariantCulture)}.{n.ToString(CultureInfo.InvariantCulture)}", principal, reviewer, payload, Action);
                }
                catch (Exception ex) when (ex is Audit.Stores.AuditStoreException or Gates.ActionOutcomeNotRecordedException)
                {
                    // The gate failed closed (for example its head moved 32 times in a row): counted, never retried blindly.
                    Interlocked.Increment(ref counts[Failed]);
                    unexpected.TryAdd("threw:" + ex.GetType().Name, 0);
                    continue;
                }

                if (reason is null) Interlocked.Increment(ref counts[Completed]);
                else
                {
                    Interlocked.Increment(ref counts[Other]);
                    unexpected.TryAdd(reason, 0);
                }
            }
        })));

        // Outcomes a failed call left unrecorded are recorded now, as the gate does on its next call.
        await gate.RefreshAsync();
        return (counts, string.Join(",", unexpected.Keys.Order(StringComparer.Ordinal)));
    }

    private static async Task<string?> CallAsync(PartitionedGate gate, string workload, string key, string principal, string reviewer,
        JsonObject payload, Func<CancellationToken, ValueTask> action) =>
                workload switch
                {
                    "allowed" => Allowed(await gate.InvokeAsync(principal, LoadPolicy.Skill, payload, action)),
                    "keyed" => Allowed(await gate.InvokeAsync(principal, LoadPolicy.Skill, payload, action,
                        idempotencyKey: key)),
                    _ => await RoundTripAsync(gate, principal, reviewer, payload, action),
                };

    private static string? Allowed(Gates.GateResult result) => result.Outcome == DecisionOutcome.Allowed ? null : result.ReasonCode;

    /// <summary>Open, present, approve, execute; <see langword="null"/> when the action ran, else the step's reason code.</summary>
    private static async Task<string?> RoundTripAsync(PartitionedGate gate, string principal, string reviewer, JsonObject payload,
        Func<CancellationToken, ValueTask> action)
    {
        var opened = await gate.InvokeAsync(principal, LoadPolicy.GatedSkill, payload, _ => throw new InvalidOperationException("a gated action ran at invocation"));
        if (opened.Outcome != DecisionOutcome.ApprovalRequired) return "open:" + opened.ReasonCode;
        var id = opened.Request!.Id;
        var presented = await gate.PresentAsync(id, reviewer);
        if (presented.Outcome == DecisionOutcome.Refused) return "present:" + presented.ReasonCode;
        var approved = await gate.ApproveAsync(id, reviewer, "checked");
        if (approved.Outcome == DecisionOutcome.Refused) return "approve:" + approved.ReasonCode;
        var executed = await gate.ExecuteAsync(id, principal, payload, action);
        return executed.ReasonCode == ReasonCodes.Executed ? null : "execute:" + executed.ReasonCode;
    }
}
