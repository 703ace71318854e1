using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>A generated event: what a caller would append.</summary>
public sealed record EventSpec(string ActorKind, string ActorId, string? Role, string EventType, int Run, (string Key, JsonNode? Value)[] Payload)
{
    public override string ToString() => $"{EventType} by {ActorKind}:{ActorId} run {Run} payload {{{string.Join(", ", Payload.Select(p => $"{p.Key}={p.Value?.ToJsonString() ?? "null"}"))}}}";
}

/// <summary>A generated bundle: a full log, or one run of it.</summary>
public sealed record BundleSpec(int Instance, bool RunBundle, EventSpec[] Events)
{
    public override string ToString() => $"{(RunBundle ? "run" : "full")} bundle of instance {Instance}: {string.Join(" | ", Events.Select(e => e.ToString()))}";
}

/// <summary>Small, varied, valid bundles for property tests: real stores, real export, real signatures.</summary>
internal static class BundleFactory
{
    public const string RunA = "run-a";

    // Letters that need no escaping plus multi-byte and astral characters, so byte changes can land mid-character.
    private static readonly char[] Alphabet = "abcxyzABC019 -_.:/éß漢".ToCharArray();
    private static readonly string[] Emoji = ["🙂", "𝄞"];

    public static Gen<string> Text(int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(Gen.Frequency((9, Gen.Elements(Alphabet).Select(c => c.ToString())), (1, Gen.Elements(Emoji))), n))
            .Select(parts => string.Concat(parts));

    // Characters a JSON string must escape (quote, backslash, the short forms and another control character) and "/",
    // which it may: payload strings with them exercise every escape the verifier copies or rewrites.
    private static readonly string[] NeedEscapes = ["\"", "\\", "\n", "\t", "\b", "\u0001", "\u001f", "/"];

    private static Gen<string> PayloadText { get; } =
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Frequency((6, Text(3)), (1, Gen.Elements(NeedEscapes))), n))
            .Select(parts => string.Concat(parts));

    private static Gen<JsonNode?> Value(int depth) => Gen.Frequency(
        (3, Text(12).Select(s => (JsonNode?)JsonValue.Create(s))),
        (1, PayloadText.Select(s => (JsonNode?)JsonValue.Create(s))),
        (3, Gen.Choose(-100000, 100000).Select(n => (JsonNode?)JsonValue.Create(n))),
        // Decimals as amounts are written (125.5, 0.07), and ones ECMAScript prints in exponent form.
        (1, Gen.Choose(-100000, 100000).Select(n => (JsonNode?)JsonValue.Create(n / 100.0))),
        (1, Gen.Elements(1e-7, 2.5e-9, 1e21, 0.000001, 1234.5678).Select(d => (JsonNode?)JsonValue.Create(d))),
        (1, Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b))),
        (1, Gen.Constant<JsonNode?>(null)),
        (depth > 0 ? 1 : 0, Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Value(depth - 1), n)).Select(items => (JsonNode?)new JsonArray(items))),
        (depth > 0 ? 1 : 0, Members(depth - 1).Select(m => (JsonNode?)ToObject(m))));

    private static Gen<(string Key, JsonNode? Value)[]> Members(int depth) =>
        Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Elements("reviewer", "dwellMs", "reason", "payloadDigest", "b", "Z", "é", "a1"), Value(depth)), n))
            .Select(m => m.DistinctBy(x => x.Item1).Select(x => (x.Item1, x.Item2)).ToArray());

    public static Gen<EventSpec> Event { get; } =
        from kind in Gen.Elements("human", "agent", "service")
        from id in Text(8).Where(s => s.Length > 0)
        from role in Gen.Elements<string?>(null, "claims-reviewer", "case-processor")
        from type in Gen.Elements("approval.requested", "approval.presented", "approval.decided", "action.executed", "decision.refused")
        from run in Gen.Choose(0, 2)
        from payload in Members(1)
        select new EventSpec(kind, id, role, type, run, payload);

    public static Gen<BundleSpec> Bundle { get; } =
        from instance in Gen.Choose(1, 1000)
        from runBundle in Gen.Elements(false, false, true)
        from count in Gen.Choose(1, 5)
        from events in Gen.ArrayOf(Event, count)
        select new BundleSpec(instance, runBundle, events);

    public static async Task<byte[]> ExportAsync(BundleSpec spec, IAuditSigner signer)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 12, 9, 30, 0, TimeSpan.Zero));
        var next = 0;
        await using var store = new InMemoryAuditStore($"inst-{spec.Instance}", clock,
            () => new Guid(spec.Instance, 0, 0, BitConverter.GetBytes((long)++next)));
        foreach (var e in spec.Events)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1234));
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor(e.ActorKind, e.ActorId, e.Role),
                EventType = e.EventType,
                EntityType = "approval_request",
                EntityId = "req-" + e.ActorId,
                RunId = e.Run switch { 0 => null, 1 => RunA, _ => "run-b" },
                Payload = ToObject(e.Payload),
            });
        }

        using var output = new MemoryStream();
        if (spec.RunBundle)
        {
            await BundleExporter.ExportRunAsync(store, RunA, signer, output, clock);
        }
        else
        {
            await BundleExporter.ExportFullAsync(store, signer, output, clock);
        }

        return output.ToArray();
    }

    private static JsonObject ToObject((string Key, JsonNode? Value)[] members)
    {
        var o = new JsonObject();
        foreach (var (key, value) in members)
        {
            o[key] = value?.DeepClone();
        }

        return o;
    }
}
