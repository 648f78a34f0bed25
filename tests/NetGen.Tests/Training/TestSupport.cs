using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Data;

namespace NetGen.Training.Tests;

/// <summary>Collects reports synchronously on the reporting thread (unlike Progress&lt;T&gt;, which posts them).</summary>
internal sealed class RecordingProgress(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
{
    public List<TrainingProgress> Reports { get; } = [];

    public void Report(TrainingProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}

internal sealed class FakeWorkspace(NetworkSpec spec, int batchCapacity) : NetworkWorkspace(spec, batchCapacity);

/// <summary>
/// A network whose loss and gradient come from a function of (call index, parameters), so optimizer steps can be
/// checked against hand-computed values. Records the parameters it saw at every gradient call.
/// </summary>
internal sealed class FakeNetwork : ITrainableNetwork<double>
{
    private readonly double[] _parameters;
    private readonly Func<int, double[], double[], double> _lossAndGradient;

    /// <param name="spec">The layout.</param>
    /// <param name="lossAndGradient">(call, parameters, gradient to fill) → loss.</param>
    public FakeNetwork(NetworkSpec spec, Func<int, double[], double[], double> lossAndGradient)
    {
        Spec = spec;
        _parameters = new double[spec.ParameterCount];
        _lossAndGradient = lossAndGradient;
    }

    public NetworkSpec Spec { get; }

    public Span<double> Parameters => _parameters;

    public List<double[]> ParametersAtCall { get; } = [];

    public List<int> BatchSizes { get; } = [];

    public List<double[]> BatchInputs { get; } = [];

    /// <summary>The sample weights of every gradient call (empty arrays for unweighted calls).</summary>
    public List<double[]> BatchWeights { get; } = [];

    public void Forward(ReadOnlySpan<double> input, Span<double> output) => output.Clear();

    public NetworkWorkspace CreateWorkspace(int batchCapacity) => new FakeWorkspace(Spec, batchCapacity);

    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, default, gradient, workspace, dropoutRandom);

    // The loss and gradient ignore the data, so weights change nothing but are recorded.
    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
    {
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.SampleWeightSum(sampleWeights, batch);
        BatchWeights.Add(sampleWeights.ToArray());
        BatchSizes.Add(batch);
        BatchInputs.Add(inputs.ToArray());
        ParametersAtCall.Add((double[])_parameters.Clone());
        var buffer = new double[gradient.Length];
        double loss = _lossAndGradient(ParametersAtCall.Count - 1, _parameters, buffer);
        buffer.CopyTo(gradient);
        return loss;
    }

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, NetworkWorkspace workspace) => 0.0;

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, NetworkWorkspace workspace) => 0.0;
}

/// <summary>
/// Linear regression o = w·x + b with loss ½(o − y)², written to allocate nothing, so allocation measurements see only
/// the trainer. Draws one number per sample from the dropout source when given one, as a dropout network would.
/// </summary>
internal sealed class AllocationFreeLinearNetwork : ITrainableNetwork<double>
{
    private readonly double[] _parameters;

    public AllocationFreeLinearNetwork(int inputSize)
    {
        Spec = new NetworkSpec(inputSize, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
        _parameters = new double[Spec.ParameterCount];
    }

    public NetworkSpec Spec { get; }

    public Span<double> Parameters => _parameters;

    public NetworkWorkspace CreateWorkspace(int batchCapacity) => new FakeWorkspace(Spec, batchCapacity);

    public void Forward(ReadOnlySpan<double> input, Span<double> output) => output[0] = Output(input);

    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, default, gradient, workspace, dropoutRandom);

    public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
    {
        double weightSum = NetworkGuard.SampleWeightSum(sampleWeights, targets.Length);
        gradient.Clear();
        int n = Spec.InputSize;
        double loss = 0;
        for (int s = 0; s < targets.Length; s++)
        {
            _ = dropoutRandom?.NextDouble();
            var x = inputs.Slice(s * n, n);
            double weight = sampleWeights.IsEmpty ? 1.0 : sampleWeights[s];
            double error = Output(x) - targets[s];
            loss += weight * 0.5 * error * error;
            for (int k = 0; k < n; k++)
            {
                gradient[k] += weight * error * x[k] / weightSum;
            }

            gradient[n] += weight * error / weightSum;
        }

        return loss / weightSum;
    }

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, NetworkWorkspace workspace) =>
        ComputeLoss(inputs, targets, default, workspace);

    public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, NetworkWorkspace workspace)
    {
        double weightSum = NetworkGuard.SampleWeightSum(sampleWeights, targets.Length);
        int n = Spec.InputSize;
        double loss = 0;
        for (int s = 0; s < targets.Length; s++)
        {
            double weight = sampleWeights.IsEmpty ? 1.0 : sampleWeights[s];
            double error = Output(inputs.Slice(s * n, n)) - targets[s];
            loss += weight * 0.5 * error * error;
        }

        return loss / weightSum;
    }

    private double Output(ReadOnlySpan<double> x)
    {
        double sum = _parameters[x.Length];
        for (int k = 0; k < x.Length; k++)
        {
            sum += _parameters[k] * x[k];
        }

        return sum;
    }
}

internal static class TestData
{
    /// <summary>2 → 2 identity → 1 identity: 9 parameters, weights at 0–3 and 6–7, biases at 4–5 and 8.</summary>
    public static NetworkSpec TwoLayerLinearSpec { get; } =
        new(2, [new DenseLayerSpec(2, Activation.Identity), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);

    public static NetworkSpec XorSpec(Activation hidden = Activation.Sigmoid, double hiddenKeep = 1.0) =>
        new(2, [new DenseLayerSpec(4, hidden) { KeepProbability = hiddenKeep }, new DenseLayerSpec(1, Activation.Sigmoid)], Loss.MeanSquaredError, Precision.Double);

    public static Dataset<double> Xor() => new([0, 0, 0, 1, 1, 0, 1, 1], [0, 1, 1, 0], 2, 1);

    /// <summary>Samples whose first feature is the sample's index, so batches show which samples they hold.</summary>
    public static Dataset<double> Indexed(int count, int featureCount = 2, int targetCount = 1)
    {
        var features = new double[count * featureCount];
        for (int i = 0; i < count; i++)
        {
            features[i * featureCount] = i;
        }

        return new Dataset<double>(features, new double[count * targetCount], featureCount, targetCount);
    }

    /// <summary>Seeded uniform features in [−1, 1) and targets from a fixed smooth function of them.</summary>
    public static Dataset<double> Regression(int count, int featureCount, ulong seed)
    {
        var random = new SeededRandom(seed);
        var features = new double[count * featureCount];
        var targets = new double[count];
        for (int i = 0; i < count; i++)
        {
            double sum = 0;
            for (int k = 0; k < featureCount; k++)
            {
                double x = 2 * random.NextDouble() - 1;
                features[i * featureCount + k] = x;
                sum += x * (k + 1);
            }

            targets[i] = Math.Sin(sum);
        }

        return new Dataset<double>(features, targets, featureCount, 1);
    }

    public static long[] Bits(ReadOnlySpan<double> values) => values.ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>Mean squared error (y − a)² over all outputs, with the whole network.</summary>
    public static double MeanSquaredError(INetwork<double> network, Dataset<double> data)
    {
        var output = new double[data.TargetCount];
        double total = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            var y = data.GetTargets(i);
            for (int j = 0; j < output.Length; j++)
            {
                total += (y[j] - output[j]) * (y[j] - output[j]);
            }
        }

        return total / (data.Count * data.TargetCount);
    }
}
