namespace MakerChecker.Policy.Parsing;

/// <summary>
/// Every key of the policy language, by the mapping it belongs in. One list drives unknown-key detection,
/// "did you mean" suggestions and "this key belongs in a gate" hints.
/// </summary>
internal static class PolicyKeys
{
    public static readonly string[] Document = ["policy", "skills", "roles", "principals", "separation"];
    public static readonly string[] Header = ["name", "version", "description", "changes"];
    public static readonly string[] Changes = ["proposer_roles", "approvers", "approver_roles", "min_review", "expires_after", "break_glass"];
    public static readonly string[] Skill = ["skill", "versions", "risk", "description"];
    public static readonly string[] Role = ["role", "description", "grants", "forbidden"];
    public static readonly string[] Grant = ["skill", "risk", "gate", "limits", "description"];
    public static readonly string[] Forbidden = ["skill", "reason"];
    public static readonly string[] Gate =
    [
        "approvers", "approver_roles", "forbid_requester", "min_review", "expires_after",
        "allow_agent_approvers", "require_presentation", "sample", "break_glass",
    ];
    public static readonly string[] BreakGlass = ["roles"];
    public static readonly string[] Limits = ["per_minute", "per_hour", "per_day", "max_amount", "amount_field"];
    public static readonly string[] Principal = ["id", "kind", "role", "owner", "status", "name", "roles"];
    public static readonly string[] Separation = ["roles", "reason"];

    private static readonly (string Context, string[] Keys)[] Contexts =
    [
        ("the top level of a policy", Document), ("'policy'", Header), ("'policy.changes'", Changes), ("a skill", Skill), ("a role", Role), ("a grant", Grant),
        ("a forbidden entry", Forbidden), ("a gate", Gate), ("'break_glass'", BreakGlass), ("'limits'", Limits),
        ("a principal", Principal), ("a separation constraint", Separation),
    ];

    /// <summary>The closest allowed key to <paramref name="key"/>, if it is close enough to be a likely typo.</summary>
    public static string? Suggest(string key, IReadOnlyList<string> allowed)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in allowed)
        {
            var distance = EditDistance(key.ToLowerInvariant().Replace('-', '_'), candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }
        var tolerance = Math.Max(2, key.Length / 3);
        return bestDistance <= tolerance ? best : null;
    }

    /// <summary>Where else in the language <paramref name="key"/> is valid, for a "belongs in" hint.</summary>
    public static string? ContextOf(string key)
    {
        foreach (var (context, keys) in Contexts)
        {
            if (Array.IndexOf(keys, key) >= 0) return context;
        }
        return null;
    }

    internal static int EditDistance(string a, string b)
    {
        // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
