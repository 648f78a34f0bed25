using System;
using System.Runtime.Intrinsics;
using NetGen;

namespace NetGen.Benchmarks;

/// <summary>Seeded inputs, targets and weights shared by every engine of a benchmark.</summary>
internal static class Fixtures
{
    /// <summary>The seed every benchmark network is initialised with (Xavier uniform).</summary>
    public const ulong WeightSeed = 1;

    /// <summary>The sum of <paramref name="values"/> with four Vector256 accumulators: reads every byte once, as fast as loads go.</summary>
    public static float ReadAll(ReadOnlySpan<float> values)
    {
        ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i + 32 <= values.Length; i += 32)
        {
            s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
            s1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
            s2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16));
            s3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
        }

        float sum = Vector256.Sum(s0 + s1 + s2 + s3);
        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    /// <summary>Uniform values in [0, 1), like scaled pixels.</summary>
    public static float[] Uniform(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return values;
    }

    /// <summary>
    /// Targets for <paramref name="batch"/> samples of <paramref name="spec"/>: one-hot classes for softmax outputs, 0/1
    /// for a sigmoid output, uniform values otherwise; <paramref name="labels"/> gets the class (or 0/1) of each sample.
    /// </summary>
    public static float[] Targets(NetworkSpec spec, int batch, ulong seed, out long[] labels)
    {
        var random = new SeededRandom(seed);
        int outputs = spec.OutputSize;
        var targets = new float[batch * outputs];
        labels = new long[batch];
        var activation = spec.Layers[^1].Activation;
        for (int s = 0; s < batch; s++)
        {
            if (activation == Activation.Softmax)
            {
                labels[s] = random.NextInt32(outputs);
                targets[s * outputs + labels[s]] = 1;
            }
            else if (activation == Activation.Sigmoid)
            {
                for (int o = 0; o < outputs; o++)
                {
                    labels[s] = random.NextInt32(2);
                    targets[s * outputs + o] = labels[s];
                }
            }
            else
            {
                for (int o = 0; o < outputs; o++)
                {
                    targets[s * outputs + o] = (float)random.NextDouble();
                }
            }
        }

        return targets;
    }

    /// <summary>The largest absolute difference between two equally long spans.</summary>
    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ: {a.Length} and {b.Length}.");
        }

        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>Throws unless <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static void CheckClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 1e-5f)
    {
        float difference = MaxAbsDifference(expected, actual);
        if (!(difference <= tolerance))
        {
            throw new InvalidOperationException($"{what} differs from NetGen's by {difference:G3} (tolerance {tolerance:G3}): not the same network.");
        }
    }
}
