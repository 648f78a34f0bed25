using System;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>The learning-rate range test: the schedule, the smoothing, the suggestion rule, restoring the weights.</summary>
public sealed class LearningRateRangeTestTests
{
    private static readonly NetworkSpec RegressionSpec =
        new(2, [new DenseLayerSpec(8, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);

    [Fact]
    public void RatesRiseExponentiallyOverOnePassAndTheWeightsComeBackBitwise()
    {
        // A regression with squared error and a linear output, which large rates drive to divergence.
        var data = TestData.Regression(120, 2, seed: 2);
        var network = new InterpretedNetwork<double>(RegressionSpec);
        NetGen.Testing.TestData.RandomParameters(network, 3);
        var before = network.Parameters.ToArray();
        var trainer = new Trainer<double>(network, new TrainerOptions { Optimizer = new SgdOptimizer(), BatchSize = 4, Seed = 2 });
        var result = trainer.FindLearningRate(data, new LearningRateRangeTestOptions { MinimumRate = 1e-4, MaximumRate = 100 });

        Assert.Equal(CheckpointRuns.Bits<double>(before), CheckpointRuns.Bits<double>(network.Parameters));
        int steps = 30;
        Assert.True(result.Rates.Count <= steps);
        for (int i = 0; i < result.Rates.Count; i++)
        {
            Assert.Equal(1e-4 * Math.Pow(1e6, i / (double)(steps - 1)), result.Rates[i], 12);
        }

        // β = 1 − 5/30 and the bias-corrected moving average.
        double beta = 1 - (5.0 / 30);
        Assert.Equal(beta, result.Smoothing, 15);
        double average = 0;
        for (int i = 0; i < result.Losses.Count; i++)
        {
            average = (beta * average) + ((1 - beta) * result.Losses[i]);
            Assert.Equal(average / (1 - Math.Pow(beta, i + 1)), result.SmoothedLosses[i], 12);
        }

        Assert.True(result.Diverged, "η up to 100 with plain SGD must end in divergence");
        Assert.True(result.LossDecreased);
        Assert.InRange(result.SuggestedRate, 1e-3, 10);

        // The same seed gives the same test, and a Fit afterwards is the Fit the test never happened before.
        var again = trainer.FindLearningRate(data, new LearningRateRangeTestOptions { MinimumRate = 1e-4, MaximumRate = 100 });
        Assert.Equal(result.Losses, again.Losses);
        trainer.Fit(data);
        var fresh = new InterpretedNetwork<double>(RegressionSpec);
        before.CopyTo(fresh.Parameters);
        new Trainer<double>(fresh, new TrainerOptions { Optimizer = new SgdOptimizer(), BatchSize = 4, Seed = 2 }).Fit(data);
        Assert.Equal(CheckpointRuns.Bits<double>(fresh.Parameters), CheckpointRuns.Bits<double>(network.Parameters));
    }

    [Fact]
    public void TheSuggestionIsTheSteepestFallOfTheSmoothedLossAgainstLogEtaBeforeItsMinimum()
    {
        // Rates 1, 10, …, 10⁸ (spacing ln 10). Over the first seven points the smoothed loss is lowest at index 5, and the
        // slopes (in units of 1/ln 10) are: i0 one-sided −0.2; central i1 (5.0 − 9.0)/2 = −2, i2 (3.5 − 8.8)/2 = −2.65,
        // i3 −1.5, i4 −1.25, i5 +0.5. The suggestion is i2. With all nine points the minimum moves to index 7.
        double[] rates = [.. Enumerable.Range(0, 9).Select(i => Math.Pow(10, i))];
        double[] smoothed = [9.0, 8.8, 5.0, 3.5, 2.0, 1.0, 3.0, 0.5, 8.0];
        var result = new LearningRateRangeTestResult(rates, smoothed, smoothed, 0.5, diverged: false);
        Assert.Equal(7, result.LowestLossIndex);
        var capped = new LearningRateRangeTestResult(rates[..7], smoothed[..7], smoothed[..7], 0.5, diverged: true);
        Assert.Equal(5, capped.LowestLossIndex);
        Assert.Equal(1, capped.FirstConsideredIndex);
        Assert.Equal(2, capped.SteepestSmoothedIndex);
        Assert.Equal((3.5 - 8.8) / (2 * Math.Log(10)), capped.SteepestSlope, 14);
        // β = ½ delays the average by β/(1 − β) = 1 step: the suggestion is one step earlier.
        Assert.Equal(1, capped.SuggestedIndex);
        Assert.Equal(10.0, capped.SuggestedRate);
        var lagging = new LearningRateRangeTestResult(rates[..7], smoothed[..7], smoothed[..7], 0.8, diverged: true);
        Assert.Equal((4, 4, 0), (lagging.FirstConsideredIndex, lagging.SteepestSmoothedIndex, lagging.SuggestedIndex));

        var rising = new LearningRateRangeTestResult([1.0, 2.0, 4.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.0, diverged: false);
        Assert.False(rising.LossDecreased);
        Assert.Equal(0, rising.SuggestedIndex);
    }

    [Fact]
    public void OptimizersThatIgnoreTheLearningRateAreRefused()
    {
        var data = TrainingTestData.Blobs<double>(30, seed: 2);
        foreach (Optimizer optimizer in new Optimizer[] { new RpropOptimizer(), new LbfgsOptimizer(), new NewtonOptimizer() })
        {
            var trainer = new Trainer<double>(new SmallClassifier(), new TrainerOptions { Optimizer = optimizer, BatchSize = int.MaxValue });
            var error = Assert.Throws<InvalidOperationException>(() => trainer.FindLearningRate(data));
            Assert.Contains("ignores the learning rate", error.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => new LearningRateRangeTestOptions { MinimumRate = 1, MaximumRate = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new LearningRateRangeTestOptions { Steps = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new LearningRateRangeTestOptions { Smoothing = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new LearningRateRangeTestOptions { DivergenceFactor = 1 }.Validate());
    }

    [Fact]
    public void OnTheDigitsAdamGetsASuggestionThatTrains()
    {
        var all = CsvLoader.Load<float>(System.IO.Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        var split = DatasetSplit.Split(all, 0.6, 0.2, seed: 1, stratify: true);
        var scaler = Standardizer<float>.Fit(split.Train);
        var train = scaler.Transform(split.Train);
        var network = new NetGen.Tests.Networks.DigitsNet();
        var options = new TrainerOptions { Optimizer = new AdamOptimizer(), BatchSize = 32, Seed = 1, Epochs = 5 };
        var result = new Trainer<float>(network, options).FindLearningRate(train, new LearningRateRangeTestOptions { Steps = 100 });
        Assert.True(network.Parameters.ToArray().All(p => p == 0), "the untrained network's zeros are restored");
        Assert.True(result.LossDecreased);
        Assert.InRange(result.SuggestedRate, 1e-5, 1.0);
        var trained = new Trainer<float>(network, options with { LearningRate = result.SuggestedRate }).Fit(train, scaler.Transform(split.Validation));
        Assert.True(trained.FinalMetrics.ValidationAccuracy > 0.9, $"η = {result.SuggestedRate}: {trained.FinalMetrics.ValidationAccuracy}");
    }
}
