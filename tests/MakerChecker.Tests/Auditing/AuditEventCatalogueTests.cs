using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Tests.Auditing;

/// <summary>The typed event catalogue: every record round-trips exactly, and a malformed payload is an error naming seq and field.</summary>
public class AuditEventCatalogueTests
{
    internal static AuditEvent Event(long seq, string eventType, JsonNode payload, string? entityType = AuditEventWriter.RequestEntity) => new()
    {
        Seq = seq,
        Id = "00000000-0000-4000-8000-000000000001",
        OccurredAt = "2026-11-02T08:00:00.000Z",
        Actor = new AuditActor("human", "dr.x"),
        EventType = eventType,
        EntityType = entityType,
        EntityId = "r-1",
        Payload = JsonDocument.Parse(payload.ToJsonString()).RootElement,
        PrevHash = new string('0', 64),
        Hash = new string('0', 64),
    };

    private static string Canonical(JsonNode node) => Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(node));

    private static string Canonical(JsonElement element) =>
        Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(element.GetRawText())));

    private static string SourceGenerated(IAuditEventPayload payload) =>
        Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(JsonSerializer.SerializeToUtf8Bytes(payload,
            AuditEventCatalogue.TypeInfoOf(payload.EventType)!)));

    [Fact]
    public void Every_event_type_of_the_catalogue_has_a_sample_and_every_sample_a_registered_type()
    {
        Assert.Equal(AuditEventCatalogue.EventTypes.Select(t => t.PayloadType), CatalogueSamples.Payloads.Select(p => p.GetType()));
        Assert.Equal(AuditEventCatalogue.EventTypes.Select(t => t.EventType), CatalogueSamples.Payloads.Select(p => p.EventType));
        Assert.All(typeof(AuditEventTypes).GetFields().Select(f => (string)f.GetValue(null)!), t => Assert.True(AuditEventCatalogue.IsKnown(t), t));
    }

    [Fact]
    public async Task Every_fixture_event_decodes_and_re_encodes_to_the_same_canonical_payload()
    {
        // The fixture (logs written before the catalogue) and the scenario as written now (event types added since, such as
        // action.outcome_resolved, and fields such as executionId and idempotencyKey).
        IReadOnlyList<AuditEvent> events = [.. await AuditV1FixtureTests.ReadFixtureAsync(), .. await AuditV1FixtureTests.WriteScenarioAsync()];
        var known = 0;
        foreach (var e in events)
        {
            if (!AuditEventReader.TryRead(e, out var payload))
            {
                Assert.Contains(e.EventType, new[] { "audit.genesis", "inbox.viewed" });
                continue;
            }

            known++;
            Assert.Equal(e.EventType, payload.EventType);
            Assert.Equal(Canonical(e.Payload), Canonical(payload.ToPayload()));
            Assert.Equal(Canonical(e.Payload), SourceGenerated(payload));
        }
        Assert.Equal(events.Count - 4, known);
        // Every event type of the catalogue is in the fixture or the scenario.
        Assert.Equal(AuditEventCatalogue.EventTypes.Select(t => t.EventType).Order(),
            events.Select(e => e.EventType).Where(AuditEventCatalogue.IsKnown).Distinct().Order());
    }

    [Fact]
    public void Every_record_round_trips_and_the_writer_and_the_json_contract_agree_byte_for_byte()
    {
        foreach (var payload in CatalogueSamples.Variants)
        {
            var written = payload.ToPayload();
            Assert.Equal(Canonical(written), SourceGenerated(payload));
            Assert.True(AuditEventReader.TryRead(Event(9, payload.EventType, written), out var read));
            Assert.Equal(Canonical(written), Canonical(read.ToPayload()));
            Assert.Equal(WithoutList(payload), WithoutList(read));
        }
    }

    /// <summary>
    /// Records compare lists and JSON elements by reference: compare <see cref="ActionStarted.Approvers"/> (and the other approver
    /// lists) by value, <see cref="PolicyActivated.Policy"/> by its canonical bytes, the rest as records.
    /// </summary>
    private static object WithoutList(IAuditEventPayload payload) => payload switch
    {
        ActionStarted started => (started with { Approvers = [] }, string.Join(",", started.Approvers)),
        AppealRecorded appeal => (appeal with { Approvers = [] }, string.Join(",", appeal.Approvers)),
        PolicyActivated activated => (activated with { Approvers = null, Policy = null }, activated.Approvers is { } a ? string.Join(",", a) : null,
            activated.Policy is { } p ? Canonical(p) : null),
        _ => payload,
    };

    private static readonly Gen<string> Text =
        Gen.ArrayOf(Gen.Elements("a", "Z", "0", " ", "é", "\"", "\\", "/", "<", "\u0001", "\u001f", "\u007f", "\u2028", "\ud834\udd1e", "\uffff"))
            .Select(parts => string.Concat(parts));

    /// <summary>
    /// The writer builds each payload field by field and the JSON contract reads it back: for any text in any string field
    /// of any record (escapes, control characters, astral planes), both produce the same canonical bytes and the record reads
    /// back equal. This is what keeps the two paths from drifting.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property The_writer_and_the_contract_agree_on_any_text() =>
        Prop.ForAll(Arb.From(
            from sample in Gen.Elements(CatalogueSamples.Variants.ToArray())
            from texts in Gen.ArrayOf(Text, 16)
            select (sample, texts)), c =>
        {
            object boxed = c.sample;
            var strings = boxed.GetType().GetProperties().Where(p => p.PropertyType == typeof(string) && p.CanWrite && p.GetValue(boxed) is not null);
            var i = 0;
            foreach (var property in strings) property.SetValue(boxed, c.texts[i++ % c.texts.Length]);
            var payload = (IAuditEventPayload)boxed;
            var written = payload.ToPayload();
            var ok = AuditEventReader.TryRead(Event(1, payload.EventType, written), out var read);
            return ok && Canonical(written) == SourceGenerated(payload) && Canonical(read!.ToPayload()) == Canonical(written)
                && WithoutList(read).Equals(WithoutList(payload));
        });

    [Fact]
    public void Null_is_written_as_null_and_only_the_documented_fields_are_left_out_when_null()
    {
        var decided = CatalogueSamples.ApprovalDecided with { Reason = null, PresentedAt = null, DwellMs = null, QueueMs = null, Skill = null };
        var payload = decided.ToPayload();
        Assert.All(new[] { "reason", "presentedAt", "dwellMs", "queueMs" }, f => Assert.True(payload.ContainsKey(f) && payload[f] is null, f));
        Assert.False(payload.ContainsKey("skill"));

        var executed = CatalogueSamples.ActionExecuted.ToPayload();
        Assert.True(executed.ContainsKey("error") && executed["error"] is null);
        Assert.False(executed.ContainsKey("invocationId"));
        Assert.Null((CatalogueSamples.ApprovalRequested with { Basis = null }).ToPayload()["basis"]);
        Assert.True((CatalogueSamples.ApprovalRequested with { Basis = null }).ToPayload().ContainsKey("basis"));
    }

    [Fact]
    public void An_unknown_event_type_is_skipped_not_an_error()
    {
        Assert.False(AuditEventReader.TryRead(Event(4, "inbox.viewed", new JsonObject { ["requestId"] = 7 }), out var payload));
        Assert.Null(payload);
        Assert.False(AuditEventReader.TryRead(Event(5, "approval.decided.v2", new JsonArray()), out _));
    }

    [Fact]
    public void A_payload_that_is_not_an_object_is_an_error_naming_the_seq()
    {
        var error = Assert.Throws<AuditEventFormatException>(() => AuditEventReader.Read<ApprovalPresented>(Event(12,
            AuditEventTypes.ApprovalPresented, new JsonArray(1))));
        Assert.Equal((12L, AuditEventTypes.ApprovalPresented, (string?)null), (error.Seq, error.EventType, error.Field));
        Assert.Contains("seq 12 (approval.presented) has a malformed payload: the payload is an array, not a JSON object", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_action_outcome_must_name_exactly_one_of_request_and_invocation()
    {
        var neither = (CatalogueSamples.ActionExecuted with { RequestId = null }).ToPayload();
        var error = Assert.Throws<AuditEventFormatException>(() => AuditEventReader.Read<ActionExecuted>(Event(3, AuditEventTypes.ActionExecuted, neither)));
        Assert.Equal("requestId", error.Field);
        Assert.Contains("neither 'requestId' nor 'invocationId'", error.Message, StringComparison.Ordinal);

        var both = (CatalogueSamples.ActionFailed with { RequestId = "r-1" }).ToPayload();
        Assert.Equal("invocationId", Assert.Throws<AuditEventFormatException>(() => AuditEventReader.TryRead(Event(3, AuditEventTypes.ActionFailed,
            both), out _)).Field);
    }

    [Fact]
    public void An_approver_list_holding_null_is_an_error_naming_the_field()
    {
        var payload = CatalogueSamples.ActionStarted.ToPayload();
        payload["approvers"]!.AsArray().Add(null);
        var error = Assert.Throws<AuditEventFormatException>(() => AuditEventReader.TryRead(Event(6, AuditEventTypes.ActionStarted, payload), out _));
        Assert.Equal((6L, "approvers"), (error.Seq, error.Field));
    }

    [Fact]
    public void A_nested_field_is_named_with_its_path()
    {
        var payload = CatalogueSamples.ApprovalRequested.ToPayload();
        payload["basis"]!["ruleId"] = 42;
        var error = Assert.Throws<AuditEventFormatException>(() => AuditEventReader.TryRead(Event(8, AuditEventTypes.ApprovalRequested, payload), out _));
        Assert.Equal("basis.ruleId", error.Field);
        Assert.Contains("the field 'basis.ruleId' is a number, but must be a JSON string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_an_event_as_another_type_is_a_programming_error()
    {
        var e = Event(2, AuditEventTypes.ApprovalPresented, CatalogueSamples.ApprovalPresented.ToPayload());
        Assert.Throws<ArgumentException>(() => AuditEventReader.Read<ApprovalDecided>(e));
    }

    /// <summary>How a generated case corrupts one field of one event type's well-formed payload.</summary>
    public enum Corruption
    {
        Missing,
        Null,
        WrongType,
    }

    internal sealed record Case(IAuditEventPayload Sample, string Field, bool Optional, bool Nullable, Type FieldType, Corruption Corruption, long Seq)
    {
        public override string ToString() => $"{Sample.EventType}.{Field} {Corruption} at seq {Seq}";
    }

    private static readonly Arbitrary<Case> Cases = Arb.From(
        from sample in Gen.Elements(CatalogueSamples.Payloads.ToArray())
        from property in Gen.Elements(AuditEventCatalogue.Fields(AuditEventCatalogue.TypeInfoOf(sample.EventType)!).ToArray())
        from corruption in Gen.Elements(Corruption.Missing, Corruption.Null, Corruption.WrongType)
        // Which of an action outcome's two ids is present is a rule of its own (the test above); their types are checked here.
        where corruption == Corruption.WrongType || property.Name is not ("requestId" or "invocationId")
        from seq in Gen.Choose(1, int.MaxValue).Select(s => (long)s * 3)
        select new Case(
            sample, property.Name, property.AssociatedParameter is { HasDefaultValue: true }, property.AssociatedParameter!.IsNullable,
            Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, corruption, seq));

    private static JsonNode WrongValue(Type type) =>
        type == typeof(bool) || type == typeof(int) || type == typeof(long) ? JsonValue.Create("7")
        : type == typeof(string) || type == typeof(DateTimeOffset) || type.IsEnum ? JsonValue.Create(7)
        : JsonValue.Create(true);

    /// <summary>
    /// For every event type and every field: removing a required field, nulling a non-nullable one, or giving any field a value
    /// of the wrong JSON type is an <see cref="AuditEventFormatException"/> naming the seq, the event type and that field, from
    /// the untyped read the review reader and the report share with the gate; nulling a nullable field or leaving out an optional
    /// one is not an error.
    /// </summary>
    [Property(MaxTest = 2000)]
    public Property A_missing_null_or_mistyped_field_is_an_error_naming_seq_and_field() => Prop.ForAll(Cases, Holds);

    private static bool Holds(Case c)
    {
            var payload = c.Sample.ToPayload();
            switch (c.Corruption)
            {
                case Corruption.Missing: payload.Remove(c.Field); break;
                case Corruption.Null: payload[c.Field] = null; break;
                default: payload[c.Field] = WrongValue(c.FieldType); break;
            }

            var error = Record.Exception(() => AuditEventReader.TryRead(Event(c.Seq, c.Sample.EventType, payload), out _));
            var acceptable = c.Corruption switch
            {
                Corruption.Missing => c.Optional,
                Corruption.Null => c.Nullable,
                _ => false,
            };
            if (acceptable) return error is null;
            return error is AuditEventFormatException f
                && (f.Seq, f.EventType, f.Field) == (c.Seq, c.Sample.EventType, c.Field)
                && f.Message.Contains($"seq {c.Seq} ({c.Sample.EventType})", StringComparison.Ordinal)
                && f.Message.Contains($"'{c.Field}'", StringComparison.Ordinal)
                && f is MakerChecker.Audit.Stores.AuditStoreException;
    }

    /// <summary>The property above, exhaustively: every field of every event type, missing, null and of the wrong type.</summary>
    [Fact]
    public void Every_field_of_every_event_type_missing_null_or_mistyped_is_accepted_or_refused_by_name()
    {
        var bad = new List<string>();
        foreach (var sample in CatalogueSamples.Payloads)
        {
            foreach (var property in AuditEventCatalogue.Fields(AuditEventCatalogue.TypeInfoOf(sample.EventType)!))
            {
                foreach (var corruption in new[] { Corruption.Missing, Corruption.Null, Corruption.WrongType })
                {
                    if (corruption != Corruption.WrongType && property.Name is "requestId" or "invocationId")
                    {
                        continue;
                    }

                    var c = new Case(sample, property.Name, property.AssociatedParameter is { HasDefaultValue: true },
                        property.AssociatedParameter!.IsNullable, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType,
                        corruption, 5);
                    try
                    {
                        if (!Holds(c))
                        {
                            var error = Record.Exception(() => AuditEventReader.TryRead(Event(5, sample.EventType, Mutate(c)), out _));
                            bad.Add($"{c} {error?.Message}");
                        }
                    }
                    catch (Exception ex)
                    {
                        bad.Add($"{c} threw {ex}");
                    }
                }
            }
        }

        Assert.Empty(bad);
    }

    private static JsonObject Mutate(Case c)
    {
        var payload = c.Sample.ToPayload();
        switch (c.Corruption)
        {
            case Corruption.Missing: payload.Remove(c.Field); break;
            case Corruption.Null: payload[c.Field] = null; break;
            default: payload[c.Field] = WrongValue(c.FieldType); break;
        }
        return payload;
    }
}
