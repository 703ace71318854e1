using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>Entries to append, and the attacker's tools: cut a log's tail, or rewrite one event and re-chain every hash after it.</summary>
internal static class CheckpointedLogs
{
    public static AuditEntry Entry(int i) => new()
    {
        Actor = new AuditActor("human", $"reviewer-{i % 3}", "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = $"req-{i}",
        RunId = $"run-{i % 4}",
        Payload = new JsonObject { ["decision"] = i % 5 == 0 ? "denied" : "approved", ["amount"] = i * 10 },
    };

    /// <summary>The root of the log's events computed independently of the store, from the events as read.</summary>
    public static async Task<MerkleHash> RootOfEventsAsync(IAuditStore store, long size)
    {
        var tree = new MerkleTree(new MemoryMerkleHashStore());
        await foreach (var e in store.ReadAsync())
        {
            if (e.Seq > size)
            {
                break;
            }

            tree.Append(EventLeaf.Bytes(e));
        }

        return tree.RootAt(size);
    }

    /// <summary>Removes the last <paramref name="lines"/> lines of a JSON Lines log.</summary>
    public static void CutTail(string path, int lines)
    {
        var all = File.ReadAllLines(path);
        File.WriteAllLines(path, all[..^lines]);
    }

    /// <summary>
    /// What an attacker with disk access does: changes event <paramref name="seq"/>'s payload and recomputes its hash
    /// and every hash after it, so that the chain verifies again.
    /// </summary>
    public static async Task RewriteAndRechainAsync(string path, long seq, string newDecision)
    {
        List<AuditEvent> events;
        await using (var original = await FileAuditStore.OpenReadOnlyAsync(path))
        {
            events = await original.ReadAsync().ToListAsync();
        }

        using var rows = new ByteBuffer();
        using var scratch = new ByteBuffer();
        Span<byte> prevJson = stackalloc byte[66];
        var prev = StoredEvent.From(events[0]).PrevHash;
        foreach (var e in events)
        {
            var s = StoredEvent.From(e);
            var payload = s.Payload;
            if (e.Seq == seq)
            {
                var json = JsonNode.Parse(e.Payload.GetRawText())!.AsObject();
                json["decision"] = newDecision;
                payload = JsonCanonicalizer.Canonicalize(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
            }

            var unsigned = new StoredEvent
            {
                Seq = s.Seq, Id = s.Id, OccurredAt = s.OccurredAt, Actor = s.Actor, EventType = s.EventType, EntityType = s.EntityType,
                EntityId = s.EntityId, RunId = s.RunId, Payload = payload, PrevHash = prev, Hash = default,
            };
            var hash = AuditEventHasher.Compute(unsigned.Fields(prevJson), scratch);
            var rechained = new StoredEvent
            {
                Seq = s.Seq, Id = s.Id, OccurredAt = s.OccurredAt, Actor = s.Actor, EventType = s.EventType, EntityType = s.EntityType,
                EntityId = s.EntityId, RunId = s.RunId, Payload = payload, PrevHash = prev, Hash = hash,
            };
            rechained.WriteRow(rows);
            rows.Write((byte)'\n');
            prev = hash;
        }

        File.WriteAllBytes(path, rows.ToArray());
    }
}
