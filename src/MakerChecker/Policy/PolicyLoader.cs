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
    /// <param name="path">The policy file's path; diagnostics name it as given.</param>
    public static PolicyLoadResult LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length > YamlTreeReader.MaxCharacters * 4L)
            {
                return Fail(path, DiagnosticCodes.DocumentTooLarge, $"The policy file is {stream.Length:N0} bytes; the limit is {YamlTreeReader.MaxCharacters:N0} characters.", "A policy is meant to be read by people: split it or remove generated content.");
            }
            using var reader = new StreamReader(stream, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
            text = reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(path, DiagnosticCodes.FileUnreadable, $"The policy file cannot be read: {ex.Message}", "Check the path and that the process may read the file.");
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Fail(path, DiagnosticCodes.YamlSyntax, "The policy file is not valid UTF-8.", "Save the file as UTF-8.");
        }
        return Load(text, path);
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
        diagnostics.Sort((a, b) => a.Location.Line != b.Location.Line ? a.Location.Line.CompareTo(b.Location.Line) : a.Location.Column.CompareTo(b.Location.Column));
        return new PolicyLoadResult(policy, diagnostics);
    }

    private static PolicyLoadResult Fail(string path, string code, string message, string hint) =>
        new(null, [new PolicyDiagnostic(code, DiagnosticSeverity.Error, new SourceLocation(path, 1, 1), message, hint)]);
}
