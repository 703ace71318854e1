using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// A JSON writer over a reusable buffer, one spare per thread: where a value is serialized only to be canonicalized at
/// once (a payload, an event record), without allocating a writer and a byte array each time.
/// </summary>
/// <remarks>
/// The writer leaves non-ASCII text unescaped (canonical form has it so, and the canonical writer then copies it), and
/// like every <see cref="Utf8JsonWriter"/> it quietly replaces a lone surrogate with U+FFFD, which I-JSON forbids:
/// <see cref="HoldsReplacementCharacter"/> tells the caller to check the value itself.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "Kept per thread for the thread's life; the writer holds no unmanaged resource.")]
internal sealed class JsonScratch
{
    private const int MaxSpareBytes = 64 * 1024;
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static JsonScratch? t_spare;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    private JsonScratch() => Writer = new Utf8JsonWriter(_buffer, Options);

    /// <summary>The writer; flush it before reading <see cref="Written"/>.</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>What has been written and flushed.</summary>
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    private static ReadOnlySpan<byte> ReplacementCharacter => "\uFFFD"u8;

    private static ReadOnlySpan<byte> EscapedReplacementCharacter => "\\uFFFD"u8;

    /// <summary>This thread's spare, emptied, or a new one when it is in use; give it back with <see cref="Return"/>.</summary>
    public static JsonScratch Rent()
    {
        var scratch = t_spare ?? new JsonScratch();
        t_spare = null;
        scratch._buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch._buffer);
        return scratch;
    }

    /// <summary>Keeps <paramref name="scratch"/> as this thread's spare, unless a large value made it large.</summary>
    public static void Return(JsonScratch scratch)
    {
        if (scratch._buffer.Capacity <= MaxSpareBytes) t_spare = scratch;
    }

    /// <summary>
    /// Whether the written JSON holds U+FFFD, raw or escaped: what the writer makes of a lone surrogate, and also a
    /// character text may legitimately hold, so the caller checks the value it wrote before refusing it.
    /// </summary>
    public bool HoldsReplacementCharacter() =>
        Written.IndexOf(EscapedReplacementCharacter) >= 0 || Written.IndexOf(ReplacementCharacter) >= 0;
}
