using System;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>RPROP: exact steps of both variants against hand-computed values, its full-batch rule, and FANN's XOR.</summary>
public sealed class RpropTests
{
    // Parameter 0 sees the gradients +1, +2, −1, +0.5, 0, +3 at the six calls; every other parameter a constant +1.
    private static readonly double[] ScriptedGradient = [1.0, 2.0, -1.0, 0.5, 0.0, 3.0];

    private static FakeNetwork Run(Optimizer optimizer, int steps, Func<int, int, double>? gradient = null)
    {
        gradient ??= (call, index) => index == 0 ? ScriptedGradient[call] : 1.0;
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (call, _, g) =>
        {
            for (int i = 0; i < g.Length; i++)
            {
                g[i] = gradient(call, i);
            }

            return 1.0;
        });
        network.Parameters.Fill(0.5);
        new Trainer<double>(network, new TrainerOptions { Epochs = steps, BatchSize = 4, Optimizer = optimizer, LearningRate = 123.0 })
            .Fit(TestData.Indexed(4));
        return network;
    }

    [Theory]
    // iRPROP⁻ from w = 0.5, Δ₀ = 0.1: −0.1 (sign kept) → 0.4; Δ = 0.12 → 0.28; flip: Δ = 0.06, no move, g := 0 → 0.28;
    // g′ = 0: −0.06 → 0.22; g = 0: no move → 0.22; g′ = 0: −0.06 → 0.16.
    [InlineData(1, 0.4)]
    [InlineData(2, 0.28)]
    [InlineData(3, 0.28)]
    [InlineData(4, 0.22)]
    [InlineData(5, 0.22)]
    [InlineData(6, 0.16)]
    public void IRpropMinusStepsMatchTheHandComputedValues(int steps, double expected)
    {
        var network = Run(new RpropOptimizer(), steps);
        Assert.Equal(expected, network.Parameters[0], 14);
    }

    [Theory]
    // Rprop⁺ from w = 0.5: −0.1 → 0.4; Δ = 0.12 → 0.28; flip: Δ = 0.06 and the last update (−0.12) is undone → 0.40;
    // g′ = 0: −0.06 → 0.34; g = 0: Δw = 0 → 0.34; g′ = 0: −0.06 → 0.28.
    [InlineData(1, 0.4)]
    [InlineData(2, 0.28)]
    [InlineData(3, 0.40)]
    [InlineData(4, 0.34)]
    [InlineData(5, 0.34)]
    [InlineData(6, 0.28)]
    public void RpropPlusBacktracksThePreviousUpdateWhenTheSignFlips(int steps, double expected)
    {
        var network = Run(new RpropOptimizer { Variant = RpropVariant.RpropPlus }, steps);
        Assert.Equal(expected, network.Parameters[0], 14);
    }

    [Fact]
    public void StepSizesGrowByEtaPlusUpToTheMaximumAndShrinkByEtaMinusDownToTheMinimum()
    {
        // A constant gradient: Δ = 0.1, 0.12, 0.144, then held at 0.15; w = 0.5 − 0.1 − 0.12 − 0.144 − 0.15 − 0.15.
        var growing = Run(new RpropOptimizer { MaximumStep = 0.15 }, 5, (_, _) => 1.0);
        Assert.Equal(0.5 - 0.1 - 0.12 - 0.144 - 0.15 - 0.15, growing.Parameters[0], 14);

        // Rprop⁺ with Δmin = 0.04 and the gradients +1, +1, −1, −1, +1 (, +1):
        var alternating = Run(
            new RpropOptimizer { Variant = RpropVariant.RpropPlus, MinimumStep = 0.04 }, 5, (call, _) => call is 0 or 1 or 4 ? 1.0 : -1.0);
        // −0.1 → 0.4; Δ = 0.12 → 0.28; flip: Δ = 0.06, undo → 0.40; g′ = 0: +0.06 → 0.46; flip: Δ = max(0.03, 0.04) =
        // 0.04, undo → 0.40; then g′ = 0: −0.04 → 0.36.
        Assert.Equal(0.40, alternating.Parameters[0], 14);
        var next = Run(
            new RpropOptimizer { Variant = RpropVariant.RpropPlus, MinimumStep = 0.04 }, 6, (call, _) => call is 0 or 1 or 4 or 5 ? 1.0 : -1.0);
        Assert.Equal(0.40 - 0.04, next.Parameters[0], 14);
    }

    [Fact]
    public void EveryParameterHasItsOwnStepSizeAndTheLearningRateIsIgnored()
    {
        // Parameter 0 follows the script; the others see +1 throughout: 0.5 − (0.1 + 0.12 + 0.144).
        var network = Run(new RpropOptimizer(), 3);
        Assert.Equal(0.28, network.Parameters[0], 14);
        for (int i = 1; i < 9; i++)
        {
            Assert.Equal(0.5 - 0.1 - 0.12 - 0.144, network.Parameters[i], 14);
        }
    }

    [Fact]
    public void MiniBatchesAreRefusedNamingTheFullBatchRule()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        var before = network.Parameters.ToArray();
        foreach (Optimizer optimizer in new Optimizer[] { new RpropOptimizer(), new LbfgsOptimizer() })
        {
            var trainer = new Trainer<double>(network, new TrainerOptions { Epochs = 1, BatchSize = 3, Optimizer = optimizer });
            var error = Assert.Throws<ArgumentException>(() => trainer.Fit(TestData.Indexed(4)));
            Assert.Contains("full batch", error.Message, StringComparison.Ordinal);
            Assert.Contains("BatchSize is 3 for 4 training samples", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Empty(network.BatchSizes);
    }

    [Fact]
    public void SettingsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpropOptimizer { IncreaseFactor = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpropOptimizer { DecreaseFactor = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpropOptimizer { InitialStep = 0.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpropOptimizer { MinimumStep = -1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpropOptimizer { Variant = (RpropVariant)7 });
        var inverted = new RpropOptimizer { InitialStep = 100.0 };
        Assert.Throws<ArgumentException>(() => inverted.CreateState<double>(TestData.TwoLayerLinearSpec));
        var defaults = new RpropOptimizer();
        Assert.Equal((1.2, 0.5, 0.1, 50.0, 1e-6), (defaults.IncreaseFactor, defaults.DecreaseFactor, defaults.InitialStep, defaults.MaximumStep, defaults.MinimumStep));
        Assert.False(defaults.UsesLearningRate);
        Assert.True(defaults.RequiresFullBatch);
    }

    public static TheoryData<RpropVariant> Variants() => [RpropVariant.IRpropMinus, RpropVariant.RpropPlus];

    [Theory]
    [MemberData(nameof(Variants))]
    public void FannsXorExampleConvergesForAtLeast19Of20Seeds(RpropVariant variant)
    {
        // FANN's xor_train.c: 2-3-1 tanh (sigmoid symmetric, steepness 1) hidden and output, targets ±1, quadratic
        // cost, iRPROP⁻ with the published defaults, stop when every output is within 0.01 of its target (bit-fail limit
        // 0.01), at most 1,000 epochs.
        var data = TrainingTestData.FannXor<float>();
        int converged = 0;
        var epochs = new System.Collections.Generic.List<int>();
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var network = new FannXorNet();
            var result = new Trainer<float>(network, new TrainerOptions
            {
                Optimizer = new RpropOptimizer { Variant = variant }, BatchSize = int.MaxValue, Epochs = 1000, Seed = seed,
                TargetOutputError = 0.01, EvaluateTrainingAccuracy = false,
            }).Fit(data);
            if (result.StopReason == StopReason.TargetOutputErrorReached)
            {
                converged++;
                epochs.Add(result.EpochsRun);
                AssertWithin(network, data, 0.01f);
            }
        }

        Assert.True(converged >= 19, $"{variant}: {converged}/20 seeds converged (epochs: {string.Join(", ", epochs)})");
    }

    [Fact]
    public void GeneratedAndInterpretedNetworksTakeTheSameRpropSteps()
    {
        var data = TrainingTestData.FannXor<double>();
        double[] Train(ITrainableNetwork<double> network, RpropVariant variant)
        {
            new Trainer<double>(network, new TrainerOptions
            {
                Optimizer = new RpropOptimizer { Variant = variant }, BatchSize = int.MaxValue, Epochs = 40, Seed = 3,
                Initialization = WeightInitialization.XavierUniform,
            }).Fit(data);
            return network.Parameters.ToArray();
        }

        foreach (var variant in new[] { RpropVariant.IRpropMinus, RpropVariant.RpropPlus })
        {
            var generated = Train(new FannXorDoubleNet(), variant);
            var interpreted = Train(new InterpretedNetwork<double>(FannXorDoubleNet.Spec), variant);
            Assert.True(
                NetGen.Testing.TestData.RelativeDifference<double>(generated, interpreted) < 1e-10,
                $"{variant}: generated {string.Join(", ", generated)} vs interpreted {string.Join(", ", interpreted)}");
        }
    }

    private static void AssertWithin(FannXorNet network, Dataset<float> data, float tolerance)
    {
        var output = new float[1];
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            Assert.True(Math.Abs(output[0] - data.GetTargets(i)[0]) <= tolerance, $"sample {i}: {output[0]} vs {data.GetTargets(i)[0]}");
        }
    }
}
