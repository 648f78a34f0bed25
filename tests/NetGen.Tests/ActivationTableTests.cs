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
    public void NamesMatchPyTorch()
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

    /// <summary>
    /// One neuron z = w·x + b with the quadratic cost, by hand: a = σ(z), ∂C/∂w = (a − y)σ′(z)x, ∂C/∂b = (a − y)σ′(z), and
    /// for v = (1, 0): (Hv)_w = (σ′² + (a − y)σ″)x², (Hv)_b = (σ′² + (a − y)σ″)x. Values of σ, σ′, σ″ at z = 1 and −1 from
    /// their closed forms, evaluated to 30 digits (Φ(1) = 0.8413447460685429…, φ(1) = 0.2419707245191433…).
    /// </summary>
    [Theory]
    [InlineData(Activation.GELU, 1.0, 0.84134474606854295, 1.0833154705876863, 0.24197072451914335)]
    [InlineData(Activation.GELU, -1.0, -0.15865525393145705, -0.083315470587686298, 0.24197072451914335)]
    [InlineData(Activation.SiLU, 1.0, 0.73105857863000488, 0.92767051187148673, 0.3023661188100153)]
    [InlineData(Activation.SiLU, -1.0, -0.26894142136999512, 0.072329488128513268, 0.3023661188100153)]
    [InlineData(Activation.Softplus, 1.0, 1.3132616875182228, 0.73105857863000488, 0.19661193324148185)]
    [InlineData(Activation.Softplus, -1.0, 0.31326168751822283, 0.26894142136999512, 0.19661193324148185)]
    [InlineData(Activation.ELU, 1.0, 1.0, 1.0, 0.0)]
    [InlineData(Activation.ELU, -1.0, -0.82175672647712501, 0.47824327352287503, 0.47824327352287503)]
    public void InterpretedEngineGivesTheHandComputedValuesForOneNeuron(Activation activation, double z, double value, double first, double second)
    {
        // x = 2, w = z/2, b = 0, target y = 0.25; ELU with α = 1.3.
        var spec = new NetworkSpec(1, [new DenseLayerSpec(1, activation) { Alpha = 1.3 }], Loss.MeanSquaredError, Precision.Double);
        var network = new InterpretedNetwork<double>(spec);
        network.Parameters[0] = z / 2;
        network.Parameters[1] = 0;
        double[] x = [2.0];
        double[] y = [0.25];
        var output = new double[1];
        network.Forward(x, output);
        Assert.Equal(value, output[0], 14);

        var workspace = network.CreateWorkspace(1);
        var gradient = new double[2];
        double loss = network.ComputeLossAndGradient(x, y, gradient, workspace);
        Assert.Equal(0.5 * (value - 0.25) * (value - 0.25), loss, 14);
        Assert.Equal((value - 0.25) * first * 2, gradient[0], 14);
        Assert.Equal((value - 0.25) * first, gradient[1], 14);

        var product = new double[2];
        network.ComputeCurvatureProduct(x, y, [1.0, 0.0], product, workspace, CurvatureKind.Hessian);
        double curvature = (first * first) + ((value - 0.25) * second);
        Assert.Equal(curvature * 4, product[0], 13);
        Assert.Equal(curvature * 2, product[1], 13);
        network.ComputeCurvatureProduct(x, y, [1.0, 0.0], product, workspace, CurvatureKind.GaussNewton);
        Assert.Equal(first * first * 4, product[0], 13);
    }

    /// <summary>The float engine (vectorised forward maps, float derivatives) follows the double one on the new activations.</summary>
    [Theory]
    [InlineData(Activation.ELU)]
    [InlineData(Activation.GELU)]
    [InlineData(Activation.SiLU)]
    [InlineData(Activation.Softplus)]
    public void SinglePrecisionEngineFollowsTheDoubleOne(Activation activation)
    {
        var spec = new NetworkSpec(
            6,
            [new DenseLayerSpec(19, activation) { Alpha = 1.3, KeepProbability = 0.8 }, new DenseLayerSpec(11, activation) { Alpha = 1.3 }, new DenseLayerSpec(3, activation) { Alpha = 0.7 }],
            Loss.MeanSquaredError);
        var exact = new InterpretedNetwork<double>(spec);
        NetGen.Testing.TestData.RandomParameters(exact, seed: 8);
        var single = new InterpretedNetwork<float>(spec);
        for (int i = 0; i < spec.ParameterCount; i++)
        {
            single.Parameters[i] = (float)exact.Parameters[i];
            exact.Parameters[i] = single.Parameters[i];
        }

        var (inputs, targets) = NetGen.Testing.TestData.Batch(spec, batch: 7, seed: 3);
        float[] singleInputs = inputs.Select(v => (float)v).ToArray();
        float[] singleTargets = targets.Select(v => (float)v).ToArray();
        double[] exactInputs = singleInputs.Select(v => (double)v).ToArray();
        double[] exactTargets = singleTargets.Select(v => (double)v).ToArray();
        var v = NetGen.Testing.CurvatureChecker.RandomVector(spec.ParameterCount, seed: 2);
        var gradient = new double[spec.ParameterCount];
        var singleGradient = new float[spec.ParameterCount];
        var product = new double[spec.ParameterCount];
        var singleProduct = new float[spec.ParameterCount];
        exact.ComputeLossAndGradient(exactInputs, exactTargets, gradient, exact.CreateWorkspace(7), new SeededRandom(4));
        single.ComputeLossAndGradient(singleInputs, singleTargets, singleGradient, single.CreateWorkspace(7), new SeededRandom(4));
        exact.ComputeCurvatureProduct(exactInputs, exactTargets, v, product, exact.CreateWorkspace(7), CurvatureKind.Hessian, new SeededRandom(4));
        single.ComputeCurvatureProduct(singleInputs, singleTargets, v.Select(x => (float)x).ToArray(), singleProduct, single.CreateWorkspace(7), CurvatureKind.Hessian, new SeededRandom(4));
        Assert.True(NetGen.Testing.TestData.RelativeDifference<double>(gradient, singleGradient.Select(x => (double)x).ToArray()) <= 1e-5, $"{activation} gradient");
        Assert.True(NetGen.Testing.TestData.RelativeDifference<double>(product, singleProduct.Select(x => (double)x).ToArray()) <= 1e-4, $"{activation} H·v");
    }
}
