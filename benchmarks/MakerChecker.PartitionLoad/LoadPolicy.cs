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
    /// (<c>svc-p1-7</c>, a fleet routing each user to one instance) or, when shared, the same in every process (<c>svc-7</c>).
    /// </summary>
    public static string Principal(int process, int caller, bool shared) =>
        shared ? $"svc-{caller.ToString(CultureInfo.InvariantCulture)}"
            : $"svc-p{process.ToString(CultureInfo.InvariantCulture)}-{caller.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The reviewer who presents and approves caller <paramref name="caller"/>'s requests.</summary>
    public static string Reviewer(int caller) => "rev-" + (caller % Reviewers).ToString(CultureInfo.InvariantCulture);

    public static string Yaml(int processes, int callers, bool shared)
    {
        var yaml = new StringBuilder("""
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

            """);
        for (var r = 0; r < Reviewers; r++) yaml.Append(CultureInfo.InvariantCulture, $"  - id: rev-{r}\n    kind: human\n    role: reviewer\n");
        var names = shared ? Enumerable.Range(0, callers).Select(c => Principal(0, c, true))
            : Enumerable.Range(0, processes).SelectMany(p => Enumerable.Range(0, callers).Select(c => Principal(p, c, false)));
        foreach (var name in names) yaml.Append(CultureInfo.InvariantCulture, $"  - id: {name}\n    kind: service\n    role: worker\n");
        return yaml.ToString();
    }
}
