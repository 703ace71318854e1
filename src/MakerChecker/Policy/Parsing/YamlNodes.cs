using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Parsing;

/// <summary>
/// A minimal YAML tree: only what a policy may contain (mappings, sequences and scalars, each with its location).
/// Anchors, aliases, tags and merge keys never reach it; the reader rejects them.
/// </summary>
internal abstract class YamlNode
{
    protected YamlNode(SourceLocation location) => Location = location;

    public SourceLocation Location { get; }

    /// <summary>How the node is described in messages: "a mapping", "a list", "the text 'x'".</summary>
    public abstract string Describe();
}

internal sealed class YamlScalar(SourceLocation location, string value, bool isPlain) : YamlNode(location)
{
    public string Value { get; } = value;

    /// <summary>Whether the scalar was written unquoted, so that it may be read as a number, boolean or null.</summary>
    public bool IsPlain { get; } = isPlain;

    /// <summary>A plain <c>null</c>, <c>~</c> or empty scalar.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "an empty value" : $"'{Value}'";
}

internal sealed class YamlSequence(SourceLocation location) : YamlNode(location)
{
    public List<YamlNode> Items { get; } = [];

    public override string Describe() => "a list";
}

internal sealed class YamlMapping(SourceLocation location) : YamlNode(location)
{
    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

    public override string Describe() => "a mapping";
}
