using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Data;
using Xunit;
using NetGen.Testing;

namespace NetGen.Training.Tests;

/// <summary>Options validation, batching, the optimizer step context, and the allocation-free inner loop.</summary>
public sealed class TrainerApiTests
{
    public static TheoryData<string, TrainerOptions> InvalidOptions => new()
    {
        { nameof(TrainerOptions.Epochs), new TrainerOptions { Epochs = 0 } },
        { nameof(TrainerOptions.BatchSize), new TrainerOptions { BatchSize = 0 } },
        { nameof(TrainerOptions.LearningRate), new TrainerOptions { LearningRate = null! } },
        { nameof(TrainerOptions.Optimizer), new TrainerOptions { Optimizer = null! } },
        { nameof(TrainerOptions.L1), new TrainerOptions { L1 = -0.1 } },
        { nameof(TrainerOptions.L2), new TrainerOptions { L2 = double.NaN } },
        { nameof(TrainerOptions.Initialization), new TrainerOptions { Initialization = (WeightInitialization)42 } },
        { nameof(TrainerOptions.EarlyStoppingPatience), new TrainerOptions { EarlyStoppingPatience = 0 } },
        { nameof(TrainerOptions.EarlyStoppingMinDelta), new TrainerOptions { EarlyStoppingMinDelta = -1 } },
        { nameof(TrainerOptions.TargetLoss), new TrainerOptions { TargetLoss = double.PositiveInfinity } },
        { nameof(TrainerOptions.ProgressInterval), new TrainerOptions { ProgressInterval = TimeSpan.FromSeconds(-1) } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void InvalidOptionsAreRejectedWithAMessageNamingTheOption(string option, TrainerOptions options)
    {
        var error = Assert.Throws<ArgumentException>(() => new Trainer<double>(new InterpretedNetwork<double>(TestData.XorSpec()), options));
        Assert.Equal(option, error.ParamName);
        Assert.StartsWith(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidOptimizerSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer { Beta1 = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer { Beta2 = -0.1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer { Epsilon = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomentumOptimizer { Coefficient = double.NaN });
    }

    [Fact]
    public void ForwardOnlyNetworksAndMismatchedOrEmptyDataSetsAreRejected()
    {
        var forwardOnly = new InterpretedNetwork<double>(new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Step)], loss: null, Precision.Double));
        Assert.Throws<ArgumentException>(() => new Trainer<double>(forwardOnly, new TrainerOptions()));

        var trainer = new Trainer<double>(new InterpretedNetwork<double>(TestData.XorSpec()), new TrainerOptions());
        var wrongWidth = new Dataset<double>([1, 2, 3], [0], 3, 1);
        Assert.Contains("3 features", Assert.Throws<ArgumentException>(() => trainer.Fit(wrongWidth)).Message, StringComparison.Ordinal);
        Assert.Equal("validation", Assert.Throws<ArgumentException>(() => trainer.Fit(TestData.Xor(), wrongWidth)).ParamName);
        Assert.Throws<ArgumentException>(() => trainer.Fit(new Dataset<double>([], [], 2, 1)));
        Assert.Throws<ArgumentNullException>(() => trainer.Fit(null!));
    }

    [Fact]
    public void EachEpochVisitsEverySampleOnceInBatchesWithAPartialLastBatch()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        var result = new Trainer<double>(network, new TrainerOptions { Epochs = 3, BatchSize = 4, Seed = 8 }).Fit(TestData.Indexed(10));
        Assert.Equal([4, 4, 2, 4, 4, 2, 4, 4, 2], network.BatchSizes);
        Assert.Equal(9, result.TotalSteps);
        var orders = new List<int[]>();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            int[] order = network.BatchInputs.Skip(3 * epoch).Take(3).SelectMany(inputs => inputs.Where((_, i) => i % 2 == 0)).Select(x => (int)x).ToArray();
            Assert.Equal(Enumerable.Range(0, 10), order.Order());
            orders.Add(order);
        }

        Assert.NotEqual(orders[0], orders[1]);
        Assert.NotEqual(Enumerable.Range(0, 10), orders[0]);
    }

    [Fact]
    public void WithoutShufflingBatchesFollowTheStoredOrder()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        new Trainer<double>(network, new TrainerOptions { Epochs = 2, BatchSize = 3, ShuffleEachEpoch = false }).Fit(TestData.Indexed(5));
        Assert.Equal([[0, 1, 2], [3, 4], [0, 1, 2], [3, 4]], network.BatchInputs.Select(b => b.Where((_, i) => i % 2 == 0).Select(x => (int)x).ToArray()));
    }

    [Fact]
    public void ABatchSizeAboveTheTrainingSetSizeMeansFullBatch()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        var result = new Trainer<double>(network, new TrainerOptions { Epochs = 2, BatchSize = 1000 }).Fit(TestData.Indexed(6));
        Assert.Equal([6, 6], network.BatchSizes);
        Assert.Equal(2, result.TotalSteps);
    }

    /// <summary>
    /// A stand-in for the later second-order optimizers: it proposes a gradient step, re-evaluates the batch objective
    /// through the context, and keeps the step only if the objective fell; it also checks that re-evaluating the
    /// gradient through the context reproduces the trainer's regularised gradient.
    /// </summary>
    private sealed class AcceptIfBetterOptimizer : Optimizer
    {
        public List<(double Before, double After, bool Accepted)> Trials { get; } = [];

        public List<double> GradientMismatches { get; } = [];

        public override string Name => "AcceptIfBetter";

        public override IOptimizerState<T> CreateState<T>(NetworkSpec spec) => new State<T>(this, spec.ParameterCount);

        private sealed class State<T>(AcceptIfBetterOptimizer owner, int parameterCount) : IOptimizerState<T>
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            private readonly T[] _saved = new T[parameterCount];
            private readonly T[] _gradient = new T[parameterCount];

            public void Reset()
            {
            }

            public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
            {
                T before = context.EvaluateObjectiveAndGradient(_gradient);
                double mismatch = 0;
                for (int i = 0; i < _gradient.Length; i++)
                {
                    mismatch = Math.Max(mismatch, Math.Abs(double.CreateTruncating(_gradient[i] - context.Gradient[i])));
                }

                owner.GradientMismatches.Add(mismatch);
                Span<T> parameters = context.Parameters;
                parameters.CopyTo(_saved);
                T rate = T.CreateChecked(context.LearningRate);
                for (int i = 0; i < parameters.Length; i++)
                {
                    parameters[i] -= rate * context.Gradient[i];
                }

                T after = context.EvaluateObjective();
                bool accepted = after < before;
                owner.Trials.Add((double.CreateTruncating(before), double.CreateTruncating(after), accepted));
                if (accepted)
                {
                    return OptimizerStepOutcome.Applied;
                }

                _saved.CopyTo(parameters);
                return OptimizerStepOutcome.Rejected;
            }
        }
    }

    [Fact]
    public void TheStepContextLetsAnOptimizerReevaluateTheRegularisedObjectiveAndRejectSteps()
    {
        var data = TestData.Xor();
        var sensible = new AcceptIfBetterOptimizer();
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var options = new TrainerOptions { Epochs = 20, BatchSize = 4, LearningRate = 0.5, L1 = 0.01, L2 = 0.1, Optimizer = sensible, Seed = 1, Initialization = WeightInitialization.XavierUniform };
        var result = new Trainer<double>(network, options).Fit(data);
        Assert.All(sensible.GradientMismatches, m => Assert.Equal(0.0, m));
        Assert.Contains(sensible.Trials, t => t.Accepted);
        // The context's objective includes both penalties, exactly as the history's objective does.
        Assert.Equal(result.History.Epochs[0].TrainingObjective, sensible.Trials[0].Before, 14);

        var reckless = new AcceptIfBetterOptimizer();
        var other = new InterpretedNetwork<double>(TestData.XorSpec());
        other.InitializeParameters(1);
        var start = TestData.Bits(other.Parameters);
        var rejected = new Trainer<double>(other, new TrainerOptions { Epochs = 3, BatchSize = 4, LearningRate = 1e4, L2 = 1.0, Optimizer = reckless }).Fit(data);
        Assert.All(reckless.Trials, t => Assert.False(t.Accepted));
        Assert.Equal([1, 1, 1], rejected.History.Epochs.Select(e => e.RejectedSteps));
        Assert.Equal(start, TestData.Bits(other.Parameters));
    }

    [Fact]
    public void TheStepContextChecksItsArguments()
    {
        var network = new InterpretedNetwork<double>(TestData.XorSpec());
        var workspace = network.CreateWorkspace(2);
        var gradient = new double[network.Spec.ParameterCount];
        var none = new Regularization(0, 0, 1);
        Assert.Throws<ArgumentException>(() => new TrainingStepContext<double>(network, new double[6], new double[3], workspace, gradient, 0, 0, 0.1, none, 0, 0));
        Assert.Throws<ArgumentException>(() => new TrainingStepContext<double>(network, new double[4], new double[2], workspace, new double[3], 0, 0, 0.1, none, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingStepContext<double>(network, new double[4], new double[2], workspace, gradient, 0, 0, -1, none, 0, 0));
        var context = new TrainingStepContext<double>(network, new double[4], new double[2], workspace, gradient, 0, 0, 0.1, none, 0, 0);
        Assert.Equal(2, context.BatchSize);
        try
        {
            context.EvaluateObjectiveAndGradient(gradient);
            Assert.Fail("Overlapping gradient buffers were accepted.");
        }
        catch (ArgumentException error)
        {
            Assert.Equal("gradient", error.ParamName);
        }
    }

    [Fact]
    public void TrainingStepsAllocateNothing()
    {
        // 256 samples in batches of 1: 256 steps per epoch. Extra epochs may allocate their history record, but a
        // step that allocated even one small object would add several kilobytes per epoch. The network is an
        // allocation-free stand-in so that only the trainer is measured.
        var data = TestData.Regression(256, 4, seed: 1);
        var classes = new Dataset<double>(data.Features.ToArray(), data.Targets.ToArray().Select(y => y > 0 ? 1.0 : 0.0).ToArray(), 4, 1);
        foreach (Optimizer optimizer in new Optimizer[] { new SgdOptimizer(), new MomentumOptimizer { Nesterov = true }, new AdamOptimizer(), AdamOptimizer.AdamW() })
        {
            // The whole-vector path, with both kinds of clipping, too.
            foreach (bool clip in new[] { false, true })
            {
            var network = new AllocationFreeLinearNetwork(4);
            var progress = new RecordingProgress();
            long Allocated(int epochs)
            {
                var trainer = new Trainer<double>(network, new TrainerOptions
                {
                    Epochs = epochs, BatchSize = 1, LearningRate = LearningRateSchedule.InverseTime(1e-3, 1e-3), Optimizer = optimizer,
                    L1 = 1e-4, L2 = 1e-4, Seed = 1, Initialization = WeightInitialization.HeNormal, EarlyStoppingPatience = 100,
                    GradientClipNorm = clip ? 0.5 : null, GradientClipValue = clip ? 0.1 : null,
                });
                trainer.Fit(data, classes, progress);
                long before = GC.GetAllocatedBytesForCurrentThread();
                trainer.Fit(data, classes, progress);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            long perEpoch = (Allocated(5) - Allocated(1)) / 4;
            Assert.True(perEpoch < 1024, $"{optimizer.Name}, clipping {clip}: {perEpoch} bytes per epoch of 256 steps");
            }
        }
    }

    [Fact]
    public void FullBatchOptimizerStepsAllocateNothing()
    {
        // RPROP (both variants) and L-BFGS take one step per epoch, so their steps are measured directly.
        var data = TestData.Regression(64, 4, seed: 1);
        foreach (Optimizer optimizer in new Optimizer[] { new RpropOptimizer(), new RpropOptimizer { Variant = RpropVariant.RpropPlus }, new LbfgsOptimizer() })
        {
            var network = new AllocationFreeLinearNetwork(4);
            network.Parameters.Fill(0.1);
            var state = optimizer.CreateState<double>(network.Spec);
            var workspace = network.CreateWorkspace(64);
            var gradient = new double[network.Spec.ParameterCount];
            var regularization = new Regularization(0, 1e-3, 64);
            void Steps(int count)
            {
                for (int step = 0; step < count; step++)
                {
                    double loss = network.ComputeLossAndGradient(data.Features, data.Targets, gradient, workspace);
                    var context = new TrainingStepContext<double>(network, data.Features, data.Targets, workspace, gradient, loss, loss, 0.0, regularization, 0, step);
                    state.Step(in context);
                }
            }

            Steps(10);
            Assert.Equal(0, Allocations.Least(() => Steps(100), repetitions: 1));
        }
    }
}
