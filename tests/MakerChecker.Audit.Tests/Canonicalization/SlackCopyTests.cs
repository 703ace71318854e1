using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// The short copies' moves (one of 32 bytes, or one or two of 16 where 256-bit vectors are not in hardware) happen only
/// where both sides have 32 bytes of room, and copy exactly the bytes asked for; a copy of 33 to 64 bytes (two
/// overlapping halves) writes only its own bytes. Each case runs on both forms.
/// </summary>
public sealed class SlackCopyTests
{
    public delegate void CopyForm(ReadOnlySpan<byte> source, int start, int length, Span<byte> destination, int at);

    public static TheoryData<string> Forms => ["256", "128", "either"];

    private static CopyForm Form(string name) => name switch
    {
        "256" => SlackCopy.Copy256,
        "128" => SlackCopy.Copy128,
        _ => SlackCopy.Copy,
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_destination_shorter_than_32_bytes_is_never_written_past_its_end(string form)
    {
        foreach (var destinationLength in new[] { 8, 17, 31 })
        {
            // Found by the recognizer's property: with an unsigned comparison, a side shorter than 32 bytes passed the
            // room check (its length minus 32 wrapped around), and the move wrote past the destination span into the heap.
            var source = Enumerable.Repeat((byte)0xFF, 100).ToArray();
            var memory = new byte[64];
            Form(form)(source, 0, 4, memory.AsSpan(0, destinationLength), 0);
            Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], memory[..4]);
            Assert.All(memory[destinationLength..], b => Assert.Equal(0, b));
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_source_shorter_than_32_bytes_is_copied_exactly(string form)
    {
        var memory = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var destination = new byte[64];
        Form(form)(memory.AsSpan(0, 5), 1, 4, destination, 0);
        Assert.Equal([1, 2, 3, 4], destination[..4]);
        Assert.All(destination[4..], b => Assert.Equal(0, b)); // the general copy: nothing past the copy's end
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void With_room_on_both_sides_the_copied_bytes_are_right_for_every_length(string form)
    {
        var source = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        for (var length = 0; length <= 80; length++) // past 32 bytes: two overlapping halves up to 64, the general copy after
        {
            var destination = new byte[100];
            Form(form)(source, 10, length, destination, 5);
            Assert.Equal(source[10..(10 + length)], destination[5..(5 + length)]);
            Assert.All(destination[..5], b => Assert.Equal(0, b)); // nothing before the copy's start
        }
    }

    [Fact]
    public void A_small_copy_writes_exactly_its_source_for_every_length()
    {
        var source = Enumerable.Range(1, 40).Select(i => (byte)i).ToArray();
        for (var length = 0; length <= 24; length++)
        {
            var memory = new byte[40];
            SlackCopy.CopySmall(source.AsSpan(2, length), memory.AsSpan(3, length)); // no room past the copy on either side
            Assert.Equal(source[2..(2 + length)], memory[3..(3 + length)]);
            Assert.All(memory[..3], b => Assert.Equal(0, b));
            Assert.All(memory[(3 + length)..], b => Assert.Equal(0, b));
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_copy_of_33_to_64_bytes_writes_nothing_past_its_end_even_without_room(string form)
    {
        // The two overlapping halves stay within the copy's own bytes: no room after it is needed, on either side.
        var source = Enumerable.Range(1, 100).Select(i => (byte)i).ToArray();
        for (var length = 33; length <= 64; length++)
        {
            var memory = new byte[100];
            Form(form)(source.AsSpan(10, length), 0, length, memory.AsSpan(3, length), 0);
            Assert.Equal(source[10..(10 + length)], memory[3..(3 + length)]);
            Assert.All(memory[..3], b => Assert.Equal(0, b));
            Assert.All(memory[(3 + length)..], b => Assert.Equal(0, b));
        }
    }
}
