using System.Text;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Canonicalization;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Events;

/// <summary>
/// The row recognizer (the fast path of <see cref="EventRowParser"/>) either declines a row or gives exactly what the
/// <c>Utf8JsonReader</c> path gives: the same seq, hashes, hashed bytes, canonical fields, run id and genesis facts, and
/// for a row the reader path refuses, the same refusal. Rows are real exported events in every rendering the generators
/// have (indented, reordered, <c>jsonb</c>-ordered, escaped, <c>\u</c>-escaped, other number forms), with hostile JSON
/// spliced into a field, and then one byte replaced, deleted or a short snippet inserted.
/// </summary>
public sealed class RowRecognizerTests : IDisposable
{
    private const string Placeholder = "\u0001splice\u0001";

    private static readonly byte[] Interesting = [.. "\"\\{}[],: \n\t019-+.eEu/antf"u8, 0x00, 0x1F, 0x7F, 0x80, 0xA9, 0xC3, 0xED, 0xFF];

    private static readonly string[] Snippets =
    [
        "\"b\":1,", ",\"b\":1", "\"seq\":\"1\",", ",\"hash\":\"00\"", "\"reviewer\":\"x\",", "\\u0041", "\\/", "\\u00e9", "\\ud800",
        "\\u001F", "\\u001f", "\\n", "-0", "1e5", "0.10", "1.0", " ", "\n", "{}", "[]", "null", "\"é\"", ",", "\"", "\\",
    ];

    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();

    /// <summary>The differential test's renderings, and more often upstream's export layout.</summary>
    private static Gen<JsonRendering> Renderings { get; } = Gen.Frequency(
        (5, Bundles.ReferenceDifferentialTests.Renderings),
        (2, Gen.Constant(new JsonRendering(true, KeyOrder.Jsonb, false, false, NumberForm.AsIs))));

    /// <summary>Hostile JSON (escapes of every kind, lone surrogates, invalid UTF-8, odd numbers, duplicate keys) in place of one field's value.</summary>
    private static Gen<Splice?> Splices { get; } = Gen.Frequency(
        (3, Gen.Constant<Splice?>(null)),
        (2, from field in Gen.Elements("payload", "payload", "actor", "id", "event_type", "run_id", "entity_id", "seq", "hash", "occurred_at")
            from value in JsonTexts.Any
            select (Splice?)new Splice(field, value.Bytes)));

    private static Gen<Mutation> Mutations { get; } = Gen.Frequency(
        (3, Gen.Constant(new Mutation(MutationKind.None, 0, 0, 0))),
        (6, from kind in Gen.Elements(MutationKind.Replace, MutationKind.Delete, MutationKind.Insert)
            from at in Gen.Choose(0, 100_000)
            from structural in Gen.Elements(false, true)
            from which in Gen.Choose(0, 1000)
            select new Mutation(kind, at, which, structural ? 1 : 0)));

    private static Gen<RowCase> Cases { get; } =
        from spec in BundleFactory.Bundle
        from index in Gen.Choose(0, 100)
        from rendering in Renderings
        from asElement in Gen.Elements(false, true)
        from splice in Splices
        from mutation in Mutations
        from expectRun in Gen.Elements(false, true)
        select new RowCase(spec, index, rendering, asElement, splice, mutation, expectRun);

    [Property(MaxTest = 10000)]
    public Property The_recognizer_declines_or_agrees_with_the_reader_path() =>
        Prop.ForAll(Arb.From(Cases), c =>
        {
            var row = BuildRow(c);
            using var withRecognizer = new EventRowParser { ExpectedRunId = c.ExpectRun ? BundleFactory.RunA : null };
            using var readerOnly = new EventRowParser { UsesRecognizer = false, ExpectedRunId = withRecognizer.ExpectedRunId };
            var recognized = Recognizes(row);
            var fast = Outcome(withRecognizer, row);
            var reader = Outcome(readerOnly, row);
            var agree = fast == reader && (!recognized || reader.StartsWith("parsed", StringComparison.Ordinal));
            return agree.Label($"{c}\nrow: {Show(row)}\nrecognized: {recognized}\nwith recognizer: {fast}\nreader path:     {reader}")
                .Classify(recognized, "recognized").Classify(!recognized, "declined")
                .Classify(reader.StartsWith("parsed", StringComparison.Ordinal), "parsed")
                .Classify(reader.StartsWith("refused", StringComparison.Ordinal), "refused");
        });

    [Property(MaxTest = 1000)]
    public Property Rows_of_the_usual_shapes_are_recognized_in_our_layout_and_upstream_s() =>
        Prop.ForAll(Arb.From(BundleFactory.Bundle), Arb.From(JsonTexts.UsualShapes), Arb.From(Gen.Elements(false, true)), (spec, value, upstream) =>
        {
            // The payload is replaced by a value of the usual shapes (as an object's member when it is not an object).
            byte[] payload = value.Bytes[0] == '{' ? value.Bytes : [.. "{\"v\":"u8, .. value.Bytes, (byte)'}'];
            var rendering = upstream ? new JsonRendering(true, KeyOrder.Jsonb, false, false, NumberForm.AsIs) : JsonRendering.Compact;
            // Rendered on its own, so that the row's own members keep the exporter's order (upstream keeps it too).
            var c = new RowCase(spec, 0, rendering, false, new Splice("payload", payload), new Mutation(MutationKind.None, 0, 0, 0), false);
            var row = BuildRow(c);
            using var readerOnly = new EventRowParser { UsesRecognizer = false };
            using var withRecognizer = new EventRowParser();
            var reader = Outcome(readerOnly, row);
            return (Recognizes(row) && reader.StartsWith("parsed", StringComparison.Ordinal) && reader == Outcome(withRecognizer, row))
                .Label($"{c}\nrow: {Show(row)}\nreader path: {reader}");
        });

    [Fact]
    public void A_claims_review_row_is_recognized_compact_and_in_upstream_s_layout_and_its_hash_matches()
    {
        foreach (var row in new[] { ClaimsReviewRow, UpstreamClaimsReviewRow })
        {
            var bytes = Encoding.UTF8.GetBytes(row);
            Assert.True(Recognizes(bytes));
            using var parser = new EventRowParser();
            var parsed = parser.Parse(bytes);
            Assert.Equal(2, parsed.Seq);
            Assert.True(parsed.ComputedHash.Equals(parsed.Hash));
        }
    }

    [Theory]
    [InlineData("\"reason\": \"a\\/b\"", "an escape RFC 8785 does not write")]
    [InlineData("\"reason\": \"\\u00e9\"", "a \\u escape of a character that needs none")]
    [InlineData("\"r\\u0065ason\": \"x\"", "an escaped key")]
    [InlineData("\"amount\": 1.0", "a number not in its shortest form")]
    [InlineData("\"amount\": 1e2", "an exponent")]
    [InlineData("\"reason\": \"x\", \"reason\": \"y\"", "a duplicate key")]
    public void Rows_it_cannot_prove_canonical_are_declined_and_read_by_the_reader_path(string payloadMember, string why)
    {
        var row = Encoding.UTF8.GetBytes(ClaimsReviewRow.Replace("\"claim\":{", "\"claim\":{" + payloadMember + ",", StringComparison.Ordinal));
        Assert.False(Recognizes(row), why);
        using var withRecognizer = new EventRowParser();
        using var readerOnly = new EventRowParser { UsesRecognizer = false };
        Assert.Equal(Outcome(readerOnly, row), Outcome(withRecognizer, row));
    }

    [Theory]
    [InlineData("\"seq\":", "\"s\\ud800eq\":")]
    [InlineData("\"payload\":", "\"p\\udc00ayload\":")]
    public void A_row_key_with_an_escaped_lone_surrogate_is_refused_as_ill_formed_not_thrown(string key, string badKey)
    {
        // Found by the property: Utf8JsonReader.ValueTextEquals throws InvalidOperationException on such a key, which
        // escaped the reader path (and the verifier) instead of a refusal with a reason code.
        var row = Encoding.UTF8.GetBytes(ClaimsReviewRow.Replace(key, badKey, StringComparison.Ordinal));
        using var parser = new EventRowParser();
        var refusal = Assert.Throws<CanonicalJsonException>(() => parser.Parse(row));
        Assert.Equal(AuditReasonCodes.IllFormedString, refusal.ReasonCode);
    }

    [Fact]
    public async Task A_bundle_with_a_lone_surrogate_in_a_row_key_gets_the_reference_verifier_s_verdict()
    {
        var spec = new BundleSpec(5, false, [new EventSpec("human", "ana", null, "approval.decided", 0, [])]);
        var bundle = Encoding.UTF8.GetString(await BundleFactory.ExportAsync(spec, _signer));
        var broken = Encoding.UTF8.GetBytes(bundle.Replace("\"seq\":\"2\",\"id\":", "\"seq\":\"2\",\"\\udc00id\":", StringComparison.Ordinal));
        Assert.NotEqual(bundle.Length, broken.Length);

        var reference = ReferenceBundleVerifier.Verify(broken);
        var fast = Bundles.ReferenceDifferentialTests.FastInMemory(broken, null);

        Assert.Equal(AuditReasonCodes.IllFormedString, reference.ReasonCode);
        Assert.Equal(reference.ReasonCode, fast.ReasonCode);
        Assert.Equal(2, fast.FailedSeq);
        Assert.Equal(reference.FailedSeq, fast.FailedSeq);
    }

    private const string ClaimsReviewRow =
        "{\"seq\":\"2\",\"id\":\"ac56dab8-fc3c-4cbd-99d3-7beb6f740a5c\",\"occurred_at\":\"2026-11-30T09:36:06.791Z\",\"actor\":{\"id\":\"reviewer-0001\"," +
        "\"kind\":\"human\",\"role\":\"claims-reviewer\"},\"event_type\":\"approval.decided\",\"entity_type\":\"approval_request\"," +
        "\"entity_id\":\"req-000000001\"," +
        "\"run_id\":\"claim-run-00000000\",\"payload\":{\"claim\":{\"amount\":126.5,\"currency\":\"EUR\",\"memberId\":\"M-000001\"}," +
        "\"decision\":\"approved\"," +
        "\"dwellMs\":11919,\"payloadDigest\":\"sha256:67abdd721024f0ff4e0b3f4c2fc13bc5bad42d0b7851d456d88d203d15aaa450\",\"policyHash\":" +
        "\"sha256:9f2c1e7a4b0d3c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a\"," +
        "\"reason\":\"Medical necessity documented; prior authorisation matches.\"," +
        "\"requestId\":\"req-000000001\",\"reviewer\":\"reviewer-0001\",\"skill\":\"claims.approve_payment@3\"},\"prev_hash\":" +
        "\"60e682102c2cede9dcc5cf12bb241b60b1425110129eb178febe8d41898c2885\",\"hash\":\"a5212174d80242d7d7322fd10349440094e722962d7b2f0b1cdbb0169282fe7c\"}";

    /// <summary>The same event as the upstream server exports it: <c>JSON.stringify(bundle, null, 2)</c>, actor and payload in <c>jsonb</c> order.</summary>
    private static string UpstreamClaimsReviewRow { get; } =
        Encoding.UTF8.GetString(new JsonRendering(true, KeyOrder.Jsonb, false, false, NumberForm.AsIs).Render(JsonNode.Parse(ClaimsReviewRow)))
            .Replace("\n", "\n    ", StringComparison.Ordinal);

    private static bool Recognizes(byte[] row)
    {
        using var parser = new EventRowParser();
        var result = default(ParsedRow);
        return Utf8.IsValid(row) && parser.TryRecognize(row, ref result);
    }

    /// <summary>Everything a caller can observe of one parse: the row's facts, its hashed bytes and canonical fields, or the refusal.</summary>
    private static string Outcome(EventRowParser parser, byte[] row)
    {
        try
        {
            var p = parser.Parse(row);
            var hashed = Encoding.UTF8.GetString(parser.LastHashedBytes);
            var actor = Convert.ToHexString(parser.LastActor(row));
            var s = parser.ParseStored(row, verifyHash: false);
            byte[][] fields = [s.Id, s.OccurredAt, s.Actor, s.EventType, s.EntityType, s.EntityId, s.RunId, s.Payload];
            return $"parsed seq {p.Seq} hash {p.Hash.ToHex()} prev {p.PrevHash.ToHex()} computed {p.ComputedHash.ToHex()} genesis {p.IsGenesis} " +
                   $"{p.GenesisInstanceId} run {p.RunId} actor {actor} fields {string.Join('|', fields.Select(Convert.ToHexString))} hashed {hashed}";
        }
        catch (CanonicalJsonException ex)
        {
            return $"refused {ex.ReasonCode}: {ex.Message}";
        }
    }

    private byte[] BuildRow(RowCase c)
    {
        var bundle = BundleFactory.ExportAsync(c.Spec with { RunBundle = false }, _signer).GetAwaiter().GetResult(); // a run bundle may be empty
        var events = JsonNode.Parse(bundle)!["events"]!.AsArray();
        var row = events[c.Index % events.Count]!.DeepClone().AsObject();
        if (c.Splice is { } splice)
        {
            row[splice.Field] = Placeholder;
        }

        var text = c.AsElement ? c.Rendering.Render(new JsonArray(row))[1..^1] : c.Rendering.Render(row); // an element is one level deeper
        if (c.Splice is { } s)
        {
            var placeholder = c.Rendering.Render(JsonValue.Create(Placeholder));
            var at = text.AsSpan().IndexOf(placeholder);
            text = [.. text[..at], .. s.Value, .. text[(at + placeholder.Length)..]];
        }

        return c.Mutation.Apply(text);
    }

    private static string Show(byte[] row) => Utf8.IsValid(row) ? Encoding.UTF8.GetString(row) : Convert.ToHexString(row);

    public void Dispose() => _signer.Dispose();

    public sealed record Splice(string Field, byte[] Value)
    {
        public override string ToString() => $"{Field} := {Show(Value)}";
    }

    public enum MutationKind { None, Replace, Delete, Insert }

    /// <summary>One byte replaced or deleted, or a snippet inserted, at a position anywhere or just after a structural byte.</summary>
    public sealed record Mutation(MutationKind Kind, int At, int Which, int Structural)
    {
        public byte[] Apply(byte[] row)
        {
            if (Kind == MutationKind.None || row.Length == 0)
            {
                return row;
            }

            var at = At % row.Length;
            if (Structural == 1)
            {
                var structural = Enumerable.Range(0, row.Length).Where(i => row[i] is (byte)'{' or (byte)',' or (byte)':' or (byte)'[').ToArray();
                at = structural.Length == 0 ? at : Math.Min(structural[At % structural.Length] + 1, row.Length - 1);
            }

            return Kind switch
            {
                MutationKind.Replace => [.. row[..at], Interesting[Which % Interesting.Length], .. row[(at + 1)..]],
                MutationKind.Delete => [.. row[..at], .. row[(at + 1)..]],
                _ => [.. row[..at], .. Encoding.UTF8.GetBytes(Snippets[Which % Snippets.Length]), .. row[at..]],
            };
        }
    }

    public sealed record RowCase(BundleSpec Spec, int Index, JsonRendering Rendering, bool AsElement, Splice? Splice, Mutation Mutation, bool ExpectRun)
    {
        public override string ToString() =>
            $"row {Index} of {Spec}; {Rendering}{(AsElement ? " as an element" : "")}; splice {Splice?.ToString() ?? "none"}; {Mutation}; " +
            $"expected run {ExpectRun}";
    }
}
