using System.Globalization;
using System.Text.Json;

namespace MakerChecker.Review;

/// <summary>
/// The semantic difference between two canonical policies (<c>makerchecker-policy-canonical/1</c>, as <c>policy.activated</c>
/// records them), in words an inspector reads, each flagged when it weakens a control. It compares meaning, not text:
/// every default is written out in the canonical form, so "min_review removed" means the floor went from a value to zero.
/// </summary>
internal static class PolicyDiff
{
    public static List<PolicyChange> Between(JsonElement before, JsonElement after)
    {
        var changes = new List<PolicyChange>();
        var oldRoles = ByName(before, "roles", "name");
        var newRoles = ByName(after, "roles", "name");
        foreach (var (name, role) in newRoles.Where(r => !oldRoles.ContainsKey(r.Key))) changes.Add(new($"role {name} added", Grants(role).Count > 0));
        foreach (var name in oldRoles.Keys.Where(r => !newRoles.ContainsKey(r))) changes.Add(new($"role {name} removed", false));
        foreach (var (name, role) in newRoles.Where(r => oldRoles.ContainsKey(r.Key))) Role(changes, name, oldRoles[name], role);

        Separation(changes, before, after);
        Principals(changes, before, after);
        PolicyChanges(changes, Member(before, "changes"), Member(after, "changes"));
        return changes;
    }

    private static void Role(List<PolicyChange> changes, string role, JsonElement before, JsonElement after)
    {
        var oldForbidden = Strings(before, "forbidden");
        var newForbidden = Strings(after, "forbidden");
        foreach (var f in oldForbidden.Except(newForbidden)) changes.Add(new($"{f} no longer forbidden to {role}", true));
        foreach (var f in newForbidden.Except(oldForbidden)) changes.Add(new($"{f} forbidden to {role}", false));
        var oldGrants = Grants(before);
        var newGrants = Grants(after);
        foreach (var skill in newGrants.Keys.Where(s => !oldGrants.ContainsKey(s))) changes.Add(new($"{skill} granted to {role}", true));
        foreach (var skill in oldGrants.Keys.Where(s => !newGrants.ContainsKey(s))) changes.Add(new($"{skill} no longer granted to {role}", false));
        foreach (var (skill, grant) in newGrants.Where(g => oldGrants.ContainsKey(g.Key))) Grant(changes, role, skill, oldGrants[skill], grant);
    }

    private static void Grant(List<PolicyChange> changes, string role, string skill, JsonElement before, JsonElement after)
    {
        var where = $"the {skill} gate of {role}";
        var (oldGate, newGate) = (Member(before, "gate"), Member(after, "gate"));
        if (oldGate is not null && newGate is null) changes.Add(new($"gate removed from the {skill} grant of {role}", true));
        else if (oldGate is null && newGate is not null) changes.Add(new($"gate added to the {skill} grant of {role}", false));
        else if (oldGate is { } o && newGate is { } n)
        {
            Number(changes, o, n, "approvers", "approvers", where, lowerWeakens: true);
            Duration(changes, o, n, "minReviewMs", "min_review", where, lowerWeakens: true);
            Duration(changes, o, n, "expiresAfterMs", "expires_after", where, lowerWeakens: false);
            Flag(changes, o, n, "forbidRequester", "forbid_requester", where, offWeakens: true);
            Flag(changes, o, n, "requirePresentation", "require_presentation", where, offWeakens: true);
            Flag(changes, o, n, "allowAgentApprovers", "allow_agent_approvers", where, offWeakens: false);
            RoleList(changes, o, n, "approverRoles", "approver_roles", where);
            RoleList(changes, o, n, "breakGlassRoles", "break_glass roles", where);
            var (os, ns) = (o.GetProperty("sample").GetString(), n.GetProperty("sample").GetString());
            if (os != ns) changes.Add(new($"sample {os} → {ns} on {where}", Compare(ns, os) < 0));
        }

        var (oldLimits, newLimits) = (Member(before, "limits"), Member(after, "limits"));
        var limits = $"the {skill} limits of {role}";
        if (oldLimits is not null && newLimits is null) changes.Add(new($"limits removed from the {skill} grant of {role}", true));
        else if (oldLimits is null && newLimits is not null) changes.Add(new($"limits added to the {skill} grant of {role}", false));
        else if (oldLimits is { } ol && newLimits is { } nl)
        {
            foreach (var (key, word) in new[] { ("perMinute", "per_minute"), ("perHour", "per_hour"), ("perDay", "per_day"), ("maxAmount", "max_amount") })
            {
                var (a, b) = (Text(ol, key), Text(nl, key));
                if (a == b) continue;
                var weakens = b is null || (a is not null && Compare(b, a) > 0);
                changes.Add(new(b is null ? $"{word} removed from {limits}" : a is null ? $"{word} {b} set on {limits}" : $"{word} {a} → {b} on {limits}",
                    weakens));
            }
        }
        var (or, nr) = (before.GetProperty("risk").GetString(), after.GetProperty("risk").GetString());
        if (or != nr) changes.Add(new($"risk {or} → {nr} on the {skill} grant of {role}", false));
    }

    private static void PolicyChanges(List<PolicyChange> changes, JsonElement? before, JsonElement? after)
    {
        if (before is not null && after is null)
        {
            changes.Add(new("policy.changes removed: the policy can now be replaced without approval", true));
            return;
        }
        if (before is null && after is not null)
        {
            changes.Add(new("policy.changes added: replacing the policy now needs approval", false));
            return;
        }
        if (before is not { } o || after is not { } n) return;
        const string where = "policy changes";
        Number(changes, o, n, "approvers", "approvers", where, lowerWeakens: true);
        Duration(changes, o, n, "minReviewMs", "min_review", where, lowerWeakens: true);
        Duration(changes, o, n, "expiresAfterMs", "expires_after", where, lowerWeakens: false);
        RoleList(changes, o, n, "approverRoles", "approver_roles", where);
        RoleList(changes, o, n, "proposerRoles", "proposer_roles", where);
        RoleList(changes, o, n, "breakGlassRoles", "break_glass roles", where);
    }

    private static void Separation(List<PolicyChange> changes, JsonElement before, JsonElement after)
    {
        static HashSet<string> Sets(JsonElement policy) => policy.GetProperty("separation").EnumerateArray()
            .Select(s => string.Join(", ", s.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))).ToHashSet(StringComparer.Ordinal);
        var (o, n) = (Sets(before), Sets(after));
        foreach (var s in o.Except(n)) changes.Add(new($"separation of {s} removed", true));
        foreach (var s in n.Except(o)) changes.Add(new($"separation of {s} added", false));
    }

    private static void Principals(List<PolicyChange> changes, JsonElement before, JsonElement after)
    {
        var (o, n) = (ByName(before, "principals", "id"), ByName(after, "principals", "id"));
        foreach (var id in n.Keys.Where(k => !o.ContainsKey(k))) changes.Add(new($"principal {id} ({n[id].GetProperty("role").GetString()}) added", false));
        foreach (var id in o.Keys.Where(k => !n.ContainsKey(k))) changes.Add(new($"principal {id} removed", false));
        foreach (var (id, p) in n.Where(x => o.ContainsKey(x.Key)))
        {
            foreach (var key in new[] { "role", "status", "kind", "owner" })
            {
                var (a, b) = (Text(o[id], key), Text(p, key));
                if (a != b) changes.Add(new($"{key} of principal {id} {a ?? "none"} → {b ?? "none"}", false));
            }
        }
    }

    private static void Number(List<PolicyChange> changes, JsonElement o, JsonElement n, string key, string word, string where, bool lowerWeakens)
    {
        var (a, b) = (o.GetProperty(key).GetInt64(), n.GetProperty(key).GetInt64());
        if (a != b) changes.Add(new(FormattableString.Invariant($"{word} {a} → {b} on {where}"), lowerWeakens == b < a));
    }

    private static void Duration(List<PolicyChange> changes, JsonElement o, JsonElement n, string key, string word, string where, bool lowerWeakens)
    {
        var (a, b) = (o.GetProperty(key).GetInt64(), n.GetProperty(key).GetInt64());
        if (a == b) return;
        var text = b == 0 ? $"{word} removed from {where}" : a == 0 ? $"{word} {Ms(b)} set on {where}" : $"{word} {Ms(a)} → {Ms(b)} on {where}";
        changes.Add(new(text, lowerWeakens && b < a));
    }

    private static void Flag(List<PolicyChange> changes, JsonElement o, JsonElement n, string key, string word, string where, bool offWeakens)
    {
        var (a, b) = (o.GetProperty(key).GetBoolean(), n.GetProperty(key).GetBoolean());
        if (a != b) changes.Add(new($"{word} {(b ? "true" : "false")} on {where}", offWeakens ? !b : b));
    }

    private static void RoleList(List<PolicyChange> changes, JsonElement o, JsonElement n, string key, string word, string where)
    {
        var (a, b) = (Strings(o, key), Strings(n, key));
        foreach (var r in b.Except(a)) changes.Add(new($"{r} added to {word} on {where}", true));
        foreach (var r in a.Except(b)) changes.Add(new($"{r} removed from {word} on {where}", false));
    }

    private static Dictionary<string, JsonElement> ByName(JsonElement policy, string member, string key) =>
        policy.TryGetProperty(member, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().ToDictionary(i => i.GetProperty(key).GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    private static Dictionary<string, JsonElement> Grants(JsonElement role) => ByName(role, "grants", "skill");

    private static List<string> Strings(JsonElement e, string key) =>
        e.TryGetProperty(key, out var items) ? [.. items.EnumerateArray().Select(i => i.GetString()!)] : [];

    private static JsonElement? Member(JsonElement e, string key) =>
        e.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? Text(JsonElement e, string key) =>
        !e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();

    private static int Compare(string? a, string? b) =>
        decimal.Parse(a ?? "0", CultureInfo.InvariantCulture).CompareTo(decimal.Parse(b ?? "0", CultureInfo.InvariantCulture));

    private static string Ms(long ms) => TimeSpan.FromMilliseconds(ms) switch
    {
        { TotalDays: >= 1 } t when t.TotalDays % 1 == 0 => FormattableString.Invariant($"{t.TotalDays:0}d"),
        { TotalHours: >= 1 } t when t.TotalHours % 1 == 0 => FormattableString.Invariant($"{t.TotalHours:0}h"),
        { TotalMinutes: >= 1 } t when t.TotalMinutes % 1 == 0 => FormattableString.Invariant($"{t.TotalMinutes:0}m"),
        var t => FormattableString.Invariant($"{t.TotalSeconds:0.###}s"),
    };
}
