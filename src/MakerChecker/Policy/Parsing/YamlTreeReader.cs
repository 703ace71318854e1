using System.Text.RegularExpressions;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MakerChecker.Policy.Parsing;

/// <summary>
/// Reads YAML text into <see cref="YamlNode"/> documents with hard limits on size, depth and node count, iteratively
/// (no recursion, so no input can overflow the stack). It rejects anchors, aliases, explicit tags and merge keys:
/// they let a value appear somewhere a reader of the policy does not see it.
/// </summary>
internal static partial class YamlTreeReader
{
    /// <summary>The largest policy text accepted, in characters.</summary>
    public const int MaxCharacters = 1024 * 1024;

    /// <summary>The deepest nesting accepted. A real policy needs about 7.</summary>
    public const int MaxDepth = 32;

    /// <summary>The most nodes accepted across all documents.</summary>
    public const int MaxNodes = 200_000;

    public static List<YamlNode> Read(string text, string file, List<PolicyDiagnostic> diagnostics)
    {
        var documents = new List<YamlNode>();
        if (text.Length > MaxCharacters)
        {
            diagnostics.Add(Error(DiagnosticCodes.DocumentTooLarge, new SourceLocation(file, 1, 1),
                $"The policy is {text.Length:N0} characters long; the limit is {MaxCharacters:N0}.",
                "Split the policy or remove generated content; a policy is meant to be read by people."));
            return documents;
        }

        var parser = new Parser(new StringReader(text));
        var stack = new Stack<YamlNode>();
        var pendingKeys = new Stack<YamlScalar?>();
        YamlScalar? pendingKey = null;
        var nodes = 0;
        var lastGood = new SourceLocation(file, 1, 1);
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                lastGood = At(file, current.End);
                var location = At(file, current.Start);
                switch (current)
                {
                    case AnchorAlias alias:
                        diagnostics.Add(Error(DiagnosticCodes.AnchorOrAliasNotAllowed, location,
                            $"The alias '*{alias.Value}' is not allowed in a policy.",
                            "Write the value out in full where it is used, so that every grant and gate reads as it applies."));
                        return documents;
                    case NodeEvent node when !node.Anchor.IsEmpty:
                        diagnostics.Add(Error(DiagnosticCodes.AnchorOrAliasNotAllowed, location,
                            $"The anchor '&{node.Anchor}' is not allowed in a policy.",
                            "Remove the anchor and write each value out in full where it is used."));
                        return documents;
                    case NodeEvent node when !node.Tag.IsEmpty && !node.Tag.IsNonSpecific:
                        diagnostics.Add(Error(DiagnosticCodes.AnchorOrAliasNotAllowed, location,
                            $"The tag '{node.Tag}' is not allowed in a policy.",
                            "Remove the tag; the policy language gives each key its own type."));
                        return documents;
                }

                YamlNode? completed = null;
                switch (current)
                {
                    case Scalar scalar:
                        if (++nodes > MaxNodes) return TooLarge(documents, diagnostics, location);
                        completed = new YamlScalar(location, scalar.Value, scalar.Style == ScalarStyle.Plain);
                        break;
                    case MappingStart:
                    case SequenceStart:
                        if (++nodes > MaxNodes) return TooLarge(documents, diagnostics, location);
                        if (stack.Count >= MaxDepth)
                        {
                            diagnostics.Add(Error(DiagnosticCodes.DocumentTooLarge, location,
                                $"The policy nests deeper than {MaxDepth} levels.",
                                "A policy needs only a few levels (roles, grants, gate); flatten the structure."));
                            return documents;
                        }
                        stack.Push(current is MappingStart ? new YamlMapping(location) : new YamlSequence(location));
                        pendingKeys.Push(pendingKey);
                        pendingKey = null;
                        continue;
                    case MappingEnd:
                    case SequenceEnd:
                        completed = stack.Pop();
                        pendingKey = pendingKeys.Pop();
                        break;
                    default:
                        continue; // stream and document boundaries carry nothing
                }

                if (stack.Count == 0)
                {
                    documents.Add(completed);
                    continue;
                }

                switch (stack.Peek())
                {
                    case YamlSequence sequence:
                        sequence.Items.Add(completed);
                        break;
                    case YamlMapping mapping when pendingKey is null:
                        if (completed is not YamlScalar key)
                        {
                            diagnostics.Add(Error(DiagnosticCodes.WrongType, completed.Location,
                                $"A mapping key must be plain text, not {completed.Describe()}.",
                                "Write keys as simple words such as 'grants' or 'gate'."));
                            return documents;
                        }
                        if (key.IsPlain && key.Value == "<<")
                        {
                            diagnostics.Add(Error(DiagnosticCodes.AnchorOrAliasNotAllowed, key.Location,
                                "The merge key '<<' is not allowed in a policy.",
                                "Write the merged keys out in full."));
                            return documents;
                        }
                        pendingKey = key;
                        break;
                    case YamlMapping mapping:
                        mapping.Entries.Add(new(pendingKey!, completed));
                        pendingKey = null;
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            diagnostics.Add(Error(DiagnosticCodes.YamlSyntax, At(file, ex.Start), $"The YAML is malformed: {CleanMessage(ex.Message)}", SyntaxHint));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these, rather than a YamlException, on some malformed input (found by the
            // mutation property test). Whatever the parser's state, hostile input must end as a located diagnostic.
            diagnostics.Add(Error(DiagnosticCodes.YamlSyntax, lastGood,
                $"The YAML is malformed after line {lastGood.Line}, column {lastGood.Column}; the parser stopped with: {ex.Message}", SyntaxHint));
        }

        return documents;
    }

    private const string SyntaxHint =
        "Check indentation (spaces only), that every ':' after a key is followed by a space, and that quotes and brackets are closed.";

    private static List<YamlNode> TooLarge(List<YamlNode> documents, List<PolicyDiagnostic> diagnostics, SourceLocation location)
    {
        diagnostics.Add(Error(DiagnosticCodes.DocumentTooLarge, location,
            $"The policy has more than {MaxNodes:N0} YAML nodes.",
            "Split the policy or remove generated content; a policy is meant to be read by people."));
        return documents;
    }

    private static SourceLocation At(string file, Mark mark) =>
        new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string CleanMessage(string message)
    {
        var cleaned = LocationPrefix().Replace(message, "").Trim();
        if (cleaned.Length > 0 && char.IsUpper(cleaned[0]) is false) cleaned = char.ToUpperInvariant(cleaned[0]) + cleaned[1..];
        return cleaned.EndsWith('.') ? cleaned : cleaned + ".";
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex LocationPrefix();

    private static PolicyDiagnostic Error(string code, SourceLocation location, string message, string hint) =>
        new(code, DiagnosticSeverity.Error, location, message, hint);
}
