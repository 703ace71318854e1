using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// The documents the commands' <c>--json</c> options write. They are named records, not anonymous types, and are
/// written through source-generated metadata: the linux-x64 tool is compiled ahead of time (Native AOT), where the
/// serializer cannot reflect over types. Each record's members are in the order the JSON shows them.
/// </summary>
internal static class CliJson
{
    /// <summary>Serializes <paramref name="value"/> with <paramref name="options"/>, whose resolver must be <see cref="CliJsonContext"/>.</summary>
    public static string Serialize<T>(T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}

/// <summary><c>audit verify --json</c>.</summary>
internal sealed record VerifyReport(
    string Path, string Kind, bool Verified, long EventCount, string? KeyFingerprint, string? PinnedKeyFingerprint, string? ReasonCode,
    string? Reason, long? FailedSeq, int CheckpointsVerified, VerifiedCheckpoint? Checkpoint, bool? TruncationDetectable);

/// <summary>The newest signed checkpoint a store verification checked.</summary>
internal sealed record VerifiedCheckpoint(int Number, long Size, string Root, string SignedBy, bool SignerPinned);

/// <summary><c>policy lint --json</c>.</summary>
internal sealed record LintReport(IEnumerable<LintedFile> Files, int Errors, int Warnings);

/// <summary>One policy file's result.</summary>
internal sealed record LintedFile(string File, bool Loaded, string? PolicyHash, IEnumerable<LintDiagnostic> Diagnostics);

/// <summary>One diagnostic of a policy file.</summary>
internal sealed record LintDiagnostic(string Code, string Severity, string File, int Line, int Column, string Message, string? Hint);

/// <summary><c>policy explain --json</c>.</summary>
internal sealed record ExplainReport(string Decision, string? ReasonCode, string? Rule, string? Gate, string? PolicyHash, string? Message);

[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(LintReport))]
[JsonSerializable(typeof(ExplainReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
