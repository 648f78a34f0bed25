using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Onnx;
using NetGen.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Onnx.Tests;

/// <summary>
/// Quantized networks exported with their compressed weights run in ONNX Runtime and agree with NetGen's quantized
/// outputs: argmax agreement of at least 99.9 % (issue 19) on real digits and on random inputs of a 784-wide network,
/// with the outputs themselves within a small tolerance.
/// </summary>
public sealed class OnnxQuantizedExportTests(ITestOutputHelper log) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Formats => new() { "int8", "bf16", "full int8" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void DigitsAgreeWithOnnxRuntime(string format)
    {
        var network = new BakedDigitsNet();
        var raw = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });
        var inputs = raw.Features.ToArray().Select(v => v / 16f).ToArray();
        var quantized = Quantize(network, format, inputs.AsSpan(0, 500 * 64));
        AssertAgreement(quantized, inputs, raw.Count, format);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A784WideNetworkAgreesWithOnnxRuntime(string format)
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(784, [new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(64, Activation.Tanh), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy));
        network.InitializeParameters(7, WeightInitialization.ByActivation);
        var random = new SeededRandom(8);
        var inputs = Enumerable.Range(0, 2000 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        var quantized = Quantize(network, format, inputs.AsSpan(0, 300 * 784));
        AssertAgreement(quantized, inputs, 2000, format);
    }

    [Fact]
    public void TheModelKeepsTheCompressedWeights()
    {
        var network = new BakedDigitsNet();
        var int8 = QuantizedNetwork.Create(network, WeightFormat.Int8);
        var model = Onnx.Proto.ModelProto.Parser.ParseFrom(Export(int8));
        var weights = model.Graph.Initializer.Single(t => t.Name == "0.weight_quantized");
        Assert.Equal((int)Onnx.Proto.TensorProto.Types.DataType.Int8, weights.DataType);
        Assert.Equal([32L, 64L], weights.Dims);
        Assert.Equal(32 * 64, weights.RawData.Length);
        Assert.Contains(model.Graph.Node, n => n.OpType == "DequantizeLinear");
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name == "0.weight");
        Assert.Equal("int8 weights with one scale per output neuron (symmetric), float activations", model.MetadataProps.Single(p => p.Key == "netgen.quantization").Value);

        var bf16 = Onnx.Proto.ModelProto.Parser.ParseFrom(Export(QuantizedNetwork.Create(network, WeightFormat.BFloat16)));
        Assert.Equal(2 * 32 * 64, bf16.Graph.Initializer.Single(t => t.Name == "0.weight_bfloat16").RawData.Length);

        var raw = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });
        var full = Onnx.Proto.ModelProto.Parser.ParseFrom(Export(QuantizedNetwork.CreateFullInt8(network, raw.Features.ToArray().Select(v => v / 16f).ToArray())));
        Assert.Equal(["QuantizeLinear", "MatMulInteger", "Cast", "Mul", "Add", "Relu", "QuantizeLinear", "MatMulInteger", "Cast", "Mul", "Add", "Softmax"], full.Graph.Node.Select(n => n.OpType));
    }

    private static QuantizedNetwork Quantize(INetwork<float> network, string format, ReadOnlySpan<float> calibration) => format switch
    {
        "int8" => QuantizedNetwork.Create(network, WeightFormat.Int8),
        "bf16" => QuantizedNetwork.Create(network, WeightFormat.BFloat16),
        _ => QuantizedNetwork.CreateFullInt8(network, calibration),
    };

    private static byte[] Export(QuantizedNetwork network)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(network, stream);
        return stream.ToArray();
    }

    private void AssertAgreement(QuantizedNetwork quantized, float[] inputs, int count, string format)
    {
        string path = _folder.File($"{format.Replace(' ', '-')}.onnx");
        OnnxExporter.Export(quantized, path);
        var spec = quantized.Spec;
        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [count, spec.InputSize]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["output"]);
        var actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        var expected = quantized.PredictValues(inputs);

        int agree = 0;
        double largest = 0;
        for (int s = 0; s < count; s++)
        {
            var e = expected.AsSpan(s * spec.OutputSize, spec.OutputSize);
            var a = actual.AsSpan(s * spec.OutputSize, spec.OutputSize);
            agree += OneHot.ArgMax<float>(e) == OneHot.ArgMax<float>(a) ? 1 : 0;
            for (int j = 0; j < spec.OutputSize; j++)
            {
                largest = Math.Max(largest, Math.Abs(e[j] - a[j]));
            }
        }

        log.WriteLine($"{format}, {spec}: argmax agreement {agree}/{count}, largest output difference {largest:E2}");
        Assert.True(agree >= 0.999 * count, $"{format}: argmax agreement {agree} of {count}");
        Assert.True(largest <= 1e-4, $"{format}: outputs differ by up to {largest}");
    }
}
