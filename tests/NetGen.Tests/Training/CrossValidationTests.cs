using System;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>k-fold cross-validation: fold assignment, per-fold metrics and their summary, threads.</summary>
public sealed class CrossValidationTests
{
    private static readonly TrainerOptions Training = new()
    {
        Optimizer = new AdamOptimizer(), LearningRate = 0.02, BatchSize = 16, Epochs = 15, Seed = 3,
    };

    [Fact]
    public void StratifiedFoldsKeepEachClassWithinOneSampleOfItsShare()
    {
        // 10 of class 0, 23 of class 1, 7 of class 2 in 4 folds.
        int[] classes = [.. Enumerable.Repeat(0, 10), .. Enumerable.Repeat(1, 23), .. Enumerable.Repeat(2, 7)];
        var random = new SeededRandom(1);
        random.Shuffle<int>(classes);
        int[] folds = CrossValidation.AssignFolds(classes.Length, 4, seed: 9, classes);
        for (int c = 0; c < 3; c++)
        {
            int total = classes.Count(x => x == c);
            var perFold = Enumerable.Range(0, 4).Select(f => Enumerable.Range(0, classes.Length).Count(i => folds[i] == f && classes[i] == c)).ToArray();
            Assert.Equal(total, perFold.Sum());
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {c}: {string.Join(", ", perFold)}");
        }

        var sizes = Enumerable.Range(0, 4).Select(f => folds.Count(x => x == f)).ToArray();
        Assert.Equal([10, 10, 10, 10], sizes);
        Assert.Equal(folds, CrossValidation.AssignFolds(classes.Length, 4, seed: 9, classes));
        Assert.NotEqual(folds, CrossValidation.AssignFolds(classes.Length, 4, seed: 10, classes));
    }

    [Fact]
    public void PlainFoldsPartitionTheSamplesIntoSizesThatDifferByAtMostOne()
    {
        int[] folds = CrossValidation.AssignFolds(23, 5, seed: 2);
        var sizes = Enumerable.Range(0, 5).Select(f => folds.Count(x => x == f)).OrderBy(x => x).ToArray();
        Assert.Equal([4, 4, 5, 5, 5], sizes);
        Assert.Throws<ArgumentException>(() => CrossValidation.AssignFolds(3, 4, seed: 2));
    }

    [Fact]
    public void EachFoldTrainsAFreshNetworkOnTheOtherFoldsAndIsScoredOnItsOwn()
    {
        var data = TrainingTestData.Blobs<double>(90, seed: 1);
        var result = CrossValidation.Run(() => new SmallClassifier(), data, Training, new CrossValidationOptions { Folds = 3, Seed = 5 });
        Assert.True(result.Stratified);
        Assert.Equal(3, result.Folds.Count);
        var heldOut = result.Folds.SelectMany(f => f.HeldOutSamples).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 90), heldOut);
        foreach (var fold in result.Folds)
        {
            Assert.Equal(30, fold.HeldOutSamples.Count);
            Assert.Equal(60, fold.TrainCount);
            Assert.Equal(15, fold.Training.EpochsRun);
            // The fold's scores are those of its own network on its held-out samples.
            var scored = data.Subset(fold.HeldOutSamples.ToArray());
            var check = new Trainer<double>(fold.Network, Training).Evaluate(scored);
            Assert.Equal(check.Loss, fold.Loss);
            Assert.Equal(check.Accuracy, fold.Accuracy);
            Assert.NotNull(fold.Classification);
            Assert.Equal(fold.Accuracy!.Value, fold.Classification!.Accuracy, 12);
            Assert.Null(fold.Regression);
        }

        // Mean ± sample standard deviation of the folds' values.
        double[] losses = [.. result.Folds.Select(f => f.Loss)];
        double mean = losses.Average();
        double deviation = Math.Sqrt(losses.Sum(l => (l - mean) * (l - mean)) / 2);
        Assert.Equal(mean, result.Loss.Mean, 14);
        Assert.Equal(deviation, result.Loss.StandardDeviation, 14);
        Assert.True(result.Accuracy!.Value.Mean > 0.8, result.ToString());
        Assert.NotNull(result.MacroF1);
        Assert.Contains("3-fold cross-validation, stratified", result.ToString(), StringComparison.Ordinal);
        Assert.Distinct(result.Folds.Select(f => f.Network));
    }

    [Fact]
    public void ThreadsGiveBitwiseTheResultsOfASequentialRun()
    {
        var data = TrainingTestData.Blobs<double>(60, seed: 2);
        var options = Training with { L2 = 1e-3 };
        var sequential = CrossValidation.Run(() => new SmallDropoutClassifier(), data, options, new CrossValidationOptions { Folds = 4, Seed = 1 });
        var parallel = CrossValidation.Run(() => new SmallDropoutClassifier(), data, options, new CrossValidationOptions { Folds = 4, Seed = 1, MaxDegreeOfParallelism = 4 });
        for (int fold = 0; fold < 4; fold++)
        {
            Assert.Equal(CheckpointRuns.Bits<double>(sequential.Folds[fold].Network.Parameters), CheckpointRuns.Bits<double>(parallel.Folds[fold].Network.Parameters));
            Assert.Equal(BitConverter.DoubleToInt64Bits(sequential.Folds[fold].Loss), BitConverter.DoubleToInt64Bits(parallel.Folds[fold].Loss));
        }

        Assert.Equal(sequential.Loss, parallel.Loss);
        Assert.Equal(sequential.Accuracy, parallel.Accuracy);
    }

    [Fact]
    public void AnInnerValidationShareDrivesEarlyStoppingAndTheHeldOutFoldIsOnlyScored()
    {
        var data = TrainingTestData.Blobs<double>(90, seed: 3);
        var options = Training with { Epochs = 200, EarlyStoppingPatience = 3 };
        var error = Assert.Throws<ArgumentException>(() => CrossValidation.Run(() => new SmallClassifier(), data, options, new CrossValidationOptions { Folds = 3 }));
        Assert.Contains("EarlyStoppingPatience", error.Message, StringComparison.Ordinal);

        var result = CrossValidation.Run(() => new SmallClassifier(), data, options, new CrossValidationOptions { Folds = 3, ValidationFraction = 0.25 });
        foreach (var fold in result.Folds)
        {
            Assert.Equal(45, fold.TrainCount);
            Assert.NotNull(fold.Training.BestEpoch);
            Assert.True(fold.Training.EpochsRun < 200);
        }
    }

    [Fact]
    public void RegressionSetsGetPlainFoldsAndRegressionReports()
    {
        var data = TestData.Regression(40, 2, seed: 3);
        var spec = new NetworkSpec(2, [new DenseLayerSpec(6, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
        var result = CrossValidation.Run(() => new InterpretedNetwork<double>(spec), data, Training with { Epochs = 30 }, new CrossValidationOptions { Folds = 4 });
        Assert.False(result.Stratified);
        Assert.Null(result.Accuracy);
        Assert.NotNull(result.R2);
        Assert.All(result.Folds, fold => Assert.NotNull(fold.Regression));
        Assert.Throws<ArgumentException>(() => CrossValidation.Run(() => new InterpretedNetwork<double>(spec), data, Training, new CrossValidationOptions { Folds = 4, Stratify = true }));
    }

    [Fact]
    public void TheFactoryMustMakeANewNetworkOfOneArchitectureForEveryFold()
    {
        var data = TrainingTestData.Blobs<double>(30, seed: 1);
        var shared = new SmallClassifier();
        var same = Assert.Throws<InvalidOperationException>(() => CrossValidation.Run(() => shared, data, Training, new CrossValidationOptions { Folds = 3 }));
        Assert.Contains("same instance for folds 1 and 2", same.Message, StringComparison.Ordinal);
        int call = 0;
        var mixed = Assert.Throws<InvalidOperationException>(() => CrossValidation.Run<double>(
            () => call++ == 0 ? new SmallClassifier() : new SmallDropoutClassifier(), data, Training, new CrossValidationOptions { Folds = 3 }));
        Assert.Contains("for fold 2", mixed.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => CrossValidation.Run<double>(() => null!, data, Training));
        Assert.Contains("takes no checkpoints", Assert.Throws<ArgumentException>(() => CrossValidation.Run(() => new SmallClassifier(), data, Training with { CheckpointPath = "x.ckpt" })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new CrossValidationOptions { Folds = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new CrossValidationOptions { MaxDegreeOfParallelism = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new CrossValidationOptions { ValidationFraction = 1.0 }.Validate());
    }

    [Fact]
    public void ADivergingFoldSurfacesAsTheLowestFailingFoldHoweverManyThreads()
    {
        // A linear output fitted by squared error with η far too large grows without bound until it overflows.
        var data = TestData.Regression(60, 2, seed: 1);
        var spec = new NetworkSpec(2, [new DenseLayerSpec(6, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
        var exploding = Training with { Optimizer = new SgdOptimizer(), LearningRate = 1e3, Epochs = 200 };
        var sequential = Assert.Throws<TrainingDivergedException>(() => CrossValidation.Run(() => new InterpretedNetwork<double>(spec), data, exploding, new CrossValidationOptions { Folds = 3 }));
        var parallel = Assert.Throws<TrainingDivergedException>(() => CrossValidation.Run(() => new InterpretedNetwork<double>(spec), data, exploding, new CrossValidationOptions { Folds = 3, MaxDegreeOfParallelism = 3 }));
        Assert.Equal(sequential.Message, parallel.Message);
    }

    [Fact]
    public void MetricSummaryUsesTheSampleStandardDeviation()
    {
        var summary = MetricSummary.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, summary.Mean);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), summary.StandardDeviation, 15);
        Assert.Equal(0.0, MetricSummary.Of([7.0]).StandardDeviation);
        Assert.Equal("2.5000 ± 1.2910", summary.ToString());
    }
}
