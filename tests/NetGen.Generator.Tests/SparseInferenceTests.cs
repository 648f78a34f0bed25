using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// <c>[Network(SparseInference = true)]</c>: for baked weights with zeros, the generated Forward (sparse layers written
/// over their nonzero weights) equals the interpreted engine on the same parameters, and compiles without a warning, for
/// every shape the generator accepts: 1-wide layers, a layer with no nonzero weight, a layer with no zero weight, every
/// activation, a softmax output, double precision, a layer split over several methods; a network with no layer sparse
/// enough takes the dense path and says why.
/// </summary>
public sealed class SparseInferenceTests
{
    /// <summary>A declaration's layers, how much of each layer's weights to prune, and whether every layer is forced sparse.</summary>
    public sealed record Case(string Name, NetworkSpec Spec, string Layers, double[] Pruned, bool Forced = true, string? Loss = null);

    private static IEnumerable<Case> Cases()
    {
        yield return new Case("OneWideZero", Net(1, Loss.MeanSquaredError, (1, Activation.Identity)), "[Input(1)][Dense(1, Activation.Identity)]", [1.0]);
        yield return new Case("OneWideNoZero", Net(1, Loss.BinaryCrossEntropy, (1, Activation.Tanh), (1, Activation.Sigmoid)), "[Input(1)][Dense(1, Activation.Tanh)][Dense(1, Activation.Sigmoid)]", [0, 0], Loss: "BinaryCrossEntropy");
        yield return new Case(
            "EveryKind",
            Net(5, Loss.SoftmaxCrossEntropy, (7, Activation.ELU), (4, Activation.LeakyReLU), (6, Activation.GELU), (5, Activation.SiLU), (4, Activation.Softplus), (3, Activation.Softmax)),
            "[Input(5)][Dense(7, Activation.ELU)][Dense(4, Activation.LeakyReLU)][Dense(6, Activation.GELU)][Dense(5, Activation.SiLU)][Dense(4, Activation.Softplus)][Dense(3, Activation.Softmax)]",
            [0.8, 0.5, 0.7, 0.6, 0.9, 0.5],
            Loss: "SoftmaxCrossEntropy");
        yield return new Case("ZeroHiddenLayer", Net(4, Loss.SoftmaxCrossEntropy, (6, Activation.Sigmoid), (2, Activation.Softmax)), "[Input(4)][Dense(6, Activation.Sigmoid)][Dense(2, Activation.Softmax)]", [1.0, 0.5], Loss: "SoftmaxCrossEntropy");
        yield return new Case("Step", Net(3, null, (4, Activation.ReLU), (2, Activation.Step)), "[Input(3)][Dense(4, Activation.ReLU)][Dense(2, Activation.Step)]", [0.5, 0.5]);
        yield return new Case("Double", Net(9, Loss.MeanSquaredError, (12, Activation.Tanh), (2, Activation.Identity), precision: Precision.Double), "[Input(9)][Dense(12, Activation.Tanh)][Dense(2, Activation.Identity)]", [0.7, 0.3], Loss: "MeanSquaredError");
        // 1,638 nonzero weights in the first layer: more than one method's worth of terms.
        yield return new Case("SplitMethods", Net(64, Loss.SoftmaxCrossEntropy, (128, Activation.ReLU), (10, Activation.Softmax)), "[Input(64)][Dense(128, Activation.ReLU)][Dense(10, Activation.Softmax)]", [0.8, 0.9], Loss: "SoftmaxCrossEntropy");
        // 3,277 nonzero weights in each layer: the second would take the sparse code past its 4,096-term budget.
        yield return new Case("Budget", Net(64, Loss.MeanSquaredError, (128, Activation.ReLU), (64, Activation.Identity)), "[Input(64)][Dense(128, Activation.ReLU)][Dense(64, Activation.Identity)]", [0.6, 0.6]);
        // The generator's own threshold: the second layer is sparse enough, the first is not.
        yield return new Case("Threshold", Net(16, Loss.SoftmaxCrossEntropy, (24, Activation.ReLU), (8, Activation.Softmax)), "[Input(16)][Dense(24, Activation.ReLU)][Dense(8, Activation.Softmax)]", [0.5, 0.95], Forced: false, Loss: "SoftmaxCrossEntropy");
        // No layer sparse enough: the dense path.
        yield return new Case("TooDense", Net(16, Loss.SoftmaxCrossEntropy, (24, Activation.ReLU), (8, Activation.Softmax)), "[Input(16)][Dense(24, Activation.ReLU)][Dense(8, Activation.Softmax)]", [0.5, 0.5], Forced: false, Loss: "SoftmaxCrossEntropy");
    }

    private static NetworkSpec Net(int inputs, Loss? loss, params (int Size, Activation Activation)[] layers) => Net(inputs, loss, Precision.Single, layers);

    private static NetworkSpec Net(int inputs, Loss? loss, (int, Activation) first, (int, Activation) second, Precision precision) => Net(inputs, loss, precision, [first, second]);

    private static NetworkSpec Net(int inputs, Loss? loss, Precision precision, (int Size, Activation Activation)[] layers) =>
        new(inputs, layers.Select(l => new DenseLayerSpec(l.Size, l.Activation)).ToArray(), loss, precision);

    [Fact]
    public void SparseForwardEqualsTheInterpretedEngineForEveryShapeAndCompilesWithoutWarnings()
    {
        var cases = Cases().ToList();
        var files = new List<AdditionalText>();
        var source = new StringBuilder("using NetGen;\nnamespace Sparse;\n");
        var parameters = new Dictionary<string, Array>();
        foreach (var c in cases)
        {
            bool isDouble = c.Spec.Precision == Precision.Double;
            byte[] bytes = isDouble ? Pruned<double>(c, parameters) : Pruned<float>(c, parameters);
            files.Add(GeneratorHarness.WeightsFile($"/p/{c.Name}.safetensors", bytes));
            string loss = c.Loss is null ? string.Empty : $"Loss = Loss.{c.Loss}, ";
            string precision = isDouble ? "Precision = Precision.Double, " : string.Empty;
            string forced = c.Forced ? ", MaxSparseDensity = 1" : string.Empty;
            source.Append($"[Network({loss}{precision}Weights = \"{c.Name}.safetensors\", SparseInference = true{forced})]{c.Layers} internal partial class {c.Name};\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
        var assembly = GeneratorHarness.CompileAndLoad(outcome);

        foreach (var c in cases)
        {
            string generated = outcome.SourceOf($"Sparse.{c.Name}.g.cs");
            Assert.Equal(c.Name != "TooDense", generated.Contains("//   Forward: sparse (SparseInference).", StringComparison.Ordinal));
            var network = Activator.CreateInstance(assembly.GetType("Sparse." + c.Name, throwOnError: true)!)!;
            if (c.Spec.Precision == Precision.Double)
            {
                AssertEqualsInterpreted((INetwork<double>)network, c, (double[])parameters[c.Name], 1e-12);
            }
            else
            {
                AssertEqualsInterpreted((INetwork<float>)network, c, (float[])parameters[c.Name], 1e-5);
            }
        }

        // The plan says which layers are sparse and why.
        string threshold = outcome.SourceOf("Sparse.Threshold.g.cs");
        Assert.Contains("//   Sparse rows: Dense layer 1: 192 of 384 weights nonzero (50 %), dense: above the 10 % (the measured threshold;", threshold, StringComparison.Ordinal);
        Assert.Contains("//   Sparse rows: Dense layer 2: 10 of 192 weights nonzero (5.2 %), sparse: at most 10 % (the measured threshold;", threshold, StringComparison.Ordinal);
        Assert.Contains("//   Sparse rows: No layer is sparse enough, so Forward takes the dense path above.", outcome.SourceOf("Sparse.TooDense.g.cs"), StringComparison.Ordinal);
        Assert.Contains("Dense1SparseRows1(", outcome.SourceOf("Sparse.SplitMethods.g.cs"), StringComparison.Ordinal);
        string budget = outcome.SourceOf("Sparse.Budget.g.cs");
        Assert.Contains("//   Sparse rows: Dense layer 1: 3277 of 8192 weights nonzero (40 %), sparse:", budget, StringComparison.Ordinal);
        Assert.Contains("//   Sparse rows: Dense layer 2: 3277 of 8192 weights nonzero (40 %), dense: its nonzero weights would take the", budget, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOnnxModelsWeightsAreBakedSparseToo()
    {
        var c = new Case("OnnxSparse", Net(6, Loss.SoftmaxCrossEntropy, (10, Activation.ReLU), (3, Activation.Softmax)), string.Empty, [0.9, 0.6]);
        var parameters = new Dictionary<string, Array>();
        Pruned<float>(c, parameters);
        var network = new InterpretedNetwork<float>(c.Spec);
        ((float[])parameters[c.Name]).AsSpan().CopyTo(network.Parameters);
        using var model = new System.IO.MemoryStream();
        NetGen.Onnx.OnnxExporter.Export(network, model);
        const string source = "using NetGen;\n[Network(Onnx = \"sparse.onnx\", SparseInference = true, MaxSparseDensity = 0.5)] internal partial class OnnxSparse;\n";

        var outcome = GeneratorHarness.Run([OnnxSources.Container("/project/sparse.onnx", model.ToArray())], source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
        string generated = outcome.SourceOf("OnnxSparse.g.cs");
        Assert.Contains("//   Sparse rows: Dense layer 1: 6 of 60 weights nonzero (10 %), sparse: at most 50 % (MaxSparseDensity);", generated, StringComparison.Ordinal);
        Assert.Contains("//   Sparse rows: Dense layer 2: 12 of 30 weights nonzero (40 %), sparse:", generated, StringComparison.Ordinal);
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        AssertEqualsInterpreted((INetwork<float>)Activator.CreateInstance(assembly.GetType("OnnxSparse", throwOnError: true)!)!, c, (float[])parameters[c.Name], 1e-5);
    }

    // The spec's parameters, initialised and with the given share of each layer's weights set to zero (chosen by a
    // seeded shuffle, so the count is exact), saved as a weights file; the parameters are kept for the comparison.
    private static byte[] Pruned<T>(Case c, Dictionary<string, Array> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new InterpretedNetwork<T>(c.Spec);
        network.InitializeParameters(seed: 11);
        var random = new SeededRandom(5);
        int offset = 0;
        for (int l = 0; l < c.Spec.Layers.Count; l++)
        {
            int inputs = l == 0 ? c.Spec.InputSize : c.Spec.Layers[l - 1].Size;
            int weights = inputs * c.Spec.Layers[l].Size;
            var order = Enumerable.Range(0, weights).ToArray();
            for (int i = weights - 1; i > 0; i--)
            {
                int j = (int)(random.NextDouble() * (i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }

            int pruned = (int)Math.Round(c.Pruned[l] * weights);
            for (int i = 0; i < pruned; i++)
            {
                network.Parameters[offset + order[i]] = T.Zero;
            }

            offset += weights + c.Spec.Layers[l].Size;
        }

        parameters[c.Name] = network.Parameters.ToArray();
        return TestWeights.Save(network);
    }

    private static void AssertEqualsInterpreted<T>(INetwork<T> generated, Case c, T[] parameters, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(generated.Parameters.SequenceEqual(parameters), c.Name);
        var interpreted = new InterpretedNetwork<T>(c.Spec);
        parameters.CopyTo(interpreted.Parameters);
        var random = new SeededRandom(9);
        var input = new T[c.Spec.InputSize];
        var expected = new T[c.Spec.OutputSize];
        var actual = new T[c.Spec.OutputSize];
        for (int sample = 0; sample < 50; sample++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = T.CreateChecked((4 * random.NextDouble()) - 2);
            }

            interpreted.Forward(input, expected);
            generated.Forward(input, actual);
            for (int i = 0; i < expected.Length; i++)
            {
                double e = double.CreateChecked(expected[i]);
                double a = double.CreateChecked(actual[i]);
                Assert.True(Math.Abs(a - e) <= tolerance * Math.Max(1, Math.Abs(e)), $"{c.Name}, sample {sample}, output {i}: {a} vs {e}");
            }
        }
    }
}
