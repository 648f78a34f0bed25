using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Onnx;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// <c>[Network(Onnx = "…")]</c>: every way a declaration or its model can fail is exactly one NG diagnostic on the
/// argument at fault, with the run-time importer's own words, and no code.
/// </summary>
public sealed class OnnxDiagnosticTests
{
    private const string OnnxNet = "[Network(Onnx = \"m.onnx\")] public partial class OnnxNet;";
    private const string OnnxSpan = "Onnx = \"m.onnx\"";

    /// <summary>Each case: the ID, the declaration, the additional files, and the text the diagnostic must point at.</summary>
    public static readonly Dictionary<string, (string Id, string Declaration, AdditionalText[] Files, string Span)> CaseTable = new()
    {
        ["no such file"] = ("NG0040", OnnxNet, [Model("/project/other.onnx", CorpusBytes("relu_softmax_op9"))], OnnxSpan),
        ["Onnx = null"] = ("NG0040", "[Network(Onnx = null)] public partial class NullOnnxNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "Onnx = null"),
        ["two files match"] = ("NG0041", OnnxNet, [Model("/project/a/m.onnx", CorpusBytes("relu_softmax_op9")), Model("/project/b/M.onnx", CorpusBytes("relu_softmax_op9"))], OnnxSpan),
        ["raw binary item"] = ("NG0042", OnnxNet, [new GeneratorHarness.InMemoryAdditionalText("/project/m.onnx", "\b\a\u0012\u0007pytorch\uFFFD")], OnnxSpan),
        ["truncated"] = ("NG0043", OnnxNet, [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9")[..100])], OnnxSpan),
        ["opset 8"] = ("NG0043", OnnxNet, [Model("/project/m.onnx", NegativeBytes("opset_8"))], OnnxSpan),
        ["external data"] = ("NG0043", OnnxNet, [Model("/project/m.onnx", NegativeBytes("external_data"))], OnnxSpan),
        ["damaged container"] = ("NG0043", OnnxNet, [new GeneratorHarness.InMemoryAdditionalText("/project/obj/netgen/1/m.onnx.netgen-base64", "NetGen onnx base64 v1\nsource=/project/m.onnx\n@@not base64@@\n")], OnnxSpan),
        ["convolution"] = ("NG0044", OnnxNet, [Model("/project/m.onnx", NegativeBytes("conv_op13"))], OnnxSpan),
        ["residual"] = ("NG0044", OnnxNet, [Model("/project/m.onnx", NegativeBytes("residual_op13"))], OnnxSpan),
        ["3-D weight"] = ("NG0044", OnnxNet, [Model("/project/m.onnx", NegativeBytes("weight_3d"))], OnnxSpan),
        ["missing initializer"] = ("NG0044", OnnxNet, [Model("/project/m.onnx", NegativeBytes("missing_initializer"))], OnnxSpan),
        ["NaN weight"] = ("NG0045", OnnxNet, [Model("/project/m.onnx", WithNaNWeight())], OnnxSpan),
        ["too large for Single"] = ("NG0045", "[Network(Onnx = \"m.onnx\", Precision = Precision.Single)] public partial class NarrowNet;", [Model("/project/m.onnx", HugeDoubleWeight())], "Onnx = \"m.onnx\""),
        ["metadata contradicts the graph"] = ("NG0046", OnnxNet, [Model("/project/m.onnx", WithContradictingMetadata())], OnnxSpan),
        ["layer attributes"] = ("NG0047", "[Network(Onnx = \"m.onnx\")][Input(2)][Dense(1, Activation.Sigmoid)] public partial class LayeredNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "Input(2)"),
        ["Onnx and Weights"] = ("NG0048", "[Network(Onnx = \"m.onnx\", Weights = \"w.safetensors\")] public partial class BothNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "Weights = \"w.safetensors\""),
        ["loss against the model's output"] = ("NG0010", "[Network(Onnx = \"m.onnx\", Loss = Loss.BinaryCrossEntropy)] public partial class LossNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "Loss = Loss.BinaryCrossEntropy"),
        ["loss on a Step model"] = ("NG0013", "[Network(Onnx = \"m.onnx\", Loss = Loss.MeanSquaredError)] public partial class StepNet;", [Model("/project/m.onnx", StepModel())], "Loss = Loss.MeanSquaredError"),
        ["leaky slope of the model"] = ("NG0014", OnnxNet, [Model("/project/m.onnx", WithLeakySlope(1.5f))], OnnxSpan),
        ["undefined precision"] = ("NG0020", "[Network(Onnx = \"m.onnx\", Precision = (Precision)2)] public partial class BadPrecisionNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "Precision = (Precision)2"),
        ["int8 weights of a double model"] = ("NG0030", "[Network(Onnx = \"m.onnx\", InferenceWeights = WeightFormat.Int8)] public partial class Int8DoubleNet;", [Model("/project/m.onnx", CorpusBytes("double_op17"))], "InferenceWeights = WeightFormat.Int8"),
        ["bf16 weights made double by the attribute"] = ("NG0030", "[Network(Onnx = \"m.onnx\", Precision = Precision.Double, InferenceWeights = WeightFormat.BFloat16)] public partial class BFloat16DoubleNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "InferenceWeights = WeightFormat.BFloat16"),
        ["undefined weight format"] = ("NG0020", "[Network(Onnx = \"m.onnx\", InferenceWeights = (WeightFormat)7)] public partial class BadFormatNet;", [Model("/project/m.onnx", CorpusBytes("relu_softmax_op9"))], "InferenceWeights = (WeightFormat)7"),
    };

    public static TheoryData<string> Cases => new(CaseTable.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsExactlyOneDiagnosticOnTheArgumentAtFault(string name)
    {
        var (id, declaration, files, expectedSpan) = CaseTable[name];

        var outcome = GeneratorHarness.Run(files, "using NetGen;\n" + declaration);

        var diagnostic = Assert.Single(outcome.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expectedSpan, outcome.TextAt(diagnostic.Location));
        Assert.Empty(outcome.GeneratedHintNames);
    }

    /// <summary>A model the importer refuses gets its exception's words: the detail, and the problem where one ID has several.</summary>
    [Theory]
    [InlineData("conv_op13", "NG0044")]
    [InlineData("residual_op13", "NG0044")]
    [InlineData("gelu_tanh_op17", "NG0044")]
    [InlineData("hidden_softmax_op13", "NG0044")]
    [InlineData("gemm_trans_a", "NG0044")]
    [InlineData("weight_3d", "NG0044")]
    [InlineData("missing_initializer", "NG0044")]
    [InlineData("external_data", "NG0043")]
    [InlineData("opset_8", "NG0043")]
    [InlineData("opset_22", "NG0043")]
    public void ARefusedModelIsReportedWithTheImportersMessage(string negative, string id)
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(NetGen.Onnx.Tests.Import.Corpus.Negative(negative)));

        var outcome = GeneratorHarness.Run([Model($"/project/{negative}.onnx", NegativeBytes(negative))], $"using NetGen;\n[Network(Onnx = \"{negative}.onnx\")] public partial class Refused;");

        var diagnostic = Assert.Single(outcome.NetGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        string verb = id == "NG0043" ? "cannot be read" : "is not a network NetGen can compile";
        Assert.Equal($"The ONNX model '{negative}.onnx' {verb}: {error.Detail} ({error.Problem})", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheOtherModelDiagnosticsCarryTheImportersWordsToo()
    {
        var nan = Message(WithNaNWeight());
        var nanError = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(WithNaNWeight()));
        Assert.Equal($"The ONNX model 'm.onnx' has a weight that is not finite in the network's precision: {nanError.Detail}", nan);

        var huge = OnnxImporter.Import(HugeDoubleWeight());
        var narrowError = Assert.Throws<OnnxImportException>(() => huge.CreateInterpreted<float>());
        Assert.Equal($"The ONNX model 'm.onnx' has a weight that is not finite in the network's precision: {narrowError.Detail}", Message(HugeDoubleWeight(), ", Precision = Precision.Single"));

        var mismatch = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(WithContradictingMetadata()));
        Assert.Equal($"The netgen.spec metadata of the ONNX model 'm.onnx' does not describe its graph: {mismatch.Detail}", Message(WithContradictingMetadata()));

        var slope = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(WithLeakySlope(1.5f)));
        Assert.Equal(OnnxImportProblem.ArchitectureRule, slope.Problem);
        Assert.Equal($"The network the ONNX model 'm.onnx' computes breaks a NetGen rule: {slope.Detail}", Message(WithLeakySlope(1.5f)));

        static string Message(byte[] model, string arguments = "") =>
            Assert.Single(GeneratorHarness.Run([OnnxDiagnosticTests.Model("/project/m.onnx", model)], $"using NetGen;\n[Network(Onnx = \"m.onnx\"{arguments})] public partial class Net;").NetGenDiagnostics)
                .GetMessage(CultureInfo.InvariantCulture);
    }

    [Fact]
    public void AStepModelCompilesForwardOnlyWithoutALoss()
    {
        var outcome = GeneratorHarness.Run([Model("/project/m.onnx", StepModel())], "using NetGen;\n[Network(Onnx = \"m.onnx\")] internal partial class StepNet;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        var network = OnnxNetworkTests.Create<float>(assembly, "StepNet");

        Assert.Null(network.Spec.Loss);
        Assert.False(network is ITrainableNetwork<float>);
        Assert.Equal(OnnxImporter.Import(StepModel()).Spec, network.Spec);
    }

    internal static AdditionalText Model(string path, byte[] bytes) => OnnxSources.Container(path, bytes);

    private static byte[] CorpusBytes(string name) => File.ReadAllBytes(NetGen.Onnx.Tests.Import.Corpus.Get(name).Path);

    private static byte[] NegativeBytes(string name) => File.ReadAllBytes(NetGen.Onnx.Tests.Import.Corpus.Negative(name));

    // relu_softmax_op9 with its first weight, stored as raw little-endian FLOAT data, replaced by a NaN.
    private static byte[] WithNaNWeight()
    {
        var model = CorpusBytes("relu_softmax_op9");
        float first = (float)OnnxImporter.Import(model).Parameters[0];
        return Replace(model, BitConverter.GetBytes(first), BitConverter.GetBytes(float.NaN));
    }

    // 2 → 1 in double with a weight of 1e300, which no float holds.
    private static byte[] HugeDoubleWeight()
    {
        var network = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        network.Parameters[0] = 1e300;
        return Export(network);
    }

    // The exported 4 → 3 Tanh → 2 Sigmoid network whose netgen.spec metadata says ReLU instead of Tanh.
    private static byte[] WithContradictingMetadata()
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(4, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy));
        network.InitializeParameters(seed: 5);
        return Replace(Export(network), Encoding.UTF8.GetBytes("3 Tanh"), Encoding.UTF8.GetBytes("3 ReLU"), after: Encoding.UTF8.GetBytes("netgen.spec"));
    }

    // An exported 4 → 3 LeakyReLU (0.25) → 2 network with the LeakyRelu node's alpha attribute set to another value, and
    // NetGen's metadata renamed away (it would contradict the graph first).
    private static byte[] WithLeakySlope(float slope)
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(4, [new DenseLayerSpec(3, Activation.LeakyReLU) { LeakySlope = 0.25 }, new DenseLayerSpec(2, Activation.Identity)], Loss.MeanSquaredError));
        network.InitializeParameters(seed: 7);
        var bytes = Replace(Export(network), Encoding.UTF8.GetBytes("netgen.spec"), Encoding.UTF8.GetBytes("netgen.spex"));

        // AttributeProto field 2 (f, a 32-bit float): tag 0x15, then the value little-endian.
        return Replace(bytes, [0x15, .. BitConverter.GetBytes(0.25f)], [0x15, .. BitConverter.GetBytes(slope)]);
    }

    // 4 → 3 Step → 2 Identity, forward-only.
    private static byte[] StepModel()
    {
        var network = new InterpretedNetwork<float>(new NetworkSpec(4, [new DenseLayerSpec(3, Activation.Step), new DenseLayerSpec(2, Activation.Identity)], loss: null));
        network.InitializeParameters(seed: 9);
        return Export(network);
    }

    private static byte[] Export<T>(INetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(network, stream);
        return stream.ToArray();
    }

    // The bytes with the one occurrence of find (or, given after, its first occurrence after the one occurrence of after)
    // replaced by with, of the same length.
    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with, byte[]? after = null)
    {
        int start = after is null ? 0 : Assert.Single(Occurrences(bytes, after, 0));
        var at = Occurrences(bytes, find, start).ToList();
        Assert.True(after is null ? at.Count == 1 : at.Count >= 1, $"{at.Count} occurrences");
        var result = (byte[])bytes.Clone();
        with.CopyTo(result, at[0]);
        return result;

        static IEnumerable<int> Occurrences(byte[] bytes, byte[] find, int start) =>
            Enumerable.Range(start, bytes.Length - find.Length + 1 - start).Where(i => bytes.AsSpan(i, find.Length).SequenceEqual(find));
    }
}
