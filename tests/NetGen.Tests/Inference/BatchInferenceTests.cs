using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Inference;

/// <summary>
/// Batched inference on networks without a block kernel of their own (interpreted, quantized): the per-sample outputs,
/// any batch size, any thread count with the same bits, the prediction overloads, errors and allocation.
/// </summary>
public class BatchInferenceTests
{
    private static readonly NetworkSpec Spec = new(
        30,
        [new DenseLayerSpec(200, Activation.ReLU), new DenseLayerSpec(40, Activation.Tanh), new DenseLayerSpec(7, Activation.Softmax)],
        Loss.SoftmaxCrossEntropy);

    public static TheoryData<int, int> BatchesAndThreads()
    {
        var data = new TheoryData<int, int>();
        foreach (int batch in new[] { 0, 1, 2, 29, 30, 31, 97, 200 })
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                data.Add(batch, threads);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BatchesAndThreads))]
    public void EverySampleGetsItsOwnForwardsOutputs(int batch, int threads)
    {
        var interpreted = QuantizedNetworkTests.Trained(Spec, seed: 1);
        var quantized = QuantizedNetwork.Create(interpreted, WeightFormat.Int8);
        var inputs = QuantizedKernelTests.RandomFloats(new Random(batch), batch * Spec.InputSize);
        using var workspace = new InferenceWorkspace<float>(Spec, threads);
        foreach (INetwork<float> network in new INetwork<float>[] { interpreted, quantized })
        {
            var outputs = new float[batch * Spec.OutputSize];
            network.Forward(inputs, outputs, workspace);
            Assert.Equal(PerSample(network, inputs), outputs);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(47)]
    [InlineData(48)]
    [InlineData(49)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(66)]
    [InlineData(67)]
    [InlineData(101)]
    [InlineData(1000)]
    public void GeneratedBlockKernelsMatchTheInterpretedEngineWithTheSameBitsOnAnyThreadCount(int batch)
    {
        foreach (INetwork<float> generated in new INetwork<float>[] { new FashionQuantizationNet(), new FashionQuantizationDeepNet(), new WideFloatNet(), new VeryWideFloatNet(), new OddWidthFloatNet() })
        {
            Assert.IsAssignableFrom<IBatchForward<float>>(generated);
            generated.InitializeParameters(3, WeightInitialization.ByActivation);
            var interpreted = new InterpretedNetwork<float>(generated.Spec);
            generated.Parameters.CopyTo(interpreted.Parameters);
            var inputs = QuantizedKernelTests.RandomFloats(new Random(batch), batch * generated.Spec.InputSize);
            var expected = PerSample(interpreted, inputs);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                using var workspace = new InferenceWorkspace<float>(generated.Spec, threads);
                var outputs = new float[expected.Length];
                generated.Forward(inputs, outputs, workspace);
                first ??= outputs;
                Assert.True(first.AsSpan().SequenceEqual(outputs), $"{generated.GetType().Name}: {threads} threads differ from one");
            }

            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(first![i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{generated.GetType().Name}, output {i}: {first[i]} against {expected[i]}");
            }
        }
    }

    [Fact]
    public void SmallGeneratedNetworksRunTheirForwardPerSample()
    {
        // Unrolled and register-resident networks have no block kernel: their batched outputs are their Forward's bits.
        foreach (INetwork<float> generated in new INetwork<float>[] { new XorNet(), new DigitsNet() })
        {
            Assert.False(generated is IBatchForward<float>);
            generated.InitializeParameters(4);
            var inputs = QuantizedKernelTests.RandomFloats(new Random(5), 70 * generated.Spec.InputSize);
            using var workspace = new InferenceWorkspace<float>(generated.Spec, 2);
            var outputs = new float[70 * generated.Spec.OutputSize];
            generated.Forward(inputs, outputs, workspace);
            Assert.Equal(PerSample(generated, inputs), outputs);
        }
    }

    [Fact]
    public void TheWorkspaceCutsBatchesIntoWholeBlocksOfThree()
    {
        Assert.Equal(66, InferenceWorkspace<float>.ChunkSamplesFor(Spec)); // hidden 200 wide: 16384 / 200 → 81, capped at 66
        Assert.Equal(54, InferenceWorkspace<float>.ChunkSamplesFor(new NetworkSpec(30, [new DenseLayerSpec(300, Activation.ReLU), new DenseLayerSpec(2, Activation.Identity)]))); // 16384 / 300 → 54
        Assert.Equal(66, InferenceWorkspace<float>.ChunkSamplesFor(new NetworkSpec(784, [new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)])));
        Assert.Equal(66, InferenceWorkspace<float>.ChunkSamplesFor(new NetworkSpec(784, [new DenseLayerSpec(10, Activation.Softmax)])));
        Assert.Equal(3, InferenceWorkspace<float>.ChunkSamplesFor(new NetworkSpec(3, [new DenseLayerSpec(9000, Activation.ReLU), new DenseLayerSpec(2, Activation.Identity)])));
        Assert.Equal(2 * 66 * 200, InferenceWorkspace<float>.ScratchLengthFor(Spec));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PredictionOverloadsAgreeWithTheUnbatchedOnes(int threads)
    {
        var network = QuantizedNetworkTests.Trained(Spec, seed: 2);
        var inputs = QuantizedKernelTests.RandomFloats(new Random(3), 75 * Spec.InputSize);
        using var workspace = new InferenceWorkspace<float>(Spec, threads);
        var classes = new int[75];
        network.PredictClasses(inputs, classes, workspace);
        Assert.Equal(network.PredictClasses(inputs), classes);
        var probabilities = new float[75 * 7];
        network.PredictProbabilities(inputs, probabilities, workspace);
        Assert.Equal(network.PredictProbabilities(inputs), probabilities);
        var values = new float[75 * 7];
        network.PredictValues(inputs, values, workspace);
        Assert.Equal(network.PredictValues(inputs), values);

        // One sigmoid output: classes at ½, probabilities [1 − a, a].
        var binarySpec = new NetworkSpec(5, [new DenseLayerSpec(6, Activation.Tanh), new DenseLayerSpec(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy);
        var binary = QuantizedNetworkTests.Trained(binarySpec, seed: 4);
        var binaryInputs = QuantizedKernelTests.RandomFloats(new Random(5), 40 * 5).Select(v => v * 4).ToArray();
        using var binaryWorkspace = new InferenceWorkspace<float>(binarySpec, threads);
        var binaryClasses = new int[40];
        binary.PredictClasses(binaryInputs, binaryClasses, binaryWorkspace);
        Assert.Equal(binary.PredictClasses(binaryInputs), binaryClasses);
        Assert.Contains(0, binaryClasses);
        Assert.Contains(1, binaryClasses);
        var binaryProbabilities = new float[80];
        binary.PredictProbabilities(binaryInputs, binaryProbabilities, binaryWorkspace);
        Assert.Equal(binary.PredictProbabilities(binaryInputs), binaryProbabilities);
    }

    [Fact]
    public void BadArgumentsGetSpecificErrors()
    {
        var network = QuantizedNetworkTests.Trained(Spec, seed: 6);
        using var workspace = new InferenceWorkspace<float>(Spec);
        var inputs = new float[4 * Spec.InputSize];
        Assert.Throws<ArgumentException>("inputs", () => network.Forward(new float[Spec.InputSize + 1], new float[7], workspace));
        Assert.Throws<ArgumentException>("outputs", () => network.Forward(inputs, new float[27], workspace));
        var shared = new float[4 * Spec.InputSize];
        Assert.Throws<ArgumentException>("output", () => network.Forward(shared, shared.AsSpan(0, 28), workspace));
        Assert.Throws<ArgumentException>("classes", () => network.PredictClasses(inputs, new int[3], workspace));
        Assert.Throws<ArgumentException>("probabilities", () => network.PredictProbabilities(inputs, new float[27], workspace));
        Assert.Throws<ArgumentNullException>("workspace", () => network.Forward(inputs, new float[28], null!));

        var other = QuantizedNetworkTests.Trained(new NetworkSpec(30, [new DenseLayerSpec(7, Activation.Softmax)]), seed: 7);
        var foreign = Assert.Throws<ArgumentException>("workspace", () => other.Forward(inputs, new float[28], workspace));
        Assert.Contains("created for", foreign.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>("threadCount", () => new InferenceWorkspace<float>(Spec, 0));
        Assert.Throws<ArgumentOutOfRangeException>("threadCount", () => new InferenceWorkspace<float>(Spec, 257));
        var regression = QuantizedNetworkTests.Trained(new NetworkSpec(30, [new DenseLayerSpec(1, Activation.Identity)]), seed: 8);
        using var regressionWorkspace = new InferenceWorkspace<float>(regression.Spec);
        Assert.Throws<InvalidOperationException>(() => regression.PredictClasses(inputs, new int[4], regressionWorkspace));

        var disposed = new InferenceWorkspace<float>(Spec, 2);
        disposed.Dispose();
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => network.Forward(inputs, new float[28], disposed));
    }

    [Fact]
    public void AFailureOnAWorkerThreadReachesTheCaller()
    {
        var network = new FailingNetwork(Spec) { FailAt = 150 };
        var inputs = new float[200 * Spec.InputSize];
        for (int s = 0; s < 200; s++)
        {
            inputs[s * Spec.InputSize] = s; // each sample carries its index
        }

        using var workspace = new InferenceWorkspace<float>(Spec, 3);
        var error = Assert.Throws<InvalidOperationException>(() => network.Forward(inputs, new float[200 * 7], workspace));
        Assert.Equal("sample 150", error.Message);

        // The workspace still works afterwards.
        network.FailAt = -1;
        network.Forward(inputs, new float[200 * 7], workspace);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BatchesAllocateNothing(int threads)
    {
        var interpreted = QuantizedNetworkTests.Trained(Spec, seed: 9);
        var quantized = QuantizedNetwork.Create(interpreted, WeightFormat.BFloat16);
        var inputs = QuantizedKernelTests.RandomFloats(new Random(10), 130 * Spec.InputSize);
        var outputs = new float[130 * 7];
        var classes = new int[130];
        using var workspace = new InferenceWorkspace<float>(Spec, threads);
        var generated = new FashionQuantizationNet();
        generated.InitializeParameters(11);
        var generatedInputs = QuantizedKernelTests.RandomFloats(new Random(12), 130 * 784);
        var generatedOutputs = new float[130 * 10];
        using var generatedWorkspace = new InferenceWorkspace<float>(FashionQuantizationNet.Spec, threads);
        generated.Forward(generatedInputs, generatedOutputs, generatedWorkspace);
        generated.PredictClasses(generatedInputs, classes, generatedWorkspace);
        long generatedWorkers = generatedWorkspace.WorkerAllocatedBytes;
        long generatedAllocated = AllocationTests.LeastAllocatedOverRounds(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                generated.Forward(generatedInputs, generatedOutputs, generatedWorkspace);
                generated.PredictClasses(generatedInputs, classes, generatedWorkspace);
            }
        });
        Assert.True(generatedAllocated == 0, $"the generated network allocated {generatedAllocated} bytes on the calling thread over 40 batches.");
        Assert.Equal(generatedWorkers, generatedWorkspace.WorkerAllocatedBytes);

        foreach (INetwork<float> network in new INetwork<float>[] { interpreted, quantized })
        {
            network.Forward(inputs, outputs, workspace);
            network.PredictClasses(inputs, classes, workspace);
            network.PredictProbabilities(inputs, outputs, workspace);
            long workers = workspace.WorkerAllocatedBytes;
            long allocated = AllocationTests.LeastAllocatedOverRounds(() =>
            {
                for (int i = 0; i < 50; i++)
                {
                    network.Forward(inputs, outputs, workspace);
                    network.PredictClasses(inputs, classes, workspace);
                    network.PredictProbabilities(inputs, outputs, workspace);
                }
            });
            Assert.True(allocated == 0, $"{network.GetType().Name} allocated {allocated} bytes on the calling thread over 150 batches.");
            Assert.Equal(workers, workspace.WorkerAllocatedBytes);
        }
    }

    private static float[] PerSample(INetwork<float> network, float[] inputs)
    {
        int batch = inputs.Length / network.Spec.InputSize;
        var outputs = new float[batch * network.Spec.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            network.Forward(inputs.AsSpan(s * network.Spec.InputSize, network.Spec.InputSize), outputs.AsSpan(s * network.Spec.OutputSize, network.Spec.OutputSize));
        }

        return outputs;
    }

    private sealed class FailingNetwork(NetworkSpec spec) : INetwork<float>
    {
        private readonly float[] _parameters = new float[spec.ParameterCount];

        public int FailAt { get; set; } = -1;

        public NetworkSpec Spec { get; } = spec;

        public Span<float> Parameters => _parameters;

        public void Forward(ReadOnlySpan<float> input, Span<float> output)
        {
            output.Clear();
            if ((int)input[0] == FailAt)
            {
                throw new InvalidOperationException($"sample {FailAt}");
            }
        }
    }
}
