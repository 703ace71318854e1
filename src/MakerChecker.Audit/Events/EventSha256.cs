using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MakerChecker.Audit.Events;

/// <summary>
/// SHA-256 of one event at a time, for the verifier's and the appender's hot paths. One instance per thread
/// (<see cref="ForCurrentThread"/>, or one that its owner disposes).
/// </summary>
/// <remarks>
/// <para>
/// On Linux, .NET hashes through OpenSSL's EVP interface, which spends about 0.3 µs a call setting up and finalizing its
/// digest context: over a third of the cost of hashing one 800-byte event, and the largest single cost of verifying a
/// bundle. OpenSSL's lower-level <c>SHA256_Init</c>/<c>SHA256_Update</c>/<c>SHA256_Final</c> run the same
/// compression code (the same SHA-NI or AVX assembly) without that setup, so on Linux this class calls them in the
/// <c>libcrypto</c> that .NET itself loads. Everywhere else, or when that library or those functions are missing
/// (an OpenSSL built without its deprecated API), it uses <see cref="IncrementalHash"/>.
/// </para>
/// <para>
/// Either way the digest is SHA-256 as OpenSSL or the platform computes it; nothing here implements SHA-256. Before
/// the native functions are used at all, they must hash two known-answer vectors exactly as <see cref="SHA256"/> does.
/// </para>
/// <para>
/// The native context is owned by a <see cref="SafeHandle"/>, so an instance that is never disposed (the per-thread
/// one, or one whose owner was dropped) releases it when it is collected rather than leaking it.
/// </para>
/// </remarks>
internal sealed unsafe class EventSha256 : IDisposable
{
    // OpenSSL's SHA256_CTX is 112 bytes (8 + 2 + 16 + 2 32-bit words); room to spare costs nothing.
    private const int ContextBytes = 256;
    private static readonly Libcrypto? Native = Libcrypto.TryLoad();

    private readonly IncrementalHash? _managed;
    private readonly NativeContext? _context;

    [ThreadStatic]
    private static EventSha256? t_forThread;

    public EventSha256()
    {
        if (Native is null)
        {
            _managed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
        else
        {
            _context = new NativeContext();
        }
    }

    /// <summary>
    /// This thread's instance, created on first use. Hashing is synchronous and calls nothing back, so callers on one
    /// thread cannot interleave on it. Never dispose it.
    /// </summary>
    public static EventSha256 ForCurrentThread => t_forThread ??= new EventSha256();

    /// <summary>Whether this process hashes events with libcrypto's low-level functions (else with <see cref="IncrementalHash"/>).</summary>
    public static bool UsesLibcrypto => Native is not null;

    /// <summary>The SHA-256 of <paramref name="data"/>.</summary>
    /// <exception cref="CryptographicException">The native digest reported a failure.</exception>
    public Hash32 Hash(ReadOnlySpan<byte> data)
    {
        var hash = default(Hash32);
        if (_managed is not null)
        {
            _managed.AppendData(data);
            _managed.GetHashAndReset(hash);
            return hash;
        }

        ObjectDisposedException.ThrowIf(_context!.IsClosed, this);
        Native!.Hash((void*)_context.DangerousGetHandle(), data, hash);
        GC.KeepAlive(_context);
        return hash;
    }

    public void Dispose()
    {
        _managed?.Dispose();
        _context?.Dispose();
    }

    /// <summary>The native <c>SHA256_CTX</c>, freed on dispose or, failing that, by the finaliser.</summary>
    private sealed class NativeContext : SafeHandle
    {
        public NativeContext()
            : base(IntPtr.Zero, ownsHandle: true) => SetHandle((IntPtr)NativeMemory.AllocZeroed(ContextBytes));

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            NativeMemory.Free((void*)handle);
            return true;
        }
    }

    /// <summary>The three libcrypto functions, resolved once per process.</summary>
    private sealed class Libcrypto
    {
        private readonly delegate* unmanaged<void*, int> _init;
        private readonly delegate* unmanaged<void*, byte*, nuint, int> _update;
        private readonly delegate* unmanaged<byte*, void*, int> _final;

        private Libcrypto(nint library)
        {
            _init = (delegate* unmanaged<void*, int>)NativeLibrary.GetExport(library, "SHA256_Init");
            _update = (delegate* unmanaged<void*, byte*, nuint, int>)NativeLibrary.GetExport(library, "SHA256_Update");
            _final = (delegate* unmanaged<byte*, void*, int>)NativeLibrary.GetExport(library, "SHA256_Final");
        }

        public void Hash(void* context, ReadOnlySpan<byte> data, Span<byte> destination)
        {
            fixed (byte* input = data)
            fixed (byte* output = destination)
            {
                if (_init(context) != 1 || _update(context, input, (nuint)data.Length) != 1 || _final(output, context) != 1)
                {
                    throw new CryptographicException("libcrypto's SHA-256 reported a failure.");
                }
            }
        }

        /// <summary>The functions, when this is Linux, libcrypto has them, and they pass the known answers.</summary>
        public static Libcrypto? TryLoad()
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var name in new[] { "libcrypto.so.3", "libcrypto.so.1.1" })
            {
                if (!NativeLibrary.TryLoad(name, out var library)) continue;
                if (!NativeLibrary.TryGetExport(library, "SHA256_Init", out _) ||
                    !NativeLibrary.TryGetExport(library, "SHA256_Update", out _) ||
                    !NativeLibrary.TryGetExport(library, "SHA256_Final", out _))
                {
                    return null;
                }

                var candidate = new Libcrypto(library);
                return candidate.PassesKnownAnswers() ? candidate : null;
            }

            return null;
        }

        private bool PassesKnownAnswers()
        {
            var context = NativeMemory.AllocZeroed(ContextBytes);
            try
            {
                // FIPS 180-2's "abc", and a text longer than one block, each against the platform's SHA-256.
                Span<byte> native = stackalloc byte[32];
                foreach (var text in new[] { "abc"u8.ToArray(), new byte[1000] })
                {
                    Hash(context, text, native);
                    if (!native.SequenceEqual(SHA256.HashData(text))) return false;
                }

                return true;
            }
            catch (CryptographicException)
            {
                return false;
            }
            finally
            {
                NativeMemory.Free(context);
            }
        }
    }
}
