using System;
using System.Collections.Generic;
using NetGen;

namespace NetGen.Testing;

/// <summary>One parameter whose analytic derivative disagrees with central finite differences.</summary>
internal readonly record struct GradientMismatch(int Index, double Analytic, double Numeric);

/// <summary>
/// Checks a network's analytic gradient against central finite differences, ∂C/∂w_i ≈ (C(w + εe_i) − C(w − εe_i)) / 2ε,
/// on every parameter. Dropout runs with a fixed mask: each evaluation redraws from a fresh source with the same seed.
/// With sample weights, the loss and gradient checked are those of the weighted mean.
/// </summary>
internal static class GradientChecker
{
    public const double Epsilon = 1e-6;
    public const double AbsoluteTolerance = 1e-5;
    public const double RelativeTolerance = 1e-3;

    public static List<GradientMismatch> Check(ITrainableNetwork<double> network, double[] inputs, double[] targets, ulong? dropoutSeed = null, double[]? sampleWeights = null)
    {
        int batch = inputs.Length / network.Spec.InputSize;
        var workspace = network.CreateWorkspace(batch);
        var analytic = new double[network.Spec.ParameterCount];
        var scratch = new double[network.Spec.ParameterCount];
        double LossAndGradient(double[] gradient) => sampleWeights is null
            ? network.ComputeLossAndGradient(inputs, targets, gradient, workspace, Source(dropoutSeed))
            : network.ComputeLossAndGradient(inputs, targets, sampleWeights, gradient, workspace, Source(dropoutSeed));
        LossAndGradient(analytic);

        var mismatches = new List<GradientMismatch>();
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            double original = parameters[i];
            parameters[i] = original + Epsilon;
            double plus = LossAndGradient(scratch);
            parameters[i] = original - Epsilon;
            double minus = LossAndGradient(scratch);
            parameters[i] = original;
            double numeric = (plus - minus) / (2 * Epsilon);
            if (!(Math.Abs(analytic[i] - numeric) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric)))
            {
                mismatches.Add(new GradientMismatch(i, analytic[i], numeric));
            }
        }

        return mismatches;
    }

    private static SeededRandom? Source(ulong? seed) => seed is { } s ? new SeededRandom(s) : null;
}

/// <summary>Random inputs and loss-appropriate targets for tests.</summary>
internal static class TestData
{
    /// <summary>Seeded sample weights drawn uniformly from [0.1, 3): positive, and far enough from equal to matter.</summary>
    public static double[] RandomWeights(int batch, ulong seed)
    {
        var random = new SeededRandom(seed);
        var weights = new double[batch];
        for (int s = 0; s < batch; s++)
        {
            weights[s] = 0.1 + 2.9 * random.NextDouble();
        }

        return weights;
    }

    public static (double[] Inputs, double[] Targets) Batch(NetworkSpec spec, int batch, ulong seed)
    {
        var random = new SeededRandom(seed);
        var inputs = new double[batch * spec.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = 2 * random.NextDouble() - 1;
        }

        var targets = new double[batch * spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            var row = targets.AsSpan(s * spec.OutputSize, spec.OutputSize);
            switch (spec.Loss)
            {
                case Loss.SoftmaxCrossEntropy:
                    row[random.NextInt32(row.Length)] = 1;
                    break;
                case Loss.BinaryCrossEntropy:
                    for (int j = 0; j < row.Length; j++)
                    {
                        row[j] = random.NextDouble();
                    }

                    break;
                default:
                    for (int j = 0; j < row.Length; j++)
                    {
                        row[j] = 2 * random.NextDouble() - 1;
                    }

                    break;
            }
        }

        return (inputs, targets);
    }

    /// <summary>
    /// Initialises a network and then moves every parameter by a small random amount, so biases are non-zero and no
    /// weighted input sits exactly on a ReLU kink, where finite differences are meaningless.
    /// </summary>
    public static void RandomParameters<T>(INetwork<T> network, ulong seed, WeightInitialization scheme = WeightInitialization.XavierUniform)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        network.InitializeParameters(seed, scheme);
        var random = new SeededRandom(seed ^ 0x5EED);
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] += T.CreateChecked(0.2 * (random.NextDouble() - 0.5));
        }
    }

    public static T[] Convert<T>(double[] values)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = T.CreateChecked(values[i]);
        }

        return result;
    }

    /// <summary>‖a − b‖∞ / max(‖a‖∞, ‖b‖∞, tiny): the normwise relative difference the parity tests bound.</summary>
    public static double RelativeDifference<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Lengths differ: {a.Length} vs {b.Length}.");
        }

        double difference = 0;
        double scale = 1e-300;
        for (int i = 0; i < a.Length; i++)
        {
            double x = double.CreateChecked(a[i]);
            double y = double.CreateChecked(b[i]);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                return double.PositiveInfinity;
            }

            difference = Math.Max(difference, Math.Abs(x - y));
            scale = Math.Max(scale, Math.Max(Math.Abs(x), Math.Abs(y)));
        }

        return difference / scale;
    }
}
