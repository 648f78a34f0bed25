using System;

namespace NetGen.Generator.Model;

/// <summary>
/// Immutable bytes with value equality and a precomputed hash, so file contents can cross the incremental cache
/// boundary as data: two runs over an unchanged file compare equal (by reference, or by hash and then byte by byte).
/// </summary>
internal sealed class ByteBlob : IEquatable<ByteBlob>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public ByteBlob(byte[] bytes)
    {
        _bytes = bytes;
        _hash = Fnv1a(bytes);
    }

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Span => _bytes;

    public bool Equals(ByteBlob? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null
            && other._hash == _hash
            && other._bytes.AsSpan().SequenceEqual(_bytes);
    }

    public override bool Equals(object? obj) => obj is ByteBlob other && Equals(other);

    public override int GetHashCode() => _hash;

    private static int Fnv1a(byte[] bytes)
    {
        unchecked
        {
            uint hash = 2166136261;
            foreach (byte b in bytes)
            {
                hash = (hash ^ b) * 16777619;
            }

            return (int)hash;
        }
    }
}
