using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>Progress reports, history, CSV and accuracy.</summary>
public sealed class TrainerReportingTests
{
    [Fact]
    public void ProgressReportsEveryStepWhenUnthrottledWithSaneValues()
    {
        // 10 samples in batches of 3: 4 steps per epoch, the last of 1 sample.
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var progress = new RecordingProgress();
        var options = new TrainerOptions { Epochs = 3, BatchSize = 3, LearningRate = 0.1, Seed = 4, Initialization = WeightInitialization.XavierUniform, ProgressInterval = TimeSpan.Zero };
        var data = TestData.Regression(10, 2, seed: 8);
        var result = new Trainer<double>(network, options).Fit(data, validation: data, progress);

        Assert.Equal(12, progress.Reports.Count);
        Assert.Equal(Enumerable.Range(1, 12), progress.Reports.Select(r => r.GlobalStep));
        Assert.Equal(Enumerable.Repeat(new[] { 1, 2, 3, 4 }, 3).SelectMany(s => s), progress.Reports.Select(r => r.StepInEpoch));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 4 == 3), progress.Reports.Select(r => r.IsEpochEnd));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 4 + 1), progress.Reports.Select(r => r.Epoch));
        Assert.All(progress.Reports, r =>
        {
            Assert.Equal(3, r.TotalEpochs);
            Assert.Equal(4, r.StepsPerEpoch);
            Assert.True(double.IsFinite(r.TrainingLoss) && r.TrainingLoss > 0);
            Assert.Equal(0.1, r.LearningRate);
            Assert.True(double.IsFinite(r.SamplesPerSecond) && r.SamplesPerSecond >= 0);
            Assert.True(r.Elapsed >= TimeSpan.Zero);
        });
        Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed));

        // No validation result exists before the first epoch ends; afterwards each report carries the latest one.
        Assert.All(progress.Reports.Take(3), r => Assert.Null(r.ValidationLoss));
        var ends = progress.Reports.Where(r => r.IsEpochEnd).ToArray();
        Assert.Equal(result.History.Epochs.Select(e => e.ValidationLoss), ends.Select(r => r.ValidationLoss));
        Assert.Equal(result.History.Epochs.Select(e => e.TrainingLoss), ends.Select(r => r.TrainingLoss));
        Assert.Equal(ends[0].ValidationLoss, progress.Reports[4].ValidationLoss);
    }

    [Fact]
    public void ThrottledProgressAlwaysReportsEachEpochEnd()
    {
        var progress = new RecordingProgress();
        var options = new TrainerOptions { Epochs = 4, BatchSize = 2, ProgressInterval = TimeSpan.FromHours(1), Seed = 1, Initialization = WeightInitialization.XavierUniform };
        new Trainer<double>(new InterpretedNetwork<double>(TestData.XorSpec()), options).Fit(TestData.Regression(20, 2, seed: 2), progress: progress);
        Assert.Equal([1, 2, 3, 4], progress.Reports.Select(r => r.Epoch));
        Assert.All(progress.Reports, r => Assert.True(r.IsEpochEnd && r.StepInEpoch == 10));
    }

    [Fact]
    public void HistoryRecordsEveryEpochAndExportsCsv()
    {
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var options = new TrainerOptions { Epochs = 3, BatchSize = 2, LearningRate = LearningRateSchedule.StepDecay(0.4, 0.5, 1), L2 = 0.1, Seed = 3, Initialization = WeightInitialization.XavierUniform };
        var result = new Trainer<double>(network, options).Fit(TestData.Xor());
        var history = result.History;
        Assert.Equal([1, 2, 3], history.Epochs.Select(e => e.Epoch));
        Assert.Equal([0.4, 0.2, 0.1], history.Epochs.Select(e => e.LearningRate));
        Assert.All(history.Epochs, e =>
        {
            Assert.Equal(2, e.Steps);
            Assert.True(e.TrainingObjective > e.TrainingLoss, "the L2 penalty is part of the objective");
            Assert.NotNull(e.TrainingAccuracy);
            Assert.Null(e.ValidationLoss);
            Assert.Null(e.ValidationAccuracy);
            Assert.Equal(2, e.LayerGradientNorms.Count);
            Assert.Equal(0, e.RejectedSteps);
        });

        string csv = history.ToCsv();
        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("epoch,steps,training_loss,training_objective,training_accuracy,validation_loss,validation_accuracy,learning_rate,rejected_steps,elapsed_seconds,grad_norm_layer1,grad_norm_layer2", lines[0]);
        string[] second = lines[2].Split(',');
        Assert.Equal(12, second.Length);
        Assert.Equal("2", second[0]);
        Assert.Equal(history.Epochs[1].TrainingLoss, double.Parse(second[2], CultureInfo.InvariantCulture));
        Assert.Equal(string.Empty, second[5]);
        Assert.Equal("0.2", second[7]);
        Assert.Equal(history.Epochs[1].LayerGradientNorms[1], double.Parse(second[11], CultureInfo.InvariantCulture));

        string path = Path.Combine(Path.GetTempPath(), $"netgen-history-{Guid.NewGuid():N}.csv");
        try
        {
            history.WriteCsv(path);
            Assert.Equal(csv, File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AccuracyIsReportedForClassificationAndNullForRegression()
    {
        // Three classes, softmax cross-entropy: argmax accuracy on training and validation sets.
        var random = new SeededRandom(12);
        int count = 30;
        var features = new double[count * 2];
        var targets = new double[count * 3];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            features[2 * i] = labels[i] + 0.1 * random.NextGaussian();
            features[2 * i + 1] = -labels[i] + 0.1 * random.NextGaussian();
            targets[3 * i + labels[i]] = 1;
        }

        var classes = new Dataset<double>(features, targets, 2, 3, labels);
        var softmax = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(8, Activation.Tanh), new DenseLayerSpec(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy, Precision.Double));
        var options = new TrainerOptions { Epochs = 200, BatchSize = 10, LearningRate = 0.05, Optimizer = new AdamOptimizer(), Seed = 5, Initialization = WeightInitialization.XavierUniform };
        var result = new Trainer<double>(softmax, options).Fit(classes, classes);
        Assert.Equal(1.0, result.FinalMetrics.TrainingAccuracy);
        Assert.Equal(1.0, result.FinalMetrics.ValidationAccuracy);
        Assert.All(result.History.Epochs, e => Assert.InRange(e.ValidationAccuracy!.Value, 0.0, 1.0));

        // A one-hot MSE set is scored by argmax too; the same spec on real-valued targets is regression.
        var mse = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Sigmoid)], Loss.MeanSquaredError, Precision.Double));
        var oneHot = new Dataset<double>(features, targets, 2, 3);
        var mseTrainer = new Trainer<double>(mse, new TrainerOptions { Epochs = 1, Seed = 1, Initialization = WeightInitialization.XavierUniform });
        Assert.NotNull(mseTrainer.Fit(oneHot).History.Epochs[0].TrainingAccuracy);
        var regression = new Dataset<double>(features, targets.Select(t => 0.3 + 0.2 * t).ToArray(), 2, 3);
        var regressionResult = mseTrainer.Fit(regression, regression);
        Assert.Null(regressionResult.History.Epochs[0].TrainingAccuracy);
        Assert.Null(regressionResult.History.Epochs[0].ValidationAccuracy);
        Assert.Null(regressionResult.FinalMetrics.ValidationAccuracy);
        Assert.NotNull(regressionResult.FinalMetrics.ValidationLoss);

        // A single identity output is never classification; a single sigmoid output on 0/1 targets is thresholded.
        var line = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        Assert.Null(new Trainer<double>(line, new TrainerOptions { Epochs = 1 }).Evaluate(TestData.Xor()).Accuracy);
        var xor = new InterpretedNetwork<double>(TestData.XorSpec());
        Assert.NotNull(new Trainer<double>(xor, new TrainerOptions { Epochs = 1 }).Evaluate(TestData.Xor()).Accuracy);
    }

    [Fact]
    public void TrainingAccuracyCanBeTurnedOff()
    {
        var options = new TrainerOptions { Epochs = 2, EvaluateTrainingAccuracy = false, Seed = 1, Initialization = WeightInitialization.XavierUniform };
        var result = new Trainer<double>(new InterpretedNetwork<double>(TestData.XorSpec()), options).Fit(TestData.Xor());
        Assert.All(result.History.Epochs, e => Assert.Null(e.TrainingAccuracy));
    }

    [Fact]
    public void EvaluateGivesTheMeanLossOverAllSamplesWhateverTheChunking()
    {
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        network.InitializeParameters(3);
        var data = TestData.Regression(10, 2, seed: 6);
        double chunked = new Trainer<double>(network, new TrainerOptions { BatchSize = 3 }).Evaluate(data).Loss;
        double whole = new Trainer<double>(network, new TrainerOptions { BatchSize = 10 }).Evaluate(data).Loss;
        Assert.Equal(whole, chunked, 14);
        Assert.Equal(TestData.MeanSquaredError(network, data) / 2, whole, 14);
    }
}
