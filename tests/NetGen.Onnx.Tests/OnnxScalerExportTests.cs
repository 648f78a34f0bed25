using System;
using System.IO;
using System.Linq;
using System.Numerics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Onnx;
using NetGen.Onnx.Proto;
using Xunit;

namespace NetGen.Onnx.Tests;

/// <summary>
/// A <see cref="Predictor{T}"/> exports with its feature scaler as Sub and Div nodes before the first Gemm (issue 16,
/// item 7): ONNX Runtime fed the raw features gives the predictor's outputs, within 1e-5 in float and 1e-12 in double.
/// </summary>
public sealed class OnnxScalerExportTests : IDisposable
{
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Raw features far from the unit scale (feature j around 50·j with spread 1 + 3j), so that a model that skipped the
    // scaling, or applied it twice, would be far off; feature 2 is constant, which a min-max scaler divides by 1.
    private static Dataset<T> RawData<T>(int count, int features, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom(seed);
        var values = new T[count * features];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < features; j++)
            {
                values[(i * features) + j] = T.CreateChecked(j == 2 ? 7.25 : (50.0 * j) + ((1 + (3 * j)) * ((2 * random.NextDouble()) - 1)));
            }
        }

        return new Dataset<T>(values, new T[count], features, 1);
    }

    private static InterpretedNetwork<T> Network<T>(Activation output, int outputs, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var spec = new NetworkSpec(5, [new DenseLayerSpec(8, Activation.Tanh) { KeepProbability = 0.8 }, new DenseLayerSpec(outputs, output)], Loss.MeanSquaredError,
            typeof(T) == typeof(double) ? Precision.Double : Precision.Single);
        var network = new InterpretedNetwork<T>(spec);
        network.InitializeParameters(seed);
        return network;
    }

    public static TheoryData<string> Scalers => new("standardizer", "min-max", "none");

    private static IFeatureScaler<T>? Fit<T>(string kind, Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T> => kind switch
        {
            "standardizer" => Standardizer<T>.Fit(data),
            "min-max" => MinMaxScaler<T>.Fit(data),
            _ => null,
        };

    [Theory]
    [MemberData(nameof(Scalers))]
    public void RawFeaturesThroughTheExportedFloatModelGiveThePredictorsOutputs(string scaler)
    {
        var data = RawData<float>(40, 5, seed: 3);
        var model = new Predictor<float>(Network<float>(Activation.Softmax, 3, seed: 4), Fit(scaler, data));
        AssertOnnxRuntimeAgrees(model, data, FloatTolerance);
    }

    [Theory]
    [MemberData(nameof(Scalers))]
    public void RawFeaturesThroughTheExportedDoubleModelGiveThePredictorsOutputs(string scaler)
    {
        var data = RawData<double>(40, 5, seed: 5);
        var model = new Predictor<double>(Network<double>(Activation.Identity, 2, seed: 6), Fit(scaler, data));
        AssertOnnxRuntimeAgrees(model, data, DoubleTolerance);
    }

    [Fact]
    public void TheScalingIsSubThenDivBeforeTheFirstGemmAndTheMetadataHoldsTheWeightsFilesEntry()
    {
        var data = RawData<float>(20, 5, seed: 7);
        var scaler = Standardizer<float>.Fit(data);
        var network = Network<float>(Activation.Sigmoid, 1, seed: 8);
        var stream = new MemoryStream();
        OnnxExporter.Export(new Predictor<float>(network, scaler), stream);
        var model = ModelProto.Parser.ParseFrom(stream.ToArray());

        var nodes = model.Graph.Node;
        Assert.Equal(["Sub", "Div", "Gemm"], nodes.Take(3).Select(n => n.OpType));
        Assert.Equal(["input", "scaler.mean"], nodes[0].Input);
        Assert.Equal(["scaler.centred", "scaler.std"], nodes[1].Input);
        Assert.Equal("scaler.scaled", nodes[2].Input[0]);
        var mean = model.Graph.Initializer.Single(t => t.Name == "scaler.mean");
        Assert.Equal([5L], mean.Dims);
        Assert.Equal(scaler.Means.ToArray(), Enumerable.Range(0, 5).Select(i => BitConverter.ToSingle(mean.RawData.Span[(4 * i)..])).ToArray());

        string weights = _folder.File("model.safetensors");
        WeightsFile.Save(network, weights, scaler);
        using var reader = SafeTensorsReader.Open(weights);
        Assert.Equal(reader.Metadata[WeightsFile.ScalerMetadataKey], model.MetadataProps.Single(p => p.Key == WeightsFile.ScalerMetadataKey).Value);

        var plain = new MemoryStream();
        OnnxExporter.Export(network, plain);
        var withoutScaler = ModelProto.Parser.ParseFrom(plain.ToArray());
        Assert.Equal("Gemm", withoutScaler.Graph.Node[0].OpType);
        Assert.DoesNotContain(withoutScaler.MetadataProps, p => p.Key == WeightsFile.ScalerMetadataKey);
    }

    [Fact]
    public void AScalerWithoutAnOnnxFormIsRefusedAndNothingIsWritten()
    {
        string path = _folder.WriteText("model.onnx", "previous model");
        var model = new Predictor<float>(Network<float>(Activation.Identity, 1, seed: 9), new ClippingScaler(5));

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(model, path));

        Assert.Contains("ClippingScaler has no ONNX form", error.Message, StringComparison.Ordinal);
        Assert.Equal("previous model", File.ReadAllText(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    private void AssertOnnxRuntimeAgrees<T>(Predictor<T> model, Dataset<T> raw, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = _folder.File($"model-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(model, path);
        var expected = model.PredictValues(raw.Features);
        if (model.Scaler is not null)
        {
            // The scaling matters: the network on the raw features is far from the predictor.
            var unscaled = model.Network.PredictValues(raw.Features);
            Assert.True(expected.Zip(unscaled).Max(p => Math.Abs(double.CreateChecked(p.First) - double.CreateChecked(p.Second))) > 100 * tolerance);
        }

        using var session = new InferenceSession(path);
        T[] features = raw.Features.ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(features, [raw.Count, raw.FeatureCount]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["output"]);
        var actual = results[0].GetTensorDataAsSpan<T>().ToArray();

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(double.CreateChecked(expected[i]) - double.CreateChecked(actual[i]));
            Assert.True(difference <= tolerance, $"output {i}: Predictor {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }

    // A scaler NetGen cannot express in ONNX (nor in a weights file).
    private sealed class ClippingScaler(int featureCount) : IFeatureScaler<float>
    {
        public int FeatureCount => featureCount;

        public Dataset<float> Transform(Dataset<float> data) => data;

        public void Transform(ReadOnlySpan<float> features, Span<float> destination)
        {
            for (int i = 0; i < features.Length; i++)
            {
                destination[i] = Math.Clamp(features[i], -1, 1);
            }
        }
    }
}
