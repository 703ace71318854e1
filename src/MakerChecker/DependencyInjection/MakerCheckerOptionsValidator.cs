using Microsoft.Extensions.Options;

namespace MakerChecker.DependencyInjection;

/// <summary>Refuses options that cannot make a gate, naming what to fix.</summary>
/// <param name="policies">The one load of the policy file the gate will use.</param>
internal sealed class MakerCheckerOptionsValidator(PolicyFileCache policies) : IValidateOptions<MakerCheckerOptions>
{
    public ValidateOptionsResult Validate(string? name, MakerCheckerOptions options)
    {
        var failures = new List<string>();
        if ((options.Policy is null) == string.IsNullOrWhiteSpace(options.PolicyPath))
        {
            failures.Add("Set exactly one of MakerCheckerOptions.PolicyPath and MakerCheckerOptions.Policy.");
        }
        else if (options.Policy is null)
        {
            // Load now, so that a broken policy stops the app at start with every diagnostic, not at the first decision.
            var loaded = policies.Load(options.PolicyPath!);
            if (!loaded.Succeeded) failures.Add($"The policy '{options.PolicyPath}' does not load: " + string.Join(" ", loaded.Errors));
        }
        if (options.AuditStore is not null && options.AuditStoreFactory is not null)
        {
            failures.Add("Set at most one of MakerCheckerOptions.AuditStore and MakerCheckerOptions.AuditStoreFactory.");
        }
        if (options.TimeProvider is null) failures.Add("MakerCheckerOptions.TimeProvider must not be null.");
        try
        {
            options.ReviewMonitoring?.Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add($"MakerCheckerOptions.ReviewMonitoring: {ex.Message}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
