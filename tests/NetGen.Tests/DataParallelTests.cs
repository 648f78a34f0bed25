using System;
using NetGen.Data;
using NetGen.Testing;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>Sharded batch passes equal the single-threaded ones up to rounding, deterministically, allocation-free.</summary>
public class DataParallelTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ShardedGradientEqualsTheWholeBatchGradient(int threads)
    {
        var network = new WideCheckNet();
        TestData.RandomParameters(network, seed: 3);
        using var parallel = new DataParallelNetwork<double>(network, threads);
        var (inputs, targets) = TestData.Batch(WideCheckNet.Spec, batch: 11, seed: 4);
        var expected = new double[WideCheckNet.ParameterCount];
        var actual = new double[WideCheckNet.ParameterCount];

        double expectedLoss = network.ComputeLossAndGradient(inputs, targets, expected, network.CreateWorkspace(11));
        double actualLoss = parallel.ComputeLossAndGradient(inputs, targets, actual, parallel.CreateWorkspace(11));

        Assert.Equal(expectedLoss, actualLoss, 1e-13);
        Assert.True(TestData.RelativeDifference<double>(expected, actual) <= 1e-13);
        Assert.Equal(network.ComputeLoss(inputs, targets, network.CreateWorkspace(11)), parallel.ComputeLoss(inputs, targets, parallel.CreateWorkspace(11)), 1e-13);

        var v = CurvatureChecker.RandomVector(WideCheckNet.ParameterCount, seed: 5);
        var hv = new double[WideCheckNet.ParameterCount];
        var parallelHv = new double[WideCheckNet.ParameterCount];
        network.ComputeCurvatureProduct(inputs, targets, v, hv, network.CreateWorkspace(11));
        parallel.ComputeCurvatureProduct(inputs, targets, v, parallelHv, parallel.CreateWorkspace(11));
        Assert.True(TestData.RelativeDifference<double>(hv, parallelHv) <= 1e-13);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    public void ABatchSmallerThanTheThreadCountLeavesShardsEmpty(int batch, int threads)
    {
        // Shard 0 is empty here, so the combined gradient must not start from what was in the caller's span.
        var network = new WideCheckNet();
        TestData.RandomParameters(network, seed: 6);
        using var parallel = new DataParallelNetwork<double>(network, threads);
        var (inputs, targets) = TestData.Batch(WideCheckNet.Spec, batch, seed: 7);
        var expected = new double[WideCheckNet.ParameterCount];
        var actual = new double[WideCheckNet.ParameterCount];
        actual.AsSpan().Fill(double.NaN);

        double expectedLoss = network.ComputeLossAndGradient(inputs, targets, expected, network.CreateWorkspace(batch));
        double actualLoss = parallel.ComputeLossAndGradient(inputs, targets, actual, parallel.CreateWorkspace(batch));

        Assert.Equal(expectedLoss, actualLoss, 1e-13);
        Assert.True(TestData.RelativeDifference<double>(expected, actual) <= 1e-13);
    }

    [Fact]
    public void AGradientOverlappingTheBatchIsRejected()
    {
        // Worker threads read the caller's batch in place while shard 0 writes the caller's gradient.
        var network = new WideCheckNet();
        using var parallel = new DataParallelNetwork<double>(network, 2);
        var workspace = parallel.CreateWorkspace(2);
        var buffer = new double[WideCheckNet.ParameterCount + (2 * WideCheckNet.InputSize)];
        var targets = new double[2 * WideCheckNet.OutputSize];
        var exception = Assert.Throws<ArgumentException>(() => parallel.ComputeLossAndGradient(buffer.AsSpan(0, 2 * WideCheckNet.InputSize), targets, buffer.AsSpan(WideCheckNet.InputSize, WideCheckNet.ParameterCount), workspace));
        Assert.Contains("overlaps", exception.Message, StringComparison.Ordinal);
        var vector = new double[WideCheckNet.ParameterCount];
        Assert.Throws<ArgumentException>(() => parallel.ComputeCurvatureProduct(buffer.AsSpan(0, 2 * WideCheckNet.InputSize), targets, vector, buffer.AsSpan(WideCheckNet.InputSize, WideCheckNet.ParameterCount), workspace));
    }

    [Fact]
    public void DropoutIsReproducibleForASeedAndThreadCount()
    {
        float[] Run()
        {
            var network = new WideFloatNet();
            network.InitializeParameters(seed: 1);
            using var parallel = new DataParallelNetwork<float>(network, 2);
            var (inputs, targets) = TestData.Batch(WideFloatNet.Spec, batch: 16, seed: 2);
            var gradient = new float[WideFloatNet.ParameterCount];
            var random = new SeededRandom(9);
            var workspace = parallel.CreateWorkspace(16);
            parallel.ComputeLossAndGradient(TestData.Convert<float>(inputs), TestData.Convert<float>(targets), gradient, workspace, random);
            parallel.ComputeLossAndGradient(TestData.Convert<float>(inputs), TestData.Convert<float>(targets), gradient, workspace, random);
            return gradient;
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void TrainingWithTwoThreadsIsReproducibleAndLearns()
    {
        byte[] Train()
        {
            var network = new DigitsNet();
            using var parallel = new DataParallelNetwork<float>(network, 2);
            var data = DigitsSubset();
            var trainer = new Trainer<float>(parallel, new TrainerOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.05, Optimizer = new MomentumOptimizer(), Seed = 5, Initialization = WeightInitialization.HeNormal });
            var result = trainer.Fit(data);
            Assert.True(result.FinalMetrics.TrainingAccuracy > 0.8, $"accuracy {result.FinalMetrics.TrainingAccuracy}");
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(network.Parameters).ToArray();
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void ShardedStepsAllocateNothing()
    {
        var network = new DigitsNet();
        network.InitializeParameters(seed: 1);
        using var parallel = new DataParallelNetwork<float>(network, 2);
        var (inputs, targets) = TestData.Batch(DigitsNet.Spec, batch: 32, seed: 2);
        var x = TestData.Convert<float>(inputs);
        var y = TestData.Convert<float>(targets);
        var gradient = new float[DigitsNet.ParameterCount];
        var workspace = parallel.CreateWorkspace(32);
        var random = new SeededRandom(3);
        parallel.ComputeLossAndGradient(x, y, gradient, workspace, random);

        Assert.Equal(0, Allocations.Least(() => parallel.ComputeLossAndGradient(x, y, gradient, workspace, random), repetitions: 200));
    }

    /// <summary>The UCI digits with features scaled to [0, 1].</summary>
    internal static Dataset<float> DigitsSubset()
    {
        var digits = CsvLoader.Load<float>(System.IO.Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        var features = digits.Features.ToArray();
        for (int i = 0; i < features.Length; i++)
        {
            features[i] /= 16f;
        }

        return new Dataset<float>(features, digits.Targets.ToArray(), 64, 10, digits.Labels.ToArray());
    }
}
