using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace NetGen.DataIO.Tests;

/// <summary>A temporary folder for one test class's files, deleted afterwards.</summary>
public sealed class TemporaryFolder : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("netgen-dataio-");

    public string Path => _folder.FullName;

    public string File(string name) => System.IO.Path.Combine(_folder.FullName, name);

    public string Write(string name, byte[] content)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    public string WriteText(string name, string content) => Write(name, Encoding.UTF8.GetBytes(content));

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>The real data sets copied next to the tests, with their provenance in Data/README.md.</summary>
public static class RealData
{
    public static string Digits => Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz");

    public static string Iris => Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv");

    public static readonly string[] IrisClassNames = ["setosa", "versicolor", "virginica"];
}

/// <summary>Builds file contents byte by byte, independently of the code under test.</summary>
public static class Bytes
{
    public static byte[] Gzip(byte[] content, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static byte[] Concat(params byte[][] parts)
    {
        using var output = new MemoryStream();
        foreach (var part in parts)
        {
            output.Write(part);
        }

        return output.ToArray();
    }

    /// <summary>An IDX header: 00 00, the type byte, the dimension count, then big-endian int32 dimensions.</summary>
    public static byte[] IdxHeader(byte type, params int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = type;
        header[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        }

        return header;
    }

    public static byte[] Idx(byte type, int[] dimensions, byte[] data) => Concat(IdxHeader(type, dimensions), data);

    /// <summary>A safetensors file: the 8-byte little-endian size (the real one unless overridden), the header, the data.</summary>
    public static byte[] SafeTensors(string headerJson, byte[] data, ulong? declaredHeaderSize = null) =>
        SafeTensors(Encoding.UTF8.GetBytes(headerJson), data, declaredHeaderSize);

    public static byte[] SafeTensors(byte[] header, byte[] data, ulong? declaredHeaderSize = null)
    {
        var size = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, declaredHeaderSize ?? (ulong)header.Length);
        return Concat(size, header, data);
    }

    public static string TensorEntry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] F64(params double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] F16(params double[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
        }

        return bytes;
    }

    /// <summary>bfloat16: the upper 16 bits of each float32 (the values must be exactly representable).</summary>
    public static byte[] BF16(params float[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int bits = BitConverter.SingleToInt32Bits(values[i]);
            if ((bits & 0xFFFF) != 0)
            {
                throw new ArgumentException($"{values[i]} is not exactly representable in bfloat16.");
            }

            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)(bits >>> 16));
        }

        return bytes;
    }

    // What safetensors.torch.save_file(model.state_dict()) writes for nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)):
    // module-indexed names, format pt, no NetGen metadata.
    public static byte[] PyTorchFile(string dtype, float[] w1, float[] b1, float[] w2, float[] b2)
    {
        Func<float[], byte[]> encode = dtype switch
        {
            "F32" => F32,
            "F64" => values => F64(values.Select(v => (double)v).ToArray()),
            "F16" => values => F16(values.Select(v => (double)v).ToArray()),
            _ => BF16,
        };
        byte[][] parts = [encode(w1), encode(b1), encode(w2), encode(b2)];
        long[] ends = new long[4];
        for (int i = 0; i < 4; i++)
        {
            ends[i] = (i == 0 ? 0 : ends[i - 1]) + parts[i].Length;
        }

        string header = "{\"__metadata__\":{\"format\":\"pt\"},"
            + TensorEntry("0.weight", dtype, "[3,2]", 0, ends[0]) + "," + TensorEntry("0.bias", dtype, "[3]", ends[0], ends[1]) + ","
            + TensorEntry("2.weight", dtype, "[1,3]", ends[1], ends[2]) + "," + TensorEntry("2.bias", dtype, "[1]", ends[2], ends[3]) + "}";
        return SafeTensors(header.PadRight((header.Length + 7) / 8 * 8), Concat(parts));
    }
}
