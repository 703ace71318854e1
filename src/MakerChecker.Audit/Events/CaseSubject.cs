using System.Security.Cryptography;
using System.Text;

namespace MakerChecker.Audit.Events;

/// <summary>
/// A case: what a request or invocation is about, named <c>kind:id</c> (for example <c>claim:C-1009</c>). Every event
/// about a case carries the case's run id, a name-based UUID (RFC 9562 version 5) of the subject, so that a run bundle
/// (<c>makerchecker audit export --case claim:C-1009</c>) holds the case's whole story. Anyone can recompute the run id
/// from the subject alone (docs/audit-format.md, "Cases").
/// </summary>
public static class CaseSubject
{
    /// <summary>The longest subject accepted, in characters.</summary>
    public const int MaxLength = 200;

    /// <summary>The longest kind (the part before the first <c>:</c>), in characters.</summary>
    public const int MaxKindLength = 32;

    /// <summary>
    /// The UUID namespace of run ids: UUID version 5 of the URL namespace (<c>6ba7b811-9dad-11d1-80b4-00c04fd430c8</c>)
    /// and the name <c>urn:makerchecker:case-subject:v1</c>.
    /// </summary>
    public static readonly Guid Namespace = new("ce7e6c78-df0e-54e7-9559-c3b5121934e2");

    /// <summary>
    /// Checks a subject's syntax: a kind of 1 to 32 characters from <c>a-z 0-9 _ . -</c> starting with a letter, a
    /// <c>:</c>, then an id of 1 or more characters from <c>A-Z a-z 0-9 . _ ~ : / @ + # -</c>; at most
    /// <see cref="MaxLength"/> characters in all. No spaces, no other characters, so a subject is the same text on every
    /// machine and in every shell.
    /// </summary>
    /// <param name="subject">The subject.</param>
    /// <param name="failure">What is wrong with it, or <see langword="null"/>.</param>
    /// <returns>Whether the subject is well formed.</returns>
    public static bool TryValidate(string? subject, out string? failure)
    {
        failure = Check(subject);
        return failure is null;
    }

    /// <summary>The run id of the events about <paramref name="subject"/>: its UUID version 5 in <see cref="Namespace"/>, lowercase.</summary>
    /// <param name="subject">A well-formed subject (see <see cref="TryValidate"/>).</param>
    /// <returns>The run id, for example <c>b9e557ca-2de9-5e20-96b7-a8e55d91903d</c> for <c>claim:C-1009</c>.</returns>
    /// <exception cref="ArgumentException">The subject is not well formed.</exception>
    public static string RunIdFor(string subject)
    {
        if (Check(subject) is { } failure)
        {
            throw new ArgumentException(failure, nameof(subject));
        }

        // RFC 9562 §5.5: SHA-1 over the namespace (network byte order) and the name, then the version and variant bits.
        Span<byte> input = stackalloc byte[16 + MaxLength];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        var length = 16 + Encoding.ASCII.GetBytes(subject, input[16..]);
        Span<byte> digest = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what UUID version 5 is defined with; it names a case, it protects nothing.
        SHA1.HashData(input[..length], digest);
#pragma warning restore CA5350
        digest[6] = (byte)((digest[6] & 0x0F) | 0x50);
        digest[8] = (byte)((digest[8] & 0x3F) | 0x80);
        return new Guid(digest[..16], bigEndian: true).ToString("D");
    }

    private static string? Check(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return "The case subject is empty: give kind:id, for example claim:C-1009.";
        }

        if (subject.Length > MaxLength)
        {
            return $"The case subject is {subject.Length} characters long; the limit is {MaxLength}.";
        }

        var colon = subject.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || colon > MaxKindLength || colon == subject.Length - 1)
        {
            return $"The case subject '{Shown(subject)}' is not kind:id (a kind of 1 to {MaxKindLength} characters, a colon, an id), " +
                "for example claim:C-1009.";
        }

        if (!IsAsciiLower(subject[0]))
        {
            return $"The case subject '{Shown(subject)}' must start with a lowercase letter (its kind, for example claim).";
        }

        for (var i = 0; i < subject.Length; i++)
        {
            var c = subject[i];
            var allowed = i < colon
                ? IsAsciiLower(c) || char.IsAsciiDigit(c) || c is '_' or '.' or '-'
                : i == colon || char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or ':' or '/' or '@' or '+' or '#' or '-';
            if (!allowed)
            {
                var where = i < colon ? "kind (a-z 0-9 _ . -)" : "id (A-Z a-z 0-9 . _ ~ : / @ + # -)";
                return $"The case subject '{Shown(subject)}' has '{Describe(c)}' at position {i + 1}, which its {where} does not allow.";
            }
        }

        return null;
    }

    private static bool IsAsciiLower(char c) => c is >= 'a' and <= 'z';

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();

    /// <summary>The subject as a message may quote it: control characters escaped, cut to a readable length.</summary>
    private static string Shown(string subject)
    {
        var text = subject.Length > 60 ? subject[..60] + "..." : subject;
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }
}
