using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy;

/// <summary>The outcome of loading a policy: the compiled policy when there were no errors, and every diagnostic.</summary>
public sealed class PolicyLoadResult
{
    internal PolicyLoadResult(CompiledPolicy? policy, IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        Policy = policy;
        Diagnostics = diagnostics;
    }

    /// <summary>The compiled policy, or <see langword="null"/> when any error was found.</summary>
    public CompiledPolicy? Policy { get; }

    /// <summary>Every error and warning, in file order.</summary>
    public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; }

    /// <summary>Whether the policy loaded (it may still have warnings).</summary>
    public bool Succeeded => Policy is not null;

    /// <summary>The errors only.</summary>
    public IEnumerable<PolicyDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Returns the compiled policy, or throws listing every error.</summary>
    /// <exception cref="PolicyValidationException">The policy has errors.</exception>
    public CompiledPolicy GetPolicyOrThrow() => Policy ?? throw new PolicyValidationException(Diagnostics);
}
