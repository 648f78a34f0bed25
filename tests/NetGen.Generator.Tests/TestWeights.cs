using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using NetGen.IO;

namespace NetGen.Generator.Tests;

/// <summary>Builds safetensors files in memory: through the runtime's writer, or byte by byte for malformed ones.</summary>
internal static class TestWeights
{
    public static byte[] Write(Action<SafeTensorsWriter> fill)
    {
        var writer = new SafeTensorsWriter();
        fill(writer);
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>The file <see cref="WeightsFile.Save{T}"/> writes for <paramref name="network"/>, read back into memory.</summary>
    public static byte[] Save<T>(INetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        string folder = Directory.CreateTempSubdirectory("netgen-weights-").FullName;
        try
        {
            string path = Path.Combine(folder, "w.safetensors");
            NetGen.IO.WeightsFile.Save(network, path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A safetensors file from a header written by hand and a data buffer.</summary>
    public static byte[] Raw(string headerJson, byte[] data, ulong? declaredHeaderSize = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderSize ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static string Entry(string name, string dtype, string shape, long begin, long end) =>
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

    /// <summary>Weights for <c>[Input(2)][Dense(1, …)]</c>: 0.weight [1, 2] and 0.bias [1] in F32, and a <c>netgen.scaler</c> entry if given.</summary>
    public static byte[] TwoToOne(float w0 = 0.5f, float w1 = -0.25f, float b = 0.125f, string? scaler = null) => Write(writer =>
    {
        if (scaler is not null)
        {
            writer.AddMetadata(NetGen.IO.WeightsFile.ScalerMetadataKey, scaler);
        }

        writer.AddTensor<float>("0.weight", [w0, w1], 1, 2);
        writer.AddTensor<float>("0.bias", [b], 1);
    });
}
