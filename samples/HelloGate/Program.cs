using MakerChecker.Policy;

// Loads a policy (the claims-review sample by default) and prints what it is and what the loader found.
var path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml");
var result = PolicyLoader.LoadFile(path);
foreach (var diagnostic in result.Diagnostics) Console.WriteLine(diagnostic);
if (result.Policy is not { } policy) return 1;

Console.WriteLine($"Policy '{policy.Name}' {policy.Version} loaded: {policy.Roles.Count} roles, {policy.Principals.Count} principals.");
Console.WriteLine($"Policy hash: {policy.Hash}");
foreach (var role in policy.Roles.Values)
{
    foreach (var grant in role.Grants.Values)
    {
        var gate = grant.Gate is { } g ? $"gate: {g.Approvers} approver(s) from [{string.Join(", ", g.ApproverRoles)}], min review {g.MinReview.TotalSeconds}s" : "no gate";
        Console.WriteLine($"  {role.Name,-18} {grant.Skill,-20} {grant.Risk,-6} {gate}   ({grant.Location})");
    }
}
return 0;
