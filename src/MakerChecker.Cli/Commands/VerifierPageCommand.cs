using System.CommandLine;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker verifier-page --out verify.html</c>: writes the self-contained verifier page (docs/verifier-page.md), the
/// exact bytes of <c>VerifierPage/verify.html</c> embedded in the tool, so an inspector or a patient can check bundles and
/// receipts in a browser, offline.
/// </summary>
internal static class VerifierPageCommand
{
    /// <summary>The manifest resource name of the page (set in MakerChecker.Cli.csproj).</summary>
    internal const string ResourceName = "MakerChecker.Cli.VerifierPage.verify.html";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var outFile = new Option<FileInfo>("--out") { Description = "Where to write the page (for example verify.html).", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite --out if it exists." };
        var command = new Command("verifier-page",
            "Write the verifier page: one self-contained HTML file that checks bundles and receipts in a browser, offline, with the same " +
            "verdicts and reason codes as 'audit verify'. Exits 0 written, 1 cannot write, 2 usage.");
        command.Options.Add(outFile);
        command.Options.Add(force);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var destination = parse.GetValue(outFile)!;
            if (Directory.Exists(destination.FullName))
            {
                var directory = $"--out '{destination}' is a directory; give a file name, for example {Path.Combine(destination.ToString(), "verify.html")}.";
                return await ArgumentChecks.UsageAsync(error, directory, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Exists && !parse.GetValue(force))
            {
                var exists = $"'{destination}' exists; pass --force to overwrite it, or choose another --out.";
                return await ArgumentChecks.UsageAsync(error, exists, cancellationToken).ConfigureAwait(false);
            }

            if (destination.Directory is not { Exists: true })
            {
                var missing = $"the directory of --out '{destination}' does not exist; create it or choose another --out.";
                return await ArgumentChecks.UsageAsync(error, missing, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var page = ReadPage();
                await File.WriteAllBytesAsync(destination.FullName, page, cancellationToken).ConfigureAwait(false);
                var written = $"wrote {destination} ({page.Length} bytes): open it in a browser, offline, and drop a bundle or a receipt on it";
                await output.WriteLineAsync(written.AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write '{destination}': {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>The page's bytes, exactly as they are in the repository.</summary>
    internal static byte[] ReadPage()
    {
        using var stream = typeof(VerifierPageCommand).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The tool was built without its verifier page (resource {ResourceName}).");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
