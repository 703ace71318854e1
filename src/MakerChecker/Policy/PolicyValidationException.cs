using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Policy;

/// <summary>A policy did not load. <see cref="Diagnostics"/> lists every problem with its file, line and column.</summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception from the diagnostics of a failed load.</summary>
    /// <param name="diagnostics">Every diagnostic of the load.</param>
    public PolicyValidationException(IReadOnlyList<PolicyDiagnostic> diagnostics)
        : base(BuildMessage(diagnostics)) => Diagnostics = diagnostics;

    /// <summary>Every error and warning of the failed load.</summary>
    public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; }

    private static string BuildMessage(IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return $"The policy has {errors.Count} error(s) and does not load:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}";
    }
}
