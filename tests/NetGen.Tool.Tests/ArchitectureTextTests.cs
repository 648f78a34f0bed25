using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.IO;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>
/// A model file describes its network (netgen.spec): every architecture NetGen can describe reads back as the same
/// network, and text that does not describe one is refused with a message.
/// </summary>
public sealed class ArchitectureTextTests
{
    public static IEnumerable<object[]> Specs()
    {
        var activations = Enum.GetValues<Activation>().Where(a => a != Activation.Softmax);
        foreach (var hidden in activations)
        {
            foreach (var (output, loss) in new (Activation, Loss?)[]
            {
                (Activation.Softmax, Loss.SoftmaxCrossEntropy), (Activation.Sigmoid, Loss.BinaryCrossEntropy),
                (Activation.Identity, Loss.MeanSquaredError), (Activation.Tanh, null),
            })
            {
                bool forwardOnly = hidden == Activation.Step || loss is null;
                var layers = new[]
                {
                    new DenseLayerSpec(7, hidden) { LeakySlope = 0.3, Alpha = 0.7, KeepProbability = 0.85 },
                    new DenseLayerSpec(3, Activation.LeakyReLU),
                    new DenseLayerSpec(output == Activation.Sigmoid ? 1 : 4, output),
                };
                yield return [new NetworkSpec(5, layers, forwardOnly ? null : loss, Precision.Single, inputKeepProbability: hidden == Activation.Tanh ? 0.9 : 1.0)];
            }
        }

        yield return [new NetworkSpec(1, [new DenseLayerSpec(1, Activation.ELU)], Loss.MeanSquaredError)];
        yield return [new NetworkSpec(784, [new DenseLayerSpec(256, Activation.GELU) { KeepProbability = 0.1 + 0.2 }, new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy)];
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void EveryDescriptionReadsBackAsTheSameNetwork(NetworkSpec spec)
    {
        var parsed = ArchitectureText.Parse(spec.DescribeArchitecture(), "model.safetensors");

        Assert.Equal(spec.InputSize, parsed.InputSize);
        Assert.Equal(spec.InputKeepProbability, parsed.InputKeepProbability);
        Assert.Equal(spec.Loss, parsed.Loss);
        Assert.Equal(Precision.Single, parsed.Precision);
        Assert.Equal(spec.Layers.Count, parsed.Layers.Count);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var (expected, actual) = (spec.Layers[i], parsed.Layers[i]);
            Assert.Equal((expected.Size, expected.Activation, expected.KeepProbability), (actual.Size, actual.Activation, actual.KeepProbability));
            if (expected.Activation == Activation.LeakyReLU)
            {
                Assert.Equal(expected.LeakySlope, actual.LeakySlope);
            }

            if (expected.Activation == Activation.ELU)
            {
                Assert.Equal(expected.Alpha, actual.Alpha);
            }
        }
    }

    [Theory]
    [InlineData("", "it is not '<inputs> → <size> <activation> → …, <loss>'")]
    [InlineData("4", "it is not '<inputs>")]
    [InlineData("4 → 3 Softmax", "it is not '<inputs>")]
    [InlineData("4, MeanSquaredError", "it is not '<inputs>")]
    [InlineData("4 → 3 Softmax, Hinge", "'Hinge' is not a loss")]
    [InlineData("4 → 3 Tanh, 1", "'1' is not a loss")]
    [InlineData("4 → 3 Relu, MeanSquaredError", "layer 1 '3 Relu' is not '<size> <activation>'")]
    [InlineData("4 → 3 ReLU → 2 Swish, MeanSquaredError", "layer 2 '2 Swish'")]
    [InlineData("4 → 0 ReLU → 1 Identity, MeanSquaredError", "size 0")]
    [InlineData("4 → 3 Softmax → 2 Identity, MeanSquaredError", "allowed only on the output layer")]
    [InlineData("4 → 3 ReLU(α=0.5) → 1 Identity, MeanSquaredError", "it reads as '4 → 3 ReLU → 1 Identity, MeanSquaredError'")]
    [InlineData("4 → 3 Tanh, MeanSquaredError,BinaryCrossEntropy", "is not a loss")]
    [InlineData("4 → 3 Tanh (keep 1.5), MeanSquaredError", "keep probability 1.5")]
    [InlineData("04 → 3 Tanh, MeanSquaredError", "it reads as '4 → 3 Tanh, MeanSquaredError'")]
    [InlineData("4 → 3 Tanh, BinaryCrossEntropy", "Loss.BinaryCrossEntropy does not fit an output layer with Activation.Tanh")]
    public void TextThatDescribesNoNetworkIsRefused(string text, string problem)
    {
        var error = Assert.Throws<WeightsFileException>(() => ArchitectureText.Parse(text, "model.safetensors"));

        Assert.Contains("does not describe a NetGen network", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }
}
