using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>Replays the events of a vector bundle through a store, with the vector's ids and clock.</summary>
internal static class VectorLog
{
    /// <summary>
    /// Replays the vector's events up to (not including) the first whose actor has fields beyond kind, id and role,
    /// which <see cref="AuditActor"/> cannot carry. Returns the store and the vector hashes of the replayed events.
    /// </summary>
    public static async Task<(IAuditStore Store, FakeTimeProvider Clock, List<string> ExpectedHashes)> ReplayAsync(
        string bundleFile, Func<string, TimeProvider, Func<Guid>, IAuditStore> create)
    {
        using var bundle = JsonDocument.Parse(File.ReadAllBytes(Vectors.Audit(bundleFile)));
        var events = bundle.RootElement.GetProperty("events").EnumerateArray()
            .TakeWhile(e => e.GetProperty("actor").EnumerateObject().All(p => p.Name is "kind" or "id" or "role")).ToList();
        var ids = new Queue<Guid>(events.Select(e => Guid.Parse(e.GetProperty("id").GetString()!)));
        var clock = new FakeTimeProvider(Time(events[0]));
        var store = create(bundle.RootElement.GetProperty("manifest").GetProperty("instanceId").GetString()!, clock, ids.Dequeue);
        foreach (var e in events.Skip(1))
        {
            clock.SetUtcNow(Time(e));
            var actor = e.GetProperty("actor");
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor(actor.GetProperty("kind").GetString()!, actor.GetProperty("id").GetString()!,
                    actor.TryGetProperty("role", out var role) ? role.GetString() : null),
                EventType = e.GetProperty("event_type").GetString()!,
                EntityType = e.GetProperty("entity_type").GetString(),
                EntityId = e.GetProperty("entity_id").GetString(),
                RunId = e.GetProperty("run_id").GetString(),
                Payload = JsonNode.Parse(e.GetProperty("payload").GetRawText())!.AsObject(),
            });
        }

        clock.SetUtcNow(DateTimeOffset.Parse(bundle.RootElement.GetProperty("manifest").GetProperty("exportedAt").GetString()!, CultureInfo.InvariantCulture));
        return (store, clock, [.. events.Select(e => e.GetProperty("hash").GetString()!)]);
    }

    public static Ed25519AuditSigner FixtureSigner() => Ed25519KeyFile.LoadSigner(Vectors.Audit("test-fixture-signing-key.pem"));

    private static DateTimeOffset Time(JsonElement e) =>
        DateTimeOffset.Parse(e.GetProperty("occurred_at").GetString()!, CultureInfo.InvariantCulture);
}
