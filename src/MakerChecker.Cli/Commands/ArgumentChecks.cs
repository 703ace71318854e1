using System.CommandLine;
using MakerChecker.Audit.Signing;

namespace MakerChecker.Cli.Commands;

/// <summary>Argument checks shared by commands.</summary>
internal static class ArgumentChecks
{
    /// <summary>
    /// Rejects path arguments that look like options ("--jsn"): without this, a mistyped option is taken for a file
    /// name and the command fails for the wrong reason.
    /// </summary>
    public static void RejectOptionLikePaths<T>(Argument<T> argument) =>
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-')) result.AddError($"Unknown option '{token.Value}'.");
            }
        });

    /// <summary>Writes a usage error (what was wrong and how to fix it) and returns <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> UsageAsync(TextWriter error, string message, CancellationToken cancellationToken)
    {
        await error.WriteLineAsync($"error: {message}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    /// <summary>
    /// Reads a public key to pin (SPKI PEM) for bundle verification. Returns the PEM and its fingerprint, or writes a
    /// usage error (missing file, not an Ed25519 public key) and returns <see langword="null"/>.
    /// </summary>
    public static async Task<(string Pem, string Fingerprint)?> ReadPinnedKeyAsync(FileInfo keyFile, TextWriter error, CancellationToken cancellationToken)
    {
        if (!keyFile.Exists)
        {
            var missing = $"Key file '{keyFile}' does not exist. Pass the instance's public key (makerchecker.pub.pem, SPKI PEM).";
            await UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            // Read once, bounded: a key file is a hundred bytes, whatever the path turns out to be (a pipe, a device).
            var pem = BoundedFile.ReadText(keyFile.FullName, BoundedFile.KeyBytes, "the key file");
            if (!PublicKeyPem.TryDecode(pem, out var raw, lenient: true))
            {
                throw new FormatException($"'{keyFile.FullName}' is not an Ed25519 SPKI PEM public key (-----BEGIN PUBLIC KEY-----).");
            }

            return (pem, PublicKeyPem.Fingerprint(raw));
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            await UsageAsync(error, ex.Message, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The usage error for <c>--key</c> on a live store, which is chained but not signed.</summary>
    public const string KeyDoesNotApplyToStore =
        "A live store is hash-chained but not signed, so --key does not apply: pin its checkpoint key with --vkey, or export a signed bundle with " +
        "'makerchecker audit export' and use --key with that.";
}
