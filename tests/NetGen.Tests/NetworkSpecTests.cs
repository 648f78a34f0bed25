using System;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>The generated constants and Spec describe the declaration; hand-built specs are validated.</summary>
public class NetworkSpecTests
{
    [Fact]
    public void GeneratedConstantsDescribeTheDeclaration()
    {
        Assert.Equal(64, DigitsNet.InputSize);
        Assert.Equal(10, DigitsNet.OutputSize);
        Assert.Equal((64 + 1) * 32 + (32 + 1) * 10, DigitsNet.ParameterCount);
        Assert.Equal(2, DigitsNet.LayerCount);
        Assert.Equal(0, DigitsNet.Dense1WeightsOffset);
        Assert.Equal(64 * 32, DigitsNet.Dense1BiasesOffset);
        Assert.Equal(65 * 32, DigitsNet.Dense2WeightsOffset);
        Assert.Equal(65 * 32 + 32 * 10, DigitsNet.Dense2BiasesOffset);
        Assert.Equal(DigitsNet.ParameterCount, new DigitsNet().Parameters.Length);
    }

    [Fact]
    public void GeneratedSpecEqualsTheHandWrittenDescription()
    {
        var expected = new NetworkSpec(
            64,
            [new DenseLayerSpec(32, Activation.ReLU) { KeepProbability = 0.8 }, new DenseLayerSpec(10, Activation.Softmax)],
            Loss.SoftmaxCrossEntropy,
            Precision.Single);
        Assert.Equal(expected, DigitsNet.Spec);
        Assert.Equal(expected.GetHashCode(), DigitsNet.Spec.GetHashCode());
        Assert.Equal(0.9, DigitsNetDouble.Spec.InputKeepProbability);
        Assert.Equal(Precision.Double, DigitsNetDouble.Spec.Precision);
        Assert.Null(PerceptronNet.Spec.Loss);
        Assert.Equal(0.1, MseIdentityCheckNet.Spec.Layers[3].LeakySlope);
        Assert.Equal("64 → 32 ReLU (keep 0.8) → 10 Softmax, SoftmaxCrossEntropy, Single", DigitsNet.Spec.ToString());
    }

    [Fact]
    public void LayoutsAreContiguousAndRowMajor()
    {
        var spec = WideCheckNet.Spec;
        int offset = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layout = spec.GetLayout(i);
            Assert.Equal(offset, layout.WeightsOffset);
            Assert.Equal(layout.WeightsOffset + layout.InputSize * layout.OutputSize, layout.BiasesOffset);
            offset = layout.BiasesOffset + layout.OutputSize;
        }

        Assert.Equal(spec.ParameterCount, offset);
    }

    [Theory]
    [InlineData("input size 0")]
    [InlineData("no layers")]
    [InlineData("softmax hidden")]
    [InlineData("cross-entropy without softmax")]
    [InlineData("bce without sigmoid")]
    [InlineData("dropout on output")]
    [InlineData("keep 0")]
    [InlineData("keep above 1")]
    [InlineData("leaky slope 1")]
    [InlineData("ELU alpha 0")]
    [InlineData("ELU alpha negative")]
    [InlineData("ELU alpha NaN")]
    [InlineData("ELU alpha infinite")]
    [InlineData("step with loss")]
    [InlineData("too many parameters")]
    public void InvalidSpecsAreRejected(string rule)
    {
        Action build = rule switch
        {
            "input size 0" => () => _ = new NetworkSpec(0, [new DenseLayerSpec(1, Activation.Identity)]),
            "no layers" => () => _ = new NetworkSpec(2, []),
            "softmax hidden" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Softmax), new DenseLayerSpec(1, Activation.Identity)]),
            "cross-entropy without softmax" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Sigmoid)], Loss.SoftmaxCrossEntropy),
            "bce without sigmoid" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Tanh)], Loss.BinaryCrossEntropy),
            "dropout on output" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Tanh) { KeepProbability = 0.5 }]),
            "keep 0" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.Tanh) { KeepProbability = 0 }, new DenseLayerSpec(1, Activation.Identity)]),
            "keep above 1" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Identity)], inputKeepProbability: 1.5),
            "leaky slope 1" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.LeakyReLU) { LeakySlope = 1 }]),
            "ELU alpha 0" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.ELU) { Alpha = 0 }]),
            "ELU alpha negative" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.ELU) { Alpha = -1 }, new DenseLayerSpec(1, Activation.Identity)]),
            "ELU alpha NaN" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.ELU) { Alpha = double.NaN }]),
            "ELU alpha infinite" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.ELU) { Alpha = double.PositiveInfinity }]),
            "step with loss" => () => _ = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Step)], Loss.MeanSquaredError),
            "too many parameters" => () => _ = new NetworkSpec(100_000, [new DenseLayerSpec(100_000, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)]),
            _ => throw new ArgumentException(rule),
        };

        var error = Assert.ThrowsAny<ArgumentException>(build);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void StepNetworkWithoutLossIsForwardOnly()
    {
        var spec = new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Step)], loss: null);
        Assert.False(spec.IsTrainable);
    }

    [Fact]
    public void EluAlphaIsDescribedAndOnlyEluChecksIt()
    {
        var spec = new NetworkSpec(2, [new DenseLayerSpec(3, Activation.ELU) { Alpha = 0.5 }, new DenseLayerSpec(1, Activation.GELU) { Alpha = -1 }]);
        Assert.Equal("2 → 3 ELU(α=0.5) → 1 GELU, MeanSquaredError", spec.DescribeArchitecture());
        Assert.Equal(1.0, new DenseLayerSpec(1, Activation.ELU).Alpha);
        Assert.NotEqual(spec, new NetworkSpec(2, [new DenseLayerSpec(3, Activation.ELU), new DenseLayerSpec(1, Activation.GELU) { Alpha = -1 }]));
    }
}
