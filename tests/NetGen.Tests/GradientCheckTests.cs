using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Testing;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>Backpropagation against central finite differences, in double, on every parameter.</summary>
public class GradientCheckTests
{
    public static TheoryData<string> GeneratedNetworks => new()
    {
        nameof(MseIdentityCheckNet), nameof(MseSigmoidCheckNet), nameof(MseTanhCheckNet), nameof(MseReLUCheckNet),
        nameof(MseLeakyReLUCheckNet), nameof(MseSoftmaxCheckNet), nameof(BceSigmoidCheckNet), nameof(SceSoftmaxCheckNet),
        nameof(DropoutCheckNet), nameof(WideCheckNet), nameof(DigitsNetDouble),
        nameof(MseEluCheckNet), nameof(MseGeluCheckNet), nameof(MseSiluCheckNet), nameof(MseSoftplusCheckNet), nameof(WideNewActivationsCheckNet),
    };

    internal static ITrainableNetwork<double> CreateDouble(string name) => name switch
    {
        nameof(MseEluCheckNet) => new MseEluCheckNet(),
        nameof(MseGeluCheckNet) => new MseGeluCheckNet(),
        nameof(MseSiluCheckNet) => new MseSiluCheckNet(),
        nameof(MseSoftplusCheckNet) => new MseSoftplusCheckNet(),
        nameof(WideNewActivationsCheckNet) => new WideNewActivationsCheckNet(),
        nameof(MseIdentityCheckNet) => new MseIdentityCheckNet(),
        nameof(MseSigmoidCheckNet) => new MseSigmoidCheckNet(),
        nameof(MseTanhCheckNet) => new MseTanhCheckNet(),
        nameof(MseReLUCheckNet) => new MseReLUCheckNet(),
        nameof(MseLeakyReLUCheckNet) => new MseLeakyReLUCheckNet(),
        nameof(MseSoftmaxCheckNet) => new MseSoftmaxCheckNet(),
        nameof(BceSigmoidCheckNet) => new BceSigmoidCheckNet(),
        nameof(SceSoftmaxCheckNet) => new SceSoftmaxCheckNet(),
        nameof(DropoutCheckNet) => new DropoutCheckNet(),
        nameof(WideCheckNet) => new WideCheckNet(),
        nameof(DigitsNetDouble) => new DigitsNetDouble(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void GeneratedGradientMatchesFiniteDifferences(string name)
    {
        var network = CreateDouble(name);
        AssertGradientIsExact(network);
    }

    [Theory]
    [MemberData(nameof(GeneratedNetworks))]
    public void InterpretedGradientMatchesFiniteDifferences(string name)
    {
        var network = new InterpretedNetwork<double>(CreateDouble(name).Spec);
        AssertGradientIsExact(network);
    }

    [Fact]
    public void InterpretedGradientIsExactForEveryHiddenActivationAndOutputLossPair()
    {
        var failures = new List<string>();
        foreach (var h in CurvatureTests.HiddenActivations)
        {
            foreach (var (output, loss) in CurvatureTests.OutputsAndLosses)
            {
                var spec = new NetworkSpec(
                    4,
                    [new DenseLayerSpec(5, h) { LeakySlope = 0.15, Alpha = 1.3, KeepProbability = 0.7 }, new DenseLayerSpec(3, output) { LeakySlope = 0.05, Alpha = 0.6 }],
                    loss,
                    Precision.Double,
                    inputKeepProbability: 0.85);
                var network = new InterpretedNetwork<double>(spec);
                TestData.RandomParameters(network, seed: 11);
                var (inputs, targets) = TestData.Batch(spec, batch: 3, seed: 5);
                var mismatches = GradientChecker.Check(network, inputs, targets, dropoutSeed: 99);
                if (mismatches.Count > 0)
                {
                    failures.Add($"{spec}: {mismatches.Count} mismatches: {string.Join(", ", mismatches)}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void CheckerRejectsAGradientThatIsOffByOnePercent()
    {
        var network = new WrongDerivativeNetwork(new InterpretedNetwork<double>(MseTanhCheckNet.Spec), factor: 1.01);
        network.InitializeParameters(seed: 3);
        var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 8);

        var mismatches = GradientChecker.Check(network, inputs, targets);

        Assert.NotEmpty(mismatches);
    }

    private static void AssertGradientIsExact(ITrainableNetwork<double> network)
    {
        TestData.RandomParameters(network, seed: 42);
        var (inputs, targets) = TestData.Batch(network.Spec, batch: 5, seed: 7);
        ulong? dropoutSeed = network.Spec.HasDropout ? 1234UL : null;

        var mismatches = GradientChecker.Check(network, inputs, targets, dropoutSeed);

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {network.Spec.ParameterCount} derivatives disagree, e.g. {string.Join("; ", mismatches.Take(3))}");
    }

    /// <summary>A network whose gradient is scaled by a factor: what a subtly wrong derivative looks like from outside.</summary>
    private sealed class WrongDerivativeNetwork(ITrainableNetwork<double> inner, double factor) : ITrainableNetwork<double>
    {
        public NetworkSpec Spec => inner.Spec;

        public Span<double> Parameters => inner.Parameters;

        public void Forward(ReadOnlySpan<double> input, Span<double> output) => inner.Forward(input, output);

        public NetworkWorkspace CreateWorkspace(int batchCapacity) => inner.CreateWorkspace(batchCapacity);

        public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, NetworkWorkspace workspace) =>
            inner.ComputeLoss(inputs, targets, workspace);

        public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, NetworkWorkspace workspace) =>
            inner.ComputeLoss(inputs, targets, sampleWeights, workspace);

        public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null) =>
            ComputeLossAndGradient(inputs, targets, default, gradient, workspace, dropoutRandom);

        public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, ReadOnlySpan<double> sampleWeights, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
        {
            double loss = inner.ComputeLossAndGradient(inputs, targets, sampleWeights, gradient, workspace, dropoutRandom);
            foreach (ref double g in gradient)
            {
                g *= factor;
            }

            return loss;
        }
    }
}
