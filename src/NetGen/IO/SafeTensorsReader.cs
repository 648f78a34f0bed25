using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace NetGen.IO;

/// <summary>
/// Reads a file in the safetensors format: an 8-byte little-endian header size N, N bytes of UTF-8 JSON describing
/// each tensor (dtype, shape, data offsets) plus optional string metadata, then the data buffer. Opening validates the
/// whole header before any tensor is read: the size is capped before allocating, the JSON must be one object with no
/// duplicate names, every tensor's offsets must match its shape and dtype and lie inside the buffer, and the tensors
/// must tile the buffer exactly, with no overlaps and no holes. Every violation is a <see cref="WeightsFileException"/>.
/// </summary>
/// <remarks>Not thread-safe: reads move the position of one underlying stream.</remarks>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>The default cap on the JSON header's size: 100 MiB.</summary>
    public const long DefaultMaxHeaderBytes = 100L << 20;

    /// <summary>The header key of the optional string-to-string metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    private const int HeaderSizeLength = 8;
    private const int ConversionChunkBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _dataStart;
    private readonly SafeTensorInfo[] _tensors;
    private readonly Dictionary<string, SafeTensorInfo> _tensorsByName;
    private bool _disposed;

    private SafeTensorsReader(Stream stream, bool leaveOpen, string displayName, long dataStart, long dataLength, SafeTensorInfo[] tensors, Dictionary<string, string> metadata)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _dataStart = dataStart;
        _tensors = tensors;
        _tensorsByName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            _tensorsByName.Add(tensor.Name, tensor);
        }

        Path = displayName;
        DataLength = dataLength;
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
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
            if (length < HeaderSizeLength)
            {
                throw new WeightsFileException($"the file has {length} bytes, too few for the 8-byte header size that starts a safetensors file", displayName);
            }

            Span<byte> sizeBytes = stackalloc byte[HeaderSizeLength];
            stream.ReadExactly(sizeBytes);
            ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(sizeBytes);
            if (headerSize > (ulong)maxHeaderBytes)
            {
                throw new WeightsFileException($"the header size is {headerSize} bytes, more than the limit of {maxHeaderBytes}", displayName);
            }

            if (headerSize > (ulong)(length - HeaderSizeLength))
            {
                throw new WeightsFileException(
                    $"the header size is {headerSize} bytes but only {length - HeaderSizeLength} bytes follow the 8-byte size; the file is truncated or not safetensors",
                    displayName);
            }

            var header = new byte[headerSize];
            stream.ReadExactly(header);
            long dataLength = length - HeaderSizeLength - (long)headerSize;
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = HeaderParser.Parse(header, dataLength, displayName, metadata);
            CheckCoverage(tensors, dataLength, displayName);
            var reader = new SafeTensorsReader(stream, leaveOpen, displayName, start + HeaderSizeLength + (long)headerSize, dataLength, tensors, metadata);
            handedOver = true;
            return reader;
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

    // Sorted by offset, each tensor must start exactly where the previous one ended: the format forbids both overlaps
    // (two tensors aliasing bytes) and holes (bytes that belong to nothing, a sign of a damaged or doctored file).
    private static void CheckCoverage(SafeTensorInfo[] tensors, long dataLength, string displayName)
    {
        var ordered = (SafeTensorInfo[])tensors.Clone();
        Array.Sort(ordered, (a, b) =>
        {
            int byBegin = a.DataBegin.CompareTo(b.DataBegin);
            return byBegin != 0 ? byBegin : a.DataEnd != b.DataEnd ? a.DataEnd.CompareTo(b.DataEnd) : string.CompareOrdinal(a.Name, b.Name);
        });
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (var tensor in ordered)
        {
            if (tensor.DataBegin < covered)
            {
                throw new WeightsFileException(
                    $"data_offsets [{tensor.DataBegin}, {tensor.DataEnd}] overlap tensor '{previous!.Name}' at [{previous.DataBegin}, {previous.DataEnd}]",
                    displayName, tensor.Name);
            }

            if (tensor.DataBegin > covered)
            {
                throw new WeightsFileException(
                    $"data_offsets [{tensor.DataBegin}, {tensor.DataEnd}] leave a hole: buffer bytes [{covered}, {tensor.DataBegin}) belong to no tensor",
                    displayName, tensor.Name);
            }

            covered = tensor.DataEnd;
            previous = tensor;
        }

        if (covered != dataLength)
        {
            throw new WeightsFileException(
                $"the tensors cover {covered} bytes of the {dataLength}-byte data buffer; bytes [{covered}, {dataLength}) belong to no tensor",
                displayName);
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

    /// <summary>Parses and validates the JSON header with a forward-only reader, which, unlike JsonDocument, sees duplicate names.</summary>
    private static class HeaderParser
    {
        public static SafeTensorInfo[] Parse(byte[] header, long dataLength, string displayName, Dictionary<string, string> metadata)
        {
            if (!Utf8.IsValid(header))
            {
                throw new WeightsFileException("the header is not valid UTF-8", displayName);
            }

            if (header.Length == 0 || header[0] != (byte)'{')
            {
                throw new WeightsFileException("the header must be a JSON object, starting with '{'", displayName);
            }

            var tensors = new List<SafeTensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var json = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            try
            {
                json.Read();
                while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                {
                    string name = json.GetString()!;
                    if (!names.Add(name))
                    {
                        throw new WeightsFileException("the header names this tensor more than once", displayName, name);
                    }

                    json.Read();
                    if (name == MetadataKey)
                    {
                        ReadMetadata(ref json, displayName, metadata);
                    }
                    else
                    {
                        tensors.Add(ReadTensor(ref json, name, dataLength, displayName));
                    }
                }

                // Anything but the trailing spaces writers pad with makes Read throw.
                json.Read();
            }
            catch (JsonException e)
            {
                throw new WeightsFileException($"the header is not valid JSON: {e.Message}", displayName, innerException: e);
            }

            return tensors.ToArray();
        }

        private static void ReadMetadata(ref Utf8JsonReader json, string displayName, Dictionary<string, string> metadata)
        {
            if (json.TokenType == JsonTokenType.Null)
            {
                return;
            }

            if (json.TokenType != JsonTokenType.StartObject)
            {
                throw new WeightsFileException($"{MetadataKey} must be an object of strings, but it is {Describe(json.TokenType)}", displayName);
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                string key = json.GetString()!;
                json.Read();
                if (json.TokenType != JsonTokenType.String)
                {
                    throw new WeightsFileException($"{MetadataKey} entry '{key}' must be a string, but it is {Describe(json.TokenType)}", displayName);
                }

                if (!metadata.TryAdd(key, json.GetString()!))
                {
                    throw new WeightsFileException($"{MetadataKey} has the key '{key}' more than once", displayName);
                }
            }
        }

        private static SafeTensorInfo ReadTensor(ref Utf8JsonReader json, string name, long dataLength, string displayName)
        {
            if (json.TokenType != JsonTokenType.StartObject)
            {
                throw Error($"the entry must be an object with dtype, shape and data_offsets, but it is {Describe(json.TokenType)}");
            }

            string? dtype = null;
            long[]? shape = null;
            long[]? offsets = null;
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                string key = json.GetString()!;
                json.Read();
                switch (key)
                {
                    case "dtype" when dtype is null:
                        dtype = json.TokenType == JsonTokenType.String
                            ? json.GetString()!
                            : throw Error($"dtype must be a string, but it is {Describe(json.TokenType)}");
                        break;
                    case "shape" when shape is null:
                        shape = ReadIntegers(ref json, "shape");
                        break;
                    case "data_offsets" when offsets is null:
                        offsets = ReadIntegers(ref json, "data_offsets");
                        break;
                    case "dtype" or "shape" or "data_offsets":
                        throw Error($"the entry has '{key}' more than once");
                    default:
                        throw Error($"unexpected key '{key}'; a tensor entry has only dtype, shape and data_offsets");
                }
            }

            if (dtype is null || shape is null || offsets is null)
            {
                string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
                throw Error($"the entry has no {missing}");
            }

            if (!SafeTensorDataTypes.TryParse(dtype, out var dataType))
            {
                throw Error($"unknown dtype '{dtype}'");
            }

            if (offsets.Length != 2)
            {
                throw Error($"data_offsets must hold two numbers, [begin, end], but it holds {offsets.Length}");
            }

            long elements = 1;
            foreach (long dimension in shape)
            {
                Int128 product = (Int128)elements * dimension;
                if (product > long.MaxValue)
                {
                    throw Error($"the shape {SafeTensorInfo.FormatShape(shape)} has more elements than a 64-bit count holds");
                }

                elements = (long)product;
            }

            Int128 byteLength = (Int128)elements * SafeTensorDataTypes.SizeOf(dataType);
            (long begin, long end) = (offsets[0], offsets[1]);
            if (begin > end)
            {
                throw Error($"data_offsets [{begin}, {end}] end before they begin");
            }

            if (end > dataLength)
            {
                throw Error($"data_offsets [{begin}, {end}] reach past the end of the {dataLength}-byte data buffer");
            }

            if (end - begin != byteLength)
            {
                throw Error($"shape {SafeTensorInfo.FormatShape(shape)} of {dtype} needs {byteLength} bytes, but data_offsets [{begin}, {end}] span {end - begin}");
            }

            return new SafeTensorInfo(name, dataType, shape, elements, begin, end);

            WeightsFileException Error(string problem) => new(problem, displayName, name);

            long[] ReadIntegers(ref Utf8JsonReader json, string key)
            {
                if (json.TokenType != JsonTokenType.StartArray)
                {
                    throw Error($"{key} must be an array of non-negative integers, but it is {Describe(json.TokenType)}");
                }

                var values = new List<long>();
                while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                {
                    if (json.TokenType != JsonTokenType.Number || !json.TryGetInt64(out long value) || value < 0)
                    {
                        throw Error($"{key} must be an array of non-negative integers, but it holds {Describe(json.TokenType)} '{Encoding.UTF8.GetString(json.ValueSpan)}'");
                    }

                    values.Add(value);
                }

                return values.ToArray();
            }
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };
    }
}
