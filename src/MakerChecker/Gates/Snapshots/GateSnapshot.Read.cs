using System.Text.Json;
using MakerChecker.Auditing;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates.Snapshots;

/// <summary>Reading a snapshot back into an empty projection (only after its hash matched its <c>gate.snapshot_recorded</c>).</summary>
internal static partial class GateSnapshot
{
    /// <summary>What a snapshot says of itself: the seq its state ends with and that event's hash.</summary>
    public readonly record struct Header(long Seq, string Head, DateTimeOffset TakenAt);

    /// <summary>Restores <paramref name="snapshot"/> into <paramref name="state"/>, which must be empty.</summary>
    /// <exception cref="FormatException">The bytes are not a snapshot of <see cref="Format"/> (what is missing is named).</exception>
    public static Header Read(ReadOnlyMemory<byte> snapshot, GateProjection state)
    {
        try
        {
            using var document = JsonDocument.Parse(snapshot);
            return Read(document.RootElement, state);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentException or OverflowException)
        {
            throw new FormatException($"The gate snapshot is malformed: {ex.Message}", ex);
        }
    }

    private static Header Read(JsonElement root, GateProjection state)
    {
        if (root.GetProperty("format").GetInt32() != Format)
        {
            throw new FormatException($"The gate snapshot has format {root.GetProperty("format")}; this gate reads format {Format}.");
        }

        var header = new Header(root.GetProperty("seq").GetInt64(), Text(root, "head")!, Time(root, "takenAt"));
        state.RestoreSeq(header.Seq, Text(root, "activePolicyHash"), root.GetProperty("activePolicyGoverned").GetBoolean());
        foreach (var p in root.GetProperty("principals").EnumerateArray())
        {
            var principal = new PrincipalDefinition(Text(p, "id")!, Enum.Parse<PrincipalKind>(Text(p, "kind")!), Text(p, "role")!,
                Enum.Parse<PrincipalStatus>(Text(p, "status")!), Text(p, "owner"));
            state.Principals[principal.Id] = principal;
        }

        foreach (var r in root.GetProperty("requests").EnumerateArray())
        {
            var request = ReadRequest(r);
            state.Requests[request.Id] = request;
        }

        foreach (var c in root.GetProperty("closed").EnumerateObject())
        {
            state.ClosedCounts[Enum.Parse<ApprovalStatus>(c.Name, ignoreCase: true)] = c.Value.GetInt32();
        }

        foreach (var i in root.GetProperty("invocations").EnumerateArray())
        {
            var invocation = new InvocationState(Text(i, "id")!, Text(i, "principalId")!, Text(i, "skill")!, Text(i, "payloadDigest")!,
                Text(i, "policyHash")!, Text(i, "reasonCode")!, Text(i, "idempotencyKey"))
            {
                RunId = Text(i, "runId"),
                At = Time(i, "at"),
                Status = Enum.Parse<InvocationStatus>(Text(i, "status")!),
            };
            state.Invocations[invocation.Id] = invocation;
        }

        foreach (var c in root.GetProperty("idempotentCalls").EnumerateArray())
        {
            state.IdempotentCalls[(Text(c, "principalId")!, Text(c, "key")!)] = new IdempotentCall(
                Text(c, "skill")!, Text(c, "payloadDigest")!, Text(c, "entityType")!, Text(c, "entityId")!, Text(c, "reasonCode")!, Time(c, "at"));
        }

        foreach (var b in root.GetProperty("breakGlass").EnumerateArray())
        {
            var use = new BreakGlassRecord(Text(b, "invocationId")!, Text(b, "principalId")!, Text(b, "skill")!, Text(b, "justification")!,
                Text(b, "payloadDigest")!, Text(b, "rule")!, Time(b, "invokedAt"));
            state.BreakGlass[use.InvocationId] = use;
            if (Text(b, "runId") is { } runId) state.BreakGlassRunIds[use.InvocationId] = runId;
        }

        foreach (var l in root.GetProperty("limits").EnumerateArray())
        {
            state.Limits.Restore(Text(l, "principal")!, Text(l, "skill")!, l.GetProperty("ticks").EnumerateArray().Select(t => t.GetInt64()));
        }
        return header;
    }

    private static RequestState ReadRequest(JsonElement r)
    {
        var basis = r.GetProperty("basis") is { ValueKind: JsonValueKind.Object } b
            ? new ProposalBasis(Text(b, "ruleId"), Text(b, "modelVersion"), Text(b, "datasetDigest"), Text(b, "reason"))
            {
                CaseSize = b.GetProperty("caseSize") is { ValueKind: JsonValueKind.Number } size ? size.GetInt32() : null,
            }
            : null;
        var request = new RequestState(Text(r, "id")!, Text(r, "skill")!, Text(r, "requesterId")!, Text(r, "payloadDigest")!, basis,
            Text(r, "policyHash")!, Text(r, "rule")!, Time(r, "requestedAt"), Time(r, "expiresAt"), r.GetProperty("requiredApprovals").GetInt32(),
            r.GetProperty("sampled").GetBoolean()) { RunId = Text(r, "runId") };
        var presentations = r.GetProperty("presentations").EnumerateArray().Select(p => new Presentation(Text(p, "reviewerId")!, Time(p, "presentedAt")));
        var signOffs = r.GetProperty("signOffs").EnumerateArray().Select(s => new SignOff(Text(s, "reviewerId")!, s.GetProperty("approved").GetBoolean(),
            Text(s, "reason"), Text(s, "presentedAt") is { } at ? AuditTime.Parse(at) : null, Time(s, "decidedAt")));
        request.Restore(Enum.Parse<ApprovalStatus>(Text(r, "status")!, ignoreCase: true), Text(r, "executionId"),
            Text(r, "appeal") is { } appeal ? Enum.Parse<AppealOutcome>(appeal) : null, [.. presentations], [.. signOffs]);
        return request;
    }

    private static string? Text(JsonElement e, string name) => e.GetProperty(name).GetString();

    private static DateTimeOffset Time(JsonElement e, string name) => AuditTime.Parse(Text(e, name) ?? throw new FormatException($"'{name}' is null."));
}
