using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Onnx;
using NetGen.Onnx.Tests.Import;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// <c>[Network(Onnx = "model.onnx")]</c> compiles every model of the ONNX corpus into the network
/// <c>OnnxImporter.Import</c> reads from it: the same spec, bitwise the same parameters as the interpreted import, its
/// outputs within 1e-6; and exactly what a hand-declared twin with baked weights emits, bitwise equal to that twin and to
/// one loaded with <c>OnnxImporter.LoadInto</c>.
/// </summary>
public sealed class OnnxNetworkTests
{
    /// <summary>Normwise relative difference allowed between generated and interpreted outputs (their sums run in other orders).</summary>
    private const double EngineTolerance = 1e-6;

    private static readonly Lazy<(Assembly Assembly, GeneratorHarness.Outcome Outcome)> CorpusBuild = new(BuildCorpus);

    public static TheoryData<string> Models => Corpus.Names;

    [Theory]
    [MemberData(nameof(Models))]
    public void ACorpusModelCompilesToTheImportedNetworkAndEqualsItsDeclaredTwins(string name)
    {
        var (assembly, outcome) = CorpusBuild.Value;
        var imported = OnnxImporter.Import(Corpus.Get(name).Path);
        if (imported.Spec.Precision == Precision.Double)
        {
            AssertTwins<double>(assembly, name, imported);
        }
        else
        {
            AssertTwins<float>(assembly, name, imported);
        }

        // The same code as the declared network with baked weights: only comments (the file's origin) and the name differ.
        Assert.Equal(
            Code(outcome.SourceOf($"FromOnnx.Baked_{name}.g.cs"), $"Baked_{name}"),
            Code(outcome.SourceOf($"FromOnnx.Onnx_{name}.g.cs"), $"Onnx_{name}"));
        Assert.Equal(
            Code(outcome.SourceOf($"FromOnnx.Baked_{name}.Weights.g.cs"), $"Baked_{name}"),
            Code(outcome.SourceOf($"FromOnnx.Onnx_{name}.Weights.g.cs"), $"Onnx_{name}"));
    }

    [Fact]
    public void TheGeneratedFileSaysWhichModelItWasImportedFromAndWhatWasFolded()
    {
        var (_, outcome) = CorpusBuild.Value;
        string source = outcome.SourceOf("FromOnnx.Onnx_batchnorm_dropout_op13.g.cs");

        Assert.Contains("//   read from the ONNX model 'batchnorm_dropout_op13.onnx' (opset 13, pytorch 1.13.0), as OnnxImporter reads it:\n", source, StringComparison.Ordinal);
        Assert.Contains("//     - BatchNormalization '", source, StringComparison.Ordinal);
        Assert.Contains("converted to float as <c>OnnxImporter.LoadInto</c> converts them", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ATrainableImportFineTunesAsTheInterpretedImportDoes()
    {
        var (assembly, _) = CorpusBuild.Value;
        var model = Corpus.Get("relu_softmax_op9");
        var imported = OnnxImporter.Import(model.Path);
        var generated = (ITrainableNetwork<float>)Create<float>(assembly, "Onnx_relu_softmax_op9");
        var interpreted = imported.CreateInterpreted<float>();
        int batch = model.Batch;
        var inputs = model.Input.Select(v => (float)v).ToArray();
        var targets = new float[batch * imported.Spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            targets[(s * imported.Spec.OutputSize) + (s % imported.Spec.OutputSize)] = 1f;
        }

        var workspace = generated.CreateWorkspace(batch);
        var interpretedWorkspace = interpreted.CreateWorkspace(batch);
        var gradient = new float[imported.Spec.ParameterCount];
        var expected = new float[imported.Spec.ParameterCount];
        float first = generated.ComputeLoss(inputs, targets, workspace);
        for (int step = 0; step < 20; step++)
        {
            float loss = generated.ComputeLossAndGradient(inputs, targets, gradient, workspace);
            float interpretedLoss = interpreted.ComputeLossAndGradient(inputs, targets, expected, interpretedWorkspace);
            Assert.Equal(interpretedLoss, loss, 1e-5f * Math.Max(1f, Math.Abs(interpretedLoss)));
            Assert.True(NormwiseRelative(gradient, expected) <= 1e-5, $"step {step}: gradients differ");
            for (int i = 0; i < gradient.Length; i++)
            {
                generated.Parameters[i] -= 0.1f * gradient[i];
                interpreted.Parameters[i] -= 0.1f * expected[i];
            }
        }

        Assert.True(generated.ComputeLoss(inputs, targets, workspace) < first, "twenty gradient steps did not lower the loss");
    }

    [Fact]
    public void LossAndPrecisionOnTheAttributeOverrideTheModels()
    {
        const string source = """
            using NetGen;
            [Network(Onnx = "relu_softmax_op9.onnx", Loss = Loss.MeanSquaredError, Precision = Precision.Double)] internal partial class Overridden;
            [Network(Onnx = "double_op17.onnx", Precision = Precision.Single)] internal partial class Narrowed;
            [Network(Onnx = "tanh_logsoftmax_op11.onnx")] internal partial class AsImported;
            """;
        var outcome = GeneratorHarness.Run([OnnxSources.CorpusModel("relu_softmax_op9"), OnnxSources.CorpusModel("double_op17"), OnnxSources.CorpusModel("tanh_logsoftmax_op11")], source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(outcome);

        var relu = OnnxImporter.Import(Corpus.Get("relu_softmax_op9").Path);
        var overridden = Create<double>(assembly, "Overridden");
        Assert.Equal(new NetworkSpec(relu.Spec.InputSize, relu.Spec.Layers, Loss.MeanSquaredError, Precision.Double, relu.Spec.InputKeepProbability), overridden.Spec);
        Assert.Equal(Bytes<double>(relu.CreateInterpreted<double>().Parameters), Bytes<double>(overridden.Parameters));

        var doubleModel = OnnxImporter.Import(Corpus.Get("double_op17").Path);
        var narrowed = Create<float>(assembly, "Narrowed");
        Assert.Equal(Precision.Single, narrowed.Spec.Precision);
        Assert.Equal(Bytes<float>(doubleModel.CreateInterpreted<float>().Parameters), Bytes<float>(narrowed.Parameters));

        var logSoftmax = OnnxImporter.Import(Corpus.Get("tanh_logsoftmax_op11").Path);
        Assert.Equal(logSoftmax.Spec, Create<float>(assembly, "AsImported").Spec);
        Assert.Equal(Loss.SoftmaxCrossEntropy, logSoftmax.Spec.Loss);
    }

    [Theory]
    [InlineData("relu_softmax_op9", WeightFormat.Int8)]
    [InlineData("mnist_784_op17", WeightFormat.Int8)]
    [InlineData("gelu_op16", WeightFormat.BFloat16)]
    [InlineData("double_op17", WeightFormat.BFloat16)]
    public void CompressedInferenceWeightsOfAnImportAreThoseOfTheDeclaredBakedTwin(string name, WeightFormat format)
    {
        // A double model narrowed to Single by the attribute: compressed weights need single precision.
        string precision = name == "double_op17" ? ", Precision = Precision.Single" : string.Empty;
        var imported = OnnxImporter.Import(Corpus.Get(name).Path);
        var single = new NetworkSpec(imported.Spec.InputSize, imported.Spec.Layers, imported.Spec.Loss, Precision.Single, imported.Spec.InputKeepProbability);
        var weights = TestWeights.Save(imported.CreateInterpreted<float>());
        string source = "using NetGen;\n"
            + $"[Network(Onnx = \"{name}.onnx\"{precision}, InferenceWeights = WeightFormat.{format})] internal partial class Compressed;\n"
            + OnnxSources.Declaration(single, "BakedTwin", $", Weights = \"{name}.safetensors\", InferenceWeights = WeightFormat.{format}");
        var outcome = GeneratorHarness.Run([OnnxSources.CorpusModel(name), GeneratorHarness.WeightsFile($"/project/weights/{name}.safetensors", weights)], source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(Code(outcome.SourceOf("BakedTwin.g.cs"), "BakedTwin"), Code(outcome.SourceOf("Compressed.g.cs"), "Compressed"));
        Assert.Equal(Code(outcome.SourceOf("BakedTwin.Weights.g.cs"), "BakedTwin"), Code(outcome.SourceOf("Compressed.Weights.g.cs"), "Compressed"));
        var assembly = GeneratorHarness.CompileAndLoad(outcome);

        var compressed = Create<float>(assembly, "Compressed");
        var twin = Create<float>(assembly, "BakedTwin");
        var reference = QuantizedNetwork.Create(imported.CreateInterpreted<float>(), format);
        var model = Corpus.Get(name);
        int features = single.InputSize, outputs = single.OutputSize;
        for (int s = 0; s < model.Batch; s++)
        {
            var x = model.Input.Skip(s * features).Take(features).Select(v => (float)v).ToArray();
            float[] actual = new float[outputs], baked = new float[outputs], expected = new float[outputs];
            compressed.Forward(x, actual);
            twin.Forward(x, baked);
            reference.Forward(x, expected);
            Assert.Equal(Bytes<float>(baked), Bytes<float>(actual));
            Assert.True(NormwiseRelative(actual, expected) <= EngineTolerance, $"{name}, sample {s}: not QuantizedNetwork's {format} computation");
        }
    }

    private static (Assembly, GeneratorHarness.Outcome) BuildCorpus()
    {
        var source = new StringBuilder("using NetGen;\nnamespace FromOnnx;\n");
        var files = new List<AdditionalText>();
        foreach (string name in Corpus.All.Keys.Order(StringComparer.Ordinal))
        {
            var imported = OnnxImporter.Import(Corpus.Get(name).Path);
            files.Add(OnnxSources.CorpusModel(name));
            files.Add(GeneratorHarness.WeightsFile($"/project/weights/{name}.safetensors", OnnxSources.WeightsOf(imported)));
            source.Append($"[Network(Onnx = \"{name}.onnx\")] internal partial class Onnx_{name};\n");
            source.Append(OnnxSources.Declaration(imported.Spec, "Twin_" + name));
            source.Append(OnnxSources.Declaration(imported.Spec, "Baked_" + name, $", Weights = \"{name}.safetensors\""));
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        Assert.Empty(outcome.GeneratorDiagnostics);
        return (GeneratorHarness.CompileAndLoad(outcome), outcome);
    }

    private static void AssertTwins<T>(Assembly assembly, string name, ImportedModel imported)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Corpus.Get(name);
        var generated = Create<T>(assembly, "Onnx_" + name);
        var baked = Create<T>(assembly, "Baked_" + name);
        var twin = Create<T>(assembly, "Twin_" + name);
        OnnxImporter.LoadInto(twin, model.Path);
        var interpreted = imported.CreateInterpreted<T>();

        Assert.Equal(imported.Spec, generated.Spec);
        Assert.Equal(Bytes<T>(interpreted.Parameters), Bytes<T>(generated.Parameters));
        Assert.Equal(Bytes<T>(twin.Parameters), Bytes<T>(generated.Parameters));
        Assert.Equal(Bytes<T>(baked.Parameters), Bytes<T>(generated.Parameters));

        int features = imported.Spec.InputSize, outputs = imported.Spec.OutputSize;
        var expected = model.ExpectedNetworkOutputs;
        for (int s = 0; s < model.Batch; s++)
        {
            var x = model.Input.Skip(s * features).Take(features).Select(T.CreateChecked).ToArray();
            T[] a = new T[outputs], b = new T[outputs], c = new T[outputs], d = new T[outputs];
            generated.Forward(x, a);
            twin.Forward(x, b);
            baked.Forward(x, c);
            interpreted.Forward(x, d);
            Assert.Equal(Bytes<T>(b), Bytes<T>(a));
            Assert.Equal(Bytes<T>(c), Bytes<T>(a));
            var actual = a.Select(double.CreateChecked).ToArray();
            Assert.True(NormwiseRelative(actual, d.Select(double.CreateChecked).ToArray()) <= EngineTolerance, $"{name}, sample {s}: generated and interpreted outputs differ");
            Assert.True(Corpus.NormwiseRelativeError(actual, expected.AsSpan(s * outputs, outputs)) <= 1e-5, $"{name}, sample {s}: not PyTorch's outputs");
        }
    }

    internal static INetwork<T> Create<T>(Assembly assembly, string typeName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var type = assembly.GetType("FromOnnx." + typeName) ?? assembly.GetType(typeName, throwOnError: true)!;
        return (INetwork<T>)Activator.CreateInstance(type)!;
    }

    private static byte[] Bytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    // The code of a generated file without its comments, with the type's name replaced: what must not differ between an
    // imported network and its declared twin.
    private static string Code(string source, string typeName) =>
        string.Join("\n", source.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)).Select(line => line.Replace(typeName, "Network", StringComparison.Ordinal)));

    private static double NormwiseRelative(float[] actual, float[] expected) =>
        NormwiseRelative(actual.Select(v => (double)v).ToArray(), expected.Select(v => (double)v).ToArray());

    private static double NormwiseRelative(double[] actual, double[] expected)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }

        return norm == 0 ? Math.Sqrt(difference) : Math.Sqrt(difference / norm);
    }
}
