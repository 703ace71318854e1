using System.CommandLine;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker keygen</c>: a new Ed25519 key pair for signing bundles and checkpoints.</summary>
internal static class KeygenCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for NAME.key (private, mode 0600) and NAME.pub.pem; created if missing." };
        var privatePath = new Option<FileInfo?>("--private") { Description = "Private key path (instead of --out)." };
        var publicPath = new Option<FileInfo?>("--public") { Description = "Public key path (instead of --out)." };
        var name = new Option<string>("--name")
        {
            Description = "The key name in the signed-note verifier key (vkey), and the files' base name with --out.",
            DefaultValueFactory = _ => "makerchecker",
        };
        // The C2SP signed-note rule for key names, checked at parse time so that a bad name never leaves a key pair behind.
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrEmpty(value) || value.Any(c => char.IsWhiteSpace(c) || c == '+'))
            {
                result.AddError($"Key name '{value}' is not a valid signed-note key name: it must be non-empty, with no whitespace and no '+'.");
            }
        });
        var keygen = new Command("keygen",
            "Write a new Ed25519 key pair (PKCS#8 and SPKI PEM) and print its fingerprint and signed-note vkey. Never overwrites a key.");
        keygen.Options.Add(outDir);
        keygen.Options.Add(privatePath);
        keygen.Options.Add(publicPath);
        keygen.Options.Add(name);
        keygen.Validators.Add(result =>
        {
            var hasOut = result.GetValue(outDir) is not null;
            var hasPair = result.GetValue(privatePath) is not null || result.GetValue(publicPath) is not null;
            if (hasOut == hasPair)
            {
                result.AddError("Give either --out DIR, or both --private PATH and --public PATH.");
            }
            else if (hasPair && (result.GetValue(privatePath) is null || result.GetValue(publicPath) is null))
            {
                result.AddError("--private and --public go together.");
            }
        });
        keygen.SetAction(async (parse, cancellationToken) =>
        {
            var keyName = parse.GetValue(name)!;
            string priv, pub;
            if (parse.GetValue(outDir) is { } dir)
            {
                Directory.CreateDirectory(dir.FullName);
                (priv, pub) = (Path.Combine(dir.FullName, keyName + ".key"), Path.Combine(dir.FullName, keyName + ".pub.pem"));
            }
            else
            {
                (priv, pub) = (parse.GetValue(privatePath)!.FullName, parse.GetValue(publicPath)!.FullName);
            }

            foreach (var path in new[] { priv, pub })
            {
                if (File.Exists(path))
                {
                    var exists = $"error: '{path}' exists; keygen never overwrites a key. Choose another --out or --name, or move the old key away.";
                    await error.WriteLineAsync(exists.AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            }

            var fingerprint = Ed25519KeyFile.Create(priv, pub);
            using var signer = Ed25519KeyFile.LoadSigner(priv);
            var vkey = NoteVerifierKey.FromEd25519(keyName, signer.PublicKey.Span);
            await output.WriteLineAsync($"private key  {priv} (mode 0600: keep it secret, back it up)".AsMemory(), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"public key   {pub}".AsMemory(), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"fingerprint  {fingerprint}".AsMemory(), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"vkey         {vkey}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return keygen;
    }
}
