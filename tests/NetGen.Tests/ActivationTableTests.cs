using System;
using System.Linq;
using NetGen.IO;
using Xunit;

namespace NetGen.Tests;

/// <summary>The runtime's activation and loss tables: an entry for every enum value, and formulas that agree.</summary>
public class ActivationTableTests
{
    [Fact]
    public void EveryActivationHasItsEntryInBothPrecisions()
    {
        foreach (var activation in Enum.GetValues<Activation>())
        {
            Assert.Equal(activation, ActivationTable<float>.For(activation).Activation);
            Assert.Equal(activation, ActivationTable<double>.For(activation).Activation);
            var definition = ActivationTable.For(activation);
            Assert.Equal(activation, definition.Activation);
            Assert.False(string.IsNullOrWhiteSpace(definition.OnnxForm), $"{activation} has no ONNX form");
            Assert.Equal(activation != Activation.Identity, definition.PyTorchModule(new DenseLayerSpec(1, activation)) is not null);
            Assert.Equal(activation != Activation.Softmax, definition.IsElementwise);
            Assert.Equal(activation != Activation.Step, definition.IsTrainable);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ActivationTable.For((Activation)Enum.GetValues<Activation>().Length));
    }

    [Fact]
    public void EveryLossHasItsEntryInBothPrecisions()
    {
        foreach (var loss in Enum.GetValues<Loss>())
        {
            Assert.Equal(loss, LossTable<float>.For(loss).Loss);
            Assert.Equal(loss, LossTable<double>.For(loss).Loss);
            Assert.False(string.IsNullOrWhiteSpace(LossTable.For(loss).Equation));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => LossTable.For((Loss)Enum.GetValues<Loss>().Length));
    }

    [Fact]
    public void OnlyActivationsNotMonotonicKeepTheirWeightedInput()
    {
        // GELU and SiLU are not one-to-one, so σ′ cannot be read off a; every other derivative is a function of a.
        var needing = Enum.GetValues<Activation>().Where(a => ActivationTable.For(a).NeedsWeightedInput).ToArray();
        Assert.Equal([Activation.GELU, Activation.SiLU], needing);
    }

    [Fact]
    public void NamesMatchPyTorchAndOnnx()
    {
        var spec = new NetworkSpec(
            3,
            [
                new DenseLayerSpec(4, Activation.ELU) { Alpha = 0.5 },
                new DenseLayerSpec(4, Activation.GELU),
                new DenseLayerSpec(4, Activation.SiLU),
                new DenseLayerSpec(4, Activation.Softplus),
                new DenseLayerSpec(2, Activation.ELU),
            ]);
        Assert.Equal(
            "nn.Sequential(nn.Linear(3, 4), nn.ELU(alpha=0.5), nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 4), nn.SiLU(), nn.Linear(4, 4), nn.Softplus(), nn.Linear(4, 2), nn.ELU(alpha=1))",
            WeightsFile.DescribeAsPyTorchSequential(spec));
        Assert.Equal("Elu", ActivationTable.For(Activation.ELU).OnnxOperator);
        Assert.Equal("Softplus", ActivationTable.For(Activation.Softplus).OnnxOperator);
        Assert.Null(ActivationTable.For(Activation.GELU).OnnxOperator);
        Assert.Equal("Mul(z, Sigmoid(z))", ActivationTable.For(Activation.SiLU).OnnxForm);
    }

    /// <summary>
    /// σ′ and σ″ of every trainable elementwise entry, given (z, σ(z)), are the derivatives of its forward map: central
    /// differences of σ and σ′ in double agree to 1e-7 relative to the scale of the values.
    /// </summary>
    [Theory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.LeakyReLU)]
    [InlineData(Activation.ELU)]
    [InlineData(Activation.GELU)]
    [InlineData(Activation.SiLU)]
    [InlineData(Activation.Softplus)]
    public void DerivativesAreTheDerivativesOfTheForwardMap(Activation activation)
    {
        var kernel = ActivationTable<double>.For(activation);
        var layer = new DenseLayerSpec(1, activation) { LeakySlope = 0.1, Alpha = 1.3 };
        const double h = 1e-5;
        for (double z = -6.05; z <= 6; z += 0.1)
        {
            double[] points = [z - h, z, z + h];
            double[] a = new double[3];
            kernel.Activate(layer, points, a);
            double[] first = new double[3];
            double[] second = new double[3];
            kernel.Derivatives(layer, points, a, first, second);
            double slope = (a[2] - a[0]) / (2 * h);
            double curvature = (first[2] - first[0]) / (2 * h);
            Assert.True(Math.Abs(first[1] - slope) <= 1e-7 * Math.Max(1, Math.Abs(slope)), $"{activation} σ′({z}) = {first[1]}, difference quotient {slope}");
            Assert.True(Math.Abs(second[1] - curvature) <= 1e-6 * Math.Max(1, Math.Abs(curvature)), $"{activation} σ″({z}) = {second[1]}, difference quotient {curvature}");

            double[] delta = [2.0, 2.0, 2.0];
            kernel.MultiplyByDerivative(layer, points, a, delta);
            double[] scaled = new double[3];
            kernel.ScaleByDerivative(layer, points, a, [2.0, 2.0, 2.0], scaled);
            Assert.Equal(2 * first[1], delta[1]);
            Assert.Equal(2 * first[1], scaled[1]);
        }
    }

    [Fact]
    public void FloatForwardMapsAgreeWithTheDoubleOnesAcrossTheVectorLoopAndItsRemainder()
    {
        // Nineteen values: two Vector256 blocks and a remainder of three, so both halves of the float loop are covered.
        float[] z = Enumerable.Range(0, 19).Select(i => (i - 9) * 0.7f).ToArray();
        foreach (var activation in new[] { Activation.ELU, Activation.GELU, Activation.SiLU, Activation.Softplus })
        {
            var layer = new DenseLayerSpec(19, activation) { Alpha = 1.3 };
            float[] single = new float[z.Length];
            ActivationTable<float>.For(activation).Activate(layer, z, single);
            double[] exact = new double[z.Length];
            ActivationTable<double>.For(activation).Activate(layer, z.Select(v => (double)v).ToArray(), exact);
            for (int i = 0; i < z.Length; i++)
            {
                Assert.True(Math.Abs(single[i] - exact[i]) <= 5e-7 * Math.Max(1e-3, Math.Abs(exact[i])), $"{activation}({z[i]}): {single[i]} vs {exact[i]}");
            }
        }
    }
}
