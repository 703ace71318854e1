using System.Security.Cryptography;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// UUIDs drawn from the operating system's cryptographic random generator, as <see cref="Guid.NewGuid"/> and
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> draw them, but fetched 512 bytes at a time per thread instead of
/// with one system call per id (three per allowed invocation, a measurable share of it).
/// </summary>
internal static class RandomIds
{
    private const int PoolBytes = 512;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A random (version 4) UUID, as <see cref="Guid.NewGuid"/>.</summary>
    public static Guid NewV4()
    {
        Span<byte> bytes = stackalloc byte[16];
        Draw(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// A time-ordered (version 7) UUID for <paramref name="at"/>, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>:
    /// 48 bits of Unix milliseconds, then random bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the Unix epoch.</exception>
    public static Guid NewV7(DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        if (ms < 0) return Guid.CreateVersion7(at); // throws, with the runtime's own message
        Span<byte> bytes = stackalloc byte[16];
        Draw(bytes[6..]);
        for (var i = 5; i >= 0; i--, ms >>= 8) bytes[i] = (byte)ms;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// Fills <paramref name="into"/> from this thread's pool, refilling it from the generator when it runs out; a drawn byte
    /// is never reused.
    /// </summary>
    private static void Draw(Span<byte> into)
    {
        var pool = t_pool ??= new byte[PoolBytes];
        if (t_next == 0 || t_next + into.Length > PoolBytes) // a new pool, or too little left
        {
            RandomNumberGenerator.Fill(pool);
            t_next = 0;
        }

        var drawn = pool.AsSpan(t_next, into.Length);
        drawn.CopyTo(into);
        drawn.Clear();
        t_next += into.Length;
    }
}
