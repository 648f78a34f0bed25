using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Onnx;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Onnx.Tests;

/// <summary>
/// Exported models run in ONNX Runtime, which rejects malformed ones, and give NetGen's own outputs (within 1e-5 in
/// float, 1e-12 in double): generated and interpreted networks, every activation, fixed and dynamic batch dimensions.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    // Float as asked of the exporter; double much tighter, which also proves a double slope is not rounded to float.
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> GeneratedNetworks => new(GeneratedNetworkFactories.Keys);

    private static readonly Dictionary<string, Func<object>> GeneratedNetworkFactories = new()
    {
        ["XorNet"] = () => Initialized(new XorNet(), 1),
        ["DigitsNet"] = () => Initialized(new DigitsNet(), 2),
        ["DigitsNetDouble"] = () => Initialized(new DigitsNetDouble(), 3),
        ["PerceptronNet"] = () => Initialized(new PerceptronNet(), 4),
        ["WideFloatNet"] = () => Initialized(new WideFloatNet(), 5),
        ["BakedDigitsNet"] = () => new BakedDigitsNet(),
    };

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void GeneratedNetworksRunInOnnxRuntimeWithTheirOwnOutputs(string name)
    {
        switch (GeneratedNetworkFactories[name]())
        {
            case INetwork<double> network:
                AssertOnnxRuntimeAgrees(network, batch: 7, fixedBatch: false);
                break;
            case INetwork<float> network:
                AssertOnnxRuntimeAgrees(network, batch: 7, fixedBatch: false);
                break;
        }
    }

    [Theory]
    [InlineData(Precision.Single, false)]
    [InlineData(Precision.Single, true)]
    [InlineData(Precision.Double, false)]
    [InlineData(Precision.Double, true)]
    public void InterpretedNetworksOfEveryActivationRunInOnnxRuntime(Precision precision, bool fixedBatch)
    {
        var random = new SeededRandom(precision == Precision.Double ? 17UL : 19UL);
        var hidden = new[] { Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.Step };
        var outputs = new[] { Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU, Activation.Softmax, Activation.Step };
        foreach (var output in outputs)
        {
            foreach (var activation in hidden)
            {
                var layers = new List<DenseLayerSpec>
                {
                    new(1 + random.NextInt32(12), activation) { LeakySlope = 0.05 + (0.5 * random.NextDouble()), KeepProbability = random.NextInt32(2) == 0 ? 1.0 : 0.7 },
                    new(1 + random.NextInt32(9), Activation.Tanh),
                    new(output == Activation.Softmax ? 2 + random.NextInt32(6) : 1 + random.NextInt32(6), output) { LeakySlope = 0.3 },
                };
                bool forwardOnly = activation == Activation.Step || output == Activation.Step;
                var spec = new NetworkSpec(1 + random.NextInt32(10), layers, forwardOnly ? null : Loss.MeanSquaredError, precision, inputKeepProbability: random.NextInt32(3) == 0 ? 0.8 : 1.0);
                if (precision == Precision.Double)
                {
                    var network = new InterpretedNetwork<double>(spec);
                    network.InitializeParameters(random.NextUInt64());
                    AssertOnnxRuntimeAgrees(network, batch: 5, fixedBatch);
                }
                else
                {
                    var network = new InterpretedNetwork<float>(spec);
                    network.InitializeParameters(random.NextUInt64());
                    AssertOnnxRuntimeAgrees(network, batch: 5, fixedBatch);
                }
            }
        }
    }

    [Theory]
    [InlineData(Precision.Single, false)]
    [InlineData(Precision.Single, true)]
    [InlineData(Precision.Double, false)]
    [InlineData(Precision.Double, true)]
    public void NetworksWithTheActivationsAddedLaterRunInOnnxRuntime(Precision precision, bool fixedBatch)
    {
        var random = new SeededRandom(precision == Precision.Double ? 31UL : 37UL);
        var added = new[] { Activation.ELU, Activation.GELU, Activation.SiLU, Activation.Softplus };
        foreach (var activation in added)
        {
            foreach (var output in added.Append(Activation.Softmax))
            {
                // ONNX Runtime 1.31's CPU provider has no DOUBLE kernels for Erf (in GELU's standard decomposition) and
                // Softplus; those double graphs are valid ONNX (the round-trip tests read them back) but cannot run there.
                if (precision == Precision.Double && new[] { activation, output }.Any(a => a is Activation.GELU or Activation.Softplus))
                {
                    continue;
                }

                var layers = new List<DenseLayerSpec>
                {
                    new(1 + random.NextInt32(12), activation) { Alpha = 0.2 + (2 * random.NextDouble()), KeepProbability = random.NextInt32(2) == 0 ? 1.0 : 0.7 },
                    new(output == Activation.Softmax ? 2 + random.NextInt32(6) : 1 + random.NextInt32(6), output) { Alpha = 0.3 },
                };
                var spec = new NetworkSpec(1 + random.NextInt32(10), layers, Loss.MeanSquaredError, precision);
                if (precision == Precision.Double)
                {
                    var network = new InterpretedNetwork<double>(spec);
                    network.InitializeParameters(random.NextUInt64());
                    AssertOnnxRuntimeAgrees(network, batch: 5, fixedBatch);
                }
                else
                {
                    var network = new InterpretedNetwork<float>(spec);
                    network.InitializeParameters(random.NextUInt64());
                    AssertOnnxRuntimeAgrees(network, batch: 5, fixedBatch);
                }
            }
        }
    }

    [Fact]
    public void TheModelDescribesItselfAndNamesWeightsAsPyTorchDoes()
    {
        string path = _folder.File("digits.onnx");
        OnnxExporter.Export(new BakedDigitsNet(), path);

        using var session = new InferenceSession(path);
        var metadata = session.ModelMetadata;
        Assert.Equal("NetGen", metadata.ProducerName);
        Assert.Equal(BakedDigitsNet.Spec.DescribeArchitecture(), metadata.CustomMetadataMap[WeightsFile.SpecMetadataKey]);
        Assert.Equal(WeightsFile.DescribeAsPyTorchSequential(BakedDigitsNet.Spec), metadata.CustomMetadataMap[WeightsFile.PyTorchMetadataKey]);
        Assert.Equal(["input"], session.InputMetadata.Keys);
        Assert.Equal(["output"], session.OutputMetadata.Keys);
        Assert.Equal([-1, 64], session.InputMetadata["input"].Dimensions);
        Assert.Equal([-1, 10], session.OutputMetadata["output"].Dimensions);
        Assert.Equal(typeof(float), session.InputMetadata["input"].ElementType);
    }

    [Fact]
    public void ExportingOverAModelReplacesItAndAFailedExportKeepsIt()
    {
        string path = _folder.WriteText("model.onnx", "previous model");
        var network = new InterpretedNetwork<float>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Sigmoid)]));
        network.InitializeParameters(seed: 1);
        network.Parameters[1] = float.NaN;

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(network, path));

        Assert.Contains("0.weight[1] is NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal("previous model", File.ReadAllText(path));
        network.Parameters[1] = 0.5f;
        OnnxExporter.Export(network, path);
        AssertOnnxRuntimeAgrees(network, path, batch: 3, fixedBatch: false);
        Assert.Equal(["model.onnx"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void HalfNetworksAreNotSupported()
    {
        var network = new InterpretedNetwork<Half>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Sigmoid)]));

        Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(network, new MemoryStream()));
    }

    private static TNetwork Initialized<TNetwork>(TNetwork network, ulong seed)
        where TNetwork : class
    {
        switch (network)
        {
            case INetwork<float> single:
                ParameterInitializer.Initialize(single.Spec, single.Parameters, seed, WeightInitialization.XavierUniform);
                break;
            case INetwork<double> twin:
                ParameterInitializer.Initialize(twin.Spec, twin.Parameters, seed, WeightInitialization.XavierUniform);
                break;
        }

        return network;
    }

    private void AssertOnnxRuntimeAgrees<T>(INetwork<T> network, int batch, bool fixedBatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = _folder.File($"model-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(network, path, new OnnxExportOptions { BatchSize = fixedBatch ? batch : null });
        AssertOnnxRuntimeAgrees(network, path, batch, fixedBatch);
    }

    private static void AssertOnnxRuntimeAgrees<T>(INetwork<T> network, string path, int batch, bool fixedBatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var spec = network.Spec;
        var random = new SeededRandom((ulong)spec.ParameterCount);
        var inputs = Enumerable.Range(0, batch * spec.InputSize).Select(_ => T.CreateChecked((2 * random.NextDouble()) - 1)).ToArray();

        using var session = new InferenceSession(path);
        Assert.Equal(fixedBatch ? batch : -1, session.InputMetadata["input"].Dimensions[0]);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [batch, spec.InputSize]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["output"]);
        var actual = results[0].GetTensorDataAsSpan<T>().ToArray();

        Assert.Equal(batch * spec.OutputSize, actual.Length);
        double tolerance = typeof(T) == typeof(double) ? DoubleTolerance : FloatTolerance;
        var expected = new T[spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            network.Forward(inputs.AsSpan(s * spec.InputSize, spec.InputSize), expected);
            for (int j = 0; j < spec.OutputSize; j++)
            {
                double difference = Math.Abs(double.CreateChecked(expected[j]) - double.CreateChecked(actual[(s * spec.OutputSize) + j]));
                Assert.True(difference <= tolerance, $"{spec}: sample {s}, output {j}: NetGen {expected[j]}, ONNX Runtime {actual[(s * spec.OutputSize) + j]}");
            }
        }
    }
}
