using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Tests.Events;

/// <summary>
/// An entry whose payload writes its own canonical JSON (<see cref="ICanonicalPayload"/>): the store appends those bytes
/// without building the JSON object, and once the object has been read (and so may have been changed) it appends the object.
/// </summary>
public class CanonicalPayloadEntryTests
{
    [Fact]
    public async Task The_store_appends_the_bytes_the_payload_writes_and_builds_no_JSON_object()
    {
        var payload = new CountingPayload();
        await using var store = new InMemoryAuditStore();
        var e = await store.AppendAsync(new AuditEntry(AuditActor.System, "test.event", payload));
        Assert.Equal("""{"a":1,"b":"é"}""", e.Payload.GetRawText());
        Assert.Equal(1, payload.Written);
        Assert.Equal(0, payload.Built);
    }

    [Fact]
    public async Task Once_the_payload_object_is_read_and_changed_the_store_appends_the_changed_object()
    {
        var payload = new CountingPayload();
        var entry = new AuditEntry(AuditActor.System, "test.event", payload);
        entry.Payload["a"] = 2;
        await using var store = new InMemoryAuditStore();
        var e = await store.AppendAsync(entry);
        Assert.Equal("""{"a":2,"b":"é"}""", e.Payload.GetRawText());
        Assert.Equal(0, payload.Written);
        Assert.Equal(1, payload.Built);
    }

    [Fact]
    public async Task A_refused_payload_is_refused_by_the_store_and_nothing_is_appended()
    {
        await using var store = new InMemoryAuditStore();
        var ex = await Assert.ThrowsAsync<AuditStoreException>(
            async () => await store.AppendAsync(new AuditEntry(AuditActor.System, "test.event", new CountingPayload { Refuse = true })));
        Assert.Contains("test.event", ex.Message, StringComparison.Ordinal);
        Assert.Contains("lone surrogate", ex.Message, StringComparison.Ordinal);
        Assert.Single(store.ReadStored(1));
    }

    [Fact]
    public async Task An_entry_moved_into_a_run_still_writes_its_own_payload()
    {
        var payload = new CountingPayload();
        var entry = new AuditEntry(AuditActor.System, "test.event", payload) { EntityType = "invocation", EntityId = "i-1" }.InRun("run-7");
        await using var store = new InMemoryAuditStore();
        var e = await store.AppendAsync(entry);
        Assert.Equal(("run-7", "invocation", "i-1"), (e.RunId, e.EntityType, e.EntityId));
        Assert.Equal("""{"a":1,"b":"é"}""", e.Payload.GetRawText());
        Assert.Equal((1, 0), (payload.Written, payload.Built));
    }

    private sealed class CountingPayload : ICanonicalPayload
    {
        public int Written { get; private set; }

        public int Built { get; private set; }

        public bool Refuse { get; init; }

        public void WriteCanonical(CanonicalJsonWriter writer)
        {
            Written++;
            if (Refuse) throw new CanonicalJsonException("ill_formed_string", "a lone surrogate");
            writer.Output.Write(Encoding.UTF8.GetBytes("""{"a":1,"b":"é"}"""));
        }

        public JsonObject ToPayload()
        {
            Built++;
            return new JsonObject { ["b"] = "é", ["a"] = 1 };
        }
    }
}
