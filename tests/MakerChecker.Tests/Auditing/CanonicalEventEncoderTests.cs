using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Auditing;

/// <summary>
/// The gate's entries write their canonical payload straight from the record (<see cref="CanonicalEventEncoder"/>). The
/// bytes a store hashes must be exactly those of the JsonObject path that wrote every log so far (<c>ToPayload</c>,
/// canonicalized by the store): same hash, same payload, or the same refusal, for every record and any field values.
/// </summary>
public class CanonicalEventEncoderTests
{
    private static readonly AuditActor Actor = new("agent", "bot-é", "screener");

    private static readonly Gen<string> Text =
        Gen.ArrayOf(Gen.Elements(
                "a", "Z", "0", " ", "é", "ß", "日本", "€", "\"", "\\", "/", "<", ">", "&", "'", "+", "`", "\u0000", "\u0001", "\b", "\t", "\n",
                "\f", "\r", "\u001f", "\u007f", "\u0080", "\u00a0", "\u2028", "\u2029", "\u200b", "\ufeff", "\ud834\udd1e", "\ud83d\ude00", "\uffff",
                "\ud800", "\udc00"))
            .Select(parts => string.Concat(parts));

    private static readonly Gen<DateTimeOffset> Time =
        from ticks in Gen.Choose(0, int.MaxValue).Select(t => new DateTime(1900, 1, 1).Ticks + ((long)t * 1_000_000_007L))
        from offset in Gen.Choose(-14 * 60, 14 * 60)
        select new DateTimeOffset(ticks, TimeSpan.FromMinutes(offset));

    private static readonly Gen<long> Long = Gen.OneOf(
        Gen.Choose(int.MinValue, int.MaxValue).Select(i => (long)i),
        Gen.Elements(0L, -1L, 9_007_199_254_740_991L, 9_007_199_254_740_992L, 9_007_199_254_740_993L, long.MaxValue, long.MinValue,
            999_999_999_999_999L, 1_000_000_000_000_000L, -9_007_199_254_740_992L));

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>Keys whose UTF-16 order differs from their UTF-8 byte order, among others.</summary>
    private static readonly Gen<string> Key = Gen.Elements("a", "b", "B", "aa", "", "é", "日本", "\ud83d\ude00", "\uff61", "\u0080", "1", "\"", "\n");

    private static readonly Gen<Func<JsonNode?>> Scalar = Gen.OneOf(
        Text.Where(t => !t.Contains('\ud800', StringComparison.Ordinal) && !t.Contains('\udc00', StringComparison.Ordinal))
            .Select(t => (Func<JsonNode?>)(() => t)),
        Gen.Elements<Func<JsonNode?>>(
            () => 0, () => -1, () => 1e21, () => 1e-7, () => 0.1, () => 123.456, () => -0.0, () => 5e-324, () => 1.7976931348623157e308,
            () => 9007199254740992L, () => true, () => false, () => null));

    /// <summary>A JSON object two levels deep (the canonical form of a policy, say), with fresh nodes each time.</summary>
    private static readonly Gen<JsonObject> Json =
        from members in Gen.ArrayOf(
            from key in Key
            from value in Gen.OneOf(
                Scalar,
                Gen.ArrayOf(Scalar).Select(a => (Func<JsonNode?>)(() => new JsonArray([.. a.Select(v => v())]))),
                Gen.ArrayOf(from k in Key from v in Scalar select (k, v)).Select(kv => (Func<JsonNode?>)(() => Object(kv))))
            select (key, value))
        select Object(members);

    private static JsonObject Object(IEnumerable<(string Key, Func<JsonNode?> Value)> members)
    {
        var o = new JsonObject();
        foreach (var (key, value) in members) o[key] = value();
        return o;
    }

    [Fact]
    public void Every_catalogue_record_and_variant_is_stored_exactly_as_the_JsonObject_path_stores_it()
    {
        foreach (var payload in CatalogueSamples.Variants)
        {
            Assert.Equal(Stored(Reference(payload)), Stored(AuditEventWriter.ToEntry(payload, Actor, "invocation", "i-1")));
        }
    }

    /// <summary>
    /// Any value in any field of any record (strings with escapes, control characters, non-ASCII and lone surrogates;
    /// times in any offset; integers beyond 2^53; nulls, also where the contract says none; lists; enumerations): the new
    /// encoder and the JsonObject path give the same stored event, or both refuse it with the same message.
    /// </summary>
    [Property(MaxTest = 3000)]
    public Property The_encoder_and_the_JsonObject_path_agree_on_any_field_values() =>
        Prop.ForAll(Arb.From(Gen.Elements(CatalogueSamples.Variants.ToArray()).SelectMany(Randomized)), payload =>
        {
            var reference = Stored(Reference(payload));
            var typed = Stored(AuditEventWriter.ToEntry(payload, Actor, "invocation", "i-1"));
            return (reference == typed).Label($"{payload.EventType}: JsonObject path {reference}, encoder {typed}");
        });

    [Fact]
    public void Reading_the_payload_of_a_typed_entry_gives_the_JsonObject_path_payload()
    {
        var entry = AuditEventWriter.ToEntry(CatalogueSamples.ApprovalRequested, Actor, "approval_request", "r-1");
        Assert.Equal(CatalogueSamples.ApprovalRequested.ToPayload().ToJsonString(), entry.Payload.ToJsonString());
        Assert.Same(entry.Payload, entry.Payload);
    }

    /// <summary>The record with every field generated by its type, found through reflection: a new record slots in.</summary>
    private static Gen<IAuditEventPayload> Randomized(IAuditEventPayload sample)
    {
        var properties = sample.GetType().GetProperties().Where(p => p.CanWrite).ToArray();
        return Gen.CollectToArray(properties, Field).Select(values =>
        {
            var boxed = RuntimeHelpers.GetObjectValue(sample)!; // a copy: the samples are shared
            for (var i = 0; i < properties.Length; i++) properties[i].SetValue(boxed, values[i]);
            return (IAuditEventPayload)boxed;
        });
    }

    private static Gen<object?> Field(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        Gen<object?> value = type switch
        {
            _ when type == typeof(string) => Text.Select(t => (object?)t),
            _ when type == typeof(DateTimeOffset) => Time.Select(t => (object?)t),
            _ when type == typeof(long) => Long.Select(l => (object?)l),
            _ when type == typeof(int) => ArbMap.Default.GeneratorFor<int>().Select(i => (object?)i),
            _ when type == typeof(bool) => Gen.Elements<object?>(true, false),
            _ when type.IsEnum => Gen.Elements(Enum.GetValues(type).Cast<object?>()),
            _ when type == typeof(IReadOnlyList<string>) => Gen.ArrayOf(Text).Select(a => (object?)a),
            _ when type == typeof(JsonElement) => Json.Select(node => (object?)JsonSerializer.SerializeToElement(node)),
            _ when type == typeof(RecordedBasis) =>
                from texts in Gen.ArrayOf(Text.OrNull(), 4)
                select (object?)new RecordedBasis(texts[0], texts[1], texts[2], texts[3]),
            _ => throw new InvalidOperationException(
                $"{property.DeclaringType!.Name}.{property.Name} is a {type.Name}: teach this test to generate it, so the encoder is tested on it."),
        };

        // Null where the field may be null, and now and then in a string where it may not (the contract refuses it; the
        // JsonObject path writes it).
        var nullable = !property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable
            || Nullable.GetUnderlyingType(property.PropertyType) is not null;
        return nullable || type == typeof(string)
            ? Gen.Frequency((nullable ? 3 : 1, Gen.Constant<object?>(null)), (20, value))
            : value;
    }

    private static AuditEntry Reference(IAuditEventPayload payload) => new()
    {
        Actor = Actor, EventType = payload.EventType, EntityType = "invocation", EntityId = "i-1", Payload = payload.ToPayload(),
    };

    /// <summary>The event a fresh store (fixed clock and ids) makes of the entry: its hash and payload, or the refusal's message.</summary>
    private static string Stored(AuditEntry entry)
    {
        var store = new InMemoryAuditStore("encoder-test", new FakeTimeProvider(CatalogueSamples.At), () => Guid.Empty);
        try
        {
            var e = store.AppendAsync(entry).AsTask().GetAwaiter().GetResult();
            return $"{e.Hash} {e.Payload.GetRawText()}";
        }
        catch (AuditStoreException ex)
        {
            return $"refused: {ex.Message}";
        }
    }
}
