using System.Globalization;
using MakerChecker.Limits;

namespace MakerChecker.Decisions;

/// <summary>The human sentences for decisions. Kept apart so that evaluation never formats text it may not need.</summary>
internal static class DecisionMessages
{
    public static string Describe(in Decision d)
    {
        var p = d.PrincipalId;
        var s = d.Skill;
        var rule = d.HasRule ? d.Rule.ToString() : "the policy";
        return d.ReasonCode switch
        {
            ReasonCodes.Allowed => $"'{p}' may run {s} now, under the grant at {rule}.",
            ReasonCodes.ApprovalRequired => $"{s} needs approval before it runs: the gate at {rule} requires {d.Grant?.Gate?.Approvers ?? 1} sign-off(s).",
            ReasonCodes.SampledForReview => $"{s} was sampled for review by the gate at {rule}; it runs once approved.",
            ReasonCodes.BreakGlass => $"'{p}' ran {s} under break-glass (gate at {rule}); it is listed for mandatory review.",
            ReasonCodes.PrincipalUnknown => $"No principal '{p}' is known. Declare it in the policy or register it at run time.",
            ReasonCodes.PrincipalInactive => $"'{p}' is not active, so it may neither act nor sign. Reactivate it in the policy ({rule}) if that is intended.",
            ReasonCodes.RoleUnknown => $"The role of '{p}' is not in the policy in force. Give the principal a role the policy declares.",
            ReasonCodes.SkillMalformed => $"'{s}' is not a skill id: write name@version, for example coverage.deny@1.",
            ReasonCodes.SkillForbidden => $"The role of '{p}' forbids {s} at {rule}; a prohibition wins over any grant.",
            ReasonCodes.SkillNotGranted => $"The role of '{p}' (declared at {rule}) has no grant for exactly {s}. Add a grant for this version if it is intended.",
            ReasonCodes.HighRiskRequiresGate => $"The grant for {s} at {rule} is high risk but has no gate covering every invocation, so it is refused. Add a gate.",
            ReasonCodes.LimitExceeded when d.Limit == LimitKind.Amount => $"The amount in the payload is above the max_amount of the limit at {rule} for {s}.",
            ReasonCodes.LimitExceeded => $"'{p}' has reached the {LimitName(d.Limit)} ceiling of the limit at {rule} for {s}. Try again later.",
            ReasonCodes.LimitAmountUnreadable => $"The limit at {rule} reads the amount from the payload's '{d.Grant?.Limits?.AmountField}', which is missing or not a number.",
            _ => string.Create(CultureInfo.InvariantCulture, $"{d.Outcome}: {d.ReasonCode} for '{p}' running {s} ({rule})."),
        };
    }

    private static string LimitName(LimitKind kind) => kind switch
    {
        LimitKind.PerMinute => "per-minute",
        LimitKind.PerHour => "per-hour",
        LimitKind.PerDay => "per-day",
        _ => "amount",
    };
}
