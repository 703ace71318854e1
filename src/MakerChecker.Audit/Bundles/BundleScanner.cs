using System.Buffers;
using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// Splits a bundle's bytes, as they stream in, into its manifest and its event objects, checking the envelope
/// <c>{"manifest": {…}, "events": [{…}, …]}</c> itself strictly. Each object it hands out is validated in full
/// (I-JSON, duplicate keys, UTF-8) by whoever parses it; the scanner only finds where it ends.
/// </summary>
internal sealed class BundleScanner
{
    private static readonly SearchValues<byte> StringEnd = SearchValues.Create("\"\\"u8);
    private const string Members = "a bundle has the members \"manifest\", optionally \"transparency\", then \"events\"";

    private State _state = State.Start;
    private Member _member;
    private bool _seenManifest;
    private bool _seenEvents;
    private bool _seenTransparency;

    public interface ISink
    {
        void OnManifest(ReadOnlySpan<byte> manifest);
        void OnEvent(ReadOnlySpan<byte> row);

        /// <summary>
        /// Asked after each event: <see langword="true"/> makes <see cref="Scan"/> return right after it, so that the
        /// caller can act before the rest is scanned (a verifier hands its finished batches on); the caller then passes
        /// the unconsumed bytes again, as after any return.
        /// </summary>
        bool PauseAfterEvent => false;

        /// <summary>
        /// The bundle ends before the event that starts <paramref name="rest"/> does: the row is broken or the bundle is
        /// truncated. A verifier judges it in order with the rows before it, as the reference does.
        /// </summary>
        void OnUnfinishedEvent(ReadOnlySpan<byte> rest) => throw Malformed("the bundle ends inside a value (truncated?)");

        void OnTransparency(ReadOnlySpan<byte> section);
    }

    private enum State { Start, KeyOrEnd, Key, Colon, Value, FirstEventOrEnd, EventSeparator, Event, MemberSeparator, Done }

    private enum Member { None, Manifest, Events, Transparency }

    /// <summary>
    /// Consumes as much of <paramref name="data"/> as forms whole tokens and objects, and returns how many bytes it
    /// consumed; the caller passes the rest again with more data. <paramref name="isFinal"/> says no more will come.
    /// It also returns after an event when the sink asks to pause (<see cref="ISink.PauseAfterEvent"/>).
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data, bool isFinal, ISink sink)
    {
        var pos = 0;
        while (true)
        {
            pos += CountWhitespace(data[pos..]);
            if (pos == data.Length)
            {
                if (isFinal && _state != State.Done)
                {
                    throw Malformed("the bundle ends before its closing brace (truncated?)");
                }

                return pos;
            }

            var b = data[pos];
            switch (_state)
            {
                case State.Start:
                    if (data[pos..].StartsWith("\uFEFF"u8))
                    {
                        throw Malformed("the bundle starts with a UTF-8 byte order mark (bytes EF BB BF), which JSON exchanged between " +
                            "systems must not have (RFC 8259, section 8.1); save the file as UTF-8 without a BOM");
                    }

                    Expect(b, '{', "a bundle is a JSON object");
                    pos++;
                    _state = State.KeyOrEnd;
                    break;
                case State.KeyOrEnd or State.Key:
                    if (b == '}' && _state == State.KeyOrEnd)
                    {
                        pos++;
                        Finish();
                        break;
                    }

                    Expect(b, '"', "expected a member name");
                    var close = data[(pos + 1)..].IndexOfAny(StringEnd);
                    if (close < 0)
                    {
                        return Incomplete(pos, isFinal);
                    }

                    var name = data.Slice(pos + 1, close);
                    _member = name.SequenceEqual("manifest"u8) ? Member.Manifest
                        : name.SequenceEqual("events"u8) ? Member.Events
                        : name.SequenceEqual("transparency"u8) ? Member.Transparency
                        : throw Malformed(Members);
                    if ((_member == Member.Manifest && _seenManifest) || (_member == Member.Events && _seenEvents)
                        || (_member == Member.Transparency && _seenTransparency))
                    {
                        throw new CanonicalJsonException(DuplicateKey, $"the bundle has the key \"{System.Text.Encoding.UTF8.GetString(name)}\" twice");
                    }

                    if (_member == Member.Transparency && (!_seenManifest || _seenEvents))
                    {
                        throw Malformed(
                            "the bundle's \"transparency\" must come after its \"manifest\" and before its \"events\" (the verifier streams the events)");
                    }

                    if (_member == Member.Events && !_seenManifest)
                    {
                        throw Malformed("the bundle's \"manifest\" must come before its \"events\" (the verifier streams the events)");
                    }

                    pos += close + 2;
                    _state = State.Colon;
                    break;
                case State.Colon:
                    Expect(b, ':', "expected ':' after a member name");
                    pos++;
                    _state = State.Value;
                    break;
                case State.Value when _member == Member.Manifest:
                    Expect(b, '{', "the manifest is not a JSON object");
                    var manifestEnd = JsonObjectEnd.Find(data[pos..]);
                    if (manifestEnd < 0)
                    {
                        return Incomplete(pos, isFinal);
                    }

                    sink.OnManifest(data.Slice(pos, manifestEnd));
                    _seenManifest = true;
                    pos += manifestEnd;
                    _state = State.MemberSeparator;
                    break;
                case State.Value when _member == Member.Transparency:
                    Expect(b, '{', "\"transparency\" is not a JSON object");
                    var sectionEnd = JsonObjectEnd.Find(data[pos..]);
                    if (sectionEnd < 0)
                    {
                        return Incomplete(pos, isFinal);
                    }

                    sink.OnTransparency(data.Slice(pos, sectionEnd));
                    _seenTransparency = true;
                    pos += sectionEnd;
                    _state = State.MemberSeparator;
                    break;
                case State.Value:
                    Expect(b, '[', "\"events\" is not a JSON array");
                    _seenEvents = true;
                    pos++;
                    _state = State.FirstEventOrEnd;
                    break;
                case State.FirstEventOrEnd or State.Event:
                    if (b == ']' && _state == State.FirstEventOrEnd)
                    {
                        pos++;
                        _state = State.MemberSeparator;
                        break;
                    }

                    Expect(b, '{', "an event is not a JSON object");
                    var eventEnd = JsonObjectEnd.Find(data[pos..]);
                    if (eventEnd < 0 && isFinal)
                    {
                        sink.OnUnfinishedEvent(data[pos..]);
                        _state = State.Done;
                        return data.Length;
                    }

                    if (eventEnd < 0)
                    {
                        return pos;
                    }

                    sink.OnEvent(data.Slice(pos, eventEnd));
                    pos += eventEnd;
                    _state = State.EventSeparator;
                    if (sink.PauseAfterEvent)
                    {
                        return pos;
                    }

                    break;
                case State.EventSeparator:
                    if (b == ']')
                    {
                        _state = State.MemberSeparator;
                    }
                    else
                    {
                        Expect(b, ',', "expected ',' or ']' after an event");
                        _state = State.Event;
                    }

                    pos++;
                    break;
                case State.MemberSeparator:
                    if (b == '}')
                    {
                        Finish();
                    }
                    else
                    {
                        Expect(b, ',', "expected ',' or '}' after a bundle member");
                        _state = State.Key;
                    }

                    pos++;
                    break;
                default: // Done
                    throw new CanonicalJsonException(TrailingData, "data follows the bundle's closing brace");
            }
        }
    }

    /// <summary>
    /// Makes room at the end of a pooled read buffer: moves the unconsumed bytes to the front, or, when one value
    /// fills the whole buffer, rents a bigger one (up to 64 MiB per value).
    /// </summary>
    internal static byte[] MakeRoom(byte[] buffer, ref int start, ref int end)
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
            return buffer;
        }

        // One object fills the whole buffer: grow, but only so far.
        if (buffer.Length >= 64 * 1024 * 1024)
        {
            throw new CanonicalJsonException(MalformedJson, "a single bundle value is larger than 64 MiB");
        }

        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, end).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private void Finish()
    {
        if (!_seenManifest || !_seenEvents)
        {
            throw Malformed(Members);
        }

        _state = State.Done;
    }

    private static int Incomplete(int pos, bool isFinal) =>
        isFinal ? throw Malformed("the bundle ends inside a value (truncated?)") : pos;

    private static int CountWhitespace(ReadOnlySpan<byte> data)
    {
        var i = data.IndexOfAnyExcept(" \t\r\n"u8);
        return i < 0 ? data.Length : i;
    }

    private static void Expect(byte actual, char expected, string message)
    {
        if (actual != expected)
        {
            // A byte that cannot start a token is malformed JSON, whatever it is (as JsonCanonicalizer and the reference
            // verifier say); invalid_utf8 is for the bytes of strings and keys.
            throw Malformed($"the bundle is malformed: {message}{(actual >= 0x80 ? $" (found byte 0x{actual:X2}, which is not ASCII)" : "")}");
        }
    }

    private static CanonicalJsonException Malformed(string message) => new(MalformedJson, message);
}
