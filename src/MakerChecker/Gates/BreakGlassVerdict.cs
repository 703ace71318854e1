namespace MakerChecker.Gates;

/// <summary>A reviewer's verdict on a break-glass use (<see cref="ApprovalGate.ReviewBreakGlassAsync"/>), recorded as <c>breakglass.reviewed</c>.</summary>
public enum BreakGlassVerdict
{
    /// <summary>The emergency justified running the skill without approval.</summary>
    Accepted,

    /// <summary>The use needs follow-up beyond this review (for example by compliance); a reason is required.</summary>
    Escalated,
}
