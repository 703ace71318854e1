using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Parsing;

/// <summary>A value read from the policy, with where it was written.</summary>
internal readonly record struct Located<T>(T Value, SourceLocation Location);
