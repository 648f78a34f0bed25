using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace NetGen.Data;

/// <summary>
/// One file in the IDX format of MNIST and Fashion-MNIST, plain or gzip: a header (two zero bytes, the element type,
/// the number of dimensions, then each dimension as a big-endian int32) followed by exactly the elements it declares.
/// Every field is validated, and no buffer is ever sized from a header count that the file has not backed with bytes.
/// </summary>
public sealed class IdxFile
{
    /// <summary>The default cap on the data a header may declare: 1 GiB.</summary>
    public const long DefaultMaxDataBytes = 1L << 30;

    /// <summary>The most dimensions an IDX file may have here (MNIST images have 3).</summary>
    public const int MaxDimensions = 4;

    // Reads of a stream of unknown length start at this size and at most double, so memory follows the bytes that arrived.
    private const int InitialReadSize = 64 * 1024;

    private readonly byte[] _data;
    private readonly int[] _dimensions;

    private IdxFile(string displayName, IdxDataType dataType, int[] dimensions, int itemLength, byte[] data)
    {
        Path = displayName;
        DataType = dataType;
        _dimensions = dimensions;
        _data = data;
        ElementSize = SizeOf(dataType);
        ElementCount = data.Length / ElementSize;
        ItemLength = itemLength;
    }

    /// <summary>The file (or the display name of the stream) it was read from.</summary>
    public string Path { get; }

    /// <summary>The element type.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimensions, outermost first; the first counts the items (images, labels).</summary>
    public IReadOnlyList<int> Dimensions => _dimensions;

    /// <summary>The number of items: the first dimension.</summary>
    public int ItemCount => _dimensions[0];

    /// <summary>The number of elements per item: the product of the dimensions after the first (1 for a 1-D file).</summary>
    public int ItemLength { get; }

    /// <summary>The total number of elements: the product of all dimensions.</summary>
    public int ElementCount { get; }

    /// <summary>The size of one element in bytes.</summary>
    public int ElementSize { get; }

    /// <summary>The size of the header in bytes, where the data starts: 4 + 4 × the number of dimensions.</summary>
    public int HeaderLength => 4 + 4 * _dimensions.Length;

    /// <summary>The data exactly as stored: <see cref="ElementCount"/> big-endian elements.</summary>
    public ReadOnlySpan<byte> RawData => _data;

    /// <summary>
    /// Reads and validates an IDX file; gzip is recognised by its magic bytes, whatever the extension, and must be whole
    /// (one member, not truncated, CRC-32 and length as its trailer records, nothing after it).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxDataBytes">The most data bytes a header may declare; larger claims are rejected before reading.</param>
    /// <exception cref="DataFormatException">The header is invalid, the data does not match it exactly, or the gzip data is
    /// truncated or corrupt.</exception>
    public static IdxFile Read(string path, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckLimit(maxDataBytes);
        // The header bounds what is read (at most maxDataBytes, then at most as much again counting trailing bytes),
        // so the content needs no limit of its own.
        using var stream = DataFile.OpenRead(path, long.MaxValue, nameof(maxDataBytes), out _);
        return Read(stream, path, maxDataBytes);
    }

    /// <summary>
    /// Reads and validates IDX content from the current position of <paramref name="stream"/> to its end. A seekable
    /// stream's length is checked against the header before anything is allocated; any other stream is read in chunks
    /// that grow only as bytes arrive.
    /// </summary>
    /// <param name="stream">The uncompressed IDX content (not disposed).</param>
    /// <param name="displayName">The name errors give the source, such as its file name.</param>
    /// <param name="maxDataBytes">The most data bytes a header may declare; larger claims are rejected before reading.</param>
    /// <exception cref="DataFormatException">The header is invalid or the data does not match it exactly.</exception>
    public static IdxFile Read(Stream stream, string displayName, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(displayName);
        CheckLimit(maxDataBytes);
        long start = stream.CanSeek ? stream.Position : 0;

        Span<byte> prefix = stackalloc byte[4];
        int prefixRead = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (prefixRead < prefix.Length)
        {
            throw new DataFormatException($"the file has {prefixRead} bytes, too few for the 4-byte IDX magic number", displayName, offset: 0);
        }

        if (prefix[0] != 0 || prefix[1] != 0)
        {
            throw new DataFormatException(
                $"bad magic number: an IDX file starts with bytes 00 00 but this one starts with {prefix[0]:X2} {prefix[1]:X2}", displayName, offset: 0);
        }

        var dataType = (IdxDataType)prefix[2];
        if (!Enum.IsDefined(dataType))
        {
            throw new DataFormatException(
                $"unknown element type 0x{prefix[2]:X2}; IDX types are 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64",
                displayName, offset: 2);
        }

        int dimensionCount = prefix[3];
        if (dimensionCount is 0 or > MaxDimensions)
        {
            throw new DataFormatException($"the header declares {dimensionCount} dimensions; between 1 and {MaxDimensions} are supported", displayName, offset: 3);
        }

        Span<byte> dimensionBytes = stackalloc byte[4 * dimensionCount];
        int dimensionsRead = stream.ReadAtLeast(dimensionBytes, dimensionBytes.Length, throwOnEndOfStream: false);
        if (dimensionsRead < dimensionBytes.Length)
        {
            throw new DataFormatException(
                $"the header is cut short: {dimensionCount} dimensions need {dimensionBytes.Length} bytes after the magic number but only {dimensionsRead} follow",
                displayName, offset: 4 + dimensionsRead);
        }

        var dimensions = new int[dimensionCount];
        for (int i = 0; i < dimensionCount; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(dimensionBytes[(4 * i)..]);
            if (dimensions[i] < 0)
            {
                throw new DataFormatException($"dimension {i} is {dimensions[i]}; dimensions cannot be negative", displayName, offset: 4 + 4 * i);
            }
        }

        // The item length is checked on its own because a zero item count would hide an absurd item shape.
        bool overflowed = false;
        long itemLength = 1;
        for (int i = 1; i < dimensionCount; i++)
        {
            overflowed |= !TryMultiply(itemLength, dimensions[i], out itemLength);
        }

        overflowed |= !TryMultiply(itemLength, dimensions[0], out long elementCount);

        int headerLength = 4 + 4 * dimensionCount;
        int elementSize = SizeOf(dataType);
        string shape = $"{string.Join(" × ", dimensions)} {Describe(dataType)}";
        if (overflowed || !TryMultiply(elementCount, elementSize, out long expected))
        {
            throw new DataFormatException($"the dimensions {shape} multiply past the range of a 64-bit byte count", displayName, offset: 4);
        }

        if (expected > maxDataBytes)
        {
            throw new DataFormatException(
                $"the header declares {shape} = {expected} data bytes, more than the limit of {maxDataBytes}", displayName, offset: 4);
        }

        if (itemLength > Array.MaxLength)
        {
            throw new DataFormatException($"the header declares items of {itemLength} elements ({shape}), too many for one array", displayName, offset: 8);
        }

        byte[] data = stream.CanSeek
            ? ReadKnownLength(stream, displayName, expected, stream.Length - start - headerLength, headerLength, shape)
            : ReadUnknownLength(stream, displayName, expected, maxDataBytes, headerLength, shape);
        return new IdxFile(displayName, dataType, dimensions, (int)itemLength, data);
    }

    /// <summary>Element <paramref name="index"/> (in row-major order over all dimensions) as a double, exactly.</summary>
    /// <param name="index">In [0, <see cref="ElementCount"/>).</param>
    public double GetValue(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ElementCount);
        ReadOnlySpan<byte> bytes = _data.AsSpan(index * ElementSize, ElementSize);
        return DataType switch
        {
            IdxDataType.UnsignedByte => bytes[0],
            IdxDataType.SignedByte => (sbyte)bytes[0],
            IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(bytes),
            IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(bytes),
            IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(bytes),
            _ => BinaryPrimitives.ReadDoubleBigEndian(bytes),
        };
    }

    /// <summary>Every element, in row-major order, multiplied by <paramref name="scale"/> and rounded to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The floating-point type of the result.</typeparam>
    /// <param name="scale">The factor applied to each element (in double precision, before rounding), e.g. 1/255 for pixels.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not finite.</exception>
    /// <exception cref="DataFormatException">An element is NaN or infinite, or becomes infinite when scaled and rounded.</exception>
    public T[] ToArray<T>(double scale = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be finite.");
        }

        var values = new T[ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            double value = GetValue(i);
            values[i] = T.CreateChecked(value * scale);
            if (!T.IsFinite(values[i]))
            {
                throw new DataFormatException(
                    $"element {i} is {value.ToString("R", CultureInfo.InvariantCulture)}, which scaled by {scale.ToString("R", CultureInfo.InvariantCulture)} is not a finite {typeof(T).Name}; data must be finite",
                    Path, offset: HeaderLength + (long)i * ElementSize);
            }
        }

        return values;
    }

    /// <summary>Every element as an integer, for a file of an integer type (labels).</summary>
    /// <exception cref="InvalidOperationException">The file holds floating-point elements.</exception>
    public int[] ToInt32Array()
    {
        if (DataType is IdxDataType.Single or IdxDataType.Double)
        {
            throw new InvalidOperationException($"{Path} holds {Describe(DataType)} elements, not integers.");
        }

        var values = new int[ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (int)GetValue(i);
        }

        return values;
    }

    /// <summary>A short description such as <c>60000 × 28 × 28 ubyte</c>.</summary>
    public override string ToString() => $"{string.Join(" × ", _dimensions)} {Describe(DataType)}";

    internal static string Describe(IdxDataType dataType) => dataType switch
    {
        IdxDataType.UnsignedByte => "ubyte",
        IdxDataType.SignedByte => "sbyte",
        IdxDataType.Int16 => "int16",
        IdxDataType.Int32 => "int32",
        IdxDataType.Single => "float32",
        _ => "float64",
    };

    private static int SizeOf(IdxDataType dataType) => dataType switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Single => 4,
        _ => 8,
    };

    private static void CheckLimit(long maxDataBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDataBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDataBytes, (long)Array.MaxLength);
    }

    private static bool TryMultiply(long left, long right, out long product)
    {
        Int128 wide = (Int128)left * right;
        product = wide <= long.MaxValue ? (long)wide : long.MaxValue;
        return wide <= long.MaxValue;
    }

    private static byte[] ReadKnownLength(Stream stream, string displayName, long expected, long available, int headerLength, string shape)
    {
        if (available != expected)
        {
            throw MismatchedLength(displayName, expected, available, headerLength, shape);
        }

        var data = new byte[expected];
        stream.ReadExactly(data);
        return data;
    }

    private static byte[] ReadUnknownLength(Stream stream, string displayName, long expected, long maxDataBytes, int headerLength, string shape)
    {
        var data = new byte[Math.Min(expected, InitialReadSize)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(expected, 2L * data.Length));
            }

            int read = stream.Read(data, filled, data.Length - filled);
            if (read == 0)
            {
                throw MismatchedLength(displayName, expected, filled, headerLength, shape);
            }

            filled += read;
        }

        long trailing = CountRemainingBytes(stream, maxDataBytes);
        if (trailing > 0)
        {
            throw MismatchedLength(displayName, expected, expected + trailing, headerLength, shape);
        }

        return data;
    }

    // Counts the bytes left, but stops past the limit so a compressed stream of endless garbage cannot keep us busy.
    private static long CountRemainingBytes(Stream stream, long limit)
    {
        var scratch = new byte[InitialReadSize];
        long count = 0;
        int read;
        while (count <= limit && (read = stream.Read(scratch)) > 0)
        {
            count += read;
        }

        return count;
    }

    private static DataFormatException MismatchedLength(string displayName, long expected, long actual, int headerLength, string shape) =>
        actual < expected
            ? new DataFormatException(
                $"the file is truncated: the header declares {shape} = {expected} data bytes after the {headerLength}-byte header, but only {actual} follow",
                displayName, offset: headerLength + actual)
            : new DataFormatException(
                $"the file has trailing bytes: the header declares {shape} = {expected} data bytes after the {headerLength}-byte header, but {actual} follow ({actual - expected} extra)",
                displayName, offset: headerLength + expected);
}
