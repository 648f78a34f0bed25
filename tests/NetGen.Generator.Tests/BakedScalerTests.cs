using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Data;
using NetGen.IO;
using Xunit;
using NetGen.Testing;

namespace NetGen.Generator.Tests;

/// <summary>
/// Issue 16, item 7: a baked weights file with a <c>netgen.scaler</c> entry gives the network <c>InputScaler</c> (the
/// runtime's scaler with the file's exact values) and <c>ForwardRaw</c>, inference on raw features that is bitwise
/// <c>Forward</c> on the scaled features; a file without one adds neither.
/// </summary>
public sealed class BakedScalerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-baked-scaler-").FullName;

    private delegate void SpanForward<T>(ReadOnlySpan<T> input, Span<T> output);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record Case(string Name, Precision Precision, bool MinMax, int Inputs, string Layers, NetworkSpec Spec, string Options = "");

    private static readonly Case[] Cases =
    [
        new("FloatStandardized", Precision.Single, false, 5, "[Dense(7, Activation.Tanh)][Dense(3, Activation.Softmax)]",
            new(5, [new DenseLayerSpec(7, Activation.Tanh), new DenseLayerSpec(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy)),
        new("FloatMinMax", Precision.Single, true, 4, "[Dense(6, Activation.ReLU)][Dense(1, Activation.Identity)]",
            new(4, [new DenseLayerSpec(6, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError)),
        new("DoubleStandardized", Precision.Double, false, 6, "[Dense(5, Activation.GELU)][Dense(2, Activation.Sigmoid)]",
            new(6, [new DenseLayerSpec(5, Activation.GELU), new DenseLayerSpec(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy, Precision.Double)),
        new("DoubleMinMax", Precision.Double, true, 3, "[Dense(4, Activation.Sigmoid)][Dense(2, Activation.Identity)]",
            new(3, [new DenseLayerSpec(4, Activation.Sigmoid), new DenseLayerSpec(2, Activation.Identity)], Loss.MeanSquaredError, Precision.Double)),
        // Baked as int8 inference weights: ForwardRaw runs the compressed Forward.
        new("FloatInt8Standardized", Precision.Single, false, 9, "[Dense(12, Activation.ReLU)][Dense(4, Activation.Softmax)]",
            new(9, [new DenseLayerSpec(12, Activation.ReLU), new DenseLayerSpec(4, Activation.Softmax)], Loss.SoftmaxCrossEntropy), ", InferenceWeights = WeightFormat.Int8"),
        // More inputs than ForwardRaw scales on the stack: the pooled path.
        new("FloatWideStandardized", Precision.Single, false, 1100, "[Dense(3, Activation.Tanh)][Dense(2, Activation.Softmax)]",
            new(1100, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(2, Activation.Softmax)], Loss.SoftmaxCrossEntropy)),
    ];

    [Fact]
    public void ForwardRawIsForwardOnTheScaledFeaturesBitwiseAndAllocatesNothing()
    {
        var files = new List<AdditionalText>();
        var source = new StringBuilder("using NetGen;\nnamespace Scaled;\n");
        foreach (var c in Cases)
        {
            string path = Path.Combine(_folder, c.Name + ".safetensors");
            if (c.Precision == Precision.Double)
            {
                Save<double>(c, path);
            }
            else
            {
                Save<float>(c, path);
            }

            files.Add(GeneratorHarness.WeightsFile("/project/" + c.Name + ".safetensors", File.ReadAllBytes(path)));
            string loss = c.Spec.Loss!.Value.ToString();
            source.Append($"[Network(Loss = Loss.{loss}, Precision = Precision.{c.Precision}, Weights = \"{c.Name}.safetensors\"{c.Options})][Input({c.Inputs})]{c.Layers} internal partial class {c.Name};\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        foreach (var c in Cases)
        {
            string path = Path.Combine(_folder, c.Name + ".safetensors");
            if (c.Precision == Precision.Double)
            {
                AssertRawForward<double>(assembly, c, path);
            }
            else
            {
                AssertRawForward<float>(assembly, c, path);
            }
        }
    }

    [Fact]
    public void ABakedNetworkWithoutAScalerHasNoRawMembers()
    {
        const string source = "using NetGen;\n[Network(Weights = \"plain.safetensors\")][Input(2)][Dense(1, Activation.Identity)] internal partial class PlainNet;\n";
        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/plain.safetensors", TestWeights.TwoToOne())], source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        var type = GeneratorHarness.CompileAndLoad(outcome).GetType("PlainNet")!;
        Assert.NotNull(type.GetProperty("BakedParameters"));
        Assert.Null(type.GetProperty("InputScaler"));
        Assert.Null(type.GetMethod("ForwardRaw"));
        Assert.DoesNotContain("InputScaler", outcome.SourceOf("PlainNet.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedScalerEntryIsNG0025OnTheWeightsArgumentWithWeightsFileLoadsWords()
    {
        byte[] bytes = TestWeights.Write(writer =>
        {
            writer.AddMetadata(WeightsFile.ScalerMetadataKey, "{\"kind\":\"standardizer\",\"mean\":[0,0],\"std\":[1,0]}");
            writer.AddTensor<float>("0.weight", [0.5f, -0.25f], 1, 2);
            writer.AddTensor<float>("0.bias", [0.125f], 1);
        });
        const string source = "using NetGen;\n[Network(Weights = \"bad.safetensors\")][Input(2)][Dense(1, Activation.Identity)] internal partial class BadScalerNet;\n";
        var outcome = GeneratorHarness.Run([GeneratorHarness.WeightsFile("/p/bad.safetensors", bytes)], source);

        var diagnostic = Assert.Single(outcome.NetGenDiagnostics);
        Assert.Equal("NG0025", diagnostic.Id);
        Assert.Equal("Weights = \"bad.safetensors\"", outcome.TextAt(diagnostic.Location));
        Assert.Equal(
            "The weights file 'bad.safetensors' does not fit the network 'BadScalerNet': metadata 'netgen.scaler': the standard deviation of feature 1 is 0; it must be positive",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(outcome.GeneratedHintNames);

        string path = Path.Combine(_folder, "bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError)), path));
        Assert.EndsWith(": " + error.Problem, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    // A network with seeded parameters and a scaler fitted on seeded data (a constant feature for the min-max scaler),
    // saved together.
    private static void Save<T>(Case c, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new InterpretedNetwork<T>(c.Spec);
        network.InitializeParameters(seed: (ulong)c.Name.Length, WeightInitialization.ByActivation);
        var data = Data<T>(c.Inputs, samples: 40, seed: (ulong)c.Inputs);
        IFeatureScaler<T> scaler = c.MinMax ? MinMaxScaler<T>.Fit(data) : Standardizer<T>.Fit(data);
        WeightsFile.Save(network, path, scaler);
    }

    // Features around 10 · feature index with spread 3, feature 1 constant (7.25).
    private static Dataset<T> Data<T>(int features, int samples, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom(seed);
        var values = new T[features * samples];
        for (int i = 0; i < values.Length; i++)
        {
            int j = i % features;
            values[i] = T.CreateChecked(j == 1 ? 7.25 : (10.0 * j) + (3.0 * random.NextGaussian()));
        }

        return new Dataset<T>(values, new T[samples], features, 1);
    }

    private static void AssertRawForward<T>(Assembly assembly, Case c, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var type = assembly.GetType("Scaled." + c.Name, throwOnError: true)!;
        var network = (INetwork<T>)Activator.CreateInstance(type)!;
        var inputScaler = (IFeatureScaler<T>)type.GetProperty("InputScaler")!.GetValue(null)!;
        var forwardRaw = (SpanForward<T>)Delegate.CreateDelegate(typeof(SpanForward<T>), network, type.GetMethod("ForwardRaw")!);

        // The scaler is the runtime's own type with exactly the values WeightsFile.Load restores.
        var twin = new InterpretedNetwork<T>(c.Spec);
        WeightsFile.Load(twin, path, out var loaded);
        Assert.Equal(loaded!.GetType(), inputScaler.GetType());
        Assert.Equal(c.MinMax ? typeof(MinMaxScaler<T>) : typeof(Standardizer<T>), type.GetProperty("InputScaler")!.PropertyType);
        if (inputScaler is Standardizer<T> standardizer)
        {
            var expected = (Standardizer<T>)loaded;
            Assert.Equal(Bits(expected.Means), Bits(standardizer.Means));
            Assert.Equal(Bits(expected.StandardDeviations), Bits(standardizer.StandardDeviations));
        }
        else
        {
            var minMax = (MinMaxScaler<T>)inputScaler;
            var expected = (MinMaxScaler<T>)loaded;
            Assert.Equal(Bits(expected.Minimums), Bits(minMax.Minimums));
            Assert.Equal(Bits(expected.Maximums), Bits(minMax.Maximums));
            Assert.Equal(expected.Divisors.ToArray(), minMax.Divisors.ToArray());
            Assert.Contains(1.0, minMax.Divisors.ToArray());
        }

        // ForwardRaw(raw) = Forward(scaler.Transform(raw)), bitwise, on data like the training data and far outside it.
        var raw = Data<T>(c.Inputs, samples: 30, seed: 77);
        var rawFeatures = raw.Features.ToArray();
        for (int i = 0; i < rawFeatures.Length; i += 7)
        {
            rawFeatures[i] *= T.CreateChecked(-25.5);
        }

        var scaled = new T[rawFeatures.Length];
        loaded.Transform(rawFeatures, scaled);
        var expectedOutput = new T[c.Spec.OutputSize];
        var actualOutput = new T[c.Spec.OutputSize];
        var interpretedOutput = new T[c.Spec.OutputSize];
        for (int s = 0; s < raw.Count; s++)
        {
            var sample = rawFeatures.AsSpan(s * c.Inputs, c.Inputs);
            network.Forward(scaled.AsSpan(s * c.Inputs, c.Inputs), expectedOutput);
            forwardRaw(sample, actualOutput);
            Assert.Equal(Bits<T>(expectedOutput), Bits<T>(actualOutput));

            // And the interpreted twin, given the same scaled features, agrees as the engines do (int8 weights round more).
            twin.Forward(scaled.AsSpan(s * c.Inputs, c.Inputs), interpretedOutput);
            for (int k = 0; k < actualOutput.Length; k++)
            {
                double tolerance = c.Precision == Precision.Double ? 1e-12 : c.Options.Length > 0 ? 0.05 : 1e-5;
                Assert.Equal(double.CreateChecked(interpretedOutput[k]), double.CreateChecked(actualOutput[k]), tolerance);
            }
        }

        // A Predictor over the generated scaler predicts from raw features as ForwardRaw does.
        var predictor = new Predictor<T>(network, inputScaler);
        if (c.Spec.Loss == Loss.SoftmaxCrossEntropy)
        {
            var classes = predictor.PredictClasses(rawFeatures);
            for (int s = 0; s < raw.Count; s++)
            {
                forwardRaw(rawFeatures.AsSpan(s * c.Inputs, c.Inputs), actualOutput);
                Assert.Equal(ArgMax<T>(actualOutput), classes[s]);
            }
        }

        Assert.Throws<ArgumentException>(() => forwardRaw(rawFeatures.AsSpan(0, c.Inputs - 1), actualOutput));
        Assert.Throws<ArgumentException>(() => forwardRaw(rawFeatures.AsSpan(0, c.Inputs), new T[c.Spec.OutputSize + 1]));

        forwardRaw(rawFeatures.AsSpan(0, c.Inputs), actualOutput);
        int call = 0;
        Assert.Equal(0, Allocations.Least(() => forwardRaw(rawFeatures.AsSpan((call++ % raw.Count) * c.Inputs, c.Inputs), actualOutput), repetitions: 200));
    }

    private static int ArgMax<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            best = values[k] > values[best] ? k : best;
        }

        return best;
    }

    private static byte[] Bits<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();
}
