using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>One test per diagnostic: exactly one NG diagnostic, with the right ID, on the right span, and no code for errors.</summary>
public class DiagnosticTests
{
    private const string Usings = "using NetGen;\n";

    public static TheoryData<string, string, string> Cases => new()
    {
        { "NG0001", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public class NotPartialNet { }", "NotPartialNet" },
        { "NG0002", "public class Outer { [Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class Inner; }", "Inner" },
        { "NG0003", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class GenericNet<T>;", "GenericNet" },
        { "NG0004", "[Network][Dense(1, Activation.Sigmoid)] public partial class NoInputNet;", "Network" },
        { "NG0005", "[Network][Input(2)][Input(3)][Dense(1, Activation.Sigmoid)] public partial class TwoInputsNet;", "Input(3)" },
        { "NG0006", "[Network][Dense(3, Activation.Tanh)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class LateInputNet;", "Input(2)" },
        { "NG0007", "[Network][Input(2)][Dense(0, Activation.Sigmoid)] public partial class ZeroNet;", "Dense(0, Activation.Sigmoid)" },
        { "NG0007", "[Network][Input(-4)][Dense(1, Activation.Sigmoid)] public partial class NegativeInputNet;", "Input(-4)" },
        { "NG0007", "[Network][Input(2)][Dense(2000000, Activation.Sigmoid)] public partial class HugeLayerNet;", "Dense(2000000, Activation.Sigmoid)" },
        { "NG0008", "[Network][Input(2)] public partial class NoLayersNet;", "Network" },
        { "NG0009", "[Network][Input(2)][Dense(3, Activation.Softmax)][Dense(1, Activation.Sigmoid)] public partial class HiddenSoftmaxNet;", "Dense(3, Activation.Softmax)" },
        { "NG0010", "[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(2)][Dense(2, Activation.Sigmoid)] public partial class CrossEntropyNet;", "Loss = Loss.SoftmaxCrossEntropy" },
        { "NG0010", "[Network(Loss = Loss.BinaryCrossEntropy)][Input(2)][Dense(1, Activation.Tanh)] public partial class BinaryTanhNet;", "Loss = Loss.BinaryCrossEntropy" },
        { "NG0011", "[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(0)][Dense(1, Activation.Sigmoid)] public partial class ZeroKeepNet;", "Dropout(0)" },
        { "NG0011", "[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(1.5)][Dense(1, Activation.Sigmoid)] public partial class BigKeepNet;", "Dropout(1.5)" },
        { "NG0011", "[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(double.NaN)][Dense(1, Activation.Sigmoid)] public partial class NaNKeepNet;", "Dropout(double.NaN)" },
        // 1/p, the scale of a kept unit, overflows float below about 2.94e-39 and double below about 5.56e-309.
        { "NG0011", "[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(1e-40)][Dense(1, Activation.Sigmoid)] public partial class TinyKeepNet;", "Dropout(1e-40)" },
        { "NG0011", "[Network(Precision = Precision.Double)][Input(2)][Dropout(1e-309)][Dense(1, Activation.Sigmoid)] public partial class TinyDoubleKeepNet;", "Dropout(1e-309)" },
        { "NG0012", "[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(0.5)][Dropout(0.7)][Dense(1, Activation.Sigmoid)] public partial class TwoDropoutsNet;", "Dropout(0.7)" },
        { "NG0012", "[Network][Input(2)][Dense(1, Activation.Sigmoid)][Dropout(0.5)] public partial class OutputDropoutNet;", "Dropout(0.5)" },
        { "NG0012", "[Network][Input(2)][Dense(1, Activation.Sigmoid)][Dropout(1.0)] public partial class OutputKeepAllNet;", "Dropout(1.0)" },
        { "NG0013", "[Network(Loss = Loss.MeanSquaredError)][Input(2)][Dense(1, Activation.Step)] public partial class TrainedStepNet;", "Dense(1, Activation.Step)" },
        { "NG0014", "[Network][Input(2)][Dense(3, Activation.LeakyReLU, LeakySlope = 1.5)][Dense(1, Activation.Sigmoid)] public partial class SteepNet;", "LeakySlope = 1.5" },
        { "NG0015", "[Network][Input(2)][Dense(3, Activation.ReLU, LeakySlope = 0.1)][Dense(1, Activation.Sigmoid)] public partial class IgnoredSlopeNet;", "LeakySlope = 0.1" },
        { "NG0016", "[Network][Input(100000)][Dense(100000, Activation.ReLU)][Dense(1, Activation.Sigmoid)] public partial class BillionNet;", "Network" },
        { "NG0016", "[Network][Input(1)]" + string.Concat(Enumerable.Repeat("[Dense(1, Activation.Tanh)]", 257)) + " public partial class DeepNet;", "Network" },
        { "NG0017", "[Network][Input(2)] public partial class SplitNet; [Dense(1, Activation.Sigmoid)] public partial class SplitNet;", "Dense(1, Activation.Sigmoid)" },
        { "NG0018", "[Dense(3, Activation.ReLU)] public partial class OrphanNet;", "Dense(3, Activation.ReLU)" },
        { "NG0019", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public static partial class StaticNet;", "StaticNet" },
        { "NG0019", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] file partial class FileLocalNet;", "FileLocalNet" },
        { "NG0020", "[Network][Input(2)][Dense(3, (Activation)42)] public partial class BadActivationNet;", "Dense(3, (Activation)42)" },
        { "NG0020", "[Network(Loss = (Loss)9)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class BadLossNet;", "Loss = (Loss)9" },
        { "NG0020", "[Network(Precision = (Precision)2)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class BadPrecisionNet;", "Precision = (Precision)2" },
        { "NG0026", "[Network][Input(2)][Dense(3, Activation.ELU, Alpha = 0)][Dense(1, Activation.Sigmoid)] public partial class FlatEluNet;", "Alpha = 0" },
        { "NG0026", "[Network][Input(2)][Dense(3, Activation.ELU, Alpha = double.PositiveInfinity)][Dense(1, Activation.Sigmoid)] public partial class InfiniteEluNet;", "Alpha = double.PositiveInfinity" },
        { "NG0027", "[Network][Input(2)][Dense(3, Activation.Tanh, Alpha = 0.5)][Dense(1, Activation.Sigmoid)] public partial class IgnoredAlphaNet;", "Alpha = 0.5" },
        { "NG0028", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class Spec;", "Spec" },
        { "NG0028", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class Dense1WeightsOffset;", "Dense1WeightsOffset" },
        // Found by FuzzTests (token mutation): global::System.Span<float> in the generated code found the class.
        { "NG0029", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class System;", "System" },
        { "NG0020", "[Network(InferenceWeights = (WeightFormat)5)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class BadFormatNet;", "InferenceWeights = (WeightFormat)5" },
        { "NG0030", "[Network(Precision = Precision.Double, InferenceWeights = WeightFormat.Int8)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class DoubleInt8Net;", "InferenceWeights = WeightFormat.Int8" },
        { "NG0031", "[Network(SparseInference = true)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class UnbakedSparseNet;", "SparseInference = true" },
        { "NG0031", "[Network(Weights = \"w.safetensors\", InferenceWeights = WeightFormat.Int8, SparseInference = true)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class CompressedSparseNet;", "SparseInference = true" },
        { "NG0032", "[Network(Weights = \"w.safetensors\", SparseInference = true, MaxSparseDensity = 1.5)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class DenserThanDenseNet;", "MaxSparseDensity = 1.5" },
        { "NG0032", "[Network(Weights = \"w.safetensors\", SparseInference = true, MaxSparseDensity = -0.1)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class NegativeDensityNet;", "MaxSparseDensity = -0.1" },
        { "NG0032", "[Network(Weights = \"w.safetensors\", SparseInference = true, MaxSparseDensity = double.NaN)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class NaNDensityNet;", "MaxSparseDensity = double.NaN" },
        { "NG0033", "[Network(MaxSparseDensity = 0.5)][Input(2)][Dense(1, Activation.Sigmoid)] public partial class IgnoredDensityNet;", "MaxSparseDensity = 0.5" },
        { "NG0028", "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class Dense1SparseRows0;", "Dense1SparseRows0" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsExactlyOneDiagnosticOnTheOffendingSyntax(string id, string declaration, string expectedSpan)
    {
        var outcome = GeneratorHarness.Run(Usings + declaration);

        var diagnostic = Assert.Single(outcome.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expectedSpan, outcome.TextAt(diagnostic.Location));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        if (diagnostic.DefaultSeverity == DiagnosticSeverity.Error)
        {
            Assert.Empty(outcome.GeneratedHintNames);
        }
        else if (declaration.Contains("[Network", System.StringComparison.Ordinal))
        {
            // A warning on a valid network still gets its code.
            Assert.NotEmpty(outcome.GeneratedHintNames);
        }
    }

    private const string WeightsNet = "[Network(Weights = \"w.safetensors\")][Input(2)][Dense(1, Activation.Sigmoid)] public partial class WeightsNet;";
    private const string WeightsSpan = "Weights = \"w.safetensors\"";

    /// <summary>The weights diagnostics, each with the additional files that provoke it.</summary>
    private static readonly System.Collections.Generic.Dictionary<string, (string Id, string Declaration, AdditionalText[] Files, string Span)> WeightsCaseTable = new()
    {
        ["no such file"] = ("NG0021", WeightsNet, [GeneratorHarness.WeightsFile("/project/other.safetensors", TestWeights.TwoToOne())], WeightsSpan),
        ["two files match"] = ("NG0022", WeightsNet, [GeneratorHarness.WeightsFile("/project/a/w.safetensors", TestWeights.TwoToOne()), GeneratorHarness.WeightsFile("/project/b/W.safetensors", TestWeights.TwoToOne())], WeightsSpan),
        ["raw binary item"] = ("NG0023", WeightsNet, [new GeneratorHarness.InMemoryAdditionalText("/project/w.safetensors", "\u0018\0\0\0\0\0\0\0{\"0.weight\":\uFFFD")], WeightsSpan),
        ["hostile header size"] = ("NG0024", WeightsNet, [GeneratorHarness.WeightsFile("/project/w.safetensors", TestWeights.Raw("{}", [], declaredHeaderSize: ulong.MaxValue))], WeightsSpan),
        ["lone surrogate escape"] = ("NG0024", WeightsNet, [GeneratorHarness.WeightsFile("/project/w.safetensors", TestWeights.Raw("{\"\\ud800\":{}}", []))], WeightsSpan),
        ["damaged container"] = ("NG0024", WeightsNet, [new GeneratorHarness.InMemoryAdditionalText("/project/obj/netgen/1/w.safetensors.netgen-base64", "NetGen safetensors base64 v1\nsource=/project/w.safetensors\n@@not base64@@\n")], WeightsSpan),
        ["wrong shape"] = ("NG0025", WeightsNet, [GeneratorHarness.WeightsFile("/project/w.safetensors", TestWeights.Write(w => { w.AddTensor<float>("0.weight", [1f, 2f, 3f], 1, 3); w.AddTensor<float>("0.bias", [0f], 1); }))], WeightsSpan),
    };

    public static TheoryData<string> WeightsCases => new(WeightsCaseTable.Keys);

    [Theory]
    [MemberData(nameof(WeightsCases))]
    public void ReportsExactlyOneWeightsDiagnosticOnTheWeightsArgument(string name)
    {
        var (id, declaration, files, expectedSpan) = WeightsCaseTable[name];

        var outcome = GeneratorHarness.Run(files, Usings + declaration);

        var diagnostic = Assert.Single(outcome.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expectedSpan, outcome.TextAt(diagnostic.Location));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Empty(outcome.GeneratedHintNames);
    }

    [Fact]
    public void EveryDescriptorHasATest()
    {
        var tested = Cases.Select(c => (string)c[0]).Concat(WeightsCaseTable.Values.Select(c => c.Id)).Concat(OnnxDiagnosticTests.CaseTable.Values.Select(c => c.Id)).ToHashSet();
        var declared = typeof(NetworkGenerator).Assembly.GetType("NetGen.Generator.Diagnostics.DiagnosticDescriptors")!
            .GetFields()
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .Where(id => id != "NG9999")
            .ToHashSet();
        Assert.Subset(tested, declared);
    }

    /// <summary>
    /// Where the compiler already reports an error in what NetGen would read (a class with no name yet, an argument of the
    /// wrong type, a half-typed attribute), NetGen adds neither a diagnostic computed from the bad value nor code.
    /// </summary>
    [Theory]
    [InlineData("[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class")]
    [InlineData("[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class {}")]
    [InlineData("[Network(Loss = 1)][Input(2)][Dense(1, Activation.Tanh)] public partial class IntLossNet;")]
    [InlineData("[Network(Precision = 1)][Input(2)][Dense(1, Activation.Tanh)] public partial class IntPrecisionNet;")]
    [InlineData("[Network][Input(2L)][Dense(1, Activation.Tanh)] public partial class LongInputNet;")]
    [InlineData("[Network][Input(2)][Dense(1, 3)] public partial class IntActivationNet;")]
    [InlineData("[Network][Input(2)][Dense(3, Activation.ReLU, LeakySlope = \"steep\")][Dense(1, Activation.Tanh)] public partial class TextSlopeNet;")]
    [InlineData("[Network][Input(2)][Dense(3, Activation.ELU, Alpha = Activation.ELU)][Dense(1, Activation.Tanh)] public partial class EnumAlphaNet;")]
    [InlineData("[Network][Input(2)][Dense(3, Activation.Tanh)][Dropout(\"half\")][Dense(1, Activation.Tanh)] public partial class TextKeepNet;")]
    [InlineData("[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class GenericNet<T;")]
    [InlineData("[Dense(3, Activation.ReLU)] public partial class")]
    // Found by FuzzTests (token mutation): the namespace's name is missing, and the code for ".Models" did not compile.
    [InlineData("namespace namespace Models; [Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class BadNamespaceNet;")]
    [InlineData("namespace Models. { [Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class HalfNamespaceNet; }")]
    public void StaysSilentWhereTheCompilerReportsTheError(string declaration)
    {
        var outcome = GeneratorHarness.Run(Usings + declaration);

        Assert.Contains(outcome.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("NG", System.StringComparison.Ordinal));
        Assert.Empty(outcome.NetGenDiagnostics);
        Assert.Empty(outcome.GeneratedHintNames);
    }

    [Fact]
    public void NetworkOnTwoPartialDeclarationsGeneratesOnceAndLeavesTheErrorToTheCompiler()
    {
        var outcome = GeneratorHarness.Run(Usings + "[Network][Input(2)][Dense(1, Activation.Sigmoid)] public partial class TwiceNet; [Network] public partial class TwiceNet;");

        Assert.Empty(outcome.NetGenDiagnostics);
        Assert.Single(outcome.GeneratedHintNames);
        Assert.Contains(outcome.Output.GetDiagnostics(), d => d.Id == "CS0579");
    }
}
