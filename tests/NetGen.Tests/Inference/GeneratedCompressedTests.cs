using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Inference;

/// <summary>
/// Generated networks declared with <c>InferenceWeights</c>: Forward is QuantizedNetwork's computation on the same
/// parameters, the compressed copy is never stale, training stays float, baked compressed weights are the runtime's
/// quantization of the file, and Forward allocates nothing.
/// </summary>
public class GeneratedCompressedTests
{
    public static TheoryData<string> Networks => new() { nameof(Int8WideNet), nameof(BFloat16OddNet), nameof(Int8XorNet), nameof(Int8PooledNet) };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ForwardIsQuantizedNetworksComputationOnTheSameParameters(string name)
    {
        var (network, format) = Create(name);
        network.InitializeParameters(5, WeightInitialization.ByActivation);
        var reference = QuantizedNetwork.Create(network, format);
        var random = new Random(6);
        var expected = new float[network.Spec.OutputSize];
        var actual = new float[network.Spec.OutputSize];
        for (int trial = 0; trial < 20; trial++)
        {
            var input = QuantizedKernelTests.RandomFloats(random, network.Spec.InputSize);
            reference.Forward(input, expected);
            network.Forward(input, actual);
            // The same kernels give the same weighted inputs; the activations are the generated code's and the
            // interpreted engine's implementations of the same functions.
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-6 * Math.Max(1, Math.Abs(expected[j])), $"{name}, trial {trial}, output {j}: {actual[j]} against {expected[j]}");
            }
        }
    }

    [Fact]
    public void TheCompressedCopyFollowsTheParameters()
    {
        var network = new Int8WideNet();
        var input = QuantizedKernelTests.RandomFloats(new Random(7), 784);
        var output = new float[10];
        network.Forward(input, output); // all-zero parameters: every output 1/10
        Assert.All(output, v => Assert.Equal(0.1f, v, 6));

        network.InitializeParameters(8, WeightInitialization.ByActivation);
        network.Forward(input, output);
        var expected = new float[10];
        QuantizedNetwork.Create(network, WeightFormat.Int8).Forward(input, expected);
        Assert.Equal(expected, output, new ToleranceComparer(1e-6f));

        // A span held across a Forward and written afterwards is picked up by QuantizeInferenceWeights.
        Span<float> held = network.Parameters;
        network.Forward(input, output);
        held[Int8WideNet.Dense2BiasesOffset + 3] += 5f;
        network.QuantizeInferenceWeights();
        network.Forward(input, output);
        QuantizedNetwork.Create(network, WeightFormat.Int8).Forward(input, expected);
        Assert.Equal(expected, output, new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void TrainingUsesTheFloatParametersAndForwardTheirQuantizationAfterwards()
    {
        // XOR trains through the float lanes; Forward then reads int8 weights made from the trained parameters.
        var network = new Int8XorNet();
        float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
        float[] targets = [0, 1, 1, 0];
        var data = new Dataset<float>(inputs, targets, 2, 1, [0, 1, 1, 0], classCount: 2);
        var trainer = new Trainer<float>(network, new TrainerOptions { Epochs = 1500, BatchSize = 4, Optimizer = new AdamOptimizer(), LearningRate = LearningRateSchedule.Constant(0.05), Seed = 3 });
        var result = trainer.Fit(data);
        Assert.True(result.FinalMetrics.TrainingLoss < 0.05, $"loss {result.FinalMetrics.TrainingLoss}");

        var twin = new InterpretedNetwork<float>(Int8XorNet.Spec);
        network.Parameters.CopyTo(twin.Parameters);
        var expected = new float[1];
        var actual = new float[1];
        for (int s = 0; s < 4; s++)
        {
            QuantizedNetwork.Create(twin, WeightFormat.Int8).Forward(inputs.AsSpan(2 * s, 2), expected);
            network.Forward(inputs.AsSpan(2 * s, 2), actual);
            Assert.Equal(expected[0], actual[0], 6);
            Assert.Equal(targets[s] > 0.5f, actual[0] > 0.5f);
        }
    }

    [Fact]
    public void BakedInt8WeightsAreTheRuntimesQuantizationOfTheFile()
    {
        var file = new DigitsTwinNet();
        WeightsFile.Load(file, Path.Combine(AppContext.BaseDirectory, "Baked", "digits.safetensors"));
        var runtime = QuantizedNetwork.Create(file, WeightFormat.Int8);
        var baked = new BakedInt8DigitsNet();
        Assert.True(BakedInt8DigitsNet.BakedInferenceWeights.SequenceEqual([.. runtime.GetInt8Weights(0), .. runtime.GetInt8Weights(1)]));
        AssertSameOutputs(runtime, baked);

        // The parameters the baked network starts from compress back to exactly the baked bytes: reading them (which
        // marks the copy out of date) changes no output bit.
        var before = Outputs(baked);
        _ = baked.Parameters;
        Assert.Equal(before, Outputs(baked));
        var again = QuantizedNetwork.Create(new ParametersOf(BakedInt8DigitsNet.Spec, BakedInt8DigitsNet.BakedParameters), WeightFormat.Int8);
        Assert.True(BakedInt8DigitsNet.BakedInferenceWeights.SequenceEqual([.. again.GetInt8Weights(0), .. again.GetInt8Weights(1)]));
        Assert.True(again.GetWeightScales(0).SequenceEqual(runtime.GetWeightScales(0)));
        Assert.True(baked.Parameters.SequenceEqual(BakedInt8DigitsNet.BakedParameters));

        // Training moves it; ResetToBakedParameters brings back the baked network.
        baked.Parameters[3] += 1f;
        Assert.NotEqual(before, Outputs(baked));
        baked.ResetToBakedParameters();
        Assert.Equal(before, Outputs(baked));
    }

    [Fact]
    public void BakedBFloat16WeightsAreTheRuntimesRounding()
    {
        var file = new DigitsTwinNet();
        WeightsFile.Load(file, Path.Combine(AppContext.BaseDirectory, "Baked", "digits.safetensors"));
        var runtime = QuantizedNetwork.Create(file, WeightFormat.BFloat16);
        Assert.True(BakedBFloat16DigitsNet.BakedInferenceWeights.SequenceEqual([.. runtime.GetBFloat16Weights(0), .. runtime.GetBFloat16Weights(1)]));
        var baked = new BakedBFloat16DigitsNet();
        AssertSameOutputs(runtime, baked);
        var before = Outputs(baked);
        _ = baked.Parameters;
        Assert.Equal(before, Outputs(baked));
    }

    [Fact]
    public void BakedCompressedNetworksClassifyTheDigitsAsTheFloatOneDoes()
    {
        var raw = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });
        var inputs = raw.Features.ToArray().Select(v => v / 16f).ToArray();
        var expected = new BakedDigitsNet().PredictClasses(inputs);
        Assert.Equal(expected, new BakedInt8DigitsNet().PredictClasses(inputs));
        Assert.Equal(expected, new BakedBFloat16DigitsNet().PredictClasses(inputs));
    }

    [Fact]
    public void ForwardAllocatesNothing()
    {
        foreach (var name in new[] { nameof(Int8WideNet), nameof(BFloat16OddNet), nameof(Int8XorNet), nameof(Int8PooledNet) })
        {
            var (network, _) = Create(name);
            network.InitializeParameters(9);
            var input = QuantizedKernelTests.RandomFloats(new Random(10), network.Spec.InputSize);
            var output = new float[network.Spec.OutputSize];
            network.Forward(input, output);
            long allocated = AllocationTests.LeastAllocatedOverRounds(() =>
            {
                for (int i = 0; i < 2_000; i++)
                {
                    network.Forward(input, output);
                }
            });
            Assert.True(allocated == 0, $"{name}.Forward allocated {allocated} bytes over 2,000 calls.");
        }
    }

    private static (INetwork<float> Network, WeightFormat Format) Create(string name) => name switch
    {
        nameof(Int8WideNet) => (new Int8WideNet(), WeightFormat.Int8),
        nameof(BFloat16OddNet) => (new BFloat16OddNet(), WeightFormat.BFloat16),
        nameof(Int8XorNet) => (new Int8XorNet(), WeightFormat.Int8),
        _ => (new Int8PooledNet(), WeightFormat.Int8),
    };

    private static float[] Outputs(INetwork<float> network)
    {
        var inputs = QuantizedKernelTests.RandomFloats(new Random(11), 20 * 64).Select(v => Math.Abs(v)).ToArray();
        return network.PredictValues(inputs);
    }

    private static void AssertSameOutputs(INetwork<float> expected, INetwork<float> actual)
    {
        var a = Outputs(expected);
        var b = Outputs(actual);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6, $"output {i}: {b[i]} against {a[i]}");
        }
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(float obj) => 0;
    }

    /// <summary>A parameter vector as a network, to quantize it.</summary>
    private sealed class ParametersOf(NetworkSpec spec, ReadOnlySpan<float> parameters) : INetwork<float>
    {
        private readonly float[] _parameters = parameters.ToArray();

        public NetworkSpec Spec { get; } = spec;

        public Span<float> Parameters => _parameters;

        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    }
}
