using System.Text;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Policy;

/// <summary>
/// Reads a policy file of any kind (a regular file, a pipe such as <c>/dev/stdin</c>, a FIFO, a device) with a bound on
/// both the bytes read and the time waited, and turns every way it can fail into a located diagnostic.
/// </summary>
internal static class PolicyFileReader
{
    /// <summary>How long a file that is not a regular file (a FIFO nothing writes to, a device) may take to be read.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    /// <summary>The most bytes read: <see cref="YamlTreeReader.MaxCharacters"/> characters take at most 4 bytes each.</summary>
    public const int MaxBytes = YamlTreeReader.MaxCharacters * 4;

    private const string TooLargeHint = "A policy is meant to be read by people: split it or remove generated content.";

    /// <summary>The file's text, or the one diagnostic that says why it cannot be had.</summary>
    public static (string? Text, PolicyDiagnostic? Error) Read(string path, TimeSpan deadline)
    {
        if (Directory.Exists(path))
        {
            return Fail(path, 1, 1, DiagnosticCodes.FileUnreadable, $"'{path}' is a directory, not a policy file.",
                $"Give the path of the policy's YAML file itself, for example {Path.Combine(path, "policy.yaml")}.");
        }

        // Opening a FIFO blocks until something writes to it, and a read from a pipe or device can block too: the read runs
        // on its own thread and is given up after the deadline (that thread ends when the writer does).
        var read = Task.Factory.StartNew(() => ReadBounded(path), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!((IAsyncResult)read).AsyncWaitHandle.WaitOne(deadline))
        {
            return Fail(path, 1, 1, DiagnosticCodes.FileUnreadable,
                $"Nothing could be read from the policy file within {deadline.TotalSeconds:0.###} s: it is a pipe or device that " +
                "nothing is writing to, or that was written to and not closed.",
                "Save the policy to a regular file, or start the process that writes the pipe first and let it close the pipe when done.");
        }

        // The task has completed (WaitOne returned true), so this does not block: it takes the result, and misuse (a path
        // with a NUL character) throws as itself, not wrapped in an AggregateException.
#pragma warning disable RS0030
        return read.GetAwaiter().GetResult();
#pragma warning restore RS0030
    }

    private static (string? Text, PolicyDiagnostic? Error) ReadBounded(string path)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            if (stream.CanSeek && stream.Length > MaxBytes)
            {
                return Fail(path, 1, 1, DiagnosticCodes.DocumentTooLarge,
                    $"The policy file is {stream.Length:N0} bytes; the limit is {YamlTreeReader.MaxCharacters:N0} characters.", TooLargeHint);
            }

            // A device or pipe reports no useful length (/dev/zero says 0 and never ends): read at most one byte more than allowed.
            bytes = ReadAtMost(stream, MaxBytes + 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            return Fail(path, 1, 1, DiagnosticCodes.FileUnreadable, $"The policy file cannot be read: {ex.Message}",
                "Check the path and that the process may read the file.");
        }

        if (bytes.Length > MaxBytes)
        {
            var (line, column) = Locate(bytes, MaxBytes);
            return Fail(path, line, column, DiagnosticCodes.DocumentTooLarge,
                $"The policy file holds more than {MaxBytes:N0} bytes (reading stopped here); the limit is {YamlTreeReader.MaxCharacters:N0} characters.",
                TooLargeHint);
        }

        try
        {
            // As before: a byte order mark (UTF-8, or UTF-16 for a file saved so) is honoured and removed.
            using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, throwOnInvalidBytes: true));
            return (reader.ReadToEnd(), null);
        }
        catch (DecoderFallbackException)
        {
            var (line, column) = Locate(bytes, FirstInvalidUtf8(bytes));
            return Fail(path, line, column, DiagnosticCodes.YamlSyntax, "The policy file is not valid UTF-8 here.", "Save the file as UTF-8.");
        }
    }

    private static byte[] ReadAtMost(Stream stream, int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while (buffer.Length < limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        for (var i = start; i < bytes.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return bytes.Length;
    }

    /// <summary>The 1-based line and column (in characters) of byte <paramref name="index"/>.</summary>
    private static (int Line, int Column) Locate(ReadOnlySpan<byte> bytes, int index)
    {
        var before = bytes[..Math.Min(index, bytes.Length)];
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = 1;
        foreach (var b in before[lineStart..])
        {
            column += (b & 0xC0) == 0x80 ? 0 : 1; // count the first byte of each UTF-8 sequence
        }

        return (before.Count((byte)'\n') + 1, column);
    }

    private static (string?, PolicyDiagnostic?) Fail(string path, int line, int column, string code, string message, string hint) =>
        (null, new PolicyDiagnostic(code, DiagnosticSeverity.Error, new SourceLocation(path, line, column), message, hint));
}
