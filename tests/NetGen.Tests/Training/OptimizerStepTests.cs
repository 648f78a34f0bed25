using System;
using System.Linq;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>Single optimizer steps and penalty terms against values worked out by hand.</summary>
public sealed class OptimizerStepTests
{
    // Layout of TwoLayerLinearSpec: W¹ at 0–3, b¹ at 4–5, W² at 6–7, b² at 8.
    private static readonly double[] InitialParameters = [0.5, -1.0, 0.0, 2.0, 0.3, -0.4, 1.5, -0.25, 0.7];
    private static readonly double[] ConstantGradient = [0.2, -0.1, 0.4, 0.0, 1.0, -2.0, 0.05, 0.3, -0.6];
    private static readonly int[] WeightIndices = [0, 1, 2, 3, 6, 7];
    private static readonly int[] BiasIndices = [4, 5, 8];

    /// <summary>Runs <paramref name="steps"/> full-batch steps (one per epoch) on 4 samples.</summary>
    private static FakeNetwork Run(Optimizer optimizer, double learningRate, int steps, Func<int, double[]>? gradientAtCall = null, double l1 = 0, double l2 = 0, double loss = 1.0)
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (call, _, gradient) =>
        {
            (gradientAtCall?.Invoke(call) ?? ConstantGradient).CopyTo(gradient, 0);
            return loss;
        });
        InitialParameters.CopyTo(network.Parameters);
        var options = new TrainerOptions { Epochs = steps, BatchSize = 4, LearningRate = learningRate, Optimizer = optimizer, L1 = l1, L2 = l2 };
        new Trainer<double>(network, options).Fit(TestData.Indexed(4));
        return network;
    }

    [Fact]
    public void SgdStepIsWMinusEtaG()
    {
        var network = Run(new SgdOptimizer(), 0.1, steps: 1);
        Assert.Equal(0.48, network.Parameters[0], 15);   // 0.5 − 0.1·0.2
        Assert.Equal(-0.99, network.Parameters[1], 15);  // −1 − 0.1·(−0.1)
        Assert.Equal(-0.2, network.Parameters[5], 15);   // −0.4 − 0.1·(−2), biases move with their gradient
        for (int i = 0; i < InitialParameters.Length; i++)
        {
            Assert.Equal(InitialParameters[i] - 0.1 * ConstantGradient[i], network.Parameters[i], 15);
        }
    }

    [Fact]
    public void ClassicalMomentumAccumulatesVelocity()
    {
        // v₁ = −ηg, w₁ = w₀ − ηg; v₂ = μv₁ − ηg = −0.19g, w₂ = w₀ − 0.29g (η = 0.1, μ = 0.9).
        var network = Run(new MomentumOptimizer(), 0.1, steps: 2);
        Assert.Equal(0.5 - 0.29 * 0.2, network.Parameters[0], 15);
        for (int i = 0; i < InitialParameters.Length; i++)
        {
            Assert.Equal(InitialParameters[i] - 0.29 * ConstantGradient[i], network.Parameters[i], 14);
        }
    }

    [Fact]
    public void NesterovMomentumTakesTheLookAheadStep()
    {
        // w₁ = w₀ + μv₁ − ηg = w₀ − 0.19g; v₂ = −0.19g, w₂ = w₁ + μv₂ − ηg = w₀ − 0.19g − 0.271g = w₀ − 0.461g.
        var once = Run(new MomentumOptimizer { Nesterov = true }, 0.1, steps: 1);
        var twice = Run(new MomentumOptimizer { Nesterov = true }, 0.1, steps: 2);
        for (int i = 0; i < InitialParameters.Length; i++)
        {
            Assert.Equal(InitialParameters[i] - 0.19 * ConstantGradient[i], once.Parameters[i], 14);
            Assert.Equal(InitialParameters[i] - 0.461 * ConstantGradient[i], twice.Parameters[i], 14);
        }
    }

    [Fact]
    public void MomentumCoefficientIsConfigurable()
    {
        // μ = 0.5: w₂ = w₀ − ηg − (0.5ηg + ηg) = w₀ − 0.25g with η = 0.1.
        var network = Run(new MomentumOptimizer { Coefficient = 0.5 }, 0.1, steps: 2);
        Assert.Equal(0.5 - 0.25 * 0.2, network.Parameters[0], 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomentumOptimizer { Coefficient = 1.0 });
    }

    [Fact]
    public void AdamTwoBiasCorrectedSteps()
    {
        // Parameter 0 starts at 0.3 and sees g = 1, then g = 0.5, with η = 0.01; the others get assorted gradients.
        static double[] Gradient(int call) => Enumerable.Range(0, 9).Select(i => i == 0 ? (call == 0 ? 1.0 : 0.5) : (call + 1) * (i - 4) / 10.0).ToArray();
        var start = (double[])InitialParameters.Clone();
        start[0] = 0.3;
        FakeNetwork RunAdam(int steps)
        {
            var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (call, _, gradient) =>
            {
                Gradient(call).CopyTo(gradient, 0);
                return 1.0;
            });
            start.CopyTo(network.Parameters);
            new Trainer<double>(network, new TrainerOptions { Epochs = steps, BatchSize = 4, LearningRate = 0.01, Optimizer = new AdamOptimizer() })
                .Fit(TestData.Indexed(4));
            return network;
        }

        // Step 1: m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) = 0.01/(1 + 1e-8).
        Assert.Equal(0.2900000001, RunAdam(1).Parameters[0], 15);

        // Step 2: m = 0.09 + 0.05 = 0.14, v = 0.000999 + 0.00025 = 0.001249; m̂ = m/0.19, v̂ = v/0.001999.
        var twoSteps = RunAdam(2);
        Assert.Equal(0.2806782038298161, twoSteps.Parameters[0], 14);
        for (int i = 0; i < 9; i++)
        {
            double m = 0, v = 0, w = start[i];
            for (int t = 1; t <= 2; t++)
            {
                double g = Gradient(t - 1)[i];
                m = 0.9 * m + 0.1 * g;
                v = 0.999 * v + 0.001 * g * g;
                w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            }

            Assert.Equal(w, twoSteps.Parameters[i], 14);
        }
    }

    [Fact]
    public void OptimizerStateIsResetAtTheStartOfEveryFit()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, gradient) =>
        {
            ConstantGradient.CopyTo(gradient, 0);
            return 1.0;
        });
        var trainer = new Trainer<double>(network, new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 0.1, Optimizer = new MomentumOptimizer() });
        InitialParameters.CopyTo(network.Parameters);
        trainer.Fit(TestData.Indexed(4));
        var first = network.Parameters.ToArray();
        InitialParameters.CopyTo(network.Parameters);
        trainer.Fit(TestData.Indexed(4));
        Assert.Equal(TestData.Bits(first), TestData.Bits(network.Parameters));
    }

    [Fact]
    public void L2AddsLambdaOverNTimesWToWeightsOnly()
    {
        // n = 4, λ₂ = 0.8: each weight's gradient gains 0.2·w, so with g = 0 and η = 0.5, w ← 0.9w; biases stay.
        var network = Run(new SgdOptimizer(), 0.5, steps: 1, gradientAtCall: _ => new double[9], l2: 0.8);
        foreach (int i in WeightIndices)
        {
            Assert.Equal(0.9 * InitialParameters[i], network.Parameters[i], 15);
        }

        foreach (int i in BiasIndices)
        {
            Assert.Equal(InitialParameters[i], network.Parameters[i]);
        }
    }

    [Fact]
    public void L1AddsLambdaOverNTimesSignWToWeightsOnlyAndLeavesZeroWeights()
    {
        // n = 4, λ₁ = 0.4: the gradient gains 0.1·sgn(w); with η = 0.5 each weight moves 0.05 towards 0, sgn(0) = 0.
        var network = Run(new SgdOptimizer(), 0.5, steps: 1, gradientAtCall: _ => new double[9], l1: 0.4);
        Assert.Equal(0.45, network.Parameters[0], 15);
        Assert.Equal(-0.95, network.Parameters[1], 15);
        Assert.Equal(0.0, network.Parameters[2]);
        Assert.Equal(1.95, network.Parameters[3], 15);
        Assert.Equal(1.45, network.Parameters[6], 15);
        Assert.Equal(-0.2, network.Parameters[7], 15);
        foreach (int i in BiasIndices)
        {
            Assert.Equal(InitialParameters[i], network.Parameters[i]);
        }
    }

    [Fact]
    public void L1AndL2CombineWithTheDataGradientAndTheObjectiveIncludesBothPenalties()
    {
        var network = Run(new SgdOptimizer(), 0.5, steps: 1, l1: 0.4, l2: 0.8, loss: 1.0);
        for (int i = 0; i < InitialParameters.Length; i++)
        {
            double w = InitialParameters[i];
            bool isWeight = WeightIndices.Contains(i);
            double penalty = isWeight ? 0.2 * w + 0.1 * Math.Sign(w) : 0.0;
            Assert.Equal(w - 0.5 * (ConstantGradient[i] + penalty), network.Parameters[i], 15);
        }

        var recorded = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        InitialParameters.CopyTo(recorded.Parameters);
        var result = new Trainer<double>(recorded, new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.0, L1 = 0.4, L2 = 0.8 })
            .Fit(TestData.Indexed(4));
        double sumAbs = WeightIndices.Sum(i => Math.Abs(InitialParameters[i]));
        double sumSquares = WeightIndices.Sum(i => InitialParameters[i] * InitialParameters[i]);
        var epoch = Assert.Single(result.History.Epochs);
        Assert.Equal(1.0, epoch.TrainingLoss);
        Assert.Equal(1.0 + 0.1 * sumAbs + 0.1 * sumSquares, epoch.TrainingObjective, 14); // λ₁/n = 0.1, λ₂/2n = 0.1
    }

    [Fact]
    public void RegularizationHelpersMatchTheFormulasDirectly()
    {
        var regularization = new Regularization(l1: 0.4, l2: 0.8, trainingSetSize: 4);
        var gradient = new double[9];
        regularization.AddGradientTerms<double>(TestData.TwoLayerLinearSpec, InitialParameters, gradient);
        Assert.Equal([0.2 * 0.5 + 0.1, 0.2 * -1.0 - 0.1, 0.0, 0.2 * 2.0 + 0.1, 0, 0, 0.2 * 1.5 + 0.1, 0.2 * -0.25 - 0.1, 0], gradient);
        Assert.Equal(0.1 * 5.25 + 0.1 * 7.5625, regularization.Penalty<double>(TestData.TwoLayerLinearSpec, InitialParameters), 14);
        Assert.False(new Regularization(0, 0, 10).IsActive);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Regularization(-1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Regularization(0, 0, 0));
    }

    [Fact]
    public void PenaltyGradientTermsAreTheScalarFormulaBitForBitInEveryLaneAndTail()
    {
        // 37 → 11 → 3: weight blocks of 407 and 33 entries leave vector tails, and the layout interleaves biases.
        var spec = new NetworkSpec(37, [new DenseLayerSpec(11, Activation.Tanh), new DenseLayerSpec(3, Activation.Identity)], Loss.MeanSquaredError, Precision.Single);
        var regularization = new Regularization(l1: 0.3, l2: 0.7, trainingSetSize: 9);
        var random = new SeededRandom(4);
        var parameters = new float[spec.ParameterCount];
        var gradient = new float[spec.ParameterCount];
        for (int i = 0; i < parameters.Length; i++)
        {
            // Every third weight is exactly zero, whose sign term must be zero.
            parameters[i] = i % 3 == 0 ? 0f : (float)((random.NextDouble() * 2.0) - 1.0);
            gradient[i] = (float)((random.NextDouble() * 2.0) - 1.0);
        }

        parameters[5] = -0f;
        parameters[7] = float.NaN;
        var actual = (float[])gradient.Clone();
        regularization.AddGradientTerms<float>(spec, parameters, actual);
        var actualDouble = Array.ConvertAll(gradient, g => (double)g);
        regularization.AddGradientTerms<double>(spec, Array.ConvertAll(parameters, p => (double)p), actualDouble);

        float l1 = (float)(0.3 / 9);
        float l2 = (float)(0.7 / 9);
        var weightEntries = Enumerable.Range(0, 2).SelectMany(layer => Enumerable.Range(spec.GetLayout(layer).WeightsOffset, spec.GetLayout(layer).WeightCount)).ToHashSet();
        for (int i = 0; i < parameters.Length; i++)
        {
            float w = parameters[i];
            float sign = w > 0f ? 1f : w < 0f ? -1f : 0f;
            float expected = weightEntries.Contains(i) ? gradient[i] + l2 * w + l1 * sign : gradient[i];
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual[i]));

            double wd = w;
            double signd = wd > 0 ? 1 : wd < 0 ? -1 : 0;
            double expectedDouble = weightEntries.Contains(i) ? (double)gradient[i] + (0.7 / 9) * wd + (0.3 / 9) * signd : gradient[i];
            Assert.Equal(BitConverter.DoubleToInt64Bits(expectedDouble), BitConverter.DoubleToInt64Bits(actualDouble[i]));
        }
    }
}
