using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Tabular.Tests;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>
/// <c>netgen train</c> on real data (issue 16, item 8): iris (three classes), iris setosa against the rest and the
/// digits 3 against 8 (two classes: one sigmoid output), iris measurements (regression); what it prints equals what the
/// library computes from the files it wrote.
/// </summary>
public sealed class TrainCommandTests(TrainedModels models) : IClassFixture<TrainedModels>, IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Dataset<float> Iris() => CsvLoader.Load<float>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1 });

    [Fact]
    public void IrisTrainsASoftmaxNetworkWhoseTestReportIsTheLibrarysOnTheSameSplit()
    {
        string printed = models.IrisTrainOutput;
        Assert.Contains("a header line (detected", printed, StringComparison.Ordinal);
        Assert.Contains("3 classes: a softmax output trained on cross-entropy.", printed, StringComparison.Ordinal);
        Assert.Contains("90 training, 30 validation, 30 test rows", printed, StringComparison.Ordinal);

        var spec = ModelReader.Spec(4, Loss.SoftmaxCrossEntropy, new DenseLayerSpec(16, Activation.ReLU), new DenseLayerSpec(3, Activation.Softmax));
        var model = ModelReader.Load(spec, models.IrisWeights);
        var split = ModelReader.DefaultSplit(Iris(), seed: 1, stratify: true);
        // The stored scaler is the standardisation of the training rows, to the bit.
        var stored = Assert.IsType<Standardizer<float>>(model.Scaler);
        var fitted = Standardizer<float>.Fit(split.Train);
        Assert.Equal(fitted.Means.ToArray(), stored.Means.ToArray());
        Assert.Equal(fitted.StandardDeviations.ToArray(), stored.StandardDeviations.ToArray());

        var report = model.EvaluateClassification(split.Test);
        Assert.Contains(report.ToString(), printed, StringComparison.Ordinal);
        Assert.True(report.Accuracy >= 0.9, $"test accuracy {report.Accuracy}");
        Assert.Equal(Math.Round(report.Accuracy, 4), new ToolRun(0, printed, string.Empty).NumberAfter("Test split (30 rows): accuracy "));
    }

    [Fact]
    public void TrainWritesTheWeightsHistoryPlotsAndDeclaration()
    {
        string folder = Path.GetDirectoryName(models.IrisWeights)!;
        Assert.Equal(
            ["IrisNet.cs", "iris-confusion.png", "iris-gradients.png", "iris-history.csv", "iris-training.png", "iris.safetensors"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string png in Directory.GetFiles(folder, "*.png"))
        {
            Assert.Equal(PngSignature, File.ReadAllBytes(png).Take(8));
        }

        string[] history = File.ReadAllLines(Path.Combine(folder, "iris-history.csv"));
        Assert.Equal(61, history.Length);
        using var reader = SafeTensorsReader.Open(models.IrisWeights);
        Assert.Equal("4 → 16 ReLU → 3 Softmax, SoftmaxCrossEntropy", reader.Metadata[WeightsFile.SpecMetadataKey]);
        Assert.Contains(WeightsFile.ScalerMetadataKey, reader.Metadata.Keys);
        string declaration = File.ReadAllText(Path.Combine(folder, "IrisNet.cs"));
        Assert.Contains(declaration, models.IrisTrainOutput, StringComparison.Ordinal);
        Assert.Contains("<AdditionalFiles Include=\"iris.safetensors\" />", models.IrisTrainOutput, StringComparison.Ordinal);
        Assert.Contains("[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = \"iris.safetensors\")]\n[Input(4)]\n[Dense(16, Activation.ReLU)]\n[Dense(3, Activation.Softmax)]\npublic partial class IrisNet;\n", declaration, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoClassesTrainOneSigmoidOutputByDefaultAndATwoWaySoftmaxOnRequest()
    {
        string csv = TabularData.WriteSetosaCsv(_folder);
        var sigmoid = ToolRun.Of("train", csv, "--label-column", "is_setosa", "--task", "classification", "--hidden", "4", "--epochs", "30", "--output", _folder.File("sigmoid")).Succeeded();
        Assert.Contains("Two classes: one sigmoid output, P(class 1), trained on binary cross-entropy", sigmoid.Output, StringComparison.Ordinal);
        Assert.Contains("4 → 4 ReLU → 1 Sigmoid, BinaryCrossEntropy", sigmoid.Output, StringComparison.Ordinal);
        Assert.Contains("ROC AUC", sigmoid.Output, StringComparison.Ordinal);
        Assert.Equal(1.0, sigmoid.NumberAfter("Test split (30 rows): accuracy "));

        var softmax = ToolRun.Of("train", csv, "--label-column", "4", "--task", "classification", "--hidden", "4", "--epochs", "30", "--binary-output", "softmax", "--output", _folder.File("softmax")).Succeeded();
        Assert.Contains("2 classes: a softmax output", softmax.Output, StringComparison.Ordinal);
        Assert.Contains("4 → 4 ReLU → 2 Softmax, SoftmaxCrossEntropy", softmax.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDigits3Against8TrainABinaryClassifierAbove95PercentFromALabelNamedInTheHeader()
    {
        string csv = TabularData.WriteThreeOrEightCsv(_folder);
        var run = ToolRun.Of("train", csv, "--label-column", "is_eight", "--task", "classification", "--hidden", "16", "--activation", "tanh", "--epochs", "30", "--seed", "2", "--output", _folder.File("out")).Succeeded();

        Assert.Contains("label column 65 ('is_eight'), 64 features", run.Output, StringComparison.Ordinal);
        Assert.Contains("0: 183 rows, 1: 174 rows", run.Output, StringComparison.Ordinal);
        var spec = ModelReader.Spec(64, Loss.BinaryCrossEntropy, new DenseLayerSpec(16, Activation.Tanh), new DenseLayerSpec(1, Activation.Sigmoid));
        var model = ModelReader.Load(spec, _folder.File("out/three-or-eight.safetensors"));
        var data = CsvLoader.Load<float>(csv, new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        var report = model.EvaluateClassification(ModelReader.DefaultSplit(data, seed: 2, stratify: true).Test);
        Assert.Contains(report.ToString(), run.Output, StringComparison.Ordinal);
        Assert.True(report.Accuracy >= 0.95, $"test accuracy {report.Accuracy}");
    }

    [Fact]
    public void RegressionWithTheTargetInTheFirstColumnUsesTheOtherColumnsAsFeatures()
    {
        var spec = ModelReader.Spec(3, Loss.MeanSquaredError, new DenseLayerSpec(8, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity));
        var model = ModelReader.Load(spec, models.PetalWeights);
        // The table independently: sepal length is the target, sepal width, petal length and width the features.
        string[] lines = File.ReadAllLines(models.PetalCsv).Skip(1).ToArray();
        var rows = lines.Select(l => l.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var data = new Dataset<float>(rows.SelectMany(r => r.Skip(1)).ToArray(), rows.Select(r => r[0]).ToArray(), 3, 1);
        var report = model.EvaluateRegression(ModelReader.DefaultSplit(data, seed: 1, stratify: false).Test);

        var run = ToolRun.Of("evaluate", models.PetalWeights, models.PetalCsv, "--label-column", "sepal_length").Succeeded();
        Assert.Contains(model.EvaluateRegression(data).ToString(), run.Output, StringComparison.Ordinal);
        Assert.True(report.R2 > 0.7, $"test R² {report.R2}");
    }

    [Fact]
    public void EqualSeedsGiveIdenticalWeightsFilesAndAnotherSeedOtherWeights()
    {
        string[] common = ["train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--hidden", "8", "--epochs", "5", "--dropout", "0.2"];
        ToolRun.Of([.. common, "--output", _folder.File("a")]).Succeeded();
        ToolRun.Of([.. common, "--output", _folder.File("b")]).Succeeded();
        ToolRun.Of([.. common, "--seed", "2", "--output", _folder.File("c")]).Succeeded();

        byte[] a = File.ReadAllBytes(_folder.File("a/iris.safetensors"));
        Assert.Equal(a, File.ReadAllBytes(_folder.File("b/iris.safetensors")));
        Assert.NotEqual(a, File.ReadAllBytes(_folder.File("c/iris.safetensors")));
        Assert.Contains("[Dense(8, Activation.ReLU)]\n[Dropout(0.8)]", File.ReadAllText(_folder.File("a/IrisNet.cs")), StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderlessGzipFileIsReadWithTheHeaderDetectedAsAbsent()
    {
        var run = ToolRun.Of("train", RealData.Digits, "--label-column", "-1", "--task", "classification", "--hidden", "8", "--epochs", "2", "--test-fraction", "0", "--output", _folder.File("digits")).Succeeded();

        Assert.Contains("1797 rows, no header line (detected: its first line is all numbers); label column 65, 64 features", run.Output, StringComparison.Ordinal);
        Assert.Contains("No test rows (--test-fraction 0)", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("digits/digits-confusion.png")));
        Assert.True(File.Exists(_folder.File("digits/DigitsNet.cs")));
    }

    [Fact]
    public void ScalersNewtonAndEarlyStoppingAreOptions()
    {
        string[] common = ["train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--hidden", "6"];
        ToolRun.Of([.. common, "--scaler", "none", "--epochs", "3", "--output", _folder.File("none")]).Succeeded();
        using (var reader = SafeTensorsReader.Open(_folder.File("none/iris.safetensors")))
        {
            Assert.DoesNotContain(WeightsFile.ScalerMetadataKey, reader.Metadata.Keys);
        }

        Assert.DoesNotContain("InputScaler", File.ReadAllText(_folder.File("none/IrisNet.cs")), StringComparison.Ordinal);

        var newton = ToolRun.Of([.. common, "--optimizer", "newton", "--epochs", "15", "--output", _folder.File("newton")]).Succeeded();
        Assert.Contains(", batch 90, up to 15 epochs", newton.Output, StringComparison.Ordinal);
        Assert.True(newton.NumberAfter("Test split (30 rows): accuracy ") >= 0.9);

        var early = ToolRun.Of([.. common, "--patience", "2", "--learning-rate", "0.1", "--epochs", "200", "--output", _folder.File("early")]).Succeeded();
        Assert.Contains("(early stopping)", early.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DivergenceExitsWith1AndAnInterruptedRunStillEvaluatesAndWritesItsFilesWith130()
    {
        ToolRun.Of(Iris("--optimizer", "sgd", "--learning-rate", "1e30", "--epochs", "5", "--output", _folder.File("diverged")))
            .Failed(1, "training diverged (--learning-rate): ");

        using var interrupt = new System.Threading.CancellationTokenSource();
        interrupt.Cancel();
        var run = ToolRun.Of(interrupt.Token, Iris("--epochs", "50", "--output", _folder.File("interrupted")));
        Assert.Equal(130, run.ExitCode);
        Assert.Contains("(interrupted)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Test split (30 rows): accuracy ", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.File("interrupted/iris.safetensors")));
        Assert.True(File.Exists(_folder.File("interrupted/IrisNet.cs")));
    }

    private static string[] Iris(params string[] extra) =>
        ["train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--hidden", "8", .. extra];

    [Fact]
    public void BalancedClassWeightsRaiseTheMinorityProbabilitiesOfAnImbalancedSet()
    {
        // 183 threes against 30 eights; the same seed, split and network with and without weights, so the weights are the
        // one difference.
        string csv = TabularData.WriteImbalancedThreeOrEightCsv(_folder, eightsKept: 6);
        string[] common = ["train", csv, "--label-column", "is_eight", "--task", "classification", "--hidden", "4", "--epochs", "8", "--learning-rate", "0.003", "--seed", "3"];
        var plain = ToolRun.Of([.. common, "--output", _folder.File("plain")]).Succeeded();
        var weighted = ToolRun.Of([.. common, "--class-weights", "balanced", "--output", _folder.File("weighted")]).Succeeded();
        Assert.Contains("no class weights", plain.Output, StringComparison.Ordinal);
        Assert.Contains("class weights balanced", weighted.Output, StringComparison.Ordinal);

        // Weighting the 30 eights as heavily as the 183 threes moves the fitted probabilities toward the minority: every
        // 8's mean P(8) rises.
        var spec = ModelReader.Spec(64, Loss.BinaryCrossEntropy, new DenseLayerSpec(4, Activation.ReLU), new DenseLayerSpec(1, Activation.Sigmoid));
        var data = CsvLoader.Load<float>(csv, new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        double MeanMinorityProbability(string folder)
        {
            float[] p = ModelReader.Load(spec, _folder.File(folder + "/imbalanced-three-or-eight.safetensors")).PredictProbabilities(data.Features);
            int perRow = p.Length / data.Count;
            var labels = data.Labels.ToArray();
            return Enumerable.Range(0, data.Count).Where(i => labels[i] == 1).Average(i => p[(i * perRow) + perRow - 1]);
        }

        double plainMean = MeanMinorityProbability("plain");
        double weightedMean = MeanMinorityProbability("weighted");
        Assert.True(weightedMean > plainMean + 0.01, $"the eights' mean P(8) is {weightedMean} with balanced weights against {plainMean} without");

        // Explicit weights, one per class: equal ones train exactly as no weights do.
        ToolRun.Of([.. common, "--class-weights", "2,2", "--output", _folder.File("equal")]).Succeeded();
        Assert.Equal(
            File.ReadAllBytes(_folder.File("plain/imbalanced-three-or-eight.safetensors")),
            File.ReadAllBytes(_folder.File("equal/imbalanced-three-or-eight.safetensors")));
    }

    [Fact]
    public void ClassWeightsThatDoNotFitTheTaskOrTheClassesAreRejectedBeforeTraining()
    {
        ToolRun.Of(Iris("--class-weights", "1,x")).Failed(2, "--class-weights: 'x' (class 1) is not a weight");
        ToolRun.Of(Iris("--class-weights", "1,-1,1")).Failed(2, "--class-weights: '-1' (class 1) is not a weight");
        ToolRun.Of(Iris("--class-weights", "0,0,0")).Failed(2, "every weight is 0");
        var count = ToolRun.Of(Iris("--class-weights", "1,2", "--output", _folder.File("count"))).Failed(1, "--class-weights gives 2 weights, but");
        Assert.Contains("has 3 classes", count.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Training:", count.Output, StringComparison.Ordinal);
        ToolRun.Of("train", RealData.Iris, "--label-column", "-1", "--task", "regression", "--class-weights", "balanced").Failed(2, "does not apply to --task regression");
    }

    [Fact]
    public void ABadOutputFolderIsReportedBeforeAnythingTrains()
    {
        string file = _folder.WriteText("taken", "a file, not a folder");
        var run = ToolRun.Of("train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--output", Path.Combine(file, "out"))
            .Failed(1, "--output: cannot write to the folder");
        Assert.Contains("is a file, not a folder; nothing was trained", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Training:", run.Output, StringComparison.Ordinal);
    }
}
