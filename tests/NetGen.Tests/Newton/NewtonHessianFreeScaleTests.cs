using System;
using System.Linq;
using NetGen.Data;
using NetGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Newton;

/// <summary>Hessian-free steps on a network of about 100k parameters: no P × P storage anywhere.</summary>
public sealed class NewtonHessianFreeScaleTests(ITestOutputHelper output)
{
    private const int Samples = 32;

    private static Dataset<float> RandomClassification()
    {
        var random = new SeededRandom(2024);
        var features = new float[Samples * 784];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble();
        }

        var targets = new float[Samples * 10];
        for (int s = 0; s < Samples; s++)
        {
            targets[(s * 10) + random.NextInt32(10)] = 1f;
        }

        return new Dataset<float>(features, targets, 784, 10);
    }

    [Fact]
    public void A78412810NetworkTakesHessianFreeStepsThatLowerTheLossWithMemoryLinearInP()
    {
        var data = RandomClassification();
        var network = new MnistSizedNet();
        const int p = MnistSizedNet.ParameterCount;
        Assert.Equal(101_770, p);
        var options = new TrainerOptions
        {
            Optimizer = new NewtonOptimizer { MaxConjugateGradientIterations = 8 },
            BatchSize = Samples,
            Epochs = 5,
            Seed = 9,
            Initialization = WeightInitialization.HeNormal,
            EvaluateTrainingAccuracy = false,
        };

        long before = GC.GetAllocatedBytesForCurrentThread();
        var trainer = new Trainer<float>(network, options);
        var result = trainer.Fit(data);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Auto chose Hessian-free: P is far above the dense threshold.
        Assert.False(new NewtonOptimizer().UsesDenseSolver(p));
        // The default λ₀ = 1e-3 is small for this problem's scale: the first trials overshoot and are rejected while λ
        // rises, then the steps are accepted and the loss falls quickly.
        var epochs = result.History.Epochs;
        double first = epochs[0].TrainingLoss;
        output.WriteLine($"losses {string.Join(" ", epochs.Select(e => e.TrainingLoss))} → {result.FinalMetrics.TrainingLoss}; rejected {string.Join(" ", epochs.Select(e => e.RejectedSteps))}; allocated {allocated:N0} bytes = {allocated / (double)(p * sizeof(float)):F1} × P·sizeof(float)");
        Assert.Equal(5, result.TotalSteps);
        Assert.True(epochs.Sum(e => e.RejectedSteps) < 5);
        Assert.True(result.FinalMetrics.TrainingLoss < 0.5 * first, $"{first} → {result.FinalMetrics.TrainingLoss}");

        // Everything the trainer and optimizer allocated (parameter-sized buffers, workspace, history) is a small
        // multiple of P values; a single P × P matrix of floats would be 41 GB.
        Assert.True(allocated < 32L * p * sizeof(float), $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void TheStateOfAHessianFreeOptimizerIsLinearInP()
    {
        const int p = MnistSizedNet.ParameterCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var state = new NewtonOptimizer().CreateNewtonState<float>(MnistSizedNet.Spec);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.False(state.IsDense);

        // 5 double vectors and 3 float vectors, plus object headers.
        Assert.InRange(allocated, (5L * sizeof(double) + 3L * sizeof(float)) * p, ((5L * sizeof(double) + 3L * sizeof(float)) * p) + 4096);
    }
}
