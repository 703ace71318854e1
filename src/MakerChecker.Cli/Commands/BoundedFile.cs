namespace MakerChecker.Cli.Commands;

/// <summary>
/// Reads the small files a command is given (keys, verifier keys, receipts) without trusting their size: a file, pipe or
/// device larger than its kind can be is refused after at most that many bytes, never read whole into memory.
/// </summary>
internal static class BoundedFile
{
    /// <summary>Room for any key file: an Ed25519 public key PEM is 113 bytes, a verifier key one line.</summary>
    public const int KeyBytes = 64 * 1024;

    /// <summary>Room for a receipt: one event (at most 64 MiB, as a bundle's rows) and a few hashes.</summary>
    public const int ReceiptBytes = 64 * 1024 * 1024;

    /// <summary>The file's bytes.</summary>
    /// <exception cref="InvalidDataException">The file holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static byte[] Read(string path, int maxBytes, string what)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var content = new MemoryStream();
        var block = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(block)) > 0)
        {
            if (content.Length + read > maxBytes)
            {
                throw new InvalidDataException(
                    $"{what} '{path}' is larger than {Size(maxBytes)}, more than any {what} can be: check that it is the right file.");
            }

            content.Write(block, 0, read);
        }

        return content.ToArray();
    }

    /// <summary>The file's text, decoded as UTF-8 (invalid bytes become U+FFFD, which no key or receipt contains).</summary>
    /// <exception cref="InvalidDataException">The file holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static string ReadText(string path, int maxBytes, string what) => System.Text.Encoding.UTF8.GetString(Read(path, maxBytes, what));

    private static string Size(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024} KiB";
}
