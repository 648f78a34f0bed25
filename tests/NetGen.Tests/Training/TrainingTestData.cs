using System;
using NetGen.Data;

namespace NetGen.Training.Tests;

internal static class TrainingTestData
{
    /// <summary>FANN's xor.data: inputs and targets ±1.</summary>
    public static Dataset<T> FannXor<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T one = T.One;
        return new Dataset<T>([-one, -one, -one, one, one, -one, one, one], [-one, one, one, -one], 2, 1);
    }

    /// <summary>Three seeded Gaussian blobs in 4 dimensions, labelled 0–2 (one-hot targets), <paramref name="count"/>
    /// samples, a little overlapping so training does not end in a few epochs.</summary>
    public static Dataset<T> Blobs<T>(int count, ulong seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new SeededRandom(seed);
        var features = new T[count * 4];
        var targets = new T[count * 3];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            labels[i] = label;
            targets[(i * 3) + label] = T.One;
            for (int k = 0; k < 4; k++)
            {
                double center = k == label ? 1.5 : (k == 3 ? -0.5 * label : 0.0);
                features[(i * 4) + k] = T.CreateChecked(center + random.NextGaussian());
            }
        }

        return new Dataset<T>(features, targets, 4, 3, labels, classCount: 3);
    }

    public static long[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}
