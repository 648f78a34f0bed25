using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.Evaluation;
using NetGen.IO;
using NetGen.Training;
using Xunit;
using NetGen.Testing;

namespace NetGen.Tabular.Tests;

/// <summary>Issue 16, item 7: the fitted scaler is saved in the weights file and restored with the weights.</summary>
public sealed class ScalerInWeightsFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static IrisNet Trained(out Standardizer<float> scaler, out Dataset<float> rawTest)
    {
        var split = DatasetSplit.Split(TabularData.Iris(), 0.7, 0, seed: 3, stratify: true);
        scaler = Standardizer<float>.Fit(split.Train);
        rawTest = split.Test;
        var network = new IrisNet();
        new Trainer<float>(network, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 60, BatchSize = 16, Seed = 1 }).Fit(scaler.Transform(split.Train));
        return network;
    }

    [Fact]
    public void AStandardizerTravelsWithTheWeightsBitwiseAndPredictionsFromRawFeaturesMatch()
    {
        var network = Trained(out var scaler, out var rawTest);
        string path = _folder.File("iris.safetensors");
        WeightsFile.Save(network, path, scaler);

        var loaded = new IrisNet();
        WeightsFile.Load(loaded, path, out var restored);
        var standardizer = Assert.IsType<Standardizer<float>>(restored);
        Assert.Equal(Bits(scaler.Means), Bits(standardizer.Means));
        Assert.Equal(Bits(scaler.StandardDeviations), Bits(standardizer.StandardDeviations));
        Assert.Equal(Bits(network.Parameters), Bits(loaded.Parameters));

        // Predict(raw) = the network on scaler.Transform(raw), sample by sample and as a batch.
        var model = Predictor<float>.Load(new IrisNet(), path);
        var scaled = scaler.Transform(rawTest);
        Assert.Equal(network.PredictClasses(scaled.Features), Predictor<float>.Load(new InterpretedNetwork<float>(IrisNet.Spec), path).PredictClasses(rawTest.Features));
        Assert.Equal(network.PredictClasses(scaled.Features), model.PredictClasses(rawTest.Features));
        Assert.Equal(network.PredictProbabilities(scaled.Features), model.PredictProbabilities(rawTest.Features));
        Assert.Equal(network.PredictValues(scaled.Features), model.PredictValues(rawTest.Features));
        Assert.Equal(network.PredictClass(scaled.GetFeatures(0)), model.PredictClass(rawTest.GetFeatures(0)));
        Assert.Equal(network.EvaluateClassification(scaled).Accuracy, model.EvaluateClassification(rawTest).Accuracy);
        Assert.True(model.EvaluateClassification(rawTest).Accuracy > 0.9);

        // Saved again, the file is byte for byte the same.
        string again = _folder.File("again.safetensors");
        model.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void TheFormatIsOneJsonMetadataEntryAndTheTensorsStayPytorchStateDictNames()
    {
        var network = Trained(out var scaler, out _);
        string path = _folder.File("iris.safetensors");
        WeightsFile.Save(network, path, scaler);
        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight"], reader.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        using var json = JsonDocument.Parse(reader.Metadata[WeightsFile.ScalerMetadataKey]);
        Assert.Equal("standardizer", json.RootElement.GetProperty("kind").GetString());
        double[] means = json.RootElement.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] deviations = json.RootElement.GetProperty("std").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        // Each number is the float's exact value, so a reader in double (numpy, PyTorch) gets the same map.
        Assert.Equal(scaler.Means.ToArray().Select(m => (double)m), means);
        Assert.Equal(scaler.StandardDeviations.ToArray().Select(s => (double)s), deviations);
    }

    [Fact]
    public void AMinMaxScalerRoundTripsInFloatAndDoubleWithAConstantFeature()
    {
        var data = new Dataset<double>([1, 5, -2, 3, 5, 0.1, 2, 5, 7], [0, 0, 0], 3, 1);
        var scaler = MinMaxScaler<double>.Fit(data);
        var network = new InterpretedNetwork<double>(new NetworkSpec(3, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        network.InitializeParameters(1);
        string path = _folder.File("minmax.safetensors");
        WeightsFile.Save(network, path, scaler);
        WeightsFile.Load(network, path, out var restored);
        var minMax = Assert.IsType<MinMaxScaler<double>>(restored);
        Assert.Equal(scaler.Minimums.ToArray(), minMax.Minimums.ToArray());
        Assert.Equal(scaler.Maximums.ToArray(), minMax.Maximums.ToArray());
        Assert.Equal(Bits(scaler.Transform(data).Features), Bits(minMax.Transform(data).Features));

        // A float file loads into a double twin with the float values exactly.
        var floatData = data.Convert<float>();
        var floatScaler = MinMaxScaler<float>.Fit(floatData);
        var floatNetwork = new InterpretedNetwork<float>(new NetworkSpec(3, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Single));
        floatNetwork.InitializeParameters(1);
        WeightsFile.Save(floatNetwork, path, floatScaler);
        WeightsFile.Load(network, path, out var widened);
        Assert.Equal(floatScaler.Minimums.ToArray().Select(m => (double)m), Assert.IsType<MinMaxScaler<double>>(widened).Minimums.ToArray());
    }

    [Fact]
    public void AFileWithoutAScalerStillLoadsAndSaysSo()
    {
        var network = Trained(out _, out _);
        string path = _folder.File("plain.safetensors");
        WeightsFile.Save(network, path);
        var loaded = new IrisNet();
        WeightsFile.Load(loaded, path, out var scaler);
        Assert.Null(scaler);
        Assert.Equal(Bits(network.Parameters), Bits(loaded.Parameters));
        Assert.Null(Predictor<float>.Load(new IrisNet(), path).Scaler);
    }

    [Fact]
    public void AScalerForAnotherFeatureCountIsRefusedOnSaveAndNothingIsWritten()
    {
        var network = new IrisNet();
        network.InitializeParameters(1);
        var wrong = Standardizer<float>.Fit(new Dataset<float>([1, 2, 3, 4, 5, 6], [0, 0], 3, 1));
        string path = _folder.File("never.safetensors");
        Assert.Equal("scaler", Assert.Throws<ArgumentException>(() => WeightsFile.Save(network, path, wrong)).ParamName);
        Assert.False(File.Exists(path));
        Assert.Throws<ArgumentException>(() => new Predictor<float>(network, wrong));
    }

    public static TheoryData<string, string> HostileEntries => new()
    {
        { "not json", "not valid JSON" },
        { "[1, 2]", "must be a JSON object" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0]}", "exactly the arrays 'mean' and 'std'" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0],\"std\":[1,1,1,1],\"min\":[0,0,0,0]}", "exactly the arrays" },
        { "{\"kind\":\"robust\",\"mean\":[0,0,0,0],\"std\":[1,1,1,1]}", "unknown kind 'robust'" },
        { "{\"mean\":[0,0,0,0],\"std\":[1,1,1,1]}", "has no 'kind'" },
        { "{\"kind\":\"standardizer\",\"kind\":\"min-max\",\"mean\":[0,0,0,0],\"std\":[1,1,1,1]}", "more than once" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}", "has 3 numbers, but the network has 4 inputs" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0,0],\"std\":[1,1,1,1,1]}", "more than 4 numbers" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,\"x\",0],\"std\":[1,1,1,1]}", "element 2 is not a number" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,1e999,0],\"std\":[1,1,1,1]}", "element 2" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,1e39,0],\"std\":[1,1,1,1]}", "not a finite Single" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0],\"std\":[1,0,1,1]}", "standard deviation of feature 1 is 0" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0],\"std\":[1,1,-2,1]}", "feature 2" },
        { "{\"kind\":\"min-max\",\"min\":[0,5,0,0],\"max\":[1,1,1,1]}", "feature 1 has minimum 5 and maximum 1" },
        { "{\"kind\":\"min-max\",\"min\":[0,0,0,0],\"max\":[1,1,1,1]} {}", "text follows the object" },
        { "{\"kind\":\"min-max\",\"min\":[0,0,0,0],\"max\":[1,1,1,1],}", "not valid JSON: expected a key in quotes but found '}' (at character 50)" },
        // Utf8JsonReader threw InvalidOperationException for a key with half a surrogate pair, which escaped the load.
        { "{\"kind\":\"min-max\",\"min\":[0,0,0,0],\"max\":[1,1,1,1],\"\\uD800\":1}", "a \\u escape is half of a surrogate pair" },
        { "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0],\"std\":[1,1e-46,1,1]}", "the standard deviation of feature 1 is 1E-46, which is 0 as a Single; it must be positive" },
        { "{\"kind\":\"min-max\",\"min\":[0,-1e308,0,0],\"max\":[1,1e308,1,1]}", "not a finite Single" },
        { "{\"kind\":\"standardizer\",\"mean\":{\"a\":1},\"std\":[1,1,1,1]}", "must be an array of numbers" },
    };

    [Theory]
    [MemberData(nameof(HostileEntries))]
    public void AMalformedScalerEntryFailsTheLoadAndLeavesTheNetworkUnchanged(string entry, string expected)
    {
        var source = new IrisNet();
        source.InitializeParameters(5, WeightInitialization.ByActivation);
        string path = _folder.File("hostile.safetensors");
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(WeightsFile.ScalerMetadataKey, entry);
        var indices = WeightsFile.GetLinearModuleIndices(IrisNet.Spec);
        for (int l = 0; l < IrisNet.Spec.Layers.Count; l++)
        {
            var layout = IrisNet.Spec.GetLayout(l);
            writer.AddTensor<float>($"{indices[l]}.weight", source.Parameters.Slice(layout.WeightsOffset, layout.WeightCount), layout.OutputSize, layout.InputSize);
            writer.AddTensor<float>($"{indices[l]}.bias", source.Parameters.Slice(layout.BiasesOffset, layout.OutputSize), layout.OutputSize);
        }

        writer.Save(path);
        var target = new IrisNet();
        target.InitializeParameters(9, WeightInitialization.ByActivation);
        var before = Bits(target.Parameters);
        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(target, path, out _));
        Assert.Contains(WeightsFile.ScalerMetadataKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Throws<WeightsFileException>(() => WeightsFile.Load(target, path));
        Assert.Equal(before, Bits(target.Parameters));
    }

    [Fact]
    public void RestoringScalersFromStatisticsChecksThem()
    {
        Assert.Throws<ArgumentException>(() => Standardizer<float>.FromStatistics([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => Standardizer<float>.FromStatistics([float.NaN], [1f]));
        Assert.Throws<ArgumentException>(() => Standardizer<float>.FromStatistics([], []));
        Assert.Throws<ArgumentException>(() => MinMaxScaler<double>.FromRange([-1e308], [1e308]));
        var same = Standardizer<double>.FromStatistics([2.0], [4.0]);
        var output = new double[1];
        same.Transform([10.0], output);
        Assert.Equal(2.0, output[0]);
    }

    /// <summary>
    /// Through the real build (build/NetGen.targets and the generator, as a package user gets them): a file netgen train
    /// wrote bakes into a network whose InputScaler is the file's scaler to the bit and whose ForwardRaw takes raw iris
    /// measurements, bitwise Forward on the scaled ones.
    /// </summary>
    [Fact]
    public void ABakedNetworkReadsRawFeaturesWithTheScalerFromItsFile()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Tabular", "iris-shipped.safetensors");
        var twin = new IrisNet();
        WeightsFile.Load(twin, path, out var stored);
        var standardizer = Assert.IsType<Standardizer<float>>(stored);
        Assert.Equal(Bits(standardizer.Means), Bits(ShippedIrisNet.InputScaler.Means));
        Assert.Equal(Bits(standardizer.StandardDeviations), Bits(ShippedIrisNet.InputScaler.StandardDeviations));

        var shipped = new ShippedIrisNet();
        Assert.Equal(Bits(twin.Parameters), Bits(shipped.Parameters));
        var iris = TabularData.Iris();
        var scaled = new float[4];
        var expected = new float[3];
        var actual = new float[3];
        for (int i = 0; i < iris.Count; i++)
        {
            standardizer.Transform(iris.GetFeatures(i), scaled);
            shipped.Forward(scaled, expected);
            shipped.ForwardRaw(iris.GetFeatures(i), actual);
            Assert.Equal(Bits<float>(expected), Bits<float>(actual));
        }

        var model = new Predictor<float>(shipped, ShippedIrisNet.InputScaler);
        Assert.Equal(0, model.PredictClass([5.1f, 3.5f, 1.4f, 0.2f]));
        Assert.True(model.EvaluateClassification(iris).Accuracy > 0.9);
    }

    [Fact]
    public void PredictionsFromRawFeaturesAllocateNothing()
    {
        var network = Trained(out var scaler, out var rawTest);
        var model = new Predictor<float>(network, scaler);
        var classes = new int[rawTest.Count];
        var probabilities = new float[rawTest.Count * 3];
        Run();
        Assert.Equal(0, Allocations.Least(Run, repetitions: 50));

        void Run()
        {
            model.PredictClasses(rawTest.Features, classes);
            model.PredictProbabilities(rawTest.Features, probabilities);
            model.PredictValues(rawTest.Features, probabilities);
            _ = model.PredictClass(rawTest.GetFeatures(0));
        }
    }

    private static byte[] Bits<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    private static byte[] Bits<T>(Span<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes((ReadOnlySpan<T>)values).ToArray();
}
