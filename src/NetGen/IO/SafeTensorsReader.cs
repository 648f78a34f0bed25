using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Numerics;

namespace NetGen.IO;

/// <summary>
/// Reads a file in the safetensors format: an 8-byte little-endian header size N, N bytes of UTF-8 JSON describing
/// each tensor (dtype, shape, data offsets) plus optional string metadata, then the data buffer. Opening validates the
/// whole header before any tensor is read: the size is capped before allocating, the JSON must be one object with no
/// duplicate names, every tensor's offsets must match its shape and dtype and lie inside the buffer, and the tensors
/// must tile the buffer exactly, with no overlaps and no holes. Every violation is a <see cref="WeightsFileException"/>.
/// Opening allocates the header and at most 5 bytes more per header byte (names, shapes, tensor entries), whatever the
/// header holds, and nothing in proportion to the data; metadata is decoded only when read. The header is parsed by the same code (SafeTensorsHeader.cs)
/// the source generator uses for weights baked in at build time.
/// </summary>
/// <remarks>Not thread-safe: reads move the position of one underlying stream.</remarks>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>The default cap on the JSON header's size: 100 MiB.</summary>
    public const long DefaultMaxHeaderBytes = SafeTensorsHeader.DefaultMaxHeaderBytes;

    /// <summary>The header key of the optional string-to-string metadata object.</summary>
    public const string MetadataKey = SafeTensorsHeader.MetadataKey;

    private const int HeaderSizeLength = SafeTensorsHeader.SizeLength;
    private const int ConversionChunkBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _dataStart;
    private readonly IReadOnlyList<SafeTensorInfo> _tensors;
    private readonly Dictionary<string, SafeTensorInfo> _tensorsByName;
    private bool _disposed;

    private SafeTensorsReader(Stream stream, bool leaveOpen, string displayName, long dataStart, SafeTensorsHeader header)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _dataStart = dataStart;
        _tensors = header.Tensors;
        _tensorsByName = header.TensorsByName;
        Path = displayName;
        DataLength = header.DataLength;
        Metadata = header.Metadata;
    }

    /// <summary>The file (or the display name of the stream).</summary>
    public string Path { get; }

    /// <summary>The tensors, in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _tensors;

    /// <summary>The header's <c>__metadata__</c> entries; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The size of the data buffer after the header, in bytes.</summary>
    public long DataLength { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxHeaderBytes">The largest header accepted; a larger declared size is rejected before allocating.</param>
    /// <exception cref="WeightsFileException">The file is not a valid safetensors file.</exception>
    public static SafeTensorsReader Open(string path, long maxHeaderBytes = DefaultMaxHeaderBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckHeaderLimit(maxHeaderBytes);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ConversionChunkBytes);
        return Open(stream, path, leaveOpen: false, maxHeaderBytes);
    }

    /// <summary>Reads and validates safetensors content that starts at the current position of a seekable stream.</summary>
    /// <param name="stream">A readable, seekable stream; the content runs to its end.</param>
    /// <param name="displayName">The name errors give the source, such as its file name.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves <paramref name="stream"/> open.</param>
    /// <param name="maxHeaderBytes">The largest header accepted; a larger declared size is rejected before allocating.</param>
    /// <exception cref="ArgumentException">The stream cannot be read or cannot seek.</exception>
    /// <exception cref="WeightsFileException">The content is not valid safetensors.</exception>
    public static SafeTensorsReader Open(Stream stream, string displayName, bool leaveOpen = false, long maxHeaderBytes = DefaultMaxHeaderBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(displayName);
        CheckHeaderLimit(maxHeaderBytes);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("A safetensors stream must be readable and seekable.", nameof(stream));
        }

        bool handedOver = false;
        try
        {
            long start = stream.Position;
            long length = stream.Length - start;
            var prefix = new byte[HeaderSizeLength];
            stream.ReadExactly(prefix, 0, (int)Math.Min(length, HeaderSizeLength));
            long headerSize = SafeTensorsHeader.ReadHeaderSize(prefix, length, maxHeaderBytes);
            var header = new byte[headerSize];
            stream.ReadExactly(header);
            long dataLength = length - HeaderSizeLength - headerSize;
            var parsed = SafeTensorsHeader.Parse(header, 0, header.Length, dataLength);
            var reader = new SafeTensorsReader(stream, leaveOpen, displayName, start + HeaderSizeLength + headerSize, parsed);
            handedOver = true;
            return reader;
        }
        catch (SafeTensorsFormatException e)
        {
            throw new WeightsFileException(e.Problem, displayName, e.TensorName, e);
        }
        finally
        {
            if (!handedOver && !leaveOpen)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>Finds a tensor by name.</summary>
    /// <param name="name">The tensor's name, compared ordinally.</param>
    /// <param name="tensor">The tensor, when found.</param>
    /// <returns>Whether the file has a tensor of that name.</returns>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out SafeTensorInfo? tensor) => _tensorsByName.TryGetValue(name, out tensor);

    /// <summary>Copies a tensor's bytes, exactly as stored (little-endian, C order), into <paramref name="destination"/>.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ByteLength"/> bytes.</param>
    /// <exception cref="ArgumentException">The tensor is not from this file or the destination has the wrong length.</exception>
    /// <exception cref="WeightsFileException">The file ended early (it changed after it was opened).</exception>
    public void ReadBytes(SafeTensorInfo tensor, Span<byte> destination)
    {
        RequireOwnTensor(tensor);
        if (destination.Length != tensor.ByteLength)
        {
            throw new ArgumentException($"destination has {destination.Length} bytes; tensor '{tensor.Name}' has {tensor.ByteLength}.", nameof(destination));
        }

        ReadAt(tensor, tensor.DataBegin, destination);
    }

    /// <summary>
    /// Reads a floating-point tensor (F64, F32, F16 or BF16) into <paramref name="destination"/>, converting each element
    /// to <typeparamref name="T"/> by rounding to nearest. Values are passed on as stored, NaN and infinities included.
    /// </summary>
    /// <typeparam name="T">The floating-point type to convert to.</typeparam>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> elements.</param>
    /// <exception cref="ArgumentException">The tensor is not from this file or the destination has the wrong length.</exception>
    /// <exception cref="WeightsFileException">The tensor's dtype is not floating-point, or the file ended early.</exception>
    public void ReadFloatingPoint<T>(SafeTensorInfo tensor, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireOwnTensor(tensor);
        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"destination has {destination.Length} elements; tensor '{tensor.Name}' has {tensor.ElementCount}.", nameof(destination));
        }

        if (!SafeTensorDataTypes.IsReadableAsFloatingPoint(tensor.DataType))
        {
            throw new WeightsFileException(
                $"dtype {SafeTensorDataTypes.ToFormatName(tensor.DataType)} is not a floating-point type; F32, F64, F16 and BF16 can be read", Path, tensor.Name);
        }

        int elementSize = SafeTensorDataTypes.SizeOf(tensor.DataType);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ConversionChunkBytes);
        try
        {
            int elementsPerChunk = ConversionChunkBytes / elementSize;
            for (int done = 0; done < destination.Length; done += elementsPerChunk)
            {
                int count = Math.Min(elementsPerChunk, destination.Length - done);
                Span<byte> bytes = chunk.AsSpan(0, count * elementSize);
                ReadAt(tensor, tensor.DataBegin + (long)done * elementSize, bytes);
                Decode(tensor.DataType, bytes, destination.Slice(done, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Closes the underlying stream unless it was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    // The smallest header, "{}", has 2 bytes; the largest must fit in one array.
    private static void CheckHeaderLimit(long maxHeaderBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderBytes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxHeaderBytes, (long)Array.MaxLength);
    }

    private static void Decode<T>(SafeTensorDataType dataType, ReadOnlySpan<byte> bytes, Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = dataType switch
            {
                SafeTensorDataType.Float64 => T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..])),
                SafeTensorDataType.Float32 => T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..])),
                SafeTensorDataType.Float16 => T.CreateChecked(BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..])),
                // bfloat16 is the upper half of a float32, so widening is a shift.
                _ => T.CreateChecked(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16)),
            };
        }
    }

    private void RequireOwnTensor(SafeTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_tensorsByName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' does not come from {Path}.", nameof(tensor));
        }
    }

    private void ReadAt(SafeTensorInfo tensor, long bufferOffset, Span<byte> destination)
    {
        try
        {
            _stream.Position = _dataStart + bufferOffset;
            _stream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new WeightsFileException("the file ended inside the tensor's data; it was changed after it was opened", Path, tensor.Name, e);
        }
    }
}
