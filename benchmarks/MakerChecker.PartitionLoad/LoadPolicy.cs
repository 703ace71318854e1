using System.Globalization;
using System.Text;

namespace MakerChecker.PartitionLoad;

/// <summary>
/// The policy of a run and who calls: workers invoke <c>claim.note@1</c> (allowed, ungated, a limit far above the load),
/// <c>claim.deny@1</c> (gated: one reviewer) and, one call in <see cref="CappedEvery"/>, <c>claim.capped@1</c> as
/// <c>capped-bot</c>, limited to <see cref="CappedPerMinute"/> a minute across every process (another principal, so its
/// budget does not hold up the workers' batches, see docs/gates.md, "Pipelined decisions").
/// </summary>
internal static class LoadPolicy
{
    public const string Skill = "claim.note@1";
    public const string GatedSkill = "claim.deny@1";
    public const string CappedSkill = "claim.capped@1";
    public const string CappedPrincipal = "capped-bot";
    public const int CappedPerMinute = 40;
    public const int CappedEvery = 25;
    public const int Reviewers = 8;

    /// <summary>
    /// The principal caller <paramref name="caller"/> of process <paramref name="process"/> invokes as: its own
    /// (<c>svc-p1-7</c>, <c>per-process</c>: a fleet routing each user to one instance), the same in every process
    /// (<c>svc-7</c>, <c>shared</c>), or its own chosen so that its chain is one process <paramref name="process"/> owns
    /// (<c>svc-p1-7-k</c>, the first k that does: <c>routed</c>, a fleet routing each user to the instance that owns the
    /// user's chain, see <see cref="Owns"/>). <paramref name="chainOf"/> is a partitioned gate's <c>ChainOf</c>.
    /// </summary>
    public static string Principal(string mode, int process, int caller, int processes, Func<string, string> chainOf, IReadOnlyList<string> chains)
    {
        var p = process.ToString(CultureInfo.InvariantCulture);
        var c = caller.ToString(CultureInfo.InvariantCulture);
        if (mode == "shared") return $"svc-{c}";
        if (mode != "routed") return $"svc-p{p}-{c}";
        for (var k = 0; ; k++)
        {
            var name = $"svc-p{p}-{c}-{k.ToString(CultureInfo.InvariantCulture)}";
            if (Owns(process, processes, chains, chainOf(name))) return name;
        }
    }

    /// <summary>
    /// Whether process <paramref name="process"/> of <paramref name="processes"/> owns <paramref name="chain"/>: chain i is
    /// owned by process i mod P; with fewer chains than processes, process p works on chain p mod N (shared with others).
    /// </summary>
    public static bool Owns(int process, int processes, IReadOnlyList<string> chains, string chain)
    {
        var i = chains.ToList().IndexOf(chain);
        return chains.Count >= processes ? i % processes == process : i == process % chains.Count;
    }

    /// <summary>The reviewer who presents and approves caller <paramref name="caller"/>'s requests.</summary>
    public static string Reviewer(int caller) => "rev-" + (caller % Reviewers).ToString(CultureInfo.InvariantCulture);

    /// <summary>The policy, with every worker principal in <paramref name="workers"/>.</summary>
    public static string Yaml(IEnumerable<string> workers)
    {
        var yaml = new StringBuilder(Base);
        foreach (var name in workers.Distinct()) yaml.Append(CultureInfo.InvariantCulture, $"  - id: {name}\n    kind: service\n    role: worker\n");
        return yaml.ToString();
    }

    /// <summary>The policy without worker principals (the reviewers and the capped bot only).</summary>
    public static string Base
    {
        get
        {
            var yaml = new StringBuilder(Head);
            for (var r = 0; r < Reviewers; r++) yaml.Append(CultureInfo.InvariantCulture, $"  - id: rev-{r}\n    kind: human\n    role: reviewer\n");
            return yaml.ToString();
        }
    }

    private const string Head = """
        policy:
          name: partition-load
          version: "1"
        skills:
          - skill: claim.note
            versions: [1]
            risk: low
          - skill: claim.capped
            versions: [1]
            risk: low
          - skill: claim.deny
            versions: [1]
            risk: high
        roles:
          - role: worker
            grants:
              - skill: claim.note@1
                limits:
                  per_minute: 100000000
              - skill: claim.capped@1
                limits:
                  per_minute: 40
              - skill: claim.deny@1
                gate:
                  approvers: 1
                  approver_roles: [reviewer]
          - role: reviewer
        principals:
          - id: capped-bot
            kind: service
            role: worker

        """;
}
