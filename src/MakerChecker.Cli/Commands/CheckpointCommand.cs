using System.CommandLine;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Cli.Logs;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit checkpoint</c>: signs a checkpoint of a file log that no application holds open. Unlike the
/// inspection commands it writes: it takes the log's writer lock, appends to <c>.checkpoints</c> and brings
/// <c>.merkle</c> up to date. It never creates a log, and it refuses a log that was rolled back.
/// </summary>
internal static class CheckpointCommand
{
    public static Command Create(TextWriter output)
    {
        var log = new Argument<FileInfo>("PATH") { Description = "The audit log (JSON Lines file store); must exist and not be open for writing elsewhere." };
        ArgumentChecks.RejectOptionLikePaths(log);
        var key = new Option<FileInfo>("--key") { Description = "The Ed25519 private key (PKCS#8 PEM) that signs the log's checkpoints.", Required = true };
        var origin = new Option<string?>("--origin")
        {
            Description = "The checkpoint origin (default: the one in the log's history, else makerchecker.audit/<instance id>).",
        };
        var command = new Command(
            "checkpoint",
            "Sign a checkpoint of every event in a file log (the writer's step that 'audit receipt' needs). Exits 0 signed (or already covered), " +
            "1 if the log is missing, empty, open elsewhere, fails verification or was rolled back, 2 usage.");
        command.Arguments.Add(log);
        command.Options.Add(key);
        command.Options.Add(origin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(log)!.FullName;
            Ed25519AuditSigner signer;
            try
            {
                signer = Ed25519KeyFile.LoadSigner(parse.GetValue(key)!.FullName);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or ArgumentException)
            {
                return await ArgumentChecks.UsageAsync(error, $"cannot load the signing key: {ex.Message}", cancellationToken).ConfigureAwait(false);
            }

            using (signer)
            {
                // Opening a missing or empty file for writing would create a genesis event: a checkpoint never creates evidence.
                if (!File.Exists(path) || new FileInfo(path).Length == 0)
                {
                    var missing = $"error: no audit log at '{path}' (missing or empty): there is nothing to checkpoint.";
                    await error.WriteLineAsync(missing.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                try
                {
                    // Signing for an operator: the whole file is verified first, not only its end (docs/stores.md, "What opening checks").
                    var whole = new FileAuditStoreOptions { OpenVerificationBytes = long.MaxValue };
                    var inner = await FileAuditStore.OpenAsync(path, whole, cancellationToken).ConfigureAwait(false);
                    CheckpointedAuditStore store;
                    try
                    {
                        var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = parse.GetValue(origin) };
                        store = await CheckpointedAuditStore.OpenAsync(inner, options, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await inner.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }

                    await using (store.ConfigureAwait(false))
                    {
                        var signed = await store.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"checkpoint {signed} is the latest of {path}".AsMemory(), cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"verifier key: {store.VerifierKey}".AsMemory(), cancellationToken).ConfigureAwait(false);
                        return ExitCodes.Success;
                    }
                }
                catch (LogRollbackException ex)
                {
                    await error.WriteLineAsync($"error: {ex.ReasonCode}: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
                catch (CheckpointRefusedException ex)
                {
                    await error.WriteLineAsync($"error: {ex.ReasonCode}: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
                catch (Exception ex) when (AuditLogLocation.IsReadFailure(ex))
                {
                    await error.WriteLineAsync($"error: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }
        });
        return command;
    }
}
