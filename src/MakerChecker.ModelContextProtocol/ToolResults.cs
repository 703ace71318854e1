using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Gates;
using ModelContextProtocol.Protocol;

namespace MakerChecker.ModelContextProtocol;

/// <summary>
/// The tool errors the filter returns when a tool did not run: a sentence for the model and structured content a client
/// can act on (<c>{"gate":"makerchecker","status":…,"reason_code":…,"request_id":…,"review":…,"resume":…}</c>).
/// </summary>
internal static class ToolResults
{
    public const string Refused = "refused";
    public const string ApprovalRequired = "approval_required";
    public const string Pending = "pending";

    public static CallToolResult From(GateResult result, string status, MakerCheckerMcpOptions options, string? requestId = null) =>
        Error(status, result.ReasonCode, result.HasRule ? result.Rule.ToString() : null, result.Message, requestId ?? result.Request?.Id, options);

    public static CallToolResult Error(string status, string reasonCode, string? rule, string message, string? requestId, MakerCheckerMcpOptions options)
    {
        var content = new JsonObject
        {
            ["gate"] = "makerchecker",
            ["status"] = status,
            ["reason_code"] = reasonCode,
            ["rule"] = rule,
            ["message"] = message,
            ["request_id"] = requestId,
        };
        var text = message;
        if (requestId is not null && status is ApprovalRequired or Pending)
        {
            var review = options.ReviewLocation?.Invoke(requestId)
                ?? $"Eligible reviewers sign request {requestId} off through the MakerChecker gate (its inbox or ApprovalGate.ApproveAsync).";
            content["review"] = review;
            content["resume"] = new JsonObject
            {
                ["meta"] = new JsonObject { [MakerCheckerMcpOptions.RequestIdMetaKey] = requestId },
                ["tool"] = MakerCheckerMcpOptions.ExecuteToolName,
            };
            text = $"{message} {review} Once signed off, call the same tool again with the same arguments and "
                + $"_meta[\"{MakerCheckerMcpOptions.RequestIdMetaKey}\"] = \"{requestId}\", or call {MakerCheckerMcpOptions.ExecuteToolName}.";
        }
        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = JsonSerializer.SerializeToElement(content, ToolResultsJson.Default.JsonObject),
        };
    }

    /// <summary>The call's arguments as the gate payload: an approval is bound to their digest.</summary>
    public static JsonObject Payload(IDictionary<string, JsonElement>? arguments)
    {
        var payload = new JsonObject();
        if (arguments is null) return payload;
        foreach (var (name, value) in arguments)
        {
            payload[name] = value.ValueKind switch
            {
                JsonValueKind.Object => JsonObject.Create(value),
                JsonValueKind.Array => JsonArray.Create(value),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => JsonValue.Create(value),
            };
        }
        return payload;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class ToolResultsJson : System.Text.Json.Serialization.JsonSerializerContext;
