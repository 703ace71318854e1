namespace MakerChecker.Policy.Diagnostics;

/// <summary>How serious a policy diagnostic is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Legal but suspicious: the policy loads.</summary>
    Warning,

    /// <summary>The policy does not load.</summary>
    Error,
}
