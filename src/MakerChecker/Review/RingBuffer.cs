namespace MakerChecker.Review;

/// <summary>A queue that can also be read by position (0 is the oldest): the review monitor's windows.</summary>
internal sealed class RingBuffer<T>
{
    private T[] _items = new T[16];
    private int _head;

    public int Count { get; private set; }

    public T this[int index] => _items[(_head + index) & (_items.Length - 1)];

    public T First => this[0];

    public T Last => this[Count - 1];

    public void Add(T item)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) & (_items.Length - 1)] = item;
        Count++;
    }

    public T RemoveFirst()
    {
        var first = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return first;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    private void Grow()
    {
        var larger = new T[_items.Length * 2];
        for (var i = 0; i < Count; i++) larger[i] = this[i];
        _items = larger;
        _head = 0;
    }
}
