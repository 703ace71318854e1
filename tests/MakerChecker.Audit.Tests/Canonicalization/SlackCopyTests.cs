using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>The short copies' one 32-byte move happens only where both sides have 32 bytes of room.</summary>
public sealed class SlackCopyTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(31)]
    public void A_destination_shorter_than_32_bytes_is_never_written_past_its_end(int destinationLength)
    {
        // Found by the recognizer's property: with an unsigned comparison, a side shorter than 32 bytes passed the room
        // check (its length minus 32 wrapped around), and the move wrote past the destination span into the heap.
        var source = Enumerable.Repeat((byte)0xFF, 100).ToArray();
        var memory = new byte[64];
        SlackCopy.Copy(source, 0, 4, memory.AsSpan(0, destinationLength), 0);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], memory[..4]);
        Assert.All(memory[destinationLength..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_source_shorter_than_32_bytes_is_copied_exactly()
    {
        var memory = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var destination = new byte[64];
        SlackCopy.Copy(memory.AsSpan(0, 5), 1, 4, destination, 0);
        Assert.Equal([1, 2, 3, 4], destination[..4]);
        Assert.All(destination[4..], b => Assert.Equal(0, b)); // the general copy: nothing past the copy's end
    }

    [Fact]
    public void With_room_on_both_sides_the_copied_bytes_are_right()
    {
        var source = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var destination = new byte[100];
        SlackCopy.Copy(source, 10, 20, destination, 5);
        Assert.Equal(source[10..30], destination[5..25]);
    }
}
