using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>Every field of an entry is bounded at append time, so that nothing a store acknowledges is ever unreadable.</summary>
public abstract partial class AuditStoreConformanceTests
{
    private static readonly string[] BoundedFields = ["actor id", "actor kind", "actor role", "event type", "entity type", "entity id", "run id"];

    /// <summary>
    /// A field (each of actor id, kind and role, event type, entity type, entity id, run id) one byte over
    /// <see cref="AuditEntry.MaxFieldBytes"/> of canonical JSON is refused with an exception naming the field, its size and
    /// the limit; so is one whose characters only exceed it once escaped, and a 17 MB one. Nothing is written, and the
    /// log still reopens, continues and verifies.
    /// </summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task An_oversized_field_is_refused_naming_the_field_and_nothing_is_written()
    {
        var store = await CreateAsync();
        try
        {
            await store.AppendAsync(Entry(0));
            var plain = new string('x', AuditEntry.MaxFieldBytes - 1); // canonical: the quotes make it one byte too many
            var escaped = new string('\u0001', (AuditEntry.MaxFieldBytes / 6) + 1); // 6 bytes each once escaped
            var huge = new string('e', 17_000_000); // the size that made a file log unreadable
            foreach (var field in BoundedFields)
            {
                foreach (var (value, canonicalBytes) in new[] { (plain, plain.Length + 2), (escaped, (escaped.Length * 6) + 2), (huge, huge.Length + 2) })
                {
                    var refused = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(EntryWith(field, value)));
                    Assert.Contains($"its {field} is {canonicalBytes} bytes", refused.Message, StringComparison.Ordinal);
                    Assert.Contains($"{AuditEntry.MaxFieldBytes} allowed", refused.Message, StringComparison.Ordinal);
                }
            }

            store = await ReopenAsync(store) ?? store;
            var after = await store.AppendAsync(Entry(1));
            Assert.Equal(3, after.Seq);
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, verdict.Reason);
            Assert.Equal(3, verdict.EventCount);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>
    /// The largest entry the limits allow (every field and the payload exactly at their limits) is acknowledged, read
    /// back, verified, and still readable after a reopen: the limits keep every row within what readers accept.
    /// </summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task The_largest_entry_the_limits_allow_is_recorded_and_reads_back_after_a_reopen()
    {
        var store = await CreateAsync();
        try
        {
            var field = new string('f', AuditEntry.MaxFieldBytes - 2);
            var largest = new AuditEntry
            {
                Actor = new AuditActor(field, field, field),
                EventType = field,
                EntityType = field,
                EntityId = field,
                RunId = field,
                Payload = new JsonObject { ["b"] = new string('p', AuditEntry.MaxPayloadBytes - 8) }, // {"b":"…"}
            };
            var appended = await store.AppendAsync(largest);
            store = await ReopenAsync(store) ?? store;
            var read = await ToListAsync(store.ReadAsync(appended.Seq));
            Assert.Equal(appended.Hash, Assert.Single(read).Hash);
            Assert.Equal(field, read[0].EntityId);
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, verdict.Reason);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static AuditEntry EntryWith(string field, string value)
    {
        var entry = Entry(7);
        return field switch
        {
            "actor id" => new AuditEntry { Actor = entry.Actor with { Id = value }, EventType = entry.EventType, Payload = [] },
            "actor kind" => new AuditEntry { Actor = entry.Actor with { Kind = value }, EventType = entry.EventType, Payload = [] },
            "actor role" => new AuditEntry { Actor = entry.Actor with { Role = value }, EventType = entry.EventType, Payload = [] },
            "event type" => new AuditEntry { Actor = entry.Actor, EventType = value, Payload = [] },
            "entity type" => new AuditEntry { Actor = entry.Actor, EventType = entry.EventType, EntityType = value, Payload = [] },
            "entity id" => new AuditEntry { Actor = entry.Actor, EventType = entry.EventType, EntityId = value, Payload = [] },
            "run id" => new AuditEntry { Actor = entry.Actor, EventType = entry.EventType, RunId = value, Payload = [] },
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not a bounded field"),
        };
    }
}
