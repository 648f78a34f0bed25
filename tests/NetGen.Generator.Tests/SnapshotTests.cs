using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generated files of a set of networks that between them take every emission path are checked in
/// (Snapshots/*.g.cs) and compared line by line, so any change to emitted code shows up as a readable diff in review.
/// Set NETGEN_ACCEPT_SNAPSHOTS=1 to accept a deliberate change.
/// </summary>
public class SnapshotTests
{
    /// <summary>One declaration per emission path; the comment on each names the path it pins.</summary>
    private const string Declarations = """
        using NetGen;

        namespace Samples;

        /// <summary>Unrolled forward (two inputs packed in Vector128), eight samples a lane in training.</summary>
        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class XorNet;

        /// <summary>Unrolled forward (four inputs packed in Vector128, a packed four-wide hidden layer), lanes in training, softmax through the quadratic cost.</summary>
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(4)]
        [Dense(4, Activation.Sigmoid)]
        [Dense(3, Activation.Softmax)]
        public partial class TinySoftmaxNet;

        /// <summary>Register-resident forward with the output softmax in registers; batched training.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(64)]
        [Dense(32, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class DigitsNet;

        /// <summary>Register-resident forward with the input read from memory (wider than the registers hold), no softmax.</summary>
        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(48)]
        [Dense(16, Activation.Tanh)]
        [Dense(8, Activation.LeakyReLU, LeakySlope = 0.125)]
        [Dense(3, Activation.Sigmoid)]
        public partial class RegisterTanhNet;

        /// <summary>Register-resident hidden layers and an output layer too wide to write out: its blocks loop.</summary>
        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(16)]
        [Dense(16, Activation.ReLU)]
        [Dense(100, Activation.Sigmoid)]
        public partial class RegisterWideOutputNet;

        /// <summary>Looped forward over wide layers, batched training with the three-sample kernels.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class WideNet;

        /// <summary>Looped forward with a softmax too wide to unroll.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(8)]
        [Dense(72, Activation.Softmax)]
        public partial class WideSoftmaxNet;

        /// <summary>Input and hidden dropout: batched training with masks, looped forward with remainders.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(37)]
        [Dropout(0.9)]
        [Dense(33, Activation.LeakyReLU, LeakySlope = 0.05)]
        [Dropout(0.8)]
        [Dense(10, Activation.Softmax)]
        public partial class DropoutNet;

        /// <summary>Double precision, unrolled forward, every elementwise hidden activation, softmax through the quadratic cost.</summary>
        [Network(Precision = Precision.Double)]
        [Input(5)]
        [Dense(6, Activation.Identity)]
        [Dense(6, Activation.Sigmoid)]
        [Dense(6, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class DoubleUnrolledNet;

        /// <summary>Double precision, looped forward, dropout, sigmoid output with cross-entropy.</summary>
        [Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
        [Input(40)]
        [Dropout(0.75)]
        [Dense(36, Activation.Tanh)]
        [Dropout(0.5)]
        [Dense(4, Activation.Sigmoid)]
        public partial class DoubleLoopedNet;

        /// <summary>A hidden layer too wide for the stack: Forward rents pooled arrays.</summary>
        [Network]
        [Input(2)]
        [Dense(9000, Activation.ReLU)]
        [Dense(1, Activation.Identity)]
        public partial class PooledNet;

        /// <summary>A forward-only perceptron.</summary>
        [Network]
        [Input(3)]
        [Dense(2, Activation.Step)]
        [Dense(1, Activation.Step)]
        public partial class StepNet;

        /// <summary>ELU, register-resident: σ' and σ'' from a, no z kept.</summary>
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(8)]
        [Dense(16, Activation.ELU)]
        [Dense(4, Activation.ELU)]
        public partial class EluNet;

        /// <summary>GELU on a hidden layer with dropout, looped and batched: the layer keeps z for σ' and σ''.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(12)]
        [Dense(20, Activation.GELU)]
        [Dropout(0.9)]
        [Dense(3, Activation.Softmax)]
        public partial class GeluNet;

        /// <summary>SiLU in double precision, unrolled forward, SiLU output through the quadratic cost (σ' of zᴸ).</summary>
        [Network(Precision = Precision.Double)]
        [Input(4)]
        [Dense(6, Activation.SiLU)]
        [Dense(2, Activation.SiLU)]
        public partial class SiluNet;

        /// <summary>Softplus in the lane path: z kept as lane vectors for BP2.</summary>
        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(2)]
        [Dense(4, Activation.Softplus)]
        [Dense(1, Activation.Sigmoid)]
        public partial class SoftplusNet;

        /// <summary>Weights baked in from a safetensors file.</summary>
        [Network(Loss = Loss.MeanSquaredError, Weights = "model.safetensors")]
        [Input(2)]
        [Dense(3, Activation.ReLU)]
        [Dense(1, Activation.Identity)]
        public partial class BakedNet;

        /// <summary>Weights baked in with a standardizer stored beside them: InputScaler and ForwardRaw.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "scaled.safetensors")]
        [Input(3)]
        [Dense(2, Activation.Softmax)]
        public partial class ScaledNet;

        /// <summary>int8 inference weights: Forward through the runtime's int8 kernel, the compressed copy kept fresh.</summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.Int8)]
        [Input(20)]
        [Dense(12, Activation.Tanh)]
        [Dense(3, Activation.Softmax)]
        public partial class Int8Net;

        /// <summary>bfloat16 inference weights on a forward-only network.</summary>
        [Network(InferenceWeights = WeightFormat.BFloat16)]
        [Input(6)]
        [Dense(5, Activation.Sigmoid)]
        [Dense(2, Activation.Identity)]
        public partial class BFloat16Net;

        /// <summary>The baked network's weights baked in as int8: row maxima and float biases beside them.</summary>
        [Network(Loss = Loss.MeanSquaredError, Weights = "model.safetensors", InferenceWeights = WeightFormat.Int8)]
        [Input(2)]
        [Dense(3, Activation.ReLU)]
        [Dense(1, Activation.Identity)]
        public partial class BakedInt8Net;

        /// <summary>
        /// SparseInference on baked weights at the default threshold: both layers under 10 % nonzero, so their rows are
        /// straight-line terms over the nonzero weights; three first-layer rows have none (z = b), and only the two
        /// first-layer neurons the output layer reads are computed.
        /// </summary>
        [Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "sparse.safetensors", SparseInference = true)]
        [Input(8)]
        [Dense(8, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class SparseNet;
        """;

    private static readonly Lazy<GeneratorHarness.Outcome> Outcome = new(() =>
    {
        byte[] weights = TestWeights.Write(writer =>
        {
            writer.AddTensor<float>("0.weight", [0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f], 3, 2);
            writer.AddTensor<float>("0.bias", [0.125f, -0.25f, 0.375f], 3);
            writer.AddTensor<float>("2.weight", [1f, -2f, 0.5f], 1, 3);
            writer.AddTensor<float>("2.bias", [0.0625f], 1);
        });
        byte[] scaled = TestWeights.Write(writer =>
        {
            writer.AddMetadata(NetGen.IO.WeightsFile.ScalerMetadataKey, "{\"kind\":\"standardizer\",\"mean\":[5.8433332443237305,3.0573332309722900,1.25],\"std\":[0.8253012299537659,0.4344086647033691,2]}");
            writer.AddTensor<float>("0.weight", [0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f], 2, 3);
            writer.AddTensor<float>("0.bias", [0.125f, -0.25f], 2);
        });
        // 6 of 64 and 2 of 24 weights nonzero.
        var first = new float[64];
        (first[1], first[5], first[(2 * 8) + 3], first[3 * 8], first[(5 * 8) + 7], first[(7 * 8) + 2]) = (0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f);
        var second = new float[24];
        (second[0], second[(2 * 8) + 5]) = (1f, -2f);
        byte[] sparse = TestWeights.Write(writer =>
        {
            writer.AddTensor<float>("0.weight", first, 8, 8);
            writer.AddTensor<float>("0.bias", [0.125f, -0.25f, 0.375f, 0.5f, -0.625f, 0.75f, 0.875f, -1f], 8);
            writer.AddTensor<float>("2.weight", second, 3, 8);
            writer.AddTensor<float>("2.bias", [0.0625f, -0.125f, 0.25f], 3);
        });
        return GeneratorHarness.Run(
            [GeneratorHarness.WeightsFile("/project/model.safetensors", weights), GeneratorHarness.WeightsFile("/project/scaled.safetensors", scaled), GeneratorHarness.WeightsFile("/project/sparse.safetensors", sparse)],
            Declarations);
    });

    // Every generated file of the declarations above, by hint name.
    private static readonly string[] ExpectedHintNames =
    [
        "Samples.XorNet.g.cs",
        "Samples.TinySoftmaxNet.g.cs",
        "Samples.DigitsNet.g.cs",
        "Samples.RegisterTanhNet.g.cs",
        "Samples.RegisterWideOutputNet.g.cs",
        "Samples.WideNet.g.cs",
        "Samples.WideSoftmaxNet.g.cs",
        "Samples.DropoutNet.g.cs",
        "Samples.DoubleUnrolledNet.g.cs",
        "Samples.DoubleLoopedNet.g.cs",
        "Samples.PooledNet.g.cs",
        "Samples.EluNet.g.cs",
        "Samples.GeluNet.g.cs",
        "Samples.SiluNet.g.cs",
        "Samples.SoftplusNet.g.cs",
        "Samples.StepNet.g.cs",
        "Samples.BakedNet.g.cs",
        "Samples.BakedNet.Weights.g.cs",
        "Samples.ScaledNet.g.cs",
        "Samples.ScaledNet.Weights.g.cs",
        "Samples.Int8Net.g.cs",
        "Samples.BFloat16Net.g.cs",
        "Samples.BakedInt8Net.g.cs",
        "Samples.BakedInt8Net.Weights.g.cs",
        "Samples.SparseNet.g.cs",
        "Samples.SparseNet.Weights.g.cs",
    ];

    public static TheoryData<string> HintNames => new(ExpectedHintNames);

    [Theory]
    [MemberData(nameof(HintNames))]
    public void GeneratedFileMatchesTheCheckedInFile(string hintName)
    {
        string actual = Outcome.Value.SourceOf(hintName);
        string path = Path.Combine(SourceDirectory(), "Snapshots", hintName.Substring("Samples.".Length));
        if (Environment.GetEnvironmentVariable("NETGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}; run with NETGEN_ACCEPT_SNAPSHOTS=1 to create it.");
        string expected = File.ReadAllText(path);
        string? difference = FirstDifference(expected, actual);
        Assert.True(difference is null, $"Generated {hintName} differs from {path} (NETGEN_ACCEPT_SNAPSHOTS=1 accepts it):\n{difference}");
    }

    [Fact]
    public void EverySnapshotDeclarationIsCheckedInAndCompilesWithoutWarnings()
    {
        var outcome = Outcome.Value;
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(ExpectedHintNames.Order(StringComparer.Ordinal), outcome.GeneratedHintNames.Order(StringComparer.Ordinal));
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
    }

    private static string? FirstDifference(string expected, string actual)
    {
        var e = expected.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var a = actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? left = i < e.Length ? e[i] : null;
            string? right = i < a.Length ? a[i] : null;
            if (left != right)
            {
                var context = Enumerable.Range(Math.Max(0, i - 3), 3).Where(k => k < e.Length).Select(k => "  " + e[k]);
                return $"at line {i + 1}:\n{string.Join("\n", context)}\n- {left ?? "<end of file>"}\n+ {right ?? "<end of file>"}";
            }
        }

        return null;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
