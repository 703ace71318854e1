using Microsoft.Extensions.Options;

namespace MakerChecker.DependencyInjection;

/// <summary>Refuses options that cannot make a gate, naming what to fix.</summary>
/// <param name="policies">The one load of the policy file the gate will use.</param>
/// <param name="checkpointKey">The one load of the checkpoint key file the gate will sign with.</param>
internal sealed class MakerCheckerOptionsValidator(PolicyFileCache policies, CheckpointKey checkpointKey) : IValidateOptions<MakerCheckerOptions>
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
        if ((options.AuditStore is null ? 0 : 1) + (options.AuditStoreFactory is null ? 0 : 1) + (options.AuditLogPath is null ? 0 : 1) > 1)
        {
            failures.Add("Set at most one of MakerCheckerOptions.AuditLogPath, AuditStore and AuditStoreFactory.");
        }
        failures.AddRange(CheckCheckpoints(options));
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

    /// <summary>
    /// The checkpoint key is read now, so a missing or malformed key stops the app at start. A log the gate opens itself
    /// (<see cref="MakerCheckerOptions.AuditLogPath"/>) or a durable store the app hands over unsigned is known now; a
    /// factory's or the container's store is known only once opened, and refused then with the same message.
    /// </summary>
    private List<string> CheckCheckpoints(MakerCheckerOptions options)
    {
        var checkpoints = options.Checkpoints;
        if (checkpoints is null)
        {
            return ["MakerCheckerOptions.Checkpoints must not be null; to opt out of signed checkpoints set Checkpoints.Enabled = false."];
        }

        var failures = checkpoints.Check().ToList();
        if (!checkpoints.Enabled || failures.Count > 0)
        {
            return failures;
        }

        if (options.AuditStore is { } given && !CheckpointedGateStore.NeedsNoCheckpoints(given))
        {
            failures.Add(
                $"MakerCheckerOptions.AuditStore is a {given.GetType().Name} that nothing signs, and an app-owned store is used as it is. Pass it " +
                "as CheckpointedAuditStore.OpenAsync(store, ...), or let the gate open and sign it (AuditLogPath, AuditStoreFactory or a registered " +
                "store, with Checkpoints.KeyPath), or opt out with Checkpoints.Enabled = false.");
            return failures;
        }

        try
        {
            if (checkpointKey.Get(checkpoints) is null && options.AuditLogPath is { } log)
            {
                failures.Add(AuditCheckpointOptions.MissingKey($"file '{log}'"));
            }
        }
        catch (InvalidOperationException ex)
        {
            failures.Add(ex.Message);
        }

        return failures;
    }
}
