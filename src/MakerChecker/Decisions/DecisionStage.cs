namespace MakerChecker.Decisions;

/// <summary>Which gate operation a <see cref="Decision"/> judges: the rule set that applied and the sentences that explain it.</summary>
internal enum DecisionStage
{
    /// <summary>An invocation of a skill (<c>InvokeAsync</c>), or a policy explanation.</summary>
    Invoke,

    /// <summary>A break-glass invocation: a gated skill run without approval.</summary>
    BreakGlass,

    /// <summary>A request's case shown to a reviewer.</summary>
    Present,

    /// <summary>A reviewer's approval or rejection of a request.</summary>
    SignOff,

    /// <summary>The one execution of an approved request.</summary>
    Execute,
}
