using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>Early stopping, target loss, cancellation and divergence.</summary>
public sealed class TrainerStoppingTests
{
    // o = w·x + b on x = 1, trained towards y = 2 from o = 0: with η = 0.05 the output follows o_k = 2(1 − 0.9^k),
    // while the validation target is 1. The validation loss falls until o passes 1 and rises after: it is lowest at
    // epoch 7 (o₆ = 0.937, o₇ = 1.043, o₈ = 1.139).
    private static readonly NetworkSpec LineSpec = new(1, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
    private static readonly Dataset<double> TowardsTwo = new([1.0], [2.0], 1, 1);
    private static readonly Dataset<double> WantsOne = new([1.0], [1.0], 1, 1);

    private static TrainerOptions LineOptions(int epochs, int? patience = null, double minDelta = 0) => new()
    {
        Epochs = epochs, BatchSize = 1, LearningRate = 0.05, EarlyStoppingPatience = patience, EarlyStoppingMinDelta = minDelta,
    };

    /// <summary>Records the network's parameters at every epoch end.</summary>
    private static RecordingProgress SnapshotEachEpoch(INetwork<double> network, List<double[]> snapshots) =>
        new(report =>
        {
            if (report.IsEpochEnd)
            {
                snapshots.Add(network.Parameters.ToArray());
            }
        });

    [Fact]
    public void EarlyStoppingRestoresTheWeightsOfTheBestValidationEpochExactly()
    {
        var network = new InterpretedNetwork<double>(LineSpec);
        var snapshots = new List<double[]>();
        var result = new Trainer<double>(network, LineOptions(100, patience: 3)).Fit(TowardsTwo, WantsOne, SnapshotEachEpoch(network, snapshots));

        Assert.Equal(StopReason.EarlyStopped, result.StopReason);
        Assert.Equal(7, result.BestEpoch);
        Assert.Equal(10, result.EpochsRun);
        Assert.True(result.RestoredBestWeights);
        Assert.Equal(TestData.Bits(snapshots[6]), TestData.Bits(network.Parameters));
        Assert.Equal(result.History.Epochs[6].ValidationLoss, result.BestValidationLoss);
        Assert.Equal(result.BestValidationLoss, result.FinalMetrics.ValidationLoss);
        var losses = result.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        Assert.Equal(losses.Min(), losses[6]);
        Assert.True(losses[9] > losses[6]);

        // A rerun that simply stops after the best epoch ends with the same bits.
        var rerun = new InterpretedNetwork<double>(LineSpec);
        new Trainer<double>(rerun, LineOptions(7)).Fit(TowardsTwo);
        Assert.Equal(TestData.Bits(rerun.Parameters), TestData.Bits(network.Parameters));
    }

    [Fact]
    public void EarlyStoppingMinDeltaIgnoresSmallImprovements()
    {
        // Each epoch improves the validation loss (0.32, 0.192, 0.105, 0.049 …), but after epoch 2 by less than 0.1,
        // so patience 2 runs out at epoch 4; the restored weights are still those of the lowest loss seen.
        var network = new InterpretedNetwork<double>(LineSpec);
        var result = new Trainer<double>(network, LineOptions(100, patience: 2, minDelta: 0.1)).Fit(TowardsTwo, WantsOne);
        Assert.Equal(StopReason.EarlyStopped, result.StopReason);
        var losses = result.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        Assert.True(losses.Zip(losses.Skip(1)).All(pair => pair.Second < pair.First), "validation loss kept falling");
        Assert.Equal(4, result.EpochsRun);
        Assert.Equal(4, result.BestEpoch);
    }

    [Fact]
    public void WithoutEarlyStoppingTheBestWeightsAreStillRestoredByDefaultButCanBeKeptLast()
    {
        var network = new InterpretedNetwork<double>(LineSpec);
        var result = new Trainer<double>(network, LineOptions(12)).Fit(TowardsTwo, WantsOne);
        Assert.Equal(StopReason.MaxEpochsReached, result.StopReason);
        Assert.Equal(7, result.BestEpoch);
        var rerun = new InterpretedNetwork<double>(LineSpec);
        new Trainer<double>(rerun, LineOptions(7)).Fit(TowardsTwo);
        Assert.Equal(TestData.Bits(rerun.Parameters), TestData.Bits(network.Parameters));

        var noRestore = new InterpretedNetwork<double>(LineSpec);
        var options = new TrainerOptions { Epochs = 12, BatchSize = 1, LearningRate = 0.05, RestoreBestWeights = false };
        var kept = new Trainer<double>(noRestore, options).Fit(TowardsTwo, WantsOne);
        Assert.False(kept.RestoredBestWeights);
        var twelve = new InterpretedNetwork<double>(LineSpec);
        new Trainer<double>(twelve, LineOptions(12)).Fit(TowardsTwo);
        Assert.Equal(TestData.Bits(twelve.Parameters), TestData.Bits(noRestore.Parameters));
    }

    [Fact]
    public void EarlyStoppingNeedsAValidationSet()
    {
        var trainer = new Trainer<double>(new InterpretedNetwork<double>(LineSpec), LineOptions(10, patience: 2));
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(TowardsTwo));
        Assert.Contains("EarlyStoppingPatience", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetLossStopsAtTheFirstEpochWhoseTrainingLossReachesIt()
    {
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var options = new TrainerOptions
        {
            Epochs = 5000, BatchSize = 4, LearningRate = 0.05, Optimizer = new AdamOptimizer(), Seed = 2,
            Initialization = WeightInitialization.XavierUniform, TargetLoss = 0.01,
        };
        var result = new Trainer<double>(network, options).Fit(TestData.Xor());
        Assert.Equal(StopReason.TargetLossReached, result.StopReason);
        Assert.True(result.EpochsRun < 5000);
        Assert.True(result.History.Epochs[^1].TrainingLoss <= 0.01);
        Assert.All(result.History.Epochs.SkipLast(1), e => Assert.True(e.TrainingLoss > 0.01));
    }

    [Fact]
    public void TargetLossMonitorsTheValidationLossWhenThereIsAValidationSet()
    {
        // The validation loss ½(o − 1)² reaches 0.01 once o > 0.859, at epoch 6 (o₆ = 0.937).
        var network = new InterpretedNetwork<double>(LineSpec);
        var options = new TrainerOptions { Epochs = 100, BatchSize = 1, LearningRate = 0.05, TargetLoss = 0.01 };
        var result = new Trainer<double>(network, options).Fit(TowardsTwo, WantsOne);
        Assert.Equal(StopReason.TargetLossReached, result.StopReason);
        Assert.Equal(6, result.EpochsRun);
        Assert.True(result.History.Epochs[^1].ValidationLoss <= 0.01);
        Assert.True(result.History.Epochs[^1].TrainingLoss > 0.01);
    }

    [Fact]
    public void CancellationStopsAtTheNextBatchBoundaryAndReturnsAResult()
    {
        // 12 samples in batches of 4: 3 steps per epoch. Cancelling after global step 5 stops in epoch 2.
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(report =>
        {
            if (report.GlobalStep == 5)
            {
                cancellation.Cancel();
            }
        });
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var trainer = new Trainer<double>(network, new TrainerOptions
        {
            Epochs = 10, BatchSize = 4, Seed = 1, Initialization = WeightInitialization.XavierUniform, ProgressInterval = TimeSpan.Zero,
        });
        var result = trainer.Fit(TestData.Regression(12, 2, seed: 1), progress: progress, cancellationToken: cancellation.Token);
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(5, result.TotalSteps);
        Assert.Equal(1, result.EpochsRun);
        Assert.Single(result.History.Epochs);
        Assert.False(result.RestoredBestWeights);
    }

    [Fact]
    public void CancellationWithAValidationSetReturnsTheBestValidatedWeights()
    {
        using var cancellation = new CancellationTokenSource();
        var snapshots = new List<double[]>();
        var network = new InterpretedNetwork<double>(LineSpec);
        var progress = new RecordingProgress(report =>
        {
            if (report.IsEpochEnd)
            {
                snapshots.Add(network.Parameters.ToArray());
            }

            if (report.Epoch == 3)
            {
                cancellation.Cancel();
            }
        });
        var data = new Dataset<double>([1.0, 1.0], [2.0, 2.0], 1, 1);
        var options = new TrainerOptions { Epochs = 100, BatchSize = 1, LearningRate = 0.05, ProgressInterval = TimeSpan.Zero };
        var result = new Trainer<double>(network, options).Fit(data, WantsOne, progress, cancellation.Token);
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(2, result.EpochsRun); // cancelled at the first step of epoch 3
        Assert.Equal(5, result.TotalSteps);
        Assert.Equal(2, result.BestEpoch);
        Assert.True(result.RestoredBestWeights);
        Assert.Equal(TestData.Bits(snapshots[1]), TestData.Bits(network.Parameters));
    }

    [Fact]
    public void AnAlreadyCancelledTokenRunsNoStepAndKeepsTheWeights()
    {
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        network.InitializeParameters(5);
        var before = TestData.Bits(network.Parameters);
        var result = new Trainer<double>(network, new TrainerOptions()).Fit(TestData.Xor(), cancellationToken: new CancellationToken(canceled: true));
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(0, result.TotalSteps);
        Assert.Empty(result.History.Epochs);
        Assert.Equal(before, TestData.Bits(network.Parameters));
    }

    private static FakeNetwork Diverging(int badCall, Func<double[], double> badLoss, Action<double[]> badGradient) =>
        new(TestData.TwoLayerLinearSpec, (call, _, gradient) =>
        {
            Array.Fill(gradient, 0.1);
            if (call != badCall)
            {
                return 1.0;
            }

            badGradient(gradient);
            return badLoss(gradient);
        });

    [Fact]
    public void ANanGradientThrowsDivergedAndKeepsTheWeightsFromBeforeThatStep()
    {
        // 8 samples in batches of 4: the call with index 2 is epoch 2, step 1, global step 3.
        var network = Diverging(2, _ => 1.0, g => g[5] = double.NaN);
        network.Parameters.Fill(0.5);
        var trainer = new Trainer<double>(network, new TrainerOptions { Epochs = 5, BatchSize = 4, LearningRate = 0.1 });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TestData.Indexed(8)));
        Assert.Equal(NonFiniteQuantity.Gradient, error.Quantity);
        Assert.Equal((2, 1, 3), (error.Epoch, error.StepInEpoch, error.GlobalStep));
        Assert.Single(error.History.Epochs);
        Assert.Equal(TestData.Bits(network.ParametersAtCall[2]), TestData.Bits(network.Parameters));
        Assert.Contains("epoch 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANanLossThrowsDivergedBeforeAnyUpdate()
    {
        var network = Diverging(1, _ => double.NaN, _ => { });
        var trainer = new Trainer<double>(network, new TrainerOptions { Epochs = 5, BatchSize = 4, LearningRate = 0.1 });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TestData.Indexed(8)));
        Assert.Equal(NonFiniteQuantity.Loss, error.Quantity);
        Assert.Equal(TestData.Bits(network.ParametersAtCall[1]), TestData.Bits(network.Parameters));
    }

    [Fact]
    public void AnUpdateThatOverflowsIsRolledBackAndReported()
    {
        // A finite but huge gradient times η = 10 overflows the parameters to infinity.
        var network = Diverging(3, _ => 1.0, g => g[0] = 1e308);
        var trainer = new Trainer<double>(network, new TrainerOptions { Epochs = 5, BatchSize = 4, LearningRate = 10 });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TestData.Indexed(8)));
        Assert.Equal(NonFiniteQuantity.Parameters, error.Quantity);
        Assert.Equal(4, error.GlobalStep);
        Assert.Equal(TestData.Bits(network.ParametersAtCall[3]), TestData.Bits(network.Parameters));
        Assert.True(network.Parameters.ToArray().All(double.IsFinite));
    }

    [Fact]
    public void AHugeLearningRateOnARealNetworkDivergesAndLeavesTheLastFiniteWeights()
    {
        // A linear regression with η = 1e3 overshoots further at every step until the loss overflows.
        var network = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        var snapshots = new List<double[]>();
        var options = new TrainerOptions { Epochs = 10_000, BatchSize = 8, LearningRate = 1e3, Seed = 1, Initialization = WeightInitialization.XavierUniform };
        var error = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer<double>(network, options).Fit(TestData.Regression(8, 2, seed: 9), progress: SnapshotEachEpoch(network, snapshots)));
        Assert.True(network.Parameters.ToArray().All(double.IsFinite));
        Assert.Equal(snapshots.Count, error.History.Epochs.Count);
        Assert.Equal(TestData.Bits(snapshots[^1]), TestData.Bits(network.Parameters));
    }
}
