using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Stores;

public enum LogMutationKind { None, FlipByte, DeleteLine, DuplicateLine, SwapLines, ReshapeActor, ReshapeActorAndRehash }

/// <summary>One change to a log's lines; the numbers pick where, modulo what the log offers.</summary>
public sealed record LogMutation(LogMutationKind Kind, int Where, int Which, int Byte)
{
    public override string ToString() => $"{Kind}({Where}, {Which}, {Byte})";
}

/// <summary>
/// Differential: a built-in store verified from its stored rows (the fast path) gives exactly the verdict, or throws
/// exactly the exception, that verifying it through decoded <see cref="AuditEvent"/>s gives, for valid logs and for
/// logs with one mutation, in the in-memory and the file store.
/// </summary>
public sealed class StoreVerificationPathTests : IDisposable
{
    private static readonly string[] ActorShapes =
    [
        "{\"id\":\"reviewer-9\",\"kind\":\"human\",\"role\":\"claims-reviewer\",\"team\":\"b\"}", // an extra key
        "{\"id\":\"reviewer-9\",\"kind\":\"human\",\"role\":null}", // a null role
        "{\"id\":\"reviewer-9\"}", // no kind: decoding throws
        "{\"id\":\"reviewer-9\",\"kind\":7}", // a kind that is not a string
        "{\"kind\":\"human\",\"id\":\"reviewer-9\"}", // plain, keys out of order (canonicalized by the parser)
        "{\"id\":\"reviewer-9\",\"kind\":\"human\"}", // plain, no role
    ];

    private readonly TempDir _dir = new();

    private static Gen<LogMutation> Mutations { get; } =
        from kind in Gen.Elements(Enum.GetValues<LogMutationKind>())
        from at in Gen.Choose(0, int.MaxValue)
        from which in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(1, 255)
        select new LogMutation(kind, at, which, b);

    private static Gen<(int Events, int Seed)> Logs { get; } =
        from events in Gen.Choose(0, 5)
        from seed in Gen.Choose(0, int.MaxValue)
        select (events, seed);

    [Property(MaxTest = 400)]
    public Property The_file_store_gives_the_same_outcome_on_both_paths() =>
        Prop.ForAll(Arb.From(Logs), Arb.From(Mutations), (log, mutation) =>
        {
            var (instanceId, lines) = Mutate(ValidLogAsync(log.Events, log.Seed).GetAwaiter().GetResult(), mutation);
            var path = _dir.File(Guid.NewGuid().ToString("N") + ".jsonl");
            File.WriteAllBytes(path, [.. lines.SelectMany(line => line.Append((byte)'\n'))]);
            FileAuditStore store;
            try
            {
                store = FileAuditStore.OpenReadOnlyAsync(path).GetAwaiter().GetResult();
            }
            catch (AuditStoreException)
            {
                return true.Label("no readable genesis: nothing to verify"); // the same for both paths: neither runs
            }

            using var _ = Disposing(store);
            return SameOutcome(store, instanceId, mutation);
        });

    [Property(MaxTest = 400)]
    public Property The_in_memory_store_gives_the_same_outcome_on_both_paths() =>
        Prop.ForAll(Arb.From(Logs), Arb.From(Mutations), (log, mutation) =>
        {
            var (instanceId, lines) = Mutate(ValidLogAsync(log.Events, log.Seed).GetAwaiter().GetResult(), mutation);
            var store = new InMemoryAuditStore(instanceId);
            using var _ = Disposing(store);
            var kept = new StoredEventLog(); // in place of the store's own log (its genesis included)
            typeof(InMemoryAuditStore).GetField("_events", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(store, kept);
            using var parser = new EventRowParser();
            foreach (var line in lines)
            {
                try
                {
                    kept.Add(parser.ParseStored(line, verifyHash: false));
                }
                catch (CanonicalJsonException)
                {
                    // The in-memory store only ever holds events in canonical form: a line that does not parse has no place in it.
                }
            }

            return SameOutcome(store, instanceId, mutation);
        });

    [Fact]
    public async Task A_valid_file_store_verifies_on_the_row_path_and_a_checkpointed_store_uses_its_inner_stores_rows()
    {
        var path = _dir.File("a.jsonl");
        await using (var writer = await FileAuditStore.OpenAsync(path))
        {
            for (var i = 0; i < 3; i++)
            {
                await writer.AppendAsync(Entry(i, hasRole: i % 2 == 0, seed: i));
            }

            // The writable store checks hashes as it reads; both paths agree on a valid log.
            Assert.Same(writer, AuditStoreVerifier.RowSourceOf(writer));
            Assert.Equal(await AuditStoreVerifier.VerifyDecodedAsync(writer, default), await AuditStoreVerifier.VerifyAsync(writer));
        }

        await using var reader = await FileAuditStore.OpenReadOnlyAsync(path);
        var verdict = await AuditStoreVerifier.VerifyAsync(reader);
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(4, verdict.EventCount);
    }

    /// <summary>A log of many 256 KiB batches, hashed in parallel: the first failing row in storage order still decides.</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("unreadable-after-hash-mismatch")]
    [InlineData("reshaped-actor-then-unreadable")]
    [InlineData("deleted-line")]
    [InlineData("torn-tail")]
    public async Task A_long_file_log_gives_the_same_outcome_on_both_paths(string damage)
    {
        var (instanceId, lines) = await ValidLogAsync(4000, seed: 7);
        switch (damage)
        {
            case "unreadable-after-hash-mismatch":
                lines[1000] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lines[1000]).Replace("reviewer-", "reviewer-X", StringComparison.Ordinal));
                lines[3500] = lines[3500][..^2];
                break;
            case "reshaped-actor-then-unreadable":
                (_, lines) = Mutate((instanceId, lines), new LogMutation(LogMutationKind.ReshapeActor, 2000, 2, 0)); // no kind: decoding throws
                lines[3900] = [.. "{}"u8];
                break;
            case "deleted-line":
                lines.RemoveAt(1700);
                break;
        }

        var path = _dir.File(damage + ".jsonl");
        var text = lines.SelectMany(line => line.Append((byte)'\n')).ToList();
        if (damage == "torn-tail")
        {
            text.AddRange("{\"seq\":\"4002\",\"id\":\"half"u8.ToArray());
        }

        await File.WriteAllBytesAsync(path, [.. text]);
        await using var store = await FileAuditStore.OpenReadOnlyAsync(path);
        var fast = Outcome(() => AuditStoreVerifier.VerifyAsync(store));
        Assert.Equal(Outcome(() => AuditStoreVerifier.VerifyDecodedAsync(store, default)), fast);
        Assert.Equal(damage is "none" or "torn-tail", fast.StartsWith("verdict True", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2, "kind")] // {"id"}: no kind
    [InlineData(3, "kind")] // "kind": 7
    public async Task An_actor_no_event_can_hold_is_a_format_error_naming_the_seq_and_member(int shape, string member)
    {
        var (instanceId, lines) = await ValidLogAsync(20, seed: 3);
        (_, lines) = Mutate((instanceId, lines), new LogMutation(LogMutationKind.ReshapeActorAndRehash, 10, shape, 0));
        var path = _dir.File($"actor-{shape}.jsonl");
        await File.WriteAllBytesAsync(path, [.. lines.SelectMany(line => line.Append((byte)'\n'))]);
        await using var store = await FileAuditStore.OpenReadOnlyAsync(path);

        var error = await Assert.ThrowsAsync<FormatException>(() => AuditStoreVerifier.VerifyAsync(store));
        Assert.Contains($"Event seq 11: the actor's \"{member}\" is missing or not a string", error.Message, StringComparison.Ordinal);
    }

    private static string Outcome(Func<Task<AuditVerdict>> verify)
    {
        try
        {
            var v = verify().GetAwaiter().GetResult();
            return $"verdict {v.IsValid} {v.ReasonCode} seq {v.FailedSeq} count {v.EventCount}: {v.Reason}";
        }
#pragma warning disable CA1031 // The outcome compared is whatever each path does, exceptions included.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return $"{ex.GetType().FullName}: {ex.Message}";
        }
    }

    private static Property SameOutcome(IAuditStore store, string instanceId, LogMutation mutation)
    {
        var rows = AuditStoreVerifier.RowSourceOf(store) ?? throw new InvalidOperationException("a built-in store offers its rows");
        var fast = Outcome(() => AuditStoreVerifier.VerifyRowsAsync(rows, instanceId, default));
        var decoded = Outcome(() => AuditStoreVerifier.VerifyDecodedAsync(store, default));
        var validWhenUnchanged = mutation.Kind != LogMutationKind.None || fast.StartsWith("verdict True", StringComparison.Ordinal);
        return (fast == decoded && validWhenUnchanged).Label($"after {mutation}:\n  rows:    {fast}\n  decoded: {decoded}");
    }

    /// <summary>A genesis-rooted log of <paramref name="events"/> more events, as its stored lines.</summary>
    private static async Task<(string InstanceId, List<byte[]> Lines)> ValidLogAsync(int events, int seed)
    {
        await using var store = new InMemoryAuditStore();
        for (var i = 0; i < events; i++)
        {
            await store.AppendAsync(Entry(i, hasRole: (seed >> i) % 2 == 0, seed));
        }

        var lines = new List<byte[]>();
        await foreach (var row in ((IStoredRowSource)store).ReadRowsAsync(default))
        {
            lines.Add(row.Bytes.ToArray());
        }

        return (store.InstanceId, lines);
    }

    private static AuditEntry Entry(int n, bool hasRole, int seed) => new()
    {
        Actor = new AuditActor("human", "reviewer-" + n, hasRole ? "claims-reviewer" : null),
        EventType = "approval.decided",
        EntityType = n % 3 == 0 ? null : "approval_request",
        EntityId = n % 3 == 0 ? null : "req-" + n,
        RunId = seed % 2 == 0 ? "run-1" : null,
        Payload = new JsonObject { ["n"] = n, ["amount"] = 1234.5, ["reason"] = "looks right ✓ \"quoted\"", ["seed"] = seed },
    };

    private static (string InstanceId, List<byte[]> Lines) Mutate((string InstanceId, List<byte[]> Lines) log, LogMutation m)
    {
        var lines = log.Lines.Select(l => l.ToArray()).ToList();
        var at = m.Where % lines.Count;
        var other = m.Which % lines.Count;
        switch (m.Kind)
        {
            case LogMutationKind.FlipByte:
                var line = lines[at];
                var position = m.Which % line.Length;
                line[position] = line[position] == (byte)m.Byte ? (byte)(m.Byte ^ 0x20) : (byte)m.Byte;
                break;
            case LogMutationKind.DeleteLine:
                lines.RemoveAt(at);
                break;
            case LogMutationKind.DuplicateLine:
                lines.Insert(other, lines[at].ToArray());
                break;
            case LogMutationKind.SwapLines:
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
            case LogMutationKind.ReshapeActor or LogMutationKind.ReshapeActorAndRehash:
                var actor = ActorShapes[m.Which % ActorShapes.Length];
                var node = JsonNode.Parse(lines[at])!.AsObject();
                node["actor"] = JsonNode.Parse(actor);
                var reshaped = Encoding.UTF8.GetBytes(node.ToJsonString());
                if (m.Kind == LogMutationKind.ReshapeActorAndRehash)
                {
                    // As an attacker with the hash function would: the row's own hash then matches its content.
                    using var parser = new EventRowParser();
                    node["hash"] = parser.Parse(reshaped).ComputedHash.ToHex();
                    reshaped = Encoding.UTF8.GetBytes(node.ToJsonString());
                }

                lines[at] = reshaped;
                break;
        }

        return (log.InstanceId, lines);
    }

    private static IDisposable Disposing(IAuditStore store) => new Disposer(store);

    public void Dispose() => _dir.Dispose();

    private sealed class Disposer(IAuditStore store) : IDisposable
    {
        public void Dispose() => store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
