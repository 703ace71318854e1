using System.Globalization;
using System.Text.RegularExpressions;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Parsing;

/// <summary>
/// Typed, located access to one YAML mapping of a policy. Creating it reports unknown keys (with a suggestion) and
/// duplicate keys; each accessor reports a value of the wrong type and returns <see langword="null"/> for it, so that
/// every problem in the file is reported in one pass.
/// </summary>
internal sealed partial class MappingReader
{
    private readonly Dictionary<string, KeyValuePair<YamlScalar, YamlNode>> _entries = new(StringComparer.Ordinal);
    private readonly List<PolicyDiagnostic> _diagnostics;

    public MappingReader(YamlMapping mapping, IReadOnlyList<string> allowedKeys, string context, List<PolicyDiagnostic> diagnostics)
    {
        Mapping = mapping;
        Context = context;
        _diagnostics = diagnostics;
        foreach (var entry in mapping.Entries)
        {
            var key = entry.Key.Value;
            if (_entries.TryGetValue(key, out var first))
            {
                Report(DiagnosticCodes.DuplicateKey, entry.Key.Location,
                    $"The key '{key}' appears twice in {context} (first at line {first.Key.Location.Line}).",
                    "Keep one of them: YAML readers disagree on which duplicate wins, so a policy must not have any.");
                continue;
            }
            if (!allowedKeys.Contains(key))
            {
                ReportUnknownKey(entry.Key, allowedKeys, context);
                continue;
            }
            _entries.Add(key, entry);
        }
    }

    public YamlMapping Mapping { get; }

    public string Context { get; }

    public SourceLocation Location => Mapping.Location;

    public bool Has(string key) => _entries.ContainsKey(key);

    public YamlNode? Node(string key) => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    public SourceLocation KeyLocation(string key) => _entries.TryGetValue(key, out var entry) ? entry.Key.Location : Location;

    public void ReportMissing(string key, string hint) =>
        Report(DiagnosticCodes.MissingKey, Location, $"{Capitalize(Context)} has no '{key}'.", hint);

    public Located<string>? String(string key, bool required = false, string? requiredHint = null)
    {
        var node = Node(key);
        if (node is null || node is YamlScalar { IsNull: true })
        {
            if (required) ReportMissing(key, requiredHint ?? $"Add '{key}:'.");
            return null;
        }
        if (node is YamlScalar scalar) return new Located<string>(scalar.Value, scalar.Location);
        WrongType(key, node, "text");
        return null;
    }

    public Located<int>? Integer(string key)
    {
        if (Scalar(key, "a whole number") is not { } scalar) return null;
        if (scalar.IsPlain && IntegerPattern().IsMatch(scalar.Value) &&
            int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return new Located<int>(value, scalar.Location);
        }
        WrongType(key, scalar, "a whole number");
        return null;
    }

    public Located<decimal>? Decimal(string key)
    {
        if (Scalar(key, "a number") is not { } scalar) return null;
        if (scalar.IsPlain && DecimalPattern().IsMatch(scalar.Value) &&
            decimal.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return new Located<decimal>(value, scalar.Location);
        }
        WrongType(key, scalar, "a number such as 10000 or 2500.50");
        return null;
    }

    public Located<bool>? Boolean(string key)
    {
        if (Scalar(key, "true or false") is not { } scalar) return null;
        if (scalar.IsPlain)
        {
            switch (scalar.Value)
            {
                case "true" or "True" or "TRUE": return new Located<bool>(true, scalar.Location);
                case "false" or "False" or "FALSE": return new Located<bool>(false, scalar.Location);
            }
        }
        Report(DiagnosticCodes.WrongType, scalar.Location,
            $"'{key}' in {Context} must be true or false, not {scalar.Describe()}.",
            scalar.Value is "yes" or "no" or "on" or "off" or "y" or "n"
                ? "Write true or false: readers disagree on whether yes/no/on/off are booleans."
                : "Write true or false, unquoted.");
        return null;
    }

    public Located<TimeSpan>? Duration(string key)
    {
        if (Scalar(key, "a duration") is not { } scalar) return null;
        if (PolicyDurations.TryParse(scalar.Value, out var value)) return new Located<TimeSpan>(value, scalar.Location);
        Report(DiagnosticCodes.InvalidDuration, scalar.Location,
            $"'{key}' in {Context} is not a duration: {scalar.Describe()}.",
            IntegerPattern().IsMatch(scalar.Value)
                ? $"Add a unit, for example {scalar.Value}s or {scalar.Value}m (units: ms, s, m, h, d)."
                : "Write a number and a unit, for example 30s, 15m, 72h, 7d or 1h30m (units: ms, s, m, h, d; at most 3650d).");
        return null;
    }

    public Located<double>? Fraction(string key)
    {
        if (Scalar(key, "a fraction") is not { } scalar) return null;
        if (scalar.IsPlain && DecimalPattern().IsMatch(scalar.Value) &&
            double.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) &&
            value > 0 && value <= 1)
        {
            return new Located<double>(value, scalar.Location);
        }
        Report(DiagnosticCodes.InvalidFraction, scalar.Location,
            $"'{key}' in {Context} must be a fraction greater than 0 and at most 1, not {scalar.Describe()}.",
            "Write for example 0.05 to route 5% of invocations; remove the key to gate every invocation.");
        return null;
    }

    public Located<T>? Enum<T>(string key, IReadOnlyDictionary<string, T> values) where T : struct
    {
        if (Scalar(key, "a value") is not { } scalar) return null;
        if (values.TryGetValue(scalar.Value, out var value)) return new Located<T>(value, scalar.Location);
        Report(DiagnosticCodes.InvalidValue, scalar.Location,
            $"'{key}' in {Context} must be one of {string.Join(", ", values.Keys)}, not {scalar.Describe()}.",
            $"Write one of: {string.Join(", ", values.Keys)}.");
        return null;
    }

    /// <summary>The items of a list; a single scalar where a list of names belongs is reported, not guessed at.</summary>
    public List<YamlNode>? List(string key)
    {
        var node = Node(key);
        if (node is null or YamlScalar { IsNull: true }) return null;
        if (node is YamlSequence sequence) return sequence.Items;
        WrongType(key, node, "a list");
        return null;
    }

    /// <summary>A list of plain names (role names, versions).</summary>
    public List<Located<string>>? Names(string key)
    {
        if (List(key) is not { } items) return null;
        var names = new List<Located<string>>(items.Count);
        foreach (var item in items)
        {
            if (item is YamlScalar { IsNull: false } scalar)
            {
                names.Add(new Located<string>(scalar.Value, scalar.Location));
            }
            else
            {
                Report(DiagnosticCodes.WrongType, item.Location, $"Each item of '{key}' in {Context} must be a name, not {item.Describe()}.",
                    "Write a list of names, for example [medical-director, chief-medical-officer].");
            }
        }
        return names;
    }

    public MappingReader? Map(string key, IReadOnlyList<string> allowedKeys, string context)
    {
        var node = Node(key);
        if (node is null or YamlScalar { IsNull: true }) return null;
        if (node is YamlMapping mapping) return new MappingReader(mapping, allowedKeys, context, _diagnostics);
        WrongType(key, node, "a mapping");
        return null;
    }

    public void Report(string code, SourceLocation location, string message, string hint) =>
        _diagnostics.Add(new PolicyDiagnostic(code, DiagnosticSeverity.Error, location, message, hint));

    private YamlScalar? Scalar(string key, string expected)
    {
        var node = Node(key);
        if (node is null or YamlScalar { IsNull: true }) return null;
        if (node is YamlScalar scalar) return scalar;
        WrongType(key, node, expected);
        return null;
    }

    private void WrongType(string key, YamlNode node, string expected) =>
        Report(DiagnosticCodes.WrongType, node.Location,
            $"'{key}' in {Context} must be {expected}, not {node.Describe()}.",
            $"See docs/policy-reference.md for the form of '{key}'.");

    private void ReportUnknownKey(YamlScalar key, IReadOnlyList<string> allowedKeys, string context)
    {
        var suggestion = PolicyKeys.Suggest(key.Value, allowedKeys);
        var elsewhere = PolicyKeys.ContextOf(key.Value);
        var hint = suggestion is not null
            ? $"Did you mean '{suggestion}'? An unknown key is an error so that a typo can never silently weaken a gate."
            : elsewhere is not null
                ? $"'{key.Value}' belongs in {elsewhere}, not in {context}."
                : $"The keys of {context} are: {string.Join(", ", allowedKeys)}.";
        Report(DiagnosticCodes.UnknownKey, key.Location, $"Unknown key '{key.Value}' in {context}.", hint);
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"^-?[0-9]{1,10}$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^-?[0-9]{1,20}(\.[0-9]{1,10})?$")]
    private static partial Regex DecimalPattern();
}
