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
/// settings, into a network whose baked parameters are bitwise those of the weights file, and whose generated
/// <c>InputScaler</c> (read by the generator from the file) and <c>ForwardRaw</c> predict from raw features what
/// <c>netgen predict</c> printed (the generated code against the interpreted engine: within 1e-5, normwise relative, as
/// the engines agree).
/// </summary>
public sealed class DeclarationTests(TrainedModels models) : IClassFixture<TrainedModels>
{
    [Theory]
    [InlineData("iris", "IrisNet")]
    [InlineData("setosa", "SetosaNet")]
    [InlineData("petal", "PetalWidthNet")]
    public void TheDeclarationCompilesAndBakesTheWeightsFile(string folder, string className)
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

        // The generator read the scaler from the weights file: with InputScaler it predicts from raw features what netgen
        // predict printed, and ForwardRaw is Forward on the scaled features.
        var scaler = (IFeatureScaler<float>)type.GetProperty("InputScaler")!.GetValue(null)!;
        var forwardRaw = (SpanForward)Delegate.CreateDelegate(typeof(SpanForward), baked, type.GetMethod("ForwardRaw")!);
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
        AssertClose(expected, predicted);

        int inputs = baked.Spec.InputSize;
        int outputs = baked.Spec.OutputSize;
        var rawOutputs = new float[raw.Length / inputs * outputs];
        var scaled = new float[inputs];
        var viaForward = new float[outputs];
        for (int row = 0; row < raw.Length / inputs; row++)
        {
            var output = rawOutputs.AsSpan(row * outputs, outputs);
            forwardRaw(raw.AsSpan(row * inputs, inputs), output);
            scaler.Transform(raw.AsSpan(row * inputs, inputs), scaled);
            baked.Forward(scaled, viaForward);
            Assert.Equal(viaForward, output.ToArray());
        }

        // The outputs: the value, the softmax's probabilities, or a single sigmoid's P(class 1) (the last printed probability).
        AssertClose(printed.SelectMany(row => folder switch { "petal" => row, "setosa" => row[^1..], _ => row[1..] }).ToArray(), rawOutputs);
        if (folder != "petal")
        {
            Assert.Equal(printed.Select(row => (int)row[0]), model.PredictClasses(raw));
        }
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void TheGeneratedScalerIsTheFilesToTheBitAndTheDeclarationShowsTheRawFeatureCalls()
    {
        string source = File.ReadAllText(Path.Combine(models.Folder("setosa"), "SetosaNet.cs"));
        Assert.Contains("[Dense(8, Activation.Tanh)]\n[Dropout(0.75)]", source, StringComparison.Ordinal);
        Assert.Contains("(a MinMaxScaler<float>)", source, StringComparison.Ordinal);
        Assert.Contains("//   new SetosaNet().ForwardRaw(rawFeatures, output);", source, StringComparison.Ordinal);
        Assert.Contains("//   new Predictor<float>(new SetosaNet(), SetosaNet.InputScaler).PredictClass(rawFeatures);", source, StringComparison.Ordinal);

        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile(models.SetosaWeights, File.ReadAllBytes(models.SetosaWeights))], source);
        var generated = GeneratorHarness.CompileAndLoad(outcome).GetType("SetosaNet")!.GetProperty("InputScaler")!.GetValue(null);
        WeightsFile.Load(new InterpretedNetwork<float>(ModelFile.Load(models.SetosaWeights).Network.Spec), models.SetosaWeights, out var stored);
        var minMax = Assert.IsType<MinMaxScaler<float>>(stored);
        var baked = Assert.IsType<MinMaxScaler<float>>(generated);
        Assert.Equal(Bits(minMax.Minimums), Bits(baked.Minimums));
        Assert.Equal(Bits(minMax.Maximums), Bits(baked.Maximums));
    }

    private delegate void SpanForward(ReadOnlySpan<float> input, Span<float> output);

    // Within 1e-5, normwise relative: the generated code against the interpreted engine the tool predicts with.
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double difference = Math.Sqrt(expected.Zip(actual).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
        double norm = Math.Sqrt(expected.Sum(v => (double)v * v));
        Assert.True(difference <= 1e-5 * norm, $"‖generated − printed‖ = {difference}, ‖printed‖ = {norm}");
    }

    private static string Bits(ReadOnlySpan<float> values) => Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    [Theory]
    [InlineData("iris", "IrisNet")]
    [InlineData("three-or-eight", "ThreeOrEightNet")]
    [InlineData("2024 sales", "Data2024SalesNet")]
    [InlineData("---", "DataNet")]
    [InlineData("wine_quality", "WineQualityNet")]
    public void ClassNamesComeFromTheDataFile(string stem, string className)
    {
        Assert.Equal(className, Declaration.ClassNameFor(stem));
        Assert.True(Declaration.IsClassName(className));
    }
}
