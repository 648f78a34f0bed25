using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.IO;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// [Network(Weights = "…")]: the generator bakes a safetensors file into the assembly, and the baked network is bitwise
/// the network <c>WeightsFile.Load</c> makes from the same file, whatever the dtype and precision.
/// </summary>
public sealed class BakedWeightsTests(ITestOutputHelper output) : IDisposable
{
    private const string Layers = "[Input(5)][Dropout(0.9)][Dense(7, Activation.Tanh)][Dropout(0.8)][Dense(4, Activation.LeakyReLU, LeakySlope = 0.2)][Dense(3, Activation.Softmax)]";

    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-baked-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static NetworkSpec Spec(Precision precision) => new(
        5,
        [new DenseLayerSpec(7, Activation.Tanh) { KeepProbability = 0.8 }, new DenseLayerSpec(4, Activation.LeakyReLU) { LeakySlope = 0.2 }, new DenseLayerSpec(3, Activation.Softmax)],
        Loss.SoftmaxCrossEntropy,
        precision,
        inputKeepProbability: 0.9);

    [Fact]
    public void BakedNetworksAreBitwiseTheNetworksWeightsFileLoadsForEveryDtypeAndPrecision()
    {
        (Precision Precision, string DType)[] cases =
        [
            (Precision.Single, "saved"), (Precision.Double, "saved"), (Precision.Single, "F64"), (Precision.Double, "F32"),
            (Precision.Single, "F16"), (Precision.Single, "BF16"), (Precision.Double, "F16"), (Precision.Double, "BF16"),
        ];
        var source = new StringBuilder("using NetGen;\nnamespace Baked;\n");
        var files = new List<AdditionalText>();
        for (int i = 0; i < cases.Length; i++)
        {
            var (precision, dtype) = cases[i];
            byte[] bytes = dtype == "saved" ? SavedFile(Spec(precision), seed: (ulong)i + 1) : TorchFile(Spec(precision), dtype, seed: (ulong)i + 1);
            File.WriteAllBytes(Path.Combine(_folder, $"case{i}.safetensors"), bytes);
            files.Add(GeneratorHarness.WeightsFile($"/project/weights/case{i}.safetensors", bytes));
            source.Append($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.{precision}, Weights = \"case{i}.safetensors\")]{Layers} internal partial class Case{i};\n");
            source.Append(Probe($"Case{i}", precision));
        }

        // One twin per precision, without baked weights, to load each file into at run time.
        source.Append($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Single)]{Layers} internal partial class TwinSingle;\n");
        source.Append($"[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]{Layers} internal partial class TwinDouble;\n");

        var outcome = GeneratorHarness.Run(files, source.ToString());
        Assert.Empty(outcome.GeneratorDiagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(outcome);

        for (int i = 0; i < cases.Length; i++)
        {
            string path = Path.Combine(_folder, $"case{i}.safetensors");
            if (cases[i].Precision == Precision.Double)
            {
                AssertBitwiseTwins<double>(assembly, $"Baked.Case{i}", "Baked.TwinDouble", path);
            }
            else
            {
                AssertBitwiseTwins<float>(assembly, $"Baked.Case{i}", "Baked.TwinSingle", path);
            }
        }
    }

    [Fact]
    public void APyTorchStateDictBakesIntoTheNetworkItDescribes()
    {
        // What safetensors.torch.save_file(nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)).state_dict()) writes.
        float[] w1 = [0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f];
        float[] b1 = [0.125f, -0.25f, 0.375f];
        float[] w2 = [1f, -2f, 0.5f];
        float[] b2 = [0.0625f];
        byte[] torch = TestWeights.Write(writer =>
        {
            writer.AddMetadata("format", "pt");
            writer.AddTensor<float>("0.weight", w1, 3, 2);
            writer.AddTensor<float>("0.bias", b1, 3);
            writer.AddTensor<float>("2.weight", w2, 1, 3);
            writer.AddTensor<float>("2.bias", b2, 1);
        });
        const string source = """
            using NetGen;
            [Network(Weights = "torch/model.safetensors")][Input(2)][Dense(3, Activation.ReLU)][Dense(1, Activation.Identity)]
            internal partial class TorchNet;
            """;
        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/home/user/project/torch/model.safetensors", torch)], source + Probe("TorchNet", Precision.Single));
        Assert.Empty(outcome.GeneratorDiagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        var network = (INetwork<float>)Activator.CreateInstance(assembly.GetType("TorchNet")!)!;

        foreach (float[] x in new[] { new[] { 1f, 2f }, [-0.5f, 0.25f], [3f, -1f] })
        {
            // Written out independently: y = W2 ReLU(W1 x + b1) + b2.
            double expected = b2[0];
            for (int j = 0; j < 3; j++)
            {
                expected += w2[j] * Math.Max(0.0, b1[j] + (w1[2 * j] * x[0]) + (w1[(2 * j) + 1] * x[1]));
            }

            var y = new float[1];
            network.Forward(x, y);
            Assert.Equal(expected, y[0], 1e-6);
        }

        var one = new float[1];
        network.Forward([1f, 2f], one);
        Assert.Equal(-1.625f, one[0]);
    }

    [Fact]
    public void EveryInstanceStartsFromTheReadOnlyBakedParameters()
    {
        byte[] bytes = TestWeights.TwoToOne(w0: 0.5f, w1: -0.25f, b: 0.125f);
        const string source = "using NetGen;\n[Network(Weights = \"w.safetensors\")][Input(2)][Dense(1, Activation.Identity)] internal partial class SmallNet;\n";
        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/w.safetensors", bytes)], source + Probe("SmallNet", Precision.Single));
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        var type = assembly.GetType("SmallNet")!;
        Func<float[]> baked = () => (float[])assembly.GetType("Probe_SmallNet")!.GetMethod("Baked")!.Invoke(null, null)!;

        var first = (INetwork<float>)Activator.CreateInstance(type)!;
        first.Parameters[0] = 42f;
        var second = (INetwork<float>)Activator.CreateInstance(type)!;

        Assert.Equal([0.5f, -0.25f, 0.125f], baked());
        Assert.Equal([0.5f, -0.25f, 0.125f], second.Parameters.ToArray());
        Assert.Equal(42f, first.Parameters[0]);
        type.GetMethod("ResetToBakedParameters")!.Invoke(first, null);
        Assert.Equal([0.5f, -0.25f, 0.125f], first.Parameters.ToArray());
        Assert.Contains("private static global::System.ReadOnlySpan<ulong> BakedParameterWords => new ulong[]", outcome.SourceOf("SmallNet.Weights.g.cs"), StringComparison.Ordinal);
        // 0.5f = 0x3F000000 and −0.25f = 0xBE800000 share the first word, low half first; 0.125f = 0x3E000000 and padding the second.
        Assert.Contains("0xBE8000003F000000, 0x000000003E000000,", outcome.SourceOf("SmallNet.Weights.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileListedTwiceIsOneFileButTwoFilesOfTheSameNameAreAmbiguous()
    {
        const string source = "using NetGen;\n[Network(Weights = \"w.safetensors\")][Input(2)][Dense(1, Activation.Identity)] internal partial class TwiceNet;\n";
        byte[] bytes = TestWeights.TwoToOne();

        var twice = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/w.safetensors", bytes), GeneratorHarness.WeightsFile("/p/w.safetensors", bytes)], source);
        var twoFolders = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/a/w.safetensors", bytes), GeneratorHarness.WeightsFile("/p/b/w.safetensors", bytes)], source);
        var named = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/a/w.safetensors", bytes), GeneratorHarness.WeightsFile("/p/b/w.safetensors", bytes)], source.Replace("\"w.safetensors\"", "\"b/w.safetensors\"", StringComparison.Ordinal));

        Assert.Empty(twice.GeneratorDiagnostics);
        Assert.Equal("NG0022", Assert.Single(twoFolders.NetGenDiagnostics).Id);
        Assert.Empty(named.GeneratorDiagnostics);
    }

    /// <summary>784 → 256 → 128 → 10 (235,146 parameters, 940 KB) bakes, compiles and matches WeightsFile.Load bitwise.</summary>
    [Fact]
    public void AQuarterMillionParametersBakeAndCompile()
    {
        var spec = new NetworkSpec(784, [new DenseLayerSpec(256, Activation.ReLU), new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        byte[] bytes = SavedFile(spec, seed: 99);
        string path = Path.Combine(_folder, "mnist.safetensors");
        File.WriteAllBytes(path, bytes);
        string network = "[Network(Loss = Loss.SoftmaxCrossEntropy{0})][Input(784)][Dense(256, Activation.ReLU)][Dense(128, Activation.ReLU)][Dense(10, Activation.Softmax)]";
        string source = "using NetGen;\n"
            + string.Format(System.Globalization.CultureInfo.InvariantCulture, network, ", Weights = \"mnist.safetensors\"") + " internal partial class MnistNet;\n"
            + string.Format(System.Globalization.CultureInfo.InvariantCulture, network, string.Empty) + " internal partial class MnistTwin;\n"
            + Probe("MnistNet", Precision.Single);

        var clock = Stopwatch.StartNew();
        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/mnist.safetensors", bytes)], source);
        var generated = clock.Elapsed;
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        output.WriteLine($"generator {generated.TotalSeconds:F2} s, generator + compile + emit {clock.Elapsed.TotalSeconds:F2} s, weights source {outcome.SourceOf("MnistNet.Weights.g.cs").Length / 1e6:F1} MB");

        Assert.Empty(outcome.GeneratorDiagnostics);
        AssertBitwiseTwins<float>(assembly, "MnistNet", "MnistTwin", path);
    }

    /// <summary>
    /// 784 → 128 → 10 baked with InferenceWeights = Int8 keeps a quarter of the float data in the assembly (the int8
    /// weights, one float maximum and one float bias per neuron), bfloat16 half, and the compiled assembly shrinks
    /// accordingly; the baked int8 weights are QuantizedNetwork's quantization of the same file.
    /// </summary>
    [Fact]
    public void CompressedWeightsBakeIntoAQuarterAndAHalfOfTheBytes()
    {
        var spec = new NetworkSpec(784, [new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        byte[] bytes = SavedFile(spec, seed: 98);
        string path = Path.Combine(_folder, "mnist.safetensors");
        File.WriteAllBytes(path, bytes);
        string network = "[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = \"mnist.safetensors\"{0})][Input(784)][Dense(128, Activation.ReLU)][Dense(10, Activation.Softmax)] internal partial class {1};\n";
        var sizes = new Dictionary<string, (long DataBytes, long AssemblyBytes)>();
        Assembly? int8Assembly = null;
        foreach (var (format, name) in new[] { (string.Empty, "FloatNet"), (", InferenceWeights = WeightFormat.Int8", "Int8Net"), (", InferenceWeights = WeightFormat.BFloat16", "BFloat16Net") })
        {
            string source = "using NetGen;\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, network, format, name)
                + (name == "Int8Net" ? "internal static class Probe { public static sbyte[] Baked() => Int8Net.BakedInferenceWeights.ToArray(); }\n" : string.Empty);
            var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/mnist.safetensors", bytes)], source);
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
            long words = outcome.SourceOf(name + ".Weights.g.cs").Split("0x").Length - 1;
            using var stream = new MemoryStream();
            Assert.True(outcome.Output.Emit(stream).Success);
            sizes[name] = (8 * words, stream.Length);
            if (name == "Int8Net")
            {
                int8Assembly = GeneratorHarness.CompileAndLoad(outcome);
            }
        }

        output.WriteLine(string.Join("; ", sizes.Select(s => $"{s.Key}: data {s.Value.DataBytes:N0} bytes, assembly {s.Value.AssemblyBytes:N0} bytes")));
        Assert.InRange(sizes["Int8Net"].DataBytes, 0, (long)(0.26 * sizes["FloatNet"].DataBytes));
        Assert.InRange(sizes["BFloat16Net"].DataBytes, 0, (long)(0.51 * sizes["FloatNet"].DataBytes));
        long code = sizes["FloatNet"].AssemblyBytes - sizes["FloatNet"].DataBytes;
        Assert.InRange(sizes["Int8Net"].AssemblyBytes, 0, code + (long)(0.26 * sizes["FloatNet"].DataBytes) + 64 * 1024);

        var twin = new InterpretedNetwork<float>(spec);
        WeightsFile.Load(twin, path);
        var runtime = QuantizedNetwork.Create(twin, WeightFormat.Int8);
        var baked = (sbyte[])int8Assembly!.GetType("Probe", throwOnError: true)!.GetMethod("Baked")!.Invoke(null, null)!;
        Assert.Equal([.. runtime.GetInt8Weights(0), .. runtime.GetInt8Weights(1)], baked);
    }

    private void AssertBitwiseTwins<T>(Assembly assembly, string bakedName, string twinName, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var baked = (INetwork<T>)Activator.CreateInstance(assembly.GetType(bakedName, throwOnError: true)!)!;
        var twin = (INetwork<T>)Activator.CreateInstance(assembly.GetType(twinName, throwOnError: true)!)!;
        WeightsFile.Load(twin, path);
        int dot = bakedName.LastIndexOf('.');
        var probe = assembly.GetType(bakedName[..(dot + 1)] + "Probe_" + bakedName[(dot + 1)..], throwOnError: true)!;
        var staticBaked = (T[])probe.GetMethod("Baked")!.Invoke(null, null)!;

        Assert.Equal(MemoryMarshal.AsBytes(twin.Parameters).ToArray(), MemoryMarshal.AsBytes(baked.Parameters).ToArray());
        Assert.Equal(MemoryMarshal.AsBytes(twin.Parameters).ToArray(), MemoryMarshal.AsBytes(staticBaked.AsSpan()).ToArray());
        var random = new SeededRandom(3);
        var expected = new T[baked.Spec.OutputSize];
        var actual = new T[baked.Spec.OutputSize];
        for (int sample = 0; sample < 5; sample++)
        {
            var input = Enumerable.Range(0, baked.Spec.InputSize).Select(_ => T.CreateChecked(random.NextGaussian())).ToArray();
            twin.Forward(input, expected);
            baked.Forward(input, actual);
            Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(actual.AsSpan()).ToArray());
        }
    }

    // Reflection cannot return a ReadOnlySpan, so each baked network gets a compiled accessor that copies it out.
    private static string Probe(string type, Precision precision) =>
        $"internal static class Probe_{type} {{ public static {(precision == Precision.Double ? "double" : "float")}[] Baked() => {type}.BakedParameters.ToArray(); }}\n";

    private static byte[] SavedFile(NetworkSpec spec, ulong seed)
    {
        if (spec.Precision == Precision.Double)
        {
            var network = new InterpretedNetwork<double>(spec);
            network.InitializeParameters(seed);
            return TestWeights.Save(network);
        }
        else
        {
            var network = new InterpretedNetwork<float>(spec);
            network.InitializeParameters(seed);
            return TestWeights.Save(network);
        }
    }

    // A PyTorch-style file (module-indexed names, no NetGen metadata) of random values stored in the given dtype.
    private static byte[] TorchFile(NetworkSpec spec, string dtype, ulong seed)
    {
        var random = new SeededRandom(seed);
        var indices = WeightsFile.GetLinearModuleIndices(spec);
        return TestWeights.Write(writer =>
        {
            writer.AddMetadata("format", "pt");
            for (int l = 0; l < spec.Layers.Count; l++)
            {
                var layout = spec.GetLayout(l);
                Add($"{indices[l]}.weight", [layout.OutputSize, layout.InputSize]);
                Add($"{indices[l]}.bias", [layout.OutputSize]);
            }

            void Add(string name, long[] shape)
            {
                int count = (int)shape.Aggregate(1L, (a, b) => a * b);
                var values = Enumerable.Range(0, count).Select(_ => random.NextGaussian() * 0.7).ToArray();
                byte[] data = dtype switch
                {
                    "F64" => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
                    "F32" => MemoryMarshal.AsBytes(values.Select(v => (float)v).ToArray().AsSpan()).ToArray(),
                    "F16" => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
                    _ => MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits((float)v) >> 16)).ToArray().AsSpan()).ToArray(),
                };
                var type = dtype switch
                {
                    "F64" => SafeTensorDataType.Float64,
                    "F32" => SafeTensorDataType.Float32,
                    "F16" => SafeTensorDataType.Float16,
                    _ => SafeTensorDataType.BFloat16,
                };
                writer.AddTensor(name, type, shape, data);
            }
        });
    }
}
