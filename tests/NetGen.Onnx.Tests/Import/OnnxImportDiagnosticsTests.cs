using System;
using System.Linq;
using Google.Protobuf;
using NetGen.Onnx.Proto;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// Every way an ONNX model can fail to import is an <see cref="OnnxImportException"/> with its own
/// <see cref="OnnxImportProblem"/> and a message that names the node and tensor at fault: the negative models of the
/// corpus (real exports of a convolution, a residual block, a tanh GELU, a hidden softmax; hand-written external data,
/// missing initializers, 3-D weights, opsets 8 and 22) and edits of a small valid model.
/// </summary>
public sealed class OnnxImportDiagnosticsTests
{
    [Theory]
    [InlineData("conv_op13", OnnxImportProblem.UnsupportedOperator, "/0/Conv", null, "Node '/0/Conv' (Conv) is not an operator NetGen reads in a network's data path; NetGen reads Gemm and MatMul")]
    [InlineData("residual_op13", OnnxImportProblem.BranchingGraph, "/1/Add", null, "Node '/1/Add' (Add) combines two computed tensors, '/0/Gemm_output_0' and '/1/Relu_output_0' (a residual or branching connection); a NetGen network is one chain of dense layers")]
    [InlineData("gelu_tanh_op17", OnnxImportProblem.UnsupportedUse, "/1/Mul_4", null, "NetGen reads that only as SiLU, x·sigmoid(x), or GELU, x·½·(1 + erf(x/√2))")]
    [InlineData("hidden_softmax_op13", OnnxImportProblem.UnsupportedUse, "/1/Softmax", null, "Node '/1/Softmax' (Softmax) is on a hidden layer; NetGen allows Softmax only on the output layer")]
    [InlineData("external_data", OnnxImportProblem.ExternalData, "dense1", "w", "Tensor 'w' keeps its data in the external file 'weights.bin'; NetGen reads self-contained models only (save with onnx.save_model(model, path, save_as_external_data=False))")]
    [InlineData("missing_initializer", OnnxImportProblem.MissingInitializer, "dense1", "b", "Node 'dense1' (Gemm) uses the bias 'b', which no initializer or node defines")]
    [InlineData("weight_3d", OnnxImportProblem.WeightShape, "matmul1", "w3", "Node 'matmul1' (MatMul) multiplies by the weight 'w3' of shape [2, 4, 3]; a dense layer's weight must be 2-D")]
    [InlineData("opset_8", OnnxImportProblem.UnsupportedOpset, null, null, "The model uses opset 8 of the default ONNX domain; NetGen reads opsets 9 to 21")]
    [InlineData("opset_22", OnnxImportProblem.UnsupportedOpset, null, null, "The model uses opset 22 of the default ONNX domain; NetGen reads opsets 9 to 21")]
    [InlineData("gemm_trans_a", OnnxImportProblem.UnsupportedUse, "dense1", null, "Node 'dense1' (Gemm) has transA = 1, which multiplies the transposed batch; NetGen reads Gemm with transA = 0")]
    public void ANegativeCorpusModelIsRefusedWithItsOwnMessage(string name, OnnxImportProblem problem, string? node, string? tensor, string message)
    {
        string path = Corpus.Negative(name);

        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(path));

        Assert.Equal(problem, error.Problem);
        Assert.Equal(node, error.NodeName);
        Assert.Equal(tensor, error.TensorName);
        Assert.Equal(path, error.Path);
        Assert.StartsWith(name + ".onnx: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUnsupportedOperatorMessageListsWhatIsSupported()
    {
        var error = Refused(TestModels.Mlp().With(m => m.NodeNamed("relu1").OpType = "HardSwish"), OnnxImportProblem.UnsupportedOperator);

        Assert.Equal($"Node 'relu1' (HardSwish) is not an operator NetGen reads in a network's data path; NetGen reads {OnnxNetworkRecognizer.SupportedOperators}", error.Detail);
        Assert.Equal("relu1", error.NodeName);
    }

    [Fact]
    public void ATruncatedModelSaysSo()
    {
        var bytes = TestModels.Mlp().Bytes();

        var error = Refused(bytes[..(bytes.Length / 2)], OnnxImportProblem.Truncated);

        Assert.Matches(@"^The model is truncated: a field of (ModelProto|GraphProto) at byte \d+ needs the file to be at least \d+ bytes long, but it has \d+$", error.Detail);
    }

    [Theory]
    [InlineData(new byte[] { 0x0F }, "Malformed protobuf at byte 0: field 1 of ModelProto has the undefined wire type 7")]
    [InlineData(new byte[] { 0x0B }, "Malformed protobuf at byte 0: field 1 of ModelProto is a protobuf group, which ONNX never uses")]
    [InlineData(new byte[] { 0x00 }, "Malformed protobuf at byte 0: a field tag 0 in ModelProto is not a valid protobuf field number")]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "Malformed protobuf at byte 1: a varint in ModelProto does not fit 64 bits")]
    [InlineData(new byte[] { 0x3A, 0x02, 0x0A, 0x05, 0x12, 0x03, 0x61, 0x62, 0x63 }, "Malformed protobuf at byte 3: a field of GraphProto declares 5 bytes, past the end of the GraphProto at byte 4")]
    [InlineData(new byte[] { 0x12, 0x02, 0xC3, 0x28 }, "Malformed protobuf at byte 2: a string in ModelProto is not valid UTF-8")]
    [InlineData(new byte[] { 0x3A, 0x00, 0x3A, 0x00 }, "Malformed protobuf at byte 2: ModelProto holds its field 'graph' twice")]
    [InlineData(new byte[] { 0x3D, 0x00, 0x00, 0x00, 0x00 }, "Malformed protobuf at byte 0: field 7 of ModelProto has wire type 5, which does not fit its declared type")]
    public void MalformedProtobufNamesTheByteAndTheProblem(byte[] bytes, string message)
    {
        Assert.Equal(message, Refused(bytes, OnnxImportProblem.MalformedProtobuf).Detail);
    }

    [Fact]
    public void BytesWithoutAGraphAreNotAModel()
    {
        Assert.Equal("The model is empty (0 bytes)", Refused([], OnnxImportProblem.InvalidModel).Detail);
        Assert.Equal(
            "The model has no graph: the bytes parse as protobuf, but field 7 (ModelProto.graph) is missing, so this is not an ONNX model",
            Refused(new ModelProto { IrVersion = 8 }.ToByteArray(), OnnxImportProblem.InvalidModel).Detail);
    }

    [Fact]
    public void InvalidGraphsAreInvalidModels()
    {
        Assert.Equal(
            "Node 'dense2' (Gemm) computes 'z1', which node 'dense1' (Gemm) already defines; every ONNX value is defined once",
            Refused(TestModels.Mlp().With(m => m.NodeNamed("dense2").Output[0] = "z1"), OnnxImportProblem.InvalidModel).Detail);

        var unordered = TestModels.Mlp();
        var relu = unordered.NodeNamed("relu1");
        unordered.Graph.Node.Remove(relu);
        unordered.Graph.Node.Add(relu);
        Assert.Equal(
            "Node 'dense2' (Gemm) uses 'a1' before node 'relu1' (Relu) computes it: the graph is not in topological order",
            Refused(unordered, OnnxImportProblem.InvalidModel).Detail);

        Assert.Equal(
            "Tensor 'b1' has the shape [4] (4 elements) but holds 3 values of FLOAT",
            Refused(TestModels.Mlp().With(m => m.Initializer("b1").FloatData.RemoveAt(3)), OnnxImportProblem.InvalidModel).Detail);

        Assert.Equal(
            "Tensor 'w1' has the shape [4, 3] (12 elements of FLOAT, 48 bytes) but its raw_data is 47 bytes",
            Refused(TestModels.Mlp().With(m => AsRaw(m.Initializer("w1"), 47)), OnnxImportProblem.InvalidModel).Detail);

        Assert.Equal(
            "The graph declares its output 'output' with the shape [batch, 3], but the network computes 2 outputs per sample",
            Refused(TestModels.Mlp().With(m => m.Graph.Output[0] = TestModels.Value("output", TensorProto.Types.DataType.Float, -1, 3)), OnnxImportProblem.InvalidModel).Detail);
    }

    [Fact]
    public void AGraphThatIsNotAChainIsABranchingGraph()
    {
        var twoInputs = TestModels.Mlp();
        twoInputs.Graph.Input.Add(TestModels.Value("extra", TensorProto.Types.DataType.Float, -1, 3));
        Assert.Equal(
            "The graph has 2 inputs ('input', 'extra'); a NetGen network takes one, [batch, features]",
            Refused(twoInputs, OnnxImportProblem.BranchingGraph).Detail);

        var twoOutputs = TestModels.Mlp();
        twoOutputs.Graph.Output.Add(TestModels.Value("a1", TensorProto.Types.DataType.Float, -1, 4));
        Assert.Equal("The graph has 2 outputs ('output', 'a1'); a NetGen network has one", Refused(twoOutputs, OnnxImportProblem.BranchingGraph).Detail);
    }

    [Fact]
    public void SupportedOperatorsUsedInAnotherWayAreUnsupportedUses()
    {
        var early = TestModels.Mlp();
        early.InsertBefore("dense1", TestModels.Node("Relu", "early", ["input"], ["positive"]));
        early.Rewire("dense1", 0, "positive");
        Assert.Equal(
            "Node 'early' (Relu) applies an activation to the input before the first dense layer; a NetGen network starts with a dense layer",
            Refused(early, OnnxImportProblem.UnsupportedUse).Detail);

        var twice = TestModels.Mlp();
        twice.InsertBefore("dense2", TestModels.Node("Tanh", "tanh1", ["a1"], ["b1_"]));
        twice.Rewire("dense2", 0, "b1_");
        Assert.Equal(
            "Node 'tanh1' (Tanh) applies its activation to the output of node 'relu1' (Relu), another activation; a NetGen dense layer has one activation",
            Refused(twice, OnnxImportProblem.UnsupportedUse).Detail);

        var training = TestModels.Mlp();
        training.InsertBefore("dense2", TestModels.Node("Constant", "yes", [], ["true"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, Int32Data = { 1 } } }));
        training.InsertBefore("dense2", TestModels.Node("Dropout", "drop", ["a1", "", "true"], ["d1"]));
        training.Rewire("dense2", 0, "d1");
        Assert.Equal(
            "Node 'drop' (Dropout) runs in training mode (training_mode = true), which drops values at random; NetGen imports inference graphs",
            Refused(training, OnnxImportProblem.UnsupportedUse).Detail);

        var fixedBatch = TestModels.Mlp();
        fixedBatch.Graph.Initializer.Add(TestModels.Int64s("shape", [2], [5, 3]));
        fixedBatch.InsertBefore("dense1", TestModels.Node("Reshape", "reshape", ["input", "shape"], ["flat"]));
        fixedBatch.Rewire("dense1", 0, "flat");
        Assert.Equal(
            "Node 'reshape' (Reshape) reshapes to [5, 3], fixing the batch size at 5 although the input's batch is dynamic; NetGen reads reshapes that keep the batch, such as [-1, features]",
            Refused(fixedBatch, OnnxImportProblem.UnsupportedUse).Detail);

        var flattenAll = TestModels.Mlp();
        flattenAll.InsertBefore("dense1", TestModels.Node("Flatten", "flatten", ["input"], ["flat"], TestModels.Int("axis", 0)));
        flattenAll.Rewire("dense1", 0, "flat");
        Assert.Equal(
            "Node 'flatten' (Flatten) flattens at axis 0 of a [batch, 3] tensor, which mixes samples; NetGen reads Flatten at axis 1, to [batch, features]",
            Refused(flattenAll, OnnxImportProblem.UnsupportedUse).Detail);

        var perSample = TestModels.Mlp();
        perSample.Graph.Initializer.Add(TestModels.Floats("offsets", [2, 3], [1, 2, 3, 4, 5, 6]));
        perSample.InsertBefore("dense1", TestModels.Node("Sub", "center", ["input", "offsets"], ["centered"]));
        perSample.Rewire("dense1", 0, "centered");
        Assert.Equal(
            "Node 'center' (Sub) combines the data [batch, 3] with the constant 'offsets' of shape [2, 3], which is not one value per feature; NetGen folds only per-feature scales and shifts",
            Refused(perSample, OnnxImportProblem.UnsupportedUse).Detail);

        var afterOutput = TestModels.Mlp();
        afterOutput.NodeNamed("dense2").Output[0] = "z2";
        afterOutput.Graph.Node.Add(TestModels.Node("Softmax", "softmax", ["z2"], ["p"]));
        afterOutput.Graph.Initializer.Add(TestModels.Floats("two", [], [2]));
        afterOutput.Graph.Node.Add(TestModels.Node("Mul", "double", ["p", "two"], ["output"]));
        Assert.Equal(
            "Node 'double' (Mul) changes the network's output after its activation (Softmax); NetGen can fold scales and shifts only into a dense layer",
            Refused(afterOutput, OnnxImportProblem.UnsupportedUse).Detail);

        var gelu = TestModels.Mlp(opset: 20);
        gelu.NodeNamed("relu1").OpType = "Gelu";
        gelu.NodeNamed("relu1").Attribute.Add(new AttributeProto { Name = "approximate", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("tanh") });
        Assert.Equal(
            "Node 'relu1' (Gelu) uses approximate = 'tanh'; NetGen's GELU is the exact erf form (PyTorch's nn.GELU() default)",
            Refused(gelu, OnnxImportProblem.UnsupportedUse).Detail);
    }

    [Fact]
    public void WeightsThatDoNotFitAreWeightShapeErrors()
    {
        Assert.Equal(
            "Node 'dense2' (Gemm) has the weight 'w2' of shape [2, 5] ([out, in]: 5 inputs), but the previous layer has 4 outputs",
            Refused(TestModels.Mlp().With(m => Reshape(m.Initializer("w2"), [2, 5], 10)), OnnxImportProblem.WeightShape).Detail);

        Assert.Equal(
            "Node 'dense1' (Gemm) has the weight 'w1' of shape [4, 2] ([out, in]: 2 inputs), but the network's input has 3 features per sample",
            Refused(TestModels.Mlp().With(m => Reshape(m.Initializer("w1"), [4, 2], 8)), OnnxImportProblem.WeightShape).Detail);

        Assert.Equal(
            "Node 'dense1' (Gemm) has the bias 'b1' of shape [3], which does not broadcast to one value per output ([4] or [1, 4])",
            Refused(TestModels.Mlp().With(m => Reshape(m.Initializer("b1"), [3], 3)), OnnxImportProblem.WeightShape).Detail);
    }

    [Fact]
    public void WeightsComputedFromTheDataAreMissingInitializers()
    {
        var computed = TestModels.Mlp();
        computed.Rewire("dense2", 1, "z1");
        var error = Refused(computed, OnnxImportProblem.MissingInitializer);

        Assert.Equal("Node 'dense2' (Gemm) takes its weight 'z1' from the graph's data rather than from an initializer; NetGen reads dense layers with stored weights", error.Detail);
        Assert.Equal("z1", error.TensorName);
        Assert.Equal(
            "Node 'relu1' (Relu) uses 'nowhere', which is neither an initializer, the graph input nor the output of a node",
            Refused(TestModels.Mlp().With(m => m.Rewire("relu1", 0, "nowhere")), OnnxImportProblem.MissingInitializer).Detail);
    }

    [Fact]
    public void TypesNetGenCannotComputeWithAreUnsupportedDataTypes()
    {
        var integers = TestModels.Mlp();
        var w1 = integers.Initializer("w1");
        w1.FloatData.Clear();
        w1.DataType = (int)TensorProto.Types.DataType.Int8;
        w1.Int32Data.Add(Enumerable.Range(0, 12));
        Assert.Equal(
            "Node 'dense1' (Gemm) uses the tensor 'w1' of INT8; NetGen reads weights of FLOAT, DOUBLE, FLOAT16 or BFLOAT16",
            Refused(integers, OnnxImportProblem.UnsupportedDataType).Detail);

        var halfInput = TestModels.Mlp();
        halfInput.Graph.Input[0] = TestModels.Value("input", TensorProto.Types.DataType.Float16, -1, 3);
        Assert.Equal(
            "The graph input 'input' is a tensor of FLOAT16; NetGen networks take FLOAT (single precision) or DOUBLE",
            Refused(halfInput, OnnxImportProblem.UnsupportedDataType).Detail);

        var strings = TestModels.Mlp();
        strings.Initializer("b1").DataType = (int)TensorProto.Types.DataType.String;
        Assert.Equal(
            "Tensor 'b1' is STRING; NetGen reads FLOAT, DOUBLE, FLOAT16 and BFLOAT16 values (and integer shapes)",
            Refused(strings, OnnxImportProblem.UnsupportedDataType).Detail);
    }

    [Fact]
    public void HostileSizesAreRefusedBeforeAnythingIsAllocatedForThem()
    {
        Assert.Equal(
            "Node 'dense1' (Gemm) has the weight 'w1' of shape [4, 4611686018427387904]; a NetGen layer has between 1 and 1048576 inputs and outputs",
            Refused(TestModels.Mlp().With(m => m.Initializer("w1").Dims[1] = 1L << 62), OnnxImportProblem.HostileSize).Detail);

        Assert.Equal(
            "Tensor 'shape' has the shape [1099511627776], more than 2147483647 elements",
            Refused(Reshaped(TestModels.Int64s("shape", [1L << 40], [])), OnnxImportProblem.HostileSize).Detail);

        Assert.Equal(
            "Tensor 'shape' has the negative dimension -2 in its shape [-2]",
            Refused(Reshaped(TestModels.Int64s("shape", [-2], [])), OnnxImportProblem.HostileSize).Detail);

        Assert.Equal(
            "The graph input 'input' has the shape [batch, 2000000]; a NetGen network takes between 1 and 1048576 features per sample",
            Refused(TestModels.Mlp().With(m => m.Graph.Input[0] = TestModels.Value("input", TensorProto.Types.DataType.Float, -1, 2_000_000)), OnnxImportProblem.HostileSize).Detail);

        // Shapes alone, with no data behind them, are checked before any weight is decoded.
        var huge = TestModels.Mlp();
        huge.Graph.Input[0] = TestModels.Value("input", TensorProto.Types.DataType.Float, -1, 1 << 20);
        huge.Initializer("w1").Dims[0] = 1 << 20;
        huge.Initializer("w1").Dims[1] = 1 << 20;
        huge.Initializer("b1").Dims[0] = 1 << 20;
        huge.Initializer("w2").Dims[1] = 1 << 20;
        Assert.Equal("The network has 1099514773506 parameters; a NetGen network has at most 100000000", Refused(huge, OnnxImportProblem.HostileSize).Detail);

        // Node counts are capped while counting, before an array is sized.
        var many = new byte[(2 * (OnnxImportLimits.MaxNodes + 1)) + 8];
        many[0] = 0x3A;
        int length = 2 * (OnnxImportLimits.MaxNodes + 1);
        int at = 1;
        for (uint rest = (uint)length; ; rest >>= 7)
        {
            many[at++] = (byte)(rest >= 0x80 ? (rest & 0x7F) | 0x80 : rest);
            if (rest < 0x80)
            {
                break;
            }
        }

        for (int i = 0; i <= OnnxImportLimits.MaxNodes; i++)
        {
            many[at++] = 0x0A;
            many[at++] = 0x00;
        }

        Assert.Equal("The model has more than 100000 nodes, the most NetGen reads", Refused(many[..at], OnnxImportProblem.HostileSize).Detail);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedWithTheirPlace()
    {
        var nan = TestModels.Mlp();
        nan.Initializer("w2").FloatData[5] = float.NaN;
        var error = Refused(nan, OnnxImportProblem.NonFiniteValue);
        Assert.Equal("Tensor 'w2' (used by node 'dense2' (Gemm)) has NaN at element [1, 1]; weights must be finite", error.Detail);
        Assert.Equal("w2", error.TensorName);

        // A zero variance with a zero epsilon folds to an infinite scale.
        var batchNorm = TestModels.Mlp();
        batchNorm.Graph.Initializer.Add(TestModels.Floats("gamma", [4], [1, 1, 1, 1]));
        batchNorm.Graph.Initializer.Add(TestModels.Floats("beta", [4], [0, 0, 0, 0]));
        batchNorm.Graph.Initializer.Add(TestModels.Floats("mean", [4], [0, 0, 0, 0]));
        batchNorm.Graph.Initializer.Add(TestModels.Floats("var", [4], [1, 0, 1, 1]));
        batchNorm.NodeNamed("dense1").Output[0] = "y1";
        batchNorm.InsertBefore("relu1", TestModels.Node("BatchNormalization", "bn", ["y1", "gamma", "beta", "mean", "var"], ["z1"], TestModels.Float("epsilon", 0)));
        Assert.Equal(
            "Dense layer 1 (node 'dense1' (Gemm)) has -infinity as its weight [1, 0] after folding the scales and shifts around it (a zero or tiny divisor or variance, or values too large); weights must be finite",
            Refused(batchNorm, OnnxImportProblem.NonFiniteValue).Detail);
    }

    [Fact]
    public void AnActivationParameterOutsideNetGensRulesIsAnArchitectureRuleError()
    {
        var leaky = TestModels.Mlp();
        leaky.NodeNamed("relu1").OpType = "LeakyRelu";
        leaky.NodeNamed("relu1").Attribute.Add(TestModels.Float("alpha", 1.5f));
        var error = Refused(leaky, OnnxImportProblem.ArchitectureRule);

        Assert.Equal("Node 'relu1' has the leaky ReLU slope 1.5; NetGen's LeakyReLU needs a slope in (0, 1)", error.Detail);
        Assert.Equal("relu1", error.NodeName);
    }

    [Fact]
    public void ASparseInitializerOrAnotherDomainIsRefused()
    {
        var sparse = TestModels.Mlp();
        sparse.Graph.SparseInitializer.Add(new SparseTensorProto());
        Assert.Equal("The graph has 1 sparse initializers; NetGen reads dense tensors only", Refused(sparse, OnnxImportProblem.UnsupportedDataType).Detail);

        var custom = TestModels.Mlp();
        custom.NodeNamed("relu1").Domain = "com.microsoft";
        Assert.StartsWith(
            "Node 'relu1' (Relu) is an operator of the domain 'com.microsoft'; NetGen reads the default ONNX domain: ",
            Refused(custom, OnnxImportProblem.UnsupportedOperator).Detail,
            StringComparison.Ordinal);
    }

    private static OnnxImportException Refused(ModelProto model, OnnxImportProblem problem) => Refused(model.Bytes(), problem);

    private static OnnxImportException Refused(byte[] bytes, OnnxImportProblem problem)
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(bytes));
        Assert.True(problem == error.Problem, $"{error.Problem}, not {problem}: {error.Message}");
        Assert.Null(error.Path);
        Assert.Equal(error.Detail, error.Message);
        return error;
    }

    // The test MLP with its input reshaped by the given shape tensor before the first layer.
    private static ModelProto Reshaped(TensorProto shape)
    {
        var model = TestModels.Mlp();
        model.Graph.Initializer.Add(shape);
        model.InsertBefore("dense1", TestModels.Node("Reshape", "reshape", ["input", shape.Name], ["flat"]));
        model.Rewire("dense1", 0, "flat");
        return model;
    }

    private static void AsRaw(TensorProto tensor, int length)
    {
        tensor.FloatData.Clear();
        tensor.RawData = ByteString.CopyFrom(new byte[length]);
    }

    private static void Reshape(TensorProto tensor, long[] dims, int count)
    {
        tensor.Dims.Clear();
        tensor.Dims.Add(dims);
        tensor.FloatData.Clear();
        tensor.FloatData.Add(Enumerable.Range(0, count).Select(i => 0.01f * i));
    }
}

internal static class ModelEdits
{
    public static ModelProto With(this ModelProto model, Action<ModelProto> edit)
    {
        edit(model);
        return model;
    }
}
