using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NetGen.IO;

/// <summary>
/// Builds a file in the safetensors format: tensors are laid out contiguously in the order they are added, and the
/// JSON header is padded with spaces to a multiple of 8 bytes so the data buffer starts 8-byte aligned.
/// </summary>
/// <example><code>
/// var writer = new SafeTensorsWriter();
/// writer.AddMetadata("format", "pt");
/// writer.AddTensor("0.weight", weights, 32, 64);
/// writer.Save("model.safetensors");
/// </code></example>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, SafeTensorDataType DataType, long[] Shape, byte[] Data)> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _metadata = [];
    private readonly HashSet<string> _metadataKeys = new(StringComparer.Ordinal);

    /// <summary>The number of tensors added so far.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>Adds a <c>__metadata__</c> entry.</summary>
    /// <param name="key">A key not added before.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The key was already added.</exception>
    public void AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_metadataKeys.Add(key))
        {
            throw new ArgumentException($"The metadata key '{key}' was already added.", nameof(key));
        }

        _metadata.Add(new(key, value));
    }

    /// <summary>Adds a tensor from its raw bytes (copied).</summary>
    /// <param name="name">A non-empty name not added before, other than <c>__metadata__</c>.</param>
    /// <param name="dataType">The element type.</param>
    /// <param name="shape">The dimensions, outermost first; empty for a scalar.</param>
    /// <param name="littleEndianData">The elements in C order, little-endian: product(shape) × element size bytes.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken, a dimension is negative, or the data length does not match.</exception>
    public void AddTensor(string name, SafeTensorDataType dataType, long[] shape, ReadOnlySpan<byte> littleEndianData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name.Length == 0 || name == SafeTensorsReader.MetadataKey)
        {
            throw new ArgumentException($"'{name}' cannot name a tensor.", nameof(name));
        }

        if (_tensorNames.Contains(name))
        {
            throw new ArgumentException($"A tensor named '{name}' was already added.", nameof(name));
        }

        Int128 expected = SafeTensorDataTypes.SizeOf(dataType);
        foreach (long dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            expected *= dimension;
        }

        if (expected != littleEndianData.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of shape {SafeTensorInfo.FormatShape(shape)} and dtype {SafeTensorDataTypes.ToFormatName(dataType)} needs {expected} bytes, not {littleEndianData.Length}.",
                nameof(littleEndianData));
        }

        _tensorNames.Add(name);
        _tensors.Add((name, dataType, (long[])shape.Clone(), littleEndianData.ToArray()));
    }

    /// <summary>Adds a tensor of <see cref="float"/> (F32), <see cref="double"/> (F64) or <see cref="Half"/> (F16) values (copied).</summary>
    /// <typeparam name="T">float, double or Half.</typeparam>
    /// <param name="name">A non-empty name not added before, other than <c>__metadata__</c>.</param>
    /// <param name="values">The elements in C order.</param>
    /// <param name="shape">The dimensions, outermost first; their product must equal the number of values.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> has no safetensors dtype here.</exception>
    /// <exception cref="ArgumentException">The name is invalid or taken, or the shape does not match the values.</exception>
    public void AddTensor<T>(string name, ReadOnlySpan<T> values, params long[] shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dataType = DataTypeOf<T>();
        int size = SafeTensorDataTypes.SizeOf(dataType);
        var bytes = new byte[checked(values.Length * size)];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> element = bytes.AsSpan(i * size, size);
            switch (dataType)
            {
                case SafeTensorDataType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(element, float.CreateChecked(values[i]));
                    break;
                case SafeTensorDataType.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(element, double.CreateChecked(values[i]));
                    break;
                default:
                    BinaryPrimitives.WriteHalfLittleEndian(element, Half.CreateChecked(values[i]));
                    break;
            }
        }

        AddTensor(name, dataType, shape, bytes);
    }

    /// <summary>The dtype <see cref="AddTensor{T}"/> stores <typeparamref name="T"/> as.</summary>
    /// <typeparam name="T">float, double or Half.</typeparam>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is another type.</exception>
    public static SafeTensorDataType DataTypeOf<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? SafeTensorDataType.Float32
        : typeof(T) == typeof(double) ? SafeTensorDataType.Float64
        : typeof(T) == typeof(Half) ? SafeTensorDataType.Float16
        : throw new NotSupportedException($"{typeof(T).Name} has no safetensors dtype here; use float, double or Half.");

    /// <summary>Writes the file's bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">A writable stream (not disposed).</param>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        byte[] header = BuildHeader();
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)header.Length);
        destination.Write(size);
        destination.Write(header);
        foreach (var tensor in _tensors)
        {
            destination.Write(tensor.Data);
        }
    }

    /// <summary>
    /// Writes the file to <paramref name="path"/> atomically: to a temporary file in the same folder, flushed to disk,
    /// then renamed over the target, so a crash never leaves a half-written file behind.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, WriteTo);
    }

    private byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps "→" in a NetGen spec readable; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject(SafeTensorsReader.MetadataKey);
                foreach (var (key, value) in _metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", SafeTensorDataTypes.ToFormatName(tensor.DataType));
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }

            json.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
