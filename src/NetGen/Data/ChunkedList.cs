using System;
using System.Collections.Generic;

namespace NetGen.Data;

/// <summary>
/// An append-only list of values of unknown final count, kept in chunks that are never copied while it grows, so that
/// collecting n values allocates about n values (plus at most one chunk of slack) rather than the up to 4n of a
/// doubling <see cref="List{T}"/>; <see cref="ToArray"/> then copies them into one exact array.
/// </summary>
internal sealed class ChunkedList<T>
    where T : struct
{
    // Chunks start small for small files and double up to this size, which bounds the unused slack.
    private const int FirstChunkLength = 256;
    private const int MaxChunkLength = 64 * 1024;

    private readonly List<T[]> _full = [];
    private T[] _current = new T[FirstChunkLength];
    private int _used;

    /// <summary>The number of values added.</summary>
    public long Count { get; private set; }

    /// <summary>Appends a value.</summary>
    public void Add(T value)
    {
        if (_used == _current.Length)
        {
            _full.Add(_current);
            _current = new T[Math.Min(2 * _current.Length, MaxChunkLength)];
            _used = 0;
        }

        _current[_used++] = value;
        Count++;
    }

    /// <summary>The values in the order they were added.</summary>
    /// <exception cref="InvalidOperationException">There are more than an array can hold.</exception>
    public T[] ToArray()
    {
        if (Count > Array.MaxLength)
        {
            throw new InvalidOperationException($"{Count} values do not fit in one array.");
        }

        var values = new T[Count];
        int at = 0;
        foreach (T[] chunk in _full)
        {
            chunk.CopyTo(values, at);
            at += chunk.Length;
        }

        _current.AsSpan(0, _used).CopyTo(values.AsSpan(at));
        return values;
    }
}
