using System.CommandLine;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit vkey --public-key PUB.pem --origin ORIGIN</c>: the C2SP verifier key of a log's checkpoints,
/// from its public key and origin alone, so an inspector who holds no private key can pin it with <c>--vkey</c>. It is
/// the key <c>audit receipt</c> and <c>audit checkpoint</c> print: the key name is the origin.
/// </summary>
internal static class VerifierKeyCommand
{
    public static Command Create(TextWriter output)
    {
        var publicKey = new Option<FileInfo>("--public-key")
        {
            Description = "The checkpoint key's public key (SPKI PEM, e.g. makerchecker.pub.pem).", Required = true,
        };
        var origin = new Option<string>("--origin")
        {
            Description = "The log's checkpoint origin (the first line of its checkpoints), e.g. example.com/claims.", Required = true,
        };
        var command = new Command(
            "vkey",
            "Print the verifier key (name+keyid+base64) of a log's checkpoints from its public key and origin; needs no private key. " +
            "Exits 0, 2 usage (unreadable or malformed key, bad origin).");
        command.Options.Add(publicKey);
        command.Options.Add(origin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var keyFile = parse.GetValue(publicKey)!;
            var name = parse.GetValue(origin)!;
            if (string.IsNullOrWhiteSpace(name))
            {
                const string Empty = "--origin is empty: give the log's checkpoint origin (the first line of its checkpoints), e.g. example.com/claims.";
                return await ArgumentChecks.UsageAsync(error, Empty, cancellationToken).ConfigureAwait(false);
            }

            string pem;
            try
            {
                pem = await File.ReadAllTextAsync(keyFile.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var unreadable = $"cannot read the public key '{keyFile}': {ex.Message} Pass the checkpoint key's public key (SPKI PEM).";
                return await ArgumentChecks.UsageAsync(error, unreadable, cancellationToken).ConfigureAwait(false);
            }

            if (!PublicKeyPem.TryDecode(pem, out var raw, lenient: true))
            {
                var malformed = $"'{keyFile}' is not an Ed25519 SPKI PEM public key (-----BEGIN PUBLIC KEY-----); a private key is never needed here.";
                return await ArgumentChecks.UsageAsync(error, malformed, cancellationToken).ConfigureAwait(false);
            }

            NoteVerifierKey key;
            try
            {
                key = NoteVerifierKey.FromEd25519(name, raw);
            }
            catch (ArgumentException ex)
            {
                var why = ex.Message.Split(" (Parameter", 2)[0];
                var bad = ex.ParamName == "name"
                    ? $"--origin '{name}' cannot name a verifier key: {why}"
                    : $"'{keyFile}' does not hold an Ed25519 public key: {why}";
                return await ArgumentChecks.UsageAsync(error, bad, cancellationToken).ConfigureAwait(false);
            }

            await output.WriteLineAsync(key.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
