using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Data;
using NetGen.DataIO.Tests;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>
/// <c>netgen predict</c>, <c>evaluate</c> and <c>export-onnx</c> on models <c>netgen train</c> wrote: the model file alone
/// tells the architecture and the scaler, and the results equal the library's <see cref="Predictor{T}"/> on the raw
/// features (predictions exactly; ONNX Runtime within 1e-5).
/// </summary>
public sealed class PredictEvaluateExportTests(TrainedModels models) : IClassFixture<TrainedModels>, IDisposable
{
    private const double OnnxTolerance = 1e-5;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly NetworkSpec IrisSpec =
        ModelReader.Spec(4, Loss.SoftmaxCrossEntropy, new DenseLayerSpec(16, Activation.ReLU), new DenseLayerSpec(3, Activation.Softmax));

    private static readonly NetworkSpec SetosaSpec =
        ModelReader.Spec(4, Loss.BinaryCrossEntropy, new DenseLayerSpec(8, Activation.Tanh) { KeepProbability = 0.75 }, new DenseLayerSpec(4, Activation.Tanh) { KeepProbability = 0.75 }, new DenseLayerSpec(1, Activation.Sigmoid));

    private static readonly NetworkSpec PetalSpec =
        ModelReader.Spec(3, Loss.MeanSquaredError, new DenseLayerSpec(8, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity));

    private static Dataset<float> Iris() => CsvLoader.Load<float>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1 });

    private static float[][] ParseCsv(string text, int header = 1) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(header)
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    [Fact]
    public void PredictWritesEachRowsClassAndProbabilitiesExactlyAsThePredictorComputesThem()
    {
        string file = _folder.File("predictions.csv");
        var run = ToolRun.Of("predict", models.IrisWeights, RealData.Iris, "--label-column", "-1", "--output", file).Succeeded();
        Assert.Contains("Wrote 150 predictions", run.Output, StringComparison.Ordinal);

        string text = File.ReadAllText(file);
        Assert.StartsWith("class,probability_0,probability_1,probability_2\n", text, StringComparison.Ordinal);
        var rows = ParseCsv(text);
        var model = ModelReader.Load(IrisSpec, models.IrisWeights);
        var iris = Iris();
        Assert.Equal(model.PredictClasses(iris.Features), rows.Select(r => (int)r[0]));
        Assert.Equal(model.PredictProbabilities(iris.Features), rows.SelectMany(r => r.Skip(1)));

        // Without --output the same lines go to standard output.
        Assert.Equal(text, ToolRun.Of("predict", models.IrisWeights, RealData.Iris, "--label-column", "virginica").Succeeded().Output);
    }

    [Fact]
    public void PredictReadsAFileOfFeaturesOnlyAndABinaryModelGivesBothProbabilities()
    {
        // The setosa rows without their label: four feature columns, header detected.
        string[] lines = File.ReadAllLines(models.SetosaCsv);
        string features = _folder.WriteText("features.csv", string.Join('\n', lines.Select(l => l[..l.LastIndexOf(',')])) + "\n");
        var run = ToolRun.Of("predict", models.SetosaWeights, features).Succeeded();

        Assert.StartsWith("class,probability_0,probability_1\n", run.Output, StringComparison.Ordinal);
        var rows = ParseCsv(run.Output);
        var model = ModelReader.Load(SetosaSpec, models.SetosaWeights);
        Assert.IsType<MinMaxScaler<float>>(model.Scaler);
        float[] raw = ParseCsv(File.ReadAllText(features)).SelectMany(r => r).ToArray();
        Assert.Equal(150, rows.Length);
        Assert.Equal(model.PredictClasses(raw), rows.Select(r => (int)r[0]));
        Assert.Equal(model.PredictProbabilities(raw), rows.SelectMany(r => r.Skip(1)));
        Assert.Equal(50, rows.Count(r => r[0] == 1));
    }

    [Fact]
    public void PredictWritesARegressionModelsValues()
    {
        var run = ToolRun.Of("predict", models.PetalWeights, models.PetalCsv, "--label-column", "0").Succeeded();

        Assert.StartsWith("value\n", run.Output, StringComparison.Ordinal);
        var table = ParseCsv(File.ReadAllText(models.PetalCsv));
        var model = ModelReader.Load(PetalSpec, models.PetalWeights);
        Assert.Equal(model.PredictValues(table.SelectMany(r => r.Skip(1)).ToArray()), ParseCsv(run.Output).Select(r => r[0]));
    }

    [Fact]
    public void EvaluatePrintsThePredictorsClassificationReport()
    {
        var run = ToolRun.Of("evaluate", models.IrisWeights, RealData.Iris, "--label-column", "-1").Succeeded();

        var report = ModelReader.Load(IrisSpec, models.IrisWeights).EvaluateClassification(Iris());
        Assert.Contains("Model: 4 → 16 ReLU → 3 Softmax, SoftmaxCrossEntropy, with its scaler.", run.Output, StringComparison.Ordinal);
        Assert.EndsWith(report.ToString(), run.Output, StringComparison.Ordinal);
        Assert.Equal(Math.Round(report.Accuracy, 4), run.NumberAfter("Accuracy "));

        var binary = ToolRun.Of("evaluate", models.SetosaWeights, models.SetosaCsv, "--label-column", "is_setosa").Succeeded();
        var setosa = CsvLoader.Load<float>(models.SetosaCsv, new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        Assert.EndsWith(ModelReader.Load(SetosaSpec, models.SetosaWeights).EvaluateClassification(setosa).ToString(), binary.Output, StringComparison.Ordinal);
        Assert.Contains("ROC AUC", binary.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iris")]
    [InlineData("setosa")]
    [InlineData("petal")]
    public void TheExportedOnnxModelTakesRawFeaturesAndGivesThePredictorsOutputs(string name)
    {
        var (weights, spec, csv, label) = name switch
        {
            "iris" => (models.IrisWeights, IrisSpec, RealData.Iris, 4),
            "setosa" => (models.SetosaWeights, SetosaSpec, models.SetosaCsv, 4),
            _ => (models.PetalWeights, PetalSpec, models.PetalCsv, 0),
        };
        string onnx = _folder.File(name + ".onnx");
        var run = ToolRun.Of("export-onnx", weights, onnx).Succeeded();
        Assert.Contains("raw features, ", run.Output, StringComparison.Ordinal);

        var table = ParseCsv(File.ReadAllText(csv));
        float[] raw = table.SelectMany(r => r.Where((_, j) => j != label)).ToArray();
        var model = ModelReader.Load(spec, weights);
        float[] expected = model.PredictValues(raw);

        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(raw, [table.Length, spec.InputSize]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["output"]);
        var actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= OnnxTolerance, $"output {i}: Predictor {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }
}
