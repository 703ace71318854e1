using System.CommandLine;
using System.Globalization;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// <c>makerchecker audit receipt | checkpoint | latest-checkpoint | vkey | verify-receipt | consistency</c>: per-decision receipts and checks that a log still
/// extends a checkpoint an inspector kept (docs/checkpoints-and-receipts.md).
/// </summary>
internal static class ReceiptCommands
{
    public static IEnumerable<Command> Create(TextWriter output) =>
    [
        ReceiptCommand.Create(output), CheckpointCommand.Create(output), LatestCheckpointCommand.Create(output), VerifierKeyCommand.Create(output),
        VerifyReceipt(output), ConsistencyCommand.Create(output),
    ];

    private static Command VerifyReceipt(TextWriter output)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The receipt file." };
        ArgumentChecks.RejectOptionLikePaths(file);
        var vkey = VerifierKeyOption();
        var origin = new Option<string?>("--origin") { Description = "Require the receipt's checkpoint to be of this log." };
        var command = new Command("verify-receipt",
            "Verify a receipt offline: the checkpoint signature under the verifier key, and the event's inclusion proof to its root. " +
            "Exits 0 valid, 1 invalid, 2 usage.");
        command.Arguments.Add(file);
        command.Options.Add(vkey);
        command.Options.Add(origin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            NoteVerifierKey? key;
            byte[]? bytes;
            try
            {
                (key, bytes) = await ReadKeyAndFileAsync(parse, vkey, parse.GetValue(file)!, "the receipt", cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                await output.WriteLineAsync($"invalid: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure; // larger than any receipt: a malformed receipt
            }

            if (key is null || bytes is null)
            {
                return ExitCodes.Usage;
            }

            if (!Audit.Transparency.Receipt.TryParse(bytes, out var receipt, out var failure))
            {
                await output.WriteLineAsync($"invalid: {failure}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var result = receipt.Verify([key], parse.GetValue(origin));
            if (!result.IsValid)
            {
                await output.WriteLineAsync($"invalid: {result.Failure}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            SignedCheckpoint.TryOpen(receipt.CheckpointNote, [key], out var checkpoint, out _);
            var valid = $"valid: event seq {(receipt.LeafIndex + 1).ToString(CultureInfo.InvariantCulture)} is in {checkpoint}";
            await output.WriteLineAsync(valid.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static Option<string> VerifierKeyOption(bool required = true) =>
        new("--vkey") { Description = "The log's verifier key (name+keyid+base64), or a file holding it.", Required = required };

    /// <summary>The verifier key and the input file, or (after writing the usage error) nulls.</summary>
    /// <exception cref="InvalidDataException">The input file is larger than any receipt or checkpoint can be.</exception>
    internal static async Task<(NoteVerifierKey? Key, byte[]? Bytes)> ReadKeyAndFileAsync(ParseResult parse, Option<string> vkey, FileInfo file, string what,
        CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        var (key, keyFailure) = ReadVerifierKey(parse.GetValue(vkey)!);
        if (key is null)
        {
            await error.WriteLineAsync($"error: {keyFailure}").ConfigureAwait(false);
            return (null, null);
        }

        try
        {
            return (key, BoundedFile.Read(file.FullName, BoundedFile.ReceiptBytes, what));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read {what}: {ex.Message}").ConfigureAwait(false);
            return (null, null);
        }
    }

    /// <summary>The vkey given inline or as a file holding it.</summary>
    internal static (NoteVerifierKey? Key, string? Failure) ReadVerifierKey(string value)
    {
        var text = value;
        if (File.Exists(value))
        {
            try
            {
                text = BoundedFile.ReadText(value, BoundedFile.KeyBytes, "the verifier key file").Trim();
            }
            catch (InvalidDataException ex)
            {
                return (null, ex.Message);
            }
        }

        return NoteVerifierKey.TryParse(text, out var key, out var failure)
            ? (key, null)
            : (null, $"--vkey is not a verifier key (name+keyid+base64) nor a file holding one: {failure}");
    }
}
