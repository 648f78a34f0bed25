using System;
using System.IO;
using System.Linq;
using NetGen.DataIO.Tests;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>
/// <see cref="OnnxImporter.LoadInto{T}(INetwork{T}, string)"/> loads a model's weights into a generated network whose
/// architecture it computes (PyTorch's exports, LogSoftmax and folded normalization included, and NetGen's own, bitwise),
/// and refuses any other network with a message naming the node, the tensor and both shapes, leaving it unchanged.
/// </summary>
public sealed class OnnxLoadIntoTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void APyTorchExportLoadsIntoItsGeneratedTwinWhichThenComputesPyTorchsOutputs()
    {
        AssertTwinMatchesPyTorch(new TorchReluSoftmaxNet(), Corpus.Get("relu_softmax_op9"), 1e-5);
        AssertTwinMatchesPyTorch(new TorchImageNet(), Corpus.Get("image_flatten_normalize_op12"), 1e-5);
        AssertTwinMatchesPyTorch(new TorchDoubleNet(), Corpus.Get("double_op17"), 1e-12);
    }

    [Fact]
    public void AGeneratedNetworkLoadedFromItsOwnExportHasBitwiseTheSameParameters()
    {
        string path = _folder.File("digits.onnx");
        var baked = new BakedDigitsNet();
        OnnxExporter.Export(baked, path);
        var twin = new DigitsTwinNet();

        OnnxImporter.LoadInto(twin, path);

        Assert.Equal(baked.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits), twin.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void AModelForAnotherInputSizeIsRefusedAndTheNetworkIsUnchanged()
    {
        var network = Initialized(new DigitsTwinNet());
        var before = network.Parameters.ToArray();

        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.LoadInto(network, Corpus.Get("relu_softmax_op9").Path));

        Assert.Equal(OnnxImportProblem.NetworkMismatch, error.Problem);
        Assert.Equal("relu_softmax_op9.onnx: The model's input 'input' has 20 features per sample (shape [batch, 20]), but the network '64 → 32 ReLU → 10 Softmax, SoftmaxCrossEntropy, Single' takes 64", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void ALayerOfAnotherSizeIsRefusedNamingItsNodeTensorAndBothShapes()
    {
        var network = Initialized(new DigitsTwinNet());
        var before = network.Parameters.ToArray();

        // The image model has 64 inputs too, but 32 → 10 after a LeakyReLU; DigitsTwinNet's first layer is ReLU.
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.LoadInto(network, Corpus.Get("image_flatten_normalize_op12").Path));

        Assert.Equal(OnnxImportProblem.NetworkMismatch, error.Problem);
        Assert.Equal("Dense layer 1 (node '/body/body.1/Gemm', Gemm, weight 'body.1.weight' [32, 64]) is followed by LeakyReLU with slope 0.10000000149011612 (node '/body/body.2/LeakyRelu'), but the network's dense layer 1 uses ReLU", error.Detail);
        Assert.Equal("/body/body.2/LeakyRelu", error.NodeName);
        Assert.Equal("body.1.weight", error.TensorName);
        Assert.Equal(before, network.Parameters.ToArray());

        var wider = Assert.Throws<OnnxImportException>(() => OnnxImporter.LoadInto(Initialized(new TorchReluSoftmaxNet()), OnnxImporter.Import(WithHiddenLayerOf(12))));
        Assert.Equal("Dense layer 1 (node 'dense1', Gemm, weight 'w1' [12, 20]) gives dense layer 1 the weights [12, 20] ([out, in]), but the network's dense layer 1 has the weights [16, 20]", wider.Detail);
        Assert.Equal("dense1", wider.NodeName);
        Assert.Equal("w1", wider.TensorName);
    }

    [Fact]
    public void AModelWithAnotherNumberOfLayersIsRefused()
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.LoadInto(new XorNet(), OnnxImporter.Import(TestModels.Mlp().Bytes())));

        Assert.Equal(OnnxImportProblem.NetworkMismatch, error.Problem);
        Assert.Equal("The model's input 'input' has 3 features per sample (shape [batch, 3]), but the network '2 → 4 Tanh → 1 Sigmoid, BinaryCrossEntropy, Single' takes 2", error.Detail);
    }

    [Fact]
    public void AWeightTooLargeForTheNetworksTypeIsRefusedAndNothingIsWritten()
    {
        var model = TestModels.Mlp();
        var w1 = model.Initializer("w1");
        w1.DataType = (int)Proto.TensorProto.Types.DataType.Double;
        w1.DoubleData.Add(w1.FloatData.Select(f => (double)f));
        w1.FloatData.Clear();
        w1.DoubleData[4] = 1e300;
        var imported = OnnxImporter.Import(TestModels.Bytes(model));
        var network = new InterpretedNetwork<float>(imported.Spec);
        network.Parameters.Fill(7f);

        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.LoadInto(network, imported));

        Assert.Equal(OnnxImportProblem.NonFiniteValue, error.Problem);
        Assert.Equal("Dense layer 1 (node 'dense1', Gemm, weight 'w1' [4, 3]) has the weight [1, 1] 1E+300, too large for Single", error.Detail);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(7f, p));
        Assert.Equal(1e300, imported.CreateInterpreted<double>().Parameters[4]);
    }

    [Fact]
    public void ImportingFromAStreamOrAFileGivesTheSameModel()
    {
        string path = Corpus.Get("mnist_784_op17").Path;
        using var stream = new NonSeekableStream(File.ReadAllBytes(path));

        var fromStream = OnnxImporter.Import(stream, "mnist");
        var fromFile = OnnxImporter.Import(path);

        Assert.Equal(fromFile.Spec, fromStream.Spec);
        Assert.Equal(fromFile.Parameters.ToArray(), fromStream.Parameters.ToArray());
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream([0x0F]), "broken"));
        Assert.StartsWith("broken: Malformed protobuf", error.Message, StringComparison.Ordinal);
    }

    private static void AssertTwinMatchesPyTorch<T>(INetwork<T> network, CorpusModel model, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        OnnxImporter.LoadInto(network, model.Path);
        var interpreted = OnnxImporter.Import(model.Path).CreateInterpreted<T>();
        Assert.Equal(interpreted.Parameters.ToArray(), network.Parameters.ToArray());
        int inputs = network.Spec.InputSize, outputs = network.Spec.OutputSize;
        var actual = new double[model.Batch * outputs];
        var y = new T[outputs];
        for (int s = 0; s < model.Batch; s++)
        {
            var x = model.Input.Skip(s * inputs).Take(inputs).Select(T.CreateChecked).ToArray();
            network.Forward(x, y);
            for (int j = 0; j < outputs; j++)
            {
                actual[(s * outputs) + j] = double.CreateChecked(y[j]);
            }
        }

        double error = Corpus.NormwiseRelativeError(actual, model.ExpectedNetworkOutputs);
        Assert.True(error <= tolerance, $"{model.Name}: {error:E3}");
    }

    private static TNetwork Initialized<TNetwork>(TNetwork network)
        where TNetwork : INetwork<float>
    {
        ParameterInitializer.Initialize(network.Spec, network.Parameters, seed: 11, WeightInitialization.XavierUniform);
        return network;
    }

    // The test MLP widened to 20 inputs, with a hidden layer of the given size and 4 outputs.
    private static byte[] WithHiddenLayerOf(int hidden)
    {
        var model = TestModels.Mlp();
        model.Graph.Input[0] = TestModels.Value("input", Proto.TensorProto.Types.DataType.Float, -1, 20);
        model.Graph.Output[0] = TestModels.Value("output", Proto.TensorProto.Types.DataType.Float, -1, 4);
        model.Graph.Initializer.Clear();
        model.Graph.Initializer.Add(TestModels.Floats("w1", [hidden, 20], new float[hidden * 20]));
        model.Graph.Initializer.Add(TestModels.Floats("b1", [hidden], new float[hidden]));
        model.Graph.Initializer.Add(TestModels.Floats("w2", [4, hidden], new float[4 * hidden]));
        model.Graph.Initializer.Add(TestModels.Floats("b2", [4], new float[4]));
        return TestModels.Bytes(model);
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
