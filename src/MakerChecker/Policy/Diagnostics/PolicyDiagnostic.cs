using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Diagnostics;

/// <summary>One problem found in a policy: where it is, a stable code, what is wrong and how to fix it.</summary>
/// <param name="Code">The stable code, for example <c>MC1004</c>; see <see cref="DiagnosticCodes"/>.</param>
/// <param name="Severity">Whether the policy can still load.</param>
/// <param name="Location">The file, line and column.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Hint">How to fix it.</param>
public sealed record PolicyDiagnostic(string Code, DiagnosticSeverity Severity, SourceLocation Location, string Message, string Hint)
{
    /// <summary>The diagnostic in the compiler format editors and CI understand: <c>file(line,col): error MC1004: message</c>.</summary>
    public override string ToString() =>
        $"{Location.File}({Location.Line},{Location.Column}): {(Severity == DiagnosticSeverity.Error ? "error" : "warning")} {Code}: {Message} {Hint}";
}
