using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Parsing;

// What the reader understood of the YAML, before cross-references are checked. Values that failed to read are
// null (their diagnostic is already recorded); the validator compiles drafts into the immutable model.

internal sealed class PolicyDraft
{
    public Located<string>? Name { get; set; }
    public Located<string>? Version { get; set; }
    public SourceLocation? HeaderLocation { get; set; }
    public ChangesDraft? Changes { get; set; }
    public List<SkillDraft> Skills { get; } = [];
    public List<RoleDraft> Roles { get; } = [];
    public List<PrincipalDraft> Principals { get; } = [];
    public List<SeparationDraft> Separations { get; } = [];
}

internal sealed record SkillDraft(Located<string> Name, List<Located<string>> Versions, Located<RiskTier>? Risk, string? Description, SourceLocation Location);

internal sealed record RoleDraft(Located<string> Name, List<GrantDraft> Grants, List<Located<string>> Forbidden, SourceLocation Location);

internal sealed record GrantDraft(Located<string> Skill, Located<RiskTier>? Risk, GateDraft? Gate, LimitDraft? Limits, SourceLocation Location);

internal sealed record GateDraft(
    Located<int>? Approvers,
    List<Located<string>>? ApproverRoles,
    Located<bool>? ForbidRequester,
    Located<TimeSpan>? MinReview,
    Located<TimeSpan>? ExpiresAfter,
    Located<bool>? AllowAgentApprovers,
    Located<bool>? RequirePresentation,
    Located<double>? Sample,
    List<Located<string>>? BreakGlassRoles,
    SourceLocation Location);

internal sealed record ChangesDraft(
    List<Located<string>>? ProposerRoles,
    Located<int>? Approvers,
    List<Located<string>>? ApproverRoles,
    Located<TimeSpan>? MinReview,
    Located<TimeSpan>? ExpiresAfter,
    List<Located<string>>? BreakGlassRoles,
    SourceLocation Location);

internal sealed record LimitDraft(
    Located<int>? PerMinute,
    Located<int>? PerHour,
    Located<int>? PerDay,
    Located<decimal>? MaxAmount,
    Located<string>? AmountField,
    SourceLocation Location);

internal sealed record PrincipalDraft(
    Located<string> Id,
    Located<PrincipalKind>? Kind,
    Located<string>? Role,
    Located<string>? Owner,
    Located<PrincipalStatus>? Status,
    SourceLocation Location);

internal sealed record SeparationDraft(List<Located<string>> Roles, SourceLocation Location);
