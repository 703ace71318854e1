using System.Text;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;

namespace MakerChecker.Benchmarks.Decisions;

/// <summary>
/// A policy of 100 roles × 50 skills, loaded through the real loader: every role grants <c>skill-N.run@1</c> for its
/// 50 skills; in role-50, the benchmarks' actor's role, the last of them is gated (one human approver from the same role,
/// presentation required, no min_review). The loader rejects gates no declared principal could sign, so only that one is gated.
/// </summary>
internal static class BenchmarkPolicy
{
    public const int Roles = 100;
    public const int SkillsPerRole = 50;
    public const string Actor = "agent-50";
    public const string AllowedSkill = "skill-25.run@1";
    public const string NotGrantedSkill = "skill-25.run@2";
    public const string GatedSkill = "skill-49.run@1";

    public static CompiledPolicy Build()
    {
        var yaml = new StringBuilder();
        for (var r = 0; r < Roles; r++)
        {
            yaml.Append("---\nrole: role-").Append(r).Append("\ngrants:\n");
            for (var s = 0; s < SkillsPerRole; s++)
            {
                yaml.Append("  - skill: skill-").Append(s).Append(".run@1\n");
                if (s == SkillsPerRole - 1 && r == 50) yaml.Append("    gate:\n      approvers: 1\n      approver_roles: [role-").Append(r).Append("]\n");
            }
            yaml.Append("forbidden:\n  - skill: never-").Append(r).Append(".run\n");
        }
        yaml.Append("---\nprincipals:\n");
        yaml.Append("  - id: ").Append(Actor).Append("\n    kind: agent\n    role: role-50\n    owner: owner-50\n");
        yaml.Append("  - id: owner-50\n    kind: human\n    role: role-51\n");
        yaml.Append("  - id: reviewer-50\n    kind: human\n    role: role-50\n");
        yaml.Append("  - id: reviewer-50b\n    kind: human\n    role: role-50\n");
        return PolicyLoader.Load(yaml.ToString(), "bench.yaml").GetPolicyOrThrow();
    }
}
