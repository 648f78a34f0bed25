using System;
using System.Collections.Generic;
using CsCheck;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// The damaged models the fuzz tests feed to the ONNX reader: prefixes, random byte changes and hostile lengths written
/// over real models. Linked into the generator's tests, which feed the same damage through <c>[Network(Onnx = "…")]</c>.
/// Case i of a run always comes from the same seed, so a run is reproducible and a larger <see cref="Scale"/> checks the
/// default cases and more.
/// </summary>
internal static class OnnxDamage
{
    /// <summary>The corpus models damaged: small ones covering opsets 9 to 21, typed and raw data, folding and reshapes.</summary>
    public static readonly string[] BaseModels = ["relu_softmax_op9", "gelu_op16", "typed_constants_dropout_op21", "view_reshape_op11", "batchnorm_dropout_op13", "f16_bf16_f64_cast_op13", "image_flatten_normalize_op12"];

    /// <summary>Lengths a hostile file writes where a varint length or count stands.</summary>
    public static readonly ulong[] HostileLengths = [0x7F, 0x80, 0x3FFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1UL << 40, 1UL << 62, ulong.MaxValue];

    /// <summary><c>NETGEN_FUZZ_SCALE</c>, an integer (default 1): how many times the default number of random cases to run.</summary>
    public static int Scale => int.TryParse(Environment.GetEnvironmentVariable("NETGEN_FUZZ_SCALE"), out int scale) && scale > 0 ? scale : 1;

    /// <summary>One to eight bytes of model <c>Model</c> (an index) set to random values, at positions taken modulo its length.</summary>
    public static Gen<(int Model, (int At, byte Value)[] Changes)> ByteChanges(int modelCount) =>
        Gen.Select(Gen.Int[0, modelCount - 1], Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 8]);

    public static byte[] WithChanges(byte[] model, (int At, byte Value)[] changes)
    {
        var bytes = (byte[])model.Clone();
        foreach (var (at, value) in changes)
        {
            bytes[at % bytes.Length] = value;
        }

        return bytes;
    }

    /// <summary>A hostile length (an index into <see cref="HostileLengths"/>) written over or inserted at a position of a model.</summary>
    public static Gen<(int Model, int Position, int Length, bool Insert)> HostileLength(int modelCount) =>
        Gen.Select(Gen.Int[0, modelCount - 1], Gen.Int[0, int.MaxValue], Gen.Int[0, HostileLengths.Length - 1], Gen.Bool);

    public static byte[] WithHostileLength(byte[] model, int position, int length, bool insert)
    {
        int at = position % model.Length;
        var varint = Varint(HostileLengths[length]);
        return insert
            ? [.. model[..at], .. varint, .. model[at..]]
            : [.. model[..at], .. varint, .. model[Math.Min(model.Length, at + varint.Length)..]];
    }

    /// <summary>Runs <paramref name="iterations"/> cases of <paramref name="gen"/>, case i from the fixed seed (stream, i).</summary>
    /// <remarks>A failing case is handed to CsCheck again from its seed with room to shrink it, and the smallest failure reported.</remarks>
    public static void Fuzz<T>(Gen<T> gen, Action<T> check, uint stream, int iterations)
    {
        for (ulong i = 0; i < (ulong)iterations; i++)
        {
            string seed = new PCG(stream, i).ToString();
            try
            {
                gen.Sample(check, seed: seed, iter: 1, threads: 1);
            }
            catch (Exception)
            {
                gen.Sample(check, seed: seed, iter: 5000, threads: 1);
                throw;
            }
        }
    }

    /// <summary>The <paramref name="i"/>-th case of <paramref name="gen"/>, from the same seed <see cref="Fuzz"/> gives it.</summary>
    public static T Case<T>(Gen<T> gen, uint stream, ulong i)
    {
        T value = default!;
        gen.Sample(sample => { value = sample; }, seed: new PCG(stream, i).ToString(), iter: 1, threads: 1);
        return value;
    }

    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add(unchecked((byte)(value | 0x80)));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
