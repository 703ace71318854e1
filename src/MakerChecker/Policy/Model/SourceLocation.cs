namespace MakerChecker.Policy.Model;

/// <summary>Where something was written in a policy file: the file name and a 1-based line and column.</summary>
/// <param name="File">The policy file's name as it was given to the loader.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary>
    /// The location as <c>file:line</c>, the form decisions cite as the rule that decided; <c>(no rule)</c> for
    /// <c>default</c>, the location of a result no policy rule decided (for example an unknown principal or request).
    /// </summary>
    public override string ToString() => File is null ? "(no rule)" : $"{File}:{Line}";
}
