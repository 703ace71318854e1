namespace MakerChecker.Gates;

/// <summary>A gated skill run without approval under break-glass. Every one is listed for mandatory review afterwards.</summary>
/// <param name="InvocationId">The invocation's id in the audit log.</param>
/// <param name="PrincipalId">Who broke the glass.</param>
/// <param name="Skill">The skill run, <c>name@version</c>.</param>
/// <param name="Justification">The stated justification.</param>
/// <param name="PayloadDigest">The digest of the payload the skill ran with.</param>
/// <param name="Rule">The gate whose break-glass roles allowed it, as <c>file:line</c>.</param>
/// <param name="InvokedAt">When.</param>
public sealed record BreakGlassRecord(
    string InvocationId, string PrincipalId, string Skill, string Justification, string PayloadDigest, string Rule, DateTimeOffset InvokedAt);
