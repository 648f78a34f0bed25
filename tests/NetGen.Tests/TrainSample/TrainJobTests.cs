using System;
using System.IO;
using System.Linq;
using NetGen.IO;
using NetGen.Samples.Train;
using NetGen.Training;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>A temporary folder for a test's output, deleted afterwards.</summary>
public sealed class TrainOutputFolder : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("netgen-train-");

    public string Path => _folder.FullName;

    public string Sub(string name) => System.IO.Path.Combine(_folder.FullName, name);

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>One run of the main job with its default options (only the output folder moved), shared by the tests.</summary>
public sealed class DefaultDigitsRun : IDisposable
{
    public DefaultDigitsRun()
    {
        Options = new TrainJobOptions { OutputDirectory = Folder.Sub("default") };
        Result = TrainJob.Run(Options);
    }

    public TrainOutputFolder Folder { get; } = new();

    public TrainJobOptions Options { get; }

    public TrainJobResult Result { get; }

    public void Dispose() => Folder.Dispose();
}

/// <summary>The main job on the UCI digits embedded in the repository, run in-process.</summary>
public sealed class TrainJobTests(DefaultDigitsRun run) : IClassFixture<DefaultDigitsRun>
{
    private static readonly byte[] PngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void DefaultOptionsTrainTheGeneratedNetworkToAtLeast95PercentTestAccuracy()
    {
        var result = run.Result;
        Assert.IsType<DigitsMlp>(result.Network);
        Assert.Equal(DataSetKind.Digits, result.Settings.DataSet);
        Assert.Equal(EngineKind.Generated, result.Settings.Engine);
        Assert.Equal(TrainJob.DefaultDigitsEpochs, result.Settings.Epochs);

        // The stratified 60/20/20 split of the 1,797 digits.
        Assert.Equal(1797, result.TrainCount + result.ValidationCount + result.TestCount);
        Assert.InRange(result.TestCount, 355, 365);
        Assert.True(result.TestAccuracy >= 0.95, $"test accuracy {result.TestAccuracy}");
        Assert.Equal(result.Training.EpochsRun, result.History.Epochs.Count);
        Assert.All(result.History.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
    }

    [Fact]
    public void TheWeightsFileReloadsBitwiseIntoAFreshNetworkWithTheSameTestAccuracy()
    {
        var result = run.Result;
        var fresh = new DigitsMlp();
        WeightsFile.Load(fresh, result.Files.Weights);
        Assert.Equal(Bits(result.Network.Parameters), Bits(fresh.Parameters));

        // The test split, rebuilt from the same options, classified by the reloaded network alone.
        var test = TrainJob.LoadData(run.Options).Test;
        Assert.Equal(result.TestCount, test.Count);
        var output = new float[DigitsMlp.OutputSize];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            fresh.Forward(test.GetFeatures(i), output);
            correct += Data.OneHot.ArgMax<float>(output) == test.Labels[i] ? 1 : 0;
        }

        Assert.Equal(result.TestAccuracy, correct / (double)test.Count);
    }

    [Fact]
    public void ThePlotsAndCsvFilesExistAndAreWellFormed()
    {
        var files = run.Result.Files;
        Assert.All(files.All, path => Assert.StartsWith(run.Folder.Path, path, StringComparison.Ordinal));
        foreach (string png in new[] { files.TrainingPlot, files.GradientPlot })
        {
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 10_000, $"{png} has {bytes.Length} bytes");
            Assert.Equal(PngMagic, bytes.Take(8).ToArray());
        }

        // The confusion matrix of the test split: a heat map with a cell of 44 pixels or more per class.
        var (width, height, _) = PlotTests.DecodePng(File.ReadAllBytes(files.ConfusionPlot));
        Assert.True(width > 10 * 44 && height > 10 * 44, $"{width}×{height}");

        string[] history = File.ReadAllLines(files.History);
        Assert.StartsWith("epoch,steps,training_loss,", history[0], StringComparison.Ordinal);
        Assert.EndsWith("grad_norm_layer1,grad_norm_layer2,grad_norm_layer3", history[0], StringComparison.Ordinal);
        Assert.Equal(run.Result.History.Epochs.Count + 1, history.Length);
        Assert.Equal(run.Result.History.ToCsv(), File.ReadAllText(files.History));

        string[] scaling = File.ReadAllLines(files.Scaling);
        Assert.Equal("feature,mean,standard_deviation", scaling[0]);
        Assert.Equal(DigitsMlp.InputSize + 1, scaling.Length);
    }

    [Fact]
    public void TheWeightsFileCarriesTheStandardisationSoRawTestImagesClassifyAsInTraining()
    {
        var result = run.Result;
        var model = Predictor<float>.Load(new DigitsMlp(), result.Files.Weights);
        var raw = TrainJob.LoadRawDigitsSplit(run.Options).Test;
        var prepared = TrainJob.LoadData(run.Options);
        var standardizer = Assert.IsType<Data.Standardizer<float>>(model.Scaler);
        Assert.Equal(prepared.Scaler.Means.ToArray(), standardizer.Means.ToArray());
        Assert.Equal(prepared.Scaler.StandardDeviations.ToArray(), standardizer.StandardDeviations.ToArray());
        Assert.Equal(result.TestAccuracy, model.EvaluateClassification(raw).Accuracy);
    }

    [Fact]
    public void TheTestReportAgreesWithTheTestAccuracyAndIsPrinted()
    {
        var report = run.Result.TestReport;
        Assert.Equal(run.Result.TestCount, report.Count);
        Assert.Equal(run.Result.TestAccuracy, report.Accuracy);
        Assert.Equal(10, report.Classes.Count);
        // The same cross-entropy, except that the log-loss clips probabilities at float's machine epsilon (as
        // scikit-learn does), which caps what a confidently wrong image costs.
        Assert.InRange(report.LogLoss!.Value, run.Result.TestLoss - 0.01, run.Result.TestLoss);
        Assert.True(report.MacroAverage.F1 > 0.95, $"macro F1 {report.MacroAverage.F1}");
    }

    [Fact]
    public void TheSameSeedGivesABitwiseIdenticalWeightsFile()
    {
        using var folder = new TrainOutputFolder();
        var again = TrainJob.Run(run.Options with { OutputDirectory = folder.Path });
        Assert.Equal(File.ReadAllBytes(run.Result.Files.Weights), File.ReadAllBytes(again.Files.Weights));
        Assert.Equal(run.Result.TestAccuracy, again.TestAccuracy);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeights()
    {
        using var folder = new TrainOutputFolder();
        var one = TrainJob.Run(new TrainJobOptions { Epochs = 2, Seed = 1, OutputDirectory = folder.Sub("1") });
        var two = TrainJob.Run(new TrainJobOptions { Epochs = 2, Seed = 2, OutputDirectory = folder.Sub("2") });
        Assert.NotEqual(File.ReadAllBytes(one.Files.Weights), File.ReadAllBytes(two.Files.Weights));
    }

    [Fact]
    public void TheInterpretedEngineTrainsTheSameNetworkFromTheSameStartAndData()
    {
        using var folder = new TrainOutputFolder();
        var options = new TrainJobOptions { Epochs = 5, Optimizer = OptimizerKind.Momentum, L2 = 0.01, Patience = 3, OutputDirectory = folder.Sub("g") };
        var generated = TrainJob.Run(options);
        var interpreted = TrainJob.Run(options with { Engine = EngineKind.Interpreted, OutputDirectory = folder.Sub("i") });
        Assert.IsType<InterpretedNetwork<float>>(interpreted.Network);
        Assert.Equal(DigitsMlp.Spec, interpreted.Network.Spec);

        // The two engines agree to float rounding, so the runs stay close epoch by epoch.
        Assert.Equal(generated.History.Epochs.Count, interpreted.History.Epochs.Count);
        for (int e = 0; e < generated.History.Epochs.Count; e++)
        {
            Assert.Equal(generated.History.Epochs[e].ValidationLoss!.Value, interpreted.History.Epochs[e].ValidationLoss!.Value, 3);
        }

        Assert.InRange(interpreted.TestAccuracy, generated.TestAccuracy - 0.01, generated.TestAccuracy + 0.01);

        // Its weights file has the generated network's layout.
        var reloaded = new DigitsMlp();
        WeightsFile.Load(reloaded, interpreted.Files.Weights);
        Assert.Equal(Bits(interpreted.Network.Parameters), Bits(reloaded.Parameters));
    }

    [Fact]
    public void EarlyStoppingStopsBeforeTheEpochLimitAndKeepsTheBestEpoch()
    {
        using var folder = new TrainOutputFolder();
        // A rate this high makes the validation loss wander, so patience 1 ends the run early.
        var result = TrainJob.Run(new TrainJobOptions { Epochs = 200, Patience = 1, LearningRate = 0.01, OutputDirectory = folder.Path });
        Assert.Equal(StopReason.EarlyStopped, result.Training.StopReason);
        Assert.True(result.Training.EpochsRun < 200);
        Assert.Equal(result.Training.EpochsRun - 1, result.Training.BestEpoch);
    }

    private static int[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
