using System;
using System.Linq;
using NetGen.Data;
using NetGen.Tests.Newton;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>Gradient clipping by global norm and by value, and AdamW's decoupled weight decay, against hand-computed
/// steps.</summary>
public sealed class ClippingAndWeightDecayTests
{
    // Layout of TwoLayerLinearSpec: W¹ at 0–3, b¹ at 4–5, W² at 6–7, b² at 8.
    private static readonly double[] InitialParameters = [0.5, -1.0, 0.0, 2.0, 0.3, -0.4, 1.5, -0.25, 0.7];
    private static readonly double[] ConstantGradient = [0.2, -0.1, 0.4, 0.0, 1.0, -2.0, 0.05, 0.3, -0.6];
    private static readonly int[] WeightIndices = [0, 1, 2, 3, 6, 7];

    private static FakeNetwork Run(TrainerOptions options, Func<int, double[]>? gradientAtCall = null)
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (call, _, gradient) =>
        {
            (gradientAtCall?.Invoke(call) ?? ConstantGradient).CopyTo(gradient, 0);
            return 1.0;
        });
        InitialParameters.CopyTo(network.Parameters);
        new Trainer<double>(network, options).Fit(TestData.Indexed(4));
        return network;
    }

    [Fact]
    public void ClippingByNormScalesTheWholeGradientAsPytorchClipGradNorm()
    {
        // ‖g‖² = 0.04 + 0.01 + 0.16 + 0 + 1 + 4 + 0.0025 + 0.09 + 0.36 = 5.6625; factor = 1 / (√5.6625 + 1e-6).
        double factor = 1.0 / (Math.Sqrt(5.6625) + 1e-6);
        var network = Run(new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.1, GradientClipNorm = 1.0 });
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(InitialParameters[i] - (0.1 * ConstantGradient[i] * factor), network.Parameters[i], 15);
        }

        // The clipped step has length η·(1 − tiny): the norm of the update is just below η·c.
        double step = Math.Sqrt(Enumerable.Range(0, 9).Sum(i => Math.Pow(network.Parameters[i] - InitialParameters[i], 2)));
        Assert.Equal(0.1, step, 6);
        Assert.True(step < 0.1);
    }

    [Fact]
    public void AGradientWithinTheNormIsLeftExactlyAsItIs()
    {
        var clipped = Run(new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 0.1, GradientClipNorm = 2.5, Optimizer = new MomentumOptimizer() });
        var plain = Run(new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 0.1, Optimizer = new MomentumOptimizer() });
        Assert.Equal(TestData.Bits(plain.Parameters), TestData.Bits(clipped.Parameters));
    }

    [Fact]
    public void ClippingByValueClampsEachEntryThenClippingByNormSeesTheClampedGradient()
    {
        // Clamped to ±0.5: [0.2, −0.1, 0.4, 0, 0.5, −0.5, 0.05, 0.3, −0.5].
        double[] clamped = [0.2, -0.1, 0.4, 0.0, 0.5, -0.5, 0.05, 0.3, -0.5];
        var byValue = Run(new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.1, GradientClipValue = 0.5 });
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(InitialParameters[i] - (0.1 * clamped[i]), byValue.Parameters[i], 15);
        }

        // Then a norm of 0.5: ‖clamped‖² = 1.0525.
        double factor = 0.5 / (Math.Sqrt(1.0525) + 1e-6);
        var both = Run(new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.1, GradientClipValue = 0.5, GradientClipNorm = 0.5 });
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(InitialParameters[i] - (0.1 * clamped[i] * factor), both.Parameters[i], 15);
        }
    }

    [Fact]
    public void ThePenaltyGradientIsAddedAfterClipping()
    {
        // L2 with λ₂/n = 0.8/4 = 0.2: the step is η(clip(g) + 0.2w) on the weights, η·clip(g) on the biases.
        double factor = 1.0 / (Math.Sqrt(5.6625) + 1e-6);
        var network = Run(new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.1, GradientClipNorm = 1.0, L2 = 0.8 });
        for (int i = 0; i < 9; i++)
        {
            double penalty = WeightIndices.Contains(i) ? 0.2 * InitialParameters[i] : 0.0;
            Assert.Equal(InitialParameters[i] - (0.1 * ((ConstantGradient[i] * factor) + penalty)), network.Parameters[i], 15);
        }
    }

    [Fact]
    public void AdamWDecaysTheWeightsByOneMinusEtaLambdaBeforeTheAdamStep()
    {
        // PyTorch's AdamW: θ ← θ − γλθ, then the Adam step. Step 1 with γ = 0.01, λ = 0.1: weight 0 (w = 0.5, g = 0.2)
        // becomes 0.5·0.999 − 0.01·0.2/(0.2 + 1e-8) = 0.4895000005; bias 4 (b = 0.3, g = 1) is not decayed:
        // 0.3 − 0.01/(1 + 1e-8) = 0.2900000001.
        var once = Run(new TrainerOptions { Epochs = 1, BatchSize = 4, LearningRate = 0.01, Optimizer = AdamOptimizer.AdamW(0.1) });
        Assert.Equal(0.4895000005, once.Parameters[0], 15);
        Assert.Equal(0.2900000001, once.Parameters[4], 15);

        // Two steps with changing gradients, against the formula.
        static double[] Gradient(int call) => Enumerable.Range(0, 9).Select(i => (call + 1) * (i - 4) / 10.0).ToArray();
        var twice = Run(new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 0.01, Optimizer = AdamOptimizer.AdamW(0.1) }, Gradient);
        for (int i = 0; i < 9; i++)
        {
            double m = 0, v = 0, w = InitialParameters[i];
            for (int t = 1; t <= 2; t++)
            {
                if (WeightIndices.Contains(i))
                {
                    w *= 1 - (0.01 * 0.1);
                }

                double g = Gradient(t - 1)[i];
                m = (0.9 * m) + (0.1 * g);
                v = (0.999 * v) + (0.001 * g * g);
                w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            }

            Assert.Equal(w, twice.Parameters[i], 15);
        }
    }

    [Fact]
    public void AdamWWithAZeroGradientShrinksEachWeightGeometrically()
    {
        var network = Run(new TrainerOptions { Epochs = 3, BatchSize = 4, LearningRate = 0.5, Optimizer = AdamOptimizer.AdamW(0.2) }, _ => new double[9]);
        foreach (int i in WeightIndices)
        {
            Assert.Equal(InitialParameters[i] * Math.Pow(0.9, 3), network.Parameters[i], 15);
        }

        Assert.Equal(InitialParameters[8], network.Parameters[8]);
        Assert.StartsWith("AdamW(", AdamOptimizer.AdamW().Name, StringComparison.Ordinal);
        Assert.Equal(0.01, AdamOptimizer.AdamW().WeightDecay);
        Assert.StartsWith("Adam(", new AdamOptimizer().Name, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer { WeightDecay = -1 });
    }

    [Fact]
    public void ClippingChangesNothingForRpropNewtonAndLbfgs()
    {
        // RPROP reads signs, which clipping keeps; Newton and L-BFGS recompute the exact gradient.
        var data = NewtonTestSupport.Sine();
        foreach (Optimizer optimizer in new Optimizer[] { new RpropOptimizer(), new RpropOptimizer { Variant = RpropVariant.RpropPlus }, new NewtonOptimizer(), new LbfgsOptimizer() })
        {
            double[] Train(double? norm, double? value)
            {
                var network = new SineNet();
                NewtonTestSupport.InitializeGaussian(network.Parameters, 6);
                new Trainer<double>(network, new TrainerOptions
                {
                    Optimizer = optimizer, BatchSize = int.MaxValue, Epochs = 8, KeepCurrentParameters = true, GradientClipNorm = norm, GradientClipValue = value,
                }).Fit(data);
                return network.Parameters.ToArray();
            }

            var plain = NewtonTestSupport.Bits(Train(null, null));
            Assert.True(plain.SequenceEqual(NewtonTestSupport.Bits(Train(1e-3, null))), $"{optimizer.Name}, clipped by norm");
            Assert.True(plain.SequenceEqual(NewtonTestSupport.Bits(Train(null, 1e-4))), $"{optimizer.Name}, clipped by value");
        }
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new TrainerOptions { GradientClipNorm = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { GradientClipValue = double.NaN }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { TargetOutputError = -0.1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { CheckpointEveryEpochs = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { CheckpointPath = " " }.Validate());
    }

    [Fact]
    public void TargetOutputErrorStopsWhenEveryOutputIsWithinTheTolerance()
    {
        // A linear model y = 2x fitted by gradient descent: it stops the first epoch all four outputs are within 0.05.
        var data = new Dataset<double>([0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0], 1, 1);
        var spec = new NetworkSpec(1, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double);
        var network = new InterpretedNetwork<double>(spec);
        var result = new Trainer<double>(network, new TrainerOptions { Epochs = 500, BatchSize = 4, LearningRate = 0.1, TargetOutputError = 0.05 }).Fit(data);
        Assert.Equal(StopReason.TargetOutputErrorReached, result.StopReason);
        Assert.True(result.EpochsRun < 500);
        var output = new double[1];
        for (int i = 0; i < 4; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            Assert.InRange(output[0] - data.GetTargets(i)[0], -0.05, 0.05);
        }

        // One epoch earlier some output was still outside.
        var earlier = new InterpretedNetwork<double>(spec);
        new Trainer<double>(earlier, new TrainerOptions { Epochs = result.EpochsRun - 1, BatchSize = 4, LearningRate = 0.1 }).Fit(data);
        Assert.Contains(Enumerable.Range(0, 4), i =>
        {
            earlier.Forward(data.GetFeatures(i), output);
            return Math.Abs(output[0] - data.GetTargets(i)[0]) > 0.05;
        });
    }
}
