using System;
using System.Linq;
using System.Threading;
using NetGen.Training;
using NetGen.Training.Tests;
using Xunit;

namespace NetGen.Tests.Newton;

/// <summary>NewtonOptimizer is just an optimizer on the trainer's API: stopping rules, progress and cancellation apply.</summary>
public sealed class NewtonTrainerTests
{
    private static TrainerOptions Options(int epochs) => new()
    {
        Optimizer = new NewtonOptimizer(),
        BatchSize = NewtonTestSupport.SinePoints,
        Epochs = epochs,
        Seed = 4,
        EvaluateTrainingAccuracy = false,
    };

    [Fact]
    public void EarlyStoppingEndsARunOnceTheValidationLossStopsImprovingAndRestoresTheBestEpoch()
    {
        // Validation points between the training points: once the fit is done the validation loss stalls.
        var train = NewtonTestSupport.Sine();
        var validation = NewtonTestSupport.Sine(points: 40, offset: 1.0 / 40);
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 4);
        var options = new TrainerOptions
        {
            Optimizer = new NewtonOptimizer(), BatchSize = NewtonTestSupport.SinePoints, Epochs = 500, Seed = 4, EvaluateTrainingAccuracy = false,
            EarlyStoppingPatience = 3, EarlyStoppingMinDelta = 1e-7,
        };
        var result = new Trainer<double>(network, options).Fit(train, validation);

        Assert.Equal(StopReason.EarlyStopped, result.StopReason);
        Assert.True(result.EpochsRun < 100, $"{result.EpochsRun} epochs");
        Assert.InRange(result.BestEpoch!.Value, result.EpochsRun - 3, result.EpochsRun);
        Assert.True(result.RestoredBestWeights);
        Assert.Equal(result.BestValidationLoss, result.FinalMetrics.ValidationLoss);
        Assert.True(result.FinalMetrics.ValidationLoss < 1e-3, $"validation loss {result.FinalMetrics.ValidationLoss}");
    }

    [Fact]
    public void NewtonTrainsThroughATwoThreadDataParallelNetworkReproducibly()
    {
        // Newton is not element-wise, so the trainer updates the whole vector after each parallel pass, and its
        // Hessian-vector products run sharded too.
        var data = NewtonTestSupport.Sine();
        (double Loss, double[] Weights) Train(int threads)
        {
            var network = new SineNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 4);
            using var parallel = threads > 1 ? new DataParallelNetwork<double>(network, threads) : null;
            var result = new Trainer<double>(parallel is null ? network : parallel, Options(epochs: 30)).Fit(data);
            return (result.FinalMetrics.TrainingLoss, network.Parameters.ToArray());
        }

        var (oneThread, _) = Train(1);
        var (twoThreads, weights) = Train(2);
        var (again, weightsAgain) = Train(2);
        Assert.Equal(weights, weightsAgain);
        Assert.Equal(twoThreads, again);
        Assert.True(oneThread < 1e-5, $"one thread: loss {oneThread}");
        Assert.True(twoThreads < 1e-5, $"two threads: loss {twoThreads}");
    }

    [Fact]
    public void CancellationStopsAtTheNextBatchBoundary()
    {
        var data = NewtonTestSupport.Sine();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 4);
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(report =>
        {
            if (report.IsEpochEnd && report.Epoch == 2)
            {
                cancellation.Cancel();
            }
        });

        var result = new Trainer<double>(network, Options(epochs: 50)).Fit(data, progress: progress, cancellationToken: cancellation.Token);

        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(2, result.EpochsRun);
        Assert.Equal(2, result.TotalSteps);
        Assert.Equal(2, progress.Reports.Count(report => report.IsEpochEnd));
        Assert.True(result.FinalMetrics.TrainingLoss < result.History.Epochs[0].TrainingLoss);
    }

    [Fact]
    public void TheLearningRateIsIgnored()
    {
        static long[] Train(double rate)
        {
            var network = new SineNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 2);
            var options = new TrainerOptions
            {
                Optimizer = new NewtonOptimizer(), BatchSize = NewtonTestSupport.SinePoints, Epochs = 4, LearningRate = rate, ShuffleEachEpoch = false,
            };
            new Trainer<double>(network, options).Fit(NewtonTestSupport.Sine());
            return NewtonTestSupport.Bits(network.Parameters);
        }

        Assert.Equal(Train(0.01), Train(3.0));
    }

    [Fact]
    public void WithDropoutNewtonModelsTheWholeNetworkSoTheDropoutMasksDoNotMatter()
    {
        static long[] Train(ulong seed)
        {
            var network = new SineDropoutNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 3);
            var options = new TrainerOptions
            {
                Optimizer = new NewtonOptimizer(), BatchSize = NewtonTestSupport.SinePoints, Epochs = 15, Seed = seed, ShuffleEachEpoch = false,
                EvaluateTrainingAccuracy = false,
            };
            var result = new Trainer<double>(network, options).Fit(NewtonTestSupport.Sine());
            Assert.True(result.FinalMetrics.TrainingLoss < 5e-4, $"loss {result.FinalMetrics.TrainingLoss}");
            return NewtonTestSupport.Bits(network.Parameters);
        }

        // Different seeds draw different masks for the training pass, which Newton does not use.
        Assert.Equal(Train(1), Train(2));
    }
}
