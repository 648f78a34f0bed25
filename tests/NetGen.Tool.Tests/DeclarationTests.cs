using System;
using System.Globalization;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.Generator.Tests;
using NetGen.IO;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>
/// The declaration <c>netgen train</c> prints compiles with the NetGen source generator, under the strictest warning
/// settings, into a network whose baked parameters are bitwise those of the weights file, and which with its
/// <c>InputScaler</c> predicts what <c>netgen predict</c> printed (the generated code against the interpreted engine:
/// within 1e-5, normwise relative, as the engines agree).
/// </summary>
public sealed class DeclarationTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [Theory]
    [InlineData("iris", "IrisNet")]
    [InlineData("setosa", "SetosaNet")]
    [InlineData("petal", "PetalWidthNet")]
    public void The_declaration_compiles_and_bakes_the_weights_file(string folder, string className)
    {
        string directory = models.Folder(folder);
        string weights = Directory.GetFiles(directory, "*.safetensors").Single();
        string source = File.ReadAllText(Path.Combine(directory, className + ".cs"));

        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile(weights, File.ReadAllBytes(weights))], source);
        Assert.Empty(outcome.NetGenDiagnostics);
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
        var type = GeneratorHarness.CompileAndLoad(outcome).GetType(className)!;
        var baked = (INetwork<float>)Activator.CreateInstance(type)!;

        // The same network as the file describes, with the file's weights to the bit.
        var loaded = ModelFile.Load(weights);
        Assert.Equal(loaded.Network.Spec.DescribeArchitecture(), baked.Spec.DescribeArchitecture());
        Assert.Equal(loaded.Network.Parameters.ToArray(), baked.Parameters.ToArray());

        // With its InputScaler it predicts from raw features what netgen predict printed.
        var scaler = (IFeatureScaler<float>)type.GetProperty("InputScaler")!.GetValue(null)!;
        var model = new Predictor<float>(baked, scaler);
        string csv = folder switch { "iris" => RealData.Iris, "setosa" => models.SetosaCsv, _ => models.PetalCsv };
        string label = folder == "petal" ? "0" : "-1";
        var printed = ToolRun.Of("predict", weights, csv, "--label-column", label).Succeeded().Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int labelIndex = folder == "petal" ? 0 : 4;
        float[] raw = File.ReadAllLines(csv).Skip(1)
            .SelectMany(line => line.Split(',').Where((_, j) => j != labelIndex).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
        float[] predicted = folder == "petal" ? model.PredictValues(raw) : model.PredictProbabilities(raw);
        float[] expected = printed.SelectMany(row => folder == "petal" ? row : row.Skip(1)).ToArray();
        Assert.Equal(expected.Length, predicted.Length);
        double difference = Math.Sqrt(expected.Zip(predicted).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
        double norm = Math.Sqrt(expected.Sum(v => (double)v * v));
        Assert.True(difference <= 1e-5 * norm, $"‖generated − printed‖ = {difference}, ‖printed‖ = {norm}");
        if (folder != "petal")
        {
            Assert.Equal(printed.Select(row => (int)row[0]), model.PredictClasses(raw));
        }
    }

    [Fact]
    public void The_scaler_in_the_declaration_is_the_files_to_the_bit()
    {
        string source = File.ReadAllText(Path.Combine(models.Folder("setosa"), "SetosaNet.cs"));
        Assert.Contains("[Dense(8, Activation.Tanh)]\n[Dropout(0.75)]", source, StringComparison.Ordinal);
        Assert.Contains("MinMaxScaler<float>.FromRange(", source, StringComparison.Ordinal);
        WeightsFile.Load(new InterpretedNetwork<float>(ModelFile.Load(models.SetosaWeights).Network.Spec), models.SetosaWeights, out var stored);
        var minMax = Assert.IsType<MinMaxScaler<float>>(stored);
        string expected = string.Join(", ", minMax.Minimums.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f"));
        Assert.Contains("[" + expected + "]", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iris", "IrisNet")]
    [InlineData("three-or-eight", "ThreeOrEightNet")]
    [InlineData("2024 sales", "Data2024SalesNet")]
    [InlineData("---", "DataNet")]
    [InlineData("wine_quality", "WineQualityNet")]
    public void Class_names_come_from_the_data_file(string stem, string className)
    {
        Assert.Equal(className, Declaration.ClassNameFor(stem));
        Assert.True(Declaration.IsClassName(className));
    }
}
