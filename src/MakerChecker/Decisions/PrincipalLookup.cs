using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// The principals in force: those registered at run time (from the audit log) over those the policy declares. A view,
/// not a copy: looking a principal up allocates nothing.
/// </summary>
/// <param name="policy">The policy in force.</param>
/// <param name="registered">The principals registered at run time, by id.</param>
internal readonly struct PrincipalLookup(CompiledPolicy policy, IReadOnlyDictionary<string, PrincipalDefinition> registered)
{
    /// <summary>The principal with <paramref name="id"/>, or <see langword="null"/> when none is known.</summary>
    public PrincipalDefinition? Find(string id) =>
        registered.TryGetValue(id, out var p) ? p : policy.TryGetPrincipal(id, out var q) ? q : null;

    /// <summary>Every principal in force, each id once (a registered principal replaces the policy's of the same id).</summary>
    public IEnumerable<PrincipalDefinition> All()
    {
        foreach (var p in registered.Values) yield return p;
        foreach (var p in policy.Principals.Values)
        {
            if (!registered.ContainsKey(p.Id)) yield return p;
        }
    }
}
