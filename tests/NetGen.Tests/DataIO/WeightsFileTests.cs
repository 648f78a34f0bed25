using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using NetGen.IO;
using Xunit;
using static NetGen.DataIO.Tests.Bytes;

namespace NetGen.DataIO.Tests;

public sealed class WeightsFileTests : IDisposable
{
    // 64 → 32 ReLU (dropout) → 10 Softmax: nn.Sequential(Linear, ReLU, Dropout, Linear, Softmax).
    private static readonly NetworkSpec DigitsSpec = new(
        64, [new DenseLayerSpec(32, Activation.ReLU) { KeepProbability = 0.8 }, new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy);

    // 2 → 3 ReLU → 1 Identity: nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)), Linear modules 0 and 2.
    private static readonly NetworkSpec SmallSpec = new(2, [new DenseLayerSpec(3, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)]);

    // Known weights of SmallSpec, PyTorch layout: weight [out, in], bias [out]; all exactly representable in bfloat16.
    private static readonly float[] W1 = [0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f];
    private static readonly float[] B1 = [0.125f, -0.25f, 0.375f];
    private static readonly float[] W2 = [1f, -2f, 0.5f];
    private static readonly float[] B2 = [0.0625f];

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void NamesLinearModulesByTheirIndexInTheMirroringSequential()
    {
        var inputDropout = new NetworkSpec(
            4, [new DenseLayerSpec(8, Activation.Tanh) { KeepProbability = 0.5 }, new DenseLayerSpec(3, Activation.Sigmoid)], inputKeepProbability: 0.9);
        var identities = new NetworkSpec(4, [new DenseLayerSpec(8, Activation.Identity), new DenseLayerSpec(8, Activation.Identity), new DenseLayerSpec(2, Activation.LeakyReLU)]);

        Assert.Equal([0, 3], WeightsFile.GetLinearModuleIndices(DigitsSpec));
        Assert.Equal([1, 4], WeightsFile.GetLinearModuleIndices(inputDropout));
        Assert.Equal([0, 1, 2], WeightsFile.GetLinearModuleIndices(identities));
        Assert.Equal("nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(p=0.2), nn.Linear(32, 10), nn.Softmax(dim=-1))",
            WeightsFile.DescribeAsPyTorchSequential(DigitsSpec));
        Assert.Equal("nn.Sequential(nn.Dropout(p=0.1), nn.Linear(4, 8), nn.Tanh(), nn.Dropout(p=0.5), nn.Linear(8, 3), nn.Sigmoid())",
            WeightsFile.DescribeAsPyTorchSequential(inputDropout));
        Assert.Equal("nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 8), nn.Linear(8, 2), nn.LeakyReLU(negative_slope=0.01))",
            WeightsFile.DescribeAsPyTorchSequential(identities));
    }

    [Fact]
    public void SavesPyTorchNamedTensorsShapesAndMetadata()
    {
        var network = new InterpretedNetwork<float>(DigitsSpec);
        network.InitializeParameters(seed: 1);
        string path = _folder.File("digits.safetensors");

        WeightsFile.Save(network, path);

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(["0.weight F32 [32, 64]", "0.bias F32 [32]", "3.weight F32 [10, 32]", "3.bias F32 [10]"], reader.Tensors.Select(t => t.ToString()));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(DigitsSpec.DescribeArchitecture(), reader.Metadata[WeightsFile.SpecMetadataKey]);
        Assert.Equal(WeightsFile.DescribeAsPyTorchSequential(DigitsSpec), reader.Metadata[WeightsFile.PyTorchMetadataKey]);
        // W is stored row-major [out, in]: element [5, 7] of layer 0 is flat parameter 5 × 64 + 7.
        var weights = new float[32 * 64];
        reader.ReadFloatingPoint<float>(reader.Tensors[0], weights);
        Assert.Equal(network.Parameters[5 * 64 + 7], weights[5 * 64 + 7]);
        Assert.Equal(network.Parameters[..(32 * 64)].ToArray(), weights);
    }

    [Fact]
    public void SaveThenLoadIsBitwiseIdenticalForFloat() => AssertRoundTrip<float>(SafeTensorDataType.Float32);

    [Fact]
    public void SaveThenLoadIsBitwiseIdenticalForDouble() => AssertRoundTrip<double>(SafeTensorDataType.Float64);

    [Theory]
    [InlineData("F32")]
    [InlineData("F64")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void LoadsAHandWrittenPyTorchFileAndComputesTheExpectedOutputs(string dtype)
    {
        string path = _folder.Write("torch.safetensors", PyTorchFile(dtype, W1, B1, W2, B2));
        var single = new InterpretedNetwork<float>(SmallSpec);
        var twin = new InterpretedNetwork<double>(SmallSpec);

        WeightsFile.Load(single, path);
        WeightsFile.Load(twin, path);

        foreach (double[] input in new[] { new[] { 1.0, 2.0 }, [-0.5, 0.25], [3.0, -1.0] })
        {
            double expected = ForwardByHand(input);
            var output = new float[1];
            var doubleOutput = new double[1];
            single.Forward(input.Select(x => (float)x).ToArray(), output);
            twin.Forward(input, doubleOutput);
            Assert.Equal(expected, output[0], 1e-5);
            Assert.Equal(expected, doubleOutput[0], 1e-12);
        }

        // Input (1, 2): z1 = (0.5 − 2 + 0.125, 1.5 + 0.5 − 0.25, −0.75 + 4 + 0.375) = (−1.375, 1.75, 3.625);
        // ReLU → (0, 1.75, 3.625); output = −3.5 + 1.8125 + 0.0625 = −1.625.
        Assert.Equal(-1.625, ForwardByHand([1.0, 2.0]));
    }

    [Fact]
    public void LoadsLinearModulesInIndexOrderWhateverTheGapsAndHeaderOrder()
    {
        // A PyTorch model with extra parameterless modules (say nn.Flatten at 0) numbers its Linear layers 1 and 5.
        string header = "{" + TensorEntry("5.bias", "F32", "[1]", 0, 4) + "," + TensorEntry("5.weight", "F32", "[1,3]", 4, 16) + ","
            + TensorEntry("1.weight", "F32", "[3,2]", 16, 40) + "," + TensorEntry("1.bias", "F32", "[3]", 40, 52) + "}";
        string path = _folder.Write("gaps.safetensors", SafeTensors(header, Concat(F32(B2), F32(W2), F32(W1), F32(B1))));
        var network = new InterpretedNetwork<double>(SmallSpec);

        WeightsFile.Load(network, path);

        Assert.Equal([.. W1.Select(x => (double)x), .. B1.Select(x => (double)x), .. W2.Select(x => (double)x), .. B2.Select(x => (double)x)], network.Parameters.ToArray());
    }

    [Fact]
    public void RejectsAFileForAnotherArchitectureNamingTheLayerAndBothShapes()
    {
        var wider = new NetworkSpec(2, [new DenseLayerSpec(4, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)]);
        var network = new InterpretedNetwork<float>(wider);
        string path = _folder.Write("small.safetensors", PyTorchFile("F32", W1, B1, W2, B2));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(network, path));

        Assert.Equal("small.safetensors, tensor '0.weight': dense layer 0 (module 0) needs a weight of shape [4, 2], but the file's has shape [3, 2]", error.Message);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(0f, p));
    }

    [Fact]
    public void RejectsABiasOfTheWrongShape()
    {
        string header = "{" + TensorEntry("0.weight", "F32", "[3,2]", 0, 24) + "," + TensorEntry("0.bias", "F32", "[1,3]", 24, 36) + ","
            + TensorEntry("2.weight", "F32", "[1,3]", 36, 48) + "," + TensorEntry("2.bias", "F32", "[1]", 48, 52) + "}";
        string path = _folder.Write("bias.safetensors", SafeTensors(header, Concat(F32(W1), F32(B1), F32(W2), F32(B2))));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal("0.bias", error.TensorName);
        Assert.Contains("dense layer 0 (module 0) needs a bias of shape [3], but the file's has shape [1, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsADifferentLayerCount()
    {
        var deeper = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.ReLU), new DenseLayerSpec(3, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)]);
        string path = _folder.Write("two.safetensors", PyTorchFile("F32", W1, B1, W2, B2));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(deeper), path));

        Assert.Equal($"two.safetensors: the file holds 2 Linear layers (module indices 0, 2) but the network '{deeper}' has 3 dense layers", error.Message);
    }

    [Fact]
    public void RejectsASavedSpecThatDiffersNamingBoth()
    {
        var saved = new InterpretedNetwork<float>(SmallSpec);
        saved.InitializeParameters(seed: 3);
        string path = _folder.File("saved.safetensors");
        WeightsFile.Save(saved, path);
        var sameShapesOtherActivation = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Tanh), new DenseLayerSpec(1, Activation.Identity)]);

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(sameShapesOtherActivation), path));

        Assert.Equal($"saved.safetensors: the file was saved from the network '{SmallSpec.DescribeArchitecture()}', but this network is '{sameShapesOtherActivation.DescribeArchitecture()}'", error.Message);
    }

    [Fact]
    public void FloatWeightsLoadIntoADoubleTwinExactly()
    {
        var saved = new InterpretedNetwork<float>(SmallSpec);
        saved.InitializeParameters(seed: 5);
        string path = _folder.File("float.safetensors");
        WeightsFile.Save(saved, path);
        var doubleSpec = new NetworkSpec(2, SmallSpec.Layers, SmallSpec.Loss, Precision.Double);

        var twin = new InterpretedNetwork<double>(doubleSpec);
        WeightsFile.Load(twin, path);

        for (int i = 0; i < saved.Parameters.Length; i++)
        {
            Assert.Equal((double)saved.Parameters[i], twin.Parameters[i]);
        }
    }

    [Fact]
    public void RejectsTensorsThatAreNotLinearParametersListingThem()
    {
        string header = "{" + TensorEntry("0.weight", "F32", "[3,2]", 0, 24) + "," + TensorEntry("0.bias", "F32", "[3]", 24, 36) + ","
            + TensorEntry("encoder.weight", "F32", "[1]", 36, 40) + "," + TensorEntry("02.bias", "F32", "[1]", 40, 44) + ","
            + TensorEntry("2.running_mean", "F32", "[1]", 44, 48) + "}";
        string path = _folder.Write("names.safetensors", SafeTensors(header, Concat(F32(W1), F32(B1), new byte[12])));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal(
            "names.safetensors: the file holds tensors that are not nn.Linear parameters named '<index>.weight' and '<index>.bias': 'encoder.weight', '02.bias', '2.running_mean'",
            error.Message);
    }

    [Fact]
    public void RejectsALinearLayerWithoutBias()
    {
        string header = "{" + TensorEntry("0.weight", "F32", "[3,2]", 0, 24) + "," + TensorEntry("0.bias", "F32", "[3]", 24, 36) + ","
            + TensorEntry("2.weight", "F32", "[1,3]", 36, 48) + "}";
        string path = _folder.Write("nobias.safetensors", SafeTensors(header, Concat(F32(W1), F32(B1), F32(W2))));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal("2.weight", error.TensorName);
        Assert.Contains("module 2 has a weight but no '2.bias'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAnIntegerDtype()
    {
        string header = "{" + TensorEntry("0.weight", "I32", "[3,2]", 0, 24) + "," + TensorEntry("0.bias", "F32", "[3]", 24, 36) + ","
            + TensorEntry("2.weight", "F32", "[1,3]", 36, 48) + "," + TensorEntry("2.bias", "F32", "[1]", 48, 52) + "}";
        string path = _folder.Write("ints.safetensors", SafeTensors(header, Concat(new byte[24], F32(B1), F32(W2), F32(B2))));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal("ints.safetensors, tensor '0.weight': dtype I32 cannot hold weights; use F32, F64, F16 or BF16", error.Message);
    }

    [Fact]
    public void RejectsANaNWeightNamingTheTensorAndElementAndLeavesTheNetworkUnchanged()
    {
        float[] poisoned = [1f, float.NaN, 0.5f];
        string path = _folder.Write("nan.safetensors", PyTorchFile("F32", W1, B1, poisoned, B2));
        var network = new InterpretedNetwork<float>(SmallSpec);
        network.InitializeParameters(seed: 9);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(network, path));

        Assert.Equal("nan.safetensors, tensor '2.weight': element [0, 1] is NaN; weights must be finite", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void RejectsAnInfiniteBias()
    {
        string path = _folder.Write("inf.safetensors", PyTorchFile("F64", W1, [0f, float.NegativeInfinity, 0f], W2, B2));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<double>(SmallSpec), path));

        Assert.Equal("inf.safetensors, tensor '0.bias': element [1] is -infinity; weights must be finite", error.Message);
    }

    [Fact]
    public void RejectsADoubleTooLargeForAFloatNetwork()
    {
        string header = "{" + TensorEntry("0.weight", "F64", "[3,2]", 0, 48) + "," + TensorEntry("0.bias", "F64", "[3]", 48, 72) + ","
            + TensorEntry("2.weight", "F64", "[1,3]", 72, 96) + "," + TensorEntry("2.bias", "F64", "[1]", 96, 104) + "}";
        string path = _folder.Write("big.safetensors", SafeTensors(header, Concat(F64(0, 0, 1e300, 0, 0, 0), F64(0, 0, 0), F64(0, 0, 0), F64(0))));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal("big.safetensors, tensor '0.weight': element [1, 0] is +infinity (or too large for Single); weights must be finite", error.Message);
        WeightsFile.Load(new InterpretedNetwork<double>(SmallSpec), path);
    }

    [Fact]
    public void RejectsAStructurallyInvalidFileBeforeTouchingTheNetwork()
    {
        string header = "{" + TensorEntry("0.weight", "F32", "[3,2]", 0, 24) + "," + TensorEntry("0.weight", "F32", "[3]", 24, 36) + "}";
        string path = _folder.Write("dup.safetensors", SafeTensors(header, new byte[36]));

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(new InterpretedNetwork<float>(SmallSpec), path));

        Assert.Equal("dup.safetensors, tensor '0.weight': the header names this tensor more than once", error.Message);
    }

    [Theory]
    [InlineData("{\"\\ud800\":{}}")]
    [InlineData("{\"0.weight\":{\"dtype\":\"F32\\udc00\",\"shape\":[],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"__metadata__\":{\"netgen.spec\":\"\\ud800\"}}")]
    public void ALoneSurrogateEscapeIsAWeightsFileErrorAndLeavesTheNetworkUnchanged(string header)
    {
        string path = _folder.Write("surrogate.safetensors", SafeTensors(header, new byte[header.Contains("F32", StringComparison.Ordinal) ? 4 : 0]));
        var network = new InterpretedNetwork<float>(SmallSpec);
        network.InitializeParameters(seed: 3);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(network, path));

        Assert.Contains("a string holds an unpaired surrogate escape", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    /// <summary>
    /// Loading a file whose header is almost all of it (thousands of stray tensors, a metadata object of many keys)
    /// allocates at most 6 times the file's size (the header and 5 bytes per header byte) before rejecting it.
    /// </summary>
    [Theory]
    [InlineData("stray tensors and metadata", "not nn.Linear parameters")]
    [InlineData("stray tensors of long names", "'mmmmmmmm")]
    [InlineData("a weight of a long shape", "needs a weight of shape [3, 2], but the file's has shape [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, … (600000 dimensions)]")]
    public void RejectingAHeaderHeavyFileAllocatesAtMostASmallMultipleOfIt(string kind, string problem)
    {
        string header = kind == "stray tensors and metadata"
            ? "{" + string.Join(",", Enumerable.Range(0, 30_000).Select(i => TensorEntry("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "U8", "[0]", 0, 0)))
                + ",\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, 30_000).Select(i => $"\"k{i}\":\"v\"")) + "}}"
            : kind == "stray tensors of long names"
            ? "{" + string.Join(",", Enumerable.Range(0, 10).Select(i => TensorEntry(new string('m', 100_000) + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "U8", "[0]", 0, 0))) + "}"
            : "{" + TensorEntry("0.weight", "F32", "[" + string.Join(",", Enumerable.Repeat("0", 600_000)) + "]", 0, 0) + "," + TensorEntry("0.bias", "F32", "[0]", 0, 0)
                + "," + TensorEntry("2.weight", "F32", "[0]", 0, 0) + "," + TensorEntry("2.bias", "F32", "[0]", 0, 0) + "}";
        byte[] content = SafeTensors(header, []);
        string path = _folder.Write("heavy.safetensors", content);
        var network = new InterpretedNetwork<float>(SmallSpec);
        Assert.Throws<WeightsFileException>(() => WeightsFile.Load(network, path));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<WeightsFileException>(() => WeightsFile.Load(network, path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.True(allocated <= (6L * content.Length) + (256 << 10), $"{kind}: {allocated:N0} bytes allocated for a {content.Length:N0}-byte file");
    }

    [Fact]
    public void SavingANonFiniteParameterWritesNothingAndKeepsTheOldFile()
    {
        string path = _folder.WriteText("model.safetensors", "previous model");
        var network = new InterpretedNetwork<float>(SmallSpec);
        network.InitializeParameters(seed: 2);
        network.Parameters[SmallSpec.GetLayout(1).BiasesOffset] = float.PositiveInfinity;

        var error = Assert.Throws<ArgumentException>(() => WeightsFile.Save(network, path));

        Assert.StartsWith("Parameter 2.bias[0] is +infinity; only finite weights are saved, and nothing was written.", error.Message, StringComparison.Ordinal);
        Assert.Equal("previous model", File.ReadAllText(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailedSaveDeletesItsTemporaryFile()
    {
        // A folder in the way makes the final rename fail after the temporary file was fully written.
        string path = _folder.File("blocked.safetensors");
        Directory.CreateDirectory(path);
        var network = new InterpretedNetwork<float>(SmallSpec);

        Assert.ThrowsAny<IOException>(() => WeightsFile.Save(network, path));

        Assert.Empty(Directory.GetFiles(_folder.Path));
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void SavingOverAnExistingModelReplacesIt()
    {
        string path = _folder.File("model.safetensors");
        var first = new InterpretedNetwork<double>(SmallSpec);
        first.InitializeParameters(seed: 1);
        var second = new InterpretedNetwork<double>(SmallSpec);
        second.InitializeParameters(seed: 2);
        var loaded = new InterpretedNetwork<double>(SmallSpec);

        WeightsFile.Save(first, path);
        WeightsFile.Save(second, path);
        WeightsFile.Load(loaded, path);

        Assert.Equal(second.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.NotEqual(first.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    private void AssertRoundTrip<T>(SafeTensorDataType expectedType)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var spec = new NetworkSpec(
            64, [new DenseLayerSpec(32, Activation.ReLU) { KeepProbability = 0.8 }, new DenseLayerSpec(16, Activation.Tanh), new DenseLayerSpec(10, Activation.Softmax)],
            Loss.SoftmaxCrossEntropy, typeof(T) == typeof(float) ? Precision.Single : Precision.Double, inputKeepProbability: 0.9);
        var original = new InterpretedNetwork<T>(spec);
        original.InitializeParameters(seed: 12345);
        var random = new SeededRandom(6789);
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            for (int j = 0; j < layout.OutputSize; j++)
            {
                original.Parameters[layout.BiasesOffset + j] = T.CreateChecked(random.NextGaussian());
            }
        }

        original.Parameters[0] = -T.Zero;
        string path = _folder.File($"roundtrip-{typeof(T).Name}.safetensors");
        var loaded = new InterpretedNetwork<T>(spec);

        WeightsFile.Save(original, path);
        WeightsFile.Load(loaded, path);

        Assert.Equal(MemoryMarshal.AsBytes(original.Parameters).ToArray(), MemoryMarshal.AsBytes(loaded.Parameters).ToArray());
        using (var reader = SafeTensorsReader.Open(path))
        {
            Assert.All(reader.Tensors, t => Assert.Equal(expectedType, t.DataType));
            Assert.Equal(["1.weight", "1.bias", "4.weight", "4.bias", "6.weight", "6.bias"], reader.Tensors.Select(t => t.Name));
        }

        var input = Enumerable.Range(0, 64).Select(i => T.CreateChecked(i / 16.0)).ToArray();
        var expected = new T[10];
        var actual = new T[10];
        original.Forward(input, expected);
        loaded.Forward(input, actual);
        Assert.Equal(expected, actual);
    }

    // The reference forward pass of SmallSpec, written out independently of the engine.
    private static double ForwardByHand(double[] x)
    {
        double output = B2[0];
        for (int j = 0; j < 3; j++)
        {
            double z = B1[j] + W1[2 * j] * x[0] + W1[2 * j + 1] * x[1];
            output += W2[j] * Math.Max(0.0, z);
        }

        return output;
    }
}
