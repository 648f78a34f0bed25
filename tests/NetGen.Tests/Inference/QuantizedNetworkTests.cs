using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Inference;

/// <summary>
/// QuantizedNetwork against independent references: a double-precision network with the dequantized weights, and for
/// full int8 the integer arithmetic written out here; staleness, errors and allocation.
/// </summary>
public class QuantizedNetworkTests
{
    private static readonly NetworkSpec Spec = new(
        45,
        [new DenseLayerSpec(70, Activation.Sigmoid), new DenseLayerSpec(33, Activation.Tanh), new DenseLayerSpec(9, Activation.Softmax)],
        Loss.SoftmaxCrossEntropy);

    [Theory]
    [InlineData(WeightFormat.Float)]
    [InlineData(WeightFormat.BFloat16)]
    [InlineData(WeightFormat.Int8)]
    public void WeightOnlyFormatsComputeTheNetworkOfTheirDequantizedWeights(WeightFormat format)
    {
        var source = Trained(Spec, seed: 3);
        var quantized = QuantizedNetwork.Create(source, format);
        Assert.Equal(format, quantized.WeightFormat);
        Assert.False(quantized.QuantizesActivations);
        Assert.Same(Spec, quantized.Spec);

        // The oracle: the interpreted engine in double with each weight replaced by what the format stores.
        var reference = new InterpretedNetwork<double>(Spec);
        Dequantize(quantized, reference.Parameters);
        var random = new Random(4);
        var output = new float[Spec.OutputSize];
        var expected = new double[Spec.OutputSize];
        for (int trial = 0; trial < 50; trial++)
        {
            var input = QuantizedKernelTests.RandomFloats(random, Spec.InputSize);
            quantized.Forward(input, output);
            reference.Forward(input.Select(v => (double)v).ToArray(), expected);
            for (int j = 0; j < output.Length; j++)
            {
                Assert.True(Math.Abs(output[j] - expected[j]) <= 2e-6, $"{format}, trial {trial}, output {j}: {output[j]} against {expected[j]}");
            }
        }

        // And the formats differ from the float network by what their rounding costs, no more.
        var floatOutput = new float[Spec.OutputSize];
        var input0 = QuantizedKernelTests.RandomFloats(random, Spec.InputSize);
        source.Forward(input0, floatOutput);
        quantized.Forward(input0, output);
        double bound = format switch { WeightFormat.Float => 1e-6, WeightFormat.BFloat16 => 2e-2, _ => 5e-2 };
        Assert.All(Enumerable.Range(0, output.Length), j => Assert.InRange(output[j] - floatOutput[j], -bound, bound));
    }

    [Fact]
    public void TheInferenceWeightsAreTheRulesQuantizationOfTheParameters()
    {
        var source = Trained(Spec, seed: 5);
        var int8 = QuantizedNetwork.Create(source, WeightFormat.Int8);
        var bf16 = QuantizedNetwork.Create(source, WeightFormat.BFloat16);
        for (int l = 0; l < Spec.Layers.Count; l++)
        {
            var layout = Spec.GetLayout(l);
            var w = source.Parameters.Slice(layout.WeightsOffset, layout.WeightCount).ToArray();
            var q = new sbyte[layout.InputSize];
            for (int j = 0; j < layout.OutputSize; j++)
            {
                float scale = WeightQuantization.QuantizeInt8Row(w.AsSpan(j * layout.InputSize, layout.InputSize), q);
                Assert.Equal(scale, int8.GetWeightScales(l)[j]);
                Assert.True(int8.GetInt8Weights(l).Slice(j * layout.InputSize, layout.InputSize).SequenceEqual(q));
            }

            Assert.True(bf16.GetBFloat16Weights(l).SequenceEqual(w.Select(v => WeightQuantization.ToBFloat16(BitConverter.SingleToUInt32Bits(v))).ToArray()));
            Assert.True(int8.GetBFloat16Weights(l).IsEmpty);
            Assert.True(bf16.GetInt8Weights(l).IsEmpty);
            Assert.Null(int8.GetInputQuantization(l));
        }

        int weights = Enumerable.Range(0, Spec.Layers.Count).Sum(l => Spec.GetLayout(l).WeightCount);
        Assert.Equal(weights, int8.WeightBytes);
        Assert.Equal(2L * weights, bf16.WeightBytes);
        Assert.Equal(4L * weights, QuantizedNetwork.Create(source, WeightFormat.Float).WeightBytes);
    }

    [Fact]
    public void ChangedParametersAreNeverComputedWithAStaleCopy()
    {
        var source = Trained(Spec, seed: 6);
        var quantized = QuantizedNetwork.Create(source, WeightFormat.Int8);
        var input = QuantizedKernelTests.RandomFloats(new Random(7), Spec.InputSize);
        var before = new float[Spec.OutputSize];
        quantized.Forward(input, before);
        int bias = Spec.GetLayout(2).BiasesOffset;
        float original = source.Parameters[bias];

        // A write through Parameters, then Forward: the result is the new parameters' quantization.
        quantized.Parameters[bias] = 3f;
        source.Parameters[bias] = 3f;
        var after = new float[Spec.OutputSize];
        quantized.Forward(input, after);
        var fresh = new float[Spec.OutputSize];
        QuantizedNetwork.Create(source, WeightFormat.Int8).Forward(input, fresh);
        Assert.Equal(fresh, after);
        Assert.NotEqual(before, after);

        // A span taken earlier and written after a Forward is seen once QuantizeInferenceWeights runs.
        Span<float> held = quantized.Parameters;
        quantized.Forward(input, after);
        held[bias] = original;
        quantized.QuantizeInferenceWeights();
        quantized.Forward(input, after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void CreatingCopiesTheParameters()
    {
        var source = Trained(Spec, seed: 8);
        var quantized = QuantizedNetwork.Create(source, WeightFormat.BFloat16);
        Assert.True(quantized.Parameters.SequenceEqual(source.Parameters));
        source.Parameters.Clear();
        Assert.False(quantized.Parameters.SequenceEqual(source.Parameters));
    }

    [Fact]
    public void FullInt8IsTheIntegerArithmeticWrittenOut()
    {
        var spec = new NetworkSpec(40, [new DenseLayerSpec(24, Activation.ReLU), new DenseLayerSpec(17, Activation.LeakyReLU) { LeakySlope = 0.1 }, new DenseLayerSpec(5, Activation.Identity)]);
        var source = Trained(spec, seed: 9);
        var random = new Random(10);
        // Inputs with negative values, so the first layer's zero point is not 0.
        var calibration = QuantizedKernelTests.RandomFloats(random, 64 * spec.InputSize).Select(v => (v * 3) + 0.5f).ToArray();
        var quantized = QuantizedNetwork.CreateFullInt8(source, calibration);
        Assert.True(quantized.QuantizesActivations);
        Assert.Equal(WeightFormat.Int8, quantized.WeightFormat);
        Assert.Equal(ActivationQuantization.FromRange(calibration.Min(), calibration.Max()), quantized.GetInputQuantization(0));
        Assert.InRange(quantized.GetInputQuantization(0)!.Value.ZeroPoint, 1, 254);
        // The second layer's input is a ReLU output: nothing below 0, so 0 is the zero point.
        Assert.Equal(0, quantized.GetInputQuantization(1)!.Value.ZeroPoint);

        var output = new float[spec.OutputSize];
        for (int trial = 0; trial < 20; trial++)
        {
            var input = QuantizedKernelTests.RandomFloats(random, spec.InputSize).Select(v => (v * 3) + 0.5f).ToArray();
            quantized.Forward(input, output);
            Assert.Equal(FullInt8ByHand(quantized, spec, input), output);
        }
    }

    [Fact]
    public void FullInt8StaysCloseToTheFloatNetwork()
    {
        var source = Trained(Spec, seed: 11);
        var random = new Random(12);
        var calibration = QuantizedKernelTests.RandomFloats(random, 200 * Spec.InputSize);
        var quantized = QuantizedNetwork.CreateFullInt8(source, calibration);
        var expected = new float[Spec.OutputSize];
        var actual = new float[Spec.OutputSize];
        for (int trial = 0; trial < 50; trial++)
        {
            var input = QuantizedKernelTests.RandomFloats(random, Spec.InputSize);
            source.Forward(input, expected);
            quantized.Forward(input, actual);
            Assert.All(Enumerable.Range(0, actual.Length), j => Assert.InRange(actual[j] - expected[j], -0.05, 0.05));
        }
    }

    [Fact]
    public void BadArgumentsGetSpecificErrors()
    {
        var source = Trained(Spec, seed: 13);
        Assert.Throws<ArgumentOutOfRangeException>("weights", () => QuantizedNetwork.Create(source, (WeightFormat)7));
        Assert.Throws<ArgumentNullException>("network", () => QuantizedNetwork.Create(null!, WeightFormat.Int8));
        source.Parameters[5] = float.NaN;
        Assert.Contains("Value 5 is NaN", Assert.Throws<ArgumentException>("network", () => QuantizedNetwork.Create(source, WeightFormat.Int8)).Message, StringComparison.Ordinal);
        source.Parameters[5] = 0f;

        Assert.Throws<ArgumentException>("calibrationInputs", () => QuantizedNetwork.CreateFullInt8(source, ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentException>("calibrationInputs", () => QuantizedNetwork.CreateFullInt8(source, new float[Spec.InputSize + 1]));
        var withInfinity = new float[Spec.InputSize];
        withInfinity[2] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>("calibrationInputs", () => QuantizedNetwork.CreateFullInt8(source, withInfinity));

        var wide = new InterpretedNetwork<float>(new NetworkSpec(70_000, [new DenseLayerSpec(1, Activation.Identity)]));
        var error = Assert.Throws<ArgumentException>("network", () => QuantizedNetwork.CreateFullInt8(wide, new float[70_000]));
        Assert.Contains("70000 inputs", error.Message, StringComparison.Ordinal);

        var quantized = QuantizedNetwork.Create(source, WeightFormat.Int8);
        Assert.Throws<ArgumentException>("input", () => quantized.Forward(new float[3], new float[Spec.OutputSize]));
        Assert.Throws<ArgumentException>("output", () => quantized.Forward(new float[Spec.InputSize], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>("layer", () => quantized.GetInt8Weights(3));
    }

    [Fact]
    public void ForwardAllocatesNothing()
    {
        var source = Trained(new NetworkSpec(784, [new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy), seed: 14);
        var calibration = QuantizedKernelTests.RandomFloats(new Random(15), 10 * 784);
        foreach (var network in new[]
        {
            QuantizedNetwork.Create(source, WeightFormat.Int8), QuantizedNetwork.Create(source, WeightFormat.BFloat16),
            QuantizedNetwork.Create(source, WeightFormat.Float), QuantizedNetwork.CreateFullInt8(source, calibration),
        })
        {
            var input = calibration.AsSpan(0, 784).ToArray();
            var output = new float[10];
            network.Forward(input, output);
            long allocated = AllocationTests.LeastAllocatedOverRounds(() =>
            {
                for (int i = 0; i < 2_000; i++)
                {
                    network.Forward(input, output);
                }
            });
            Assert.True(allocated == 0, $"{network.WeightFormat} (full int8: {network.QuantizesActivations}) allocated {allocated} bytes over 2,000 calls.");
        }
    }

    /// <summary>A network with small random parameters (a stand-in for a trained one: the rules do not care).</summary>
    internal static InterpretedNetwork<float> Trained(NetworkSpec spec, int seed)
    {
        var network = new InterpretedNetwork<float>(spec);
        network.InitializeParameters((ulong)seed, WeightInitialization.XavierUniform);
        var random = new Random(seed);
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            for (int j = 0; j < layout.OutputSize; j++)
            {
                network.Parameters[layout.BiasesOffset + j] = (float)((random.NextDouble() - 0.5) * 0.2);
            }
        }

        return network;
    }

    private static void Dequantize(QuantizedNetwork quantized, Span<double> parameters)
    {
        var spec = quantized.Spec;
        ReadOnlySpan<float> floats = quantized.Parameters;
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            for (int i = 0; i < layout.WeightCount; i++)
            {
                int j = i / layout.InputSize;
                parameters[layout.WeightsOffset + i] = quantized.WeightFormat switch
                {
                    WeightFormat.Int8 => quantized.GetInt8Weights(l)[i] * (double)quantized.GetWeightScales(l)[j],
                    WeightFormat.BFloat16 => BitConverter.UInt32BitsToSingle((uint)quantized.GetBFloat16Weights(l)[i] << 16),
                    _ => floats[layout.WeightsOffset + i],
                };
            }

            for (int j = 0; j < layout.OutputSize; j++)
            {
                parameters[layout.BiasesOffset + j] = floats[layout.BiasesOffset + j];
            }
        }
    }

    // Each layer: u = clamp(round(x / s) + zp, 0, 255); z_j = (float)(Σ q (u − zp)) · (s · s_j) + b_j; a = σ(z) by the
    // interpreted engine's activation.
    private static float[] FullInt8ByHand(QuantizedNetwork quantized, NetworkSpec spec, float[] input)
    {
        float[] x = input;
        ReadOnlySpan<float> parameters = quantized.Parameters;
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            var (scale, zeroPoint) = quantized.GetInputQuantization(l)!.Value;
            var u = x.Select(v => (int)Math.Clamp(Math.Round(v / scale, MidpointRounding.ToEven) + zeroPoint, 0, 255)).ToArray();
            var a = new float[layout.OutputSize];
            for (int j = 0; j < layout.OutputSize; j++)
            {
                long sum = 0;
                for (int k = 0; k < layout.InputSize; k++)
                {
                    sum += quantized.GetInt8Weights(l)[(j * layout.InputSize) + k] * (long)(u[k] - zeroPoint);
                }

                float scaled = sum * (scale * quantized.GetWeightScales(l)[j]);
                a[j] = scaled + parameters[layout.BiasesOffset + j];
            }

            ApplyActivation(spec.Layers[l], a);
            x = a;
        }

        return x;
    }

    private static void ApplyActivation(DenseLayerSpec layer, float[] z)
    {
        // A one-layer identity-weight network of the same activation applies σ exactly as the engine does.
        var single = new InterpretedNetwork<float>(new NetworkSpec(z.Length, [layer], null));
        for (int j = 0; j < z.Length; j++)
        {
            single.Parameters[(j * z.Length) + j] = 1f;
        }

        var a = new float[z.Length];
        single.Forward(z, a);
        a.CopyTo(z, 0);
    }
}
