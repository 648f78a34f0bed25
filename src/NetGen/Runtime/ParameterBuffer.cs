using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen;

/// <summary>
/// A generated network's parameter storage: a pinned array in which the parameters start on a 64-byte (cache-line)
/// boundary. Public because generated code in user assemblies holds one; not meant to be used directly.
/// </summary>
/// <remarks>
/// The runtime aligns array data to 8 bytes only, so in an ordinary array half of the generated kernels' 256-bit weight
/// loads straddle two cache lines and take two load slots; the weight-reading loops are bound by exactly those slots.
/// The array is allocated on the pinned object heap, so the offset that aligns it stays valid for the network's lifetime.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ParameterBuffer<T>
    where T : unmanaged
{
    private const int Alignment = 64;
    private readonly T[] _array;
    private readonly int _start;

    /// <summary>Allocates room for <paramref name="length"/> elements, all zero, starting on a 64-byte boundary.</summary>
    /// <param name="length">The number of parameters, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is less than 1.</exception>
    public ParameterBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        int elementSize = Unsafe.SizeOf<T>();
        _array = GC.AllocateArray<T>(length + (Alignment / elementSize), pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0);
        int misalignment = (int)(address & (Alignment - 1));
        _start = misalignment == 0 ? 0 : (Alignment - misalignment) / elementSize;
        Length = length;
    }

    /// <summary>Allocates aligned room for <paramref name="values"/> and copies them in.</summary>
    /// <param name="values">The initial parameters.</param>
    public ParameterBuffer(ReadOnlySpan<T> values)
        : this(values.Length)
    {
        values.CopyTo(Span);
    }

    /// <summary>The number of parameters.</summary>
    public int Length { get; }

    /// <summary>The parameters.</summary>
    public Span<T> Span => MemoryMarshal.CreateSpan(ref Reference, Length);

    /// <summary>A reference to the first parameter, 64-byte aligned (for generated kernels that index from it).</summary>
    public ref T Reference => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _start);
}
