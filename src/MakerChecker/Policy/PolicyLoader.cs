using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;
using MakerChecker.Policy.Validation;

namespace MakerChecker.Policy;

/// <summary>
/// Loads YAML policies. Loading never throws for a bad policy: it returns every problem at once, each with file,
/// line, column, a stable code, a message and a hint. A policy with any error is never compiled (fail closed).
/// </summary>
public static class PolicyLoader
{
    /// <summary>Loads a policy file.</summary>
    /// <param name="path">
    /// The policy file's path; diagnostics name it as given. A pipe (<c>/dev/stdin</c>) or FIFO is read too, for at most
    /// 10 seconds and <see cref="YamlTreeReader.MaxCharacters"/> characters; a directory, a device that never ends and a
    /// FIFO nothing writes to are diagnostics.
    /// </param>
    public static PolicyLoadResult LoadFile(string path) => LoadFile(path, PolicyFileReader.DefaultDeadline);

    internal static PolicyLoadResult LoadFile(string path, TimeSpan deadline)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (text, error) = PolicyFileReader.Read(path, deadline);
        return text is null ? new PolicyLoadResult(null, [error!]) : Load(text, path);
    }

    /// <summary>Loads a policy from YAML text.</summary>
    /// <param name="yaml">The policy text: one document, or several separated by <c>---</c>.</param>
    /// <param name="sourceName">The name diagnostics and decisions cite for this policy, usually its file name.</param>
    public static PolicyLoadResult Load(string yaml, string sourceName = "policy.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var diagnostics = new List<PolicyDiagnostic>();
        var documents = YamlTreeReader.Read(yaml, sourceName, diagnostics);
        CompiledPolicy? policy = null;
        if (diagnostics.Count == 0)
        {
            var draft = PolicyReader.Read(documents, diagnostics);
            policy = PolicyCompiler.Compile(draft, sourceName, diagnostics);
        }
        diagnostics.Sort((a, b) => a.Location.Line != b.Location.Line
            ? a.Location.Line.CompareTo(b.Location.Line)
            : a.Location.Column.CompareTo(b.Location.Column));
        return new PolicyLoadResult(policy, diagnostics);
    }

}
