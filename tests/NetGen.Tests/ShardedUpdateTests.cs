using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetGen.Data;
using NetGen.Testing;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// Updates applied inside a data-parallel pass, one slice of the parameters per thread: the two-phase contract of
/// <see cref="IParameterSliceStep{T}"/>, and a trainer whose element-wise optimizer updates slice by slice taking
/// exactly the steps it takes when it updates the whole vector at once, including when a step diverges.
/// </summary>
public class ShardedUpdateTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void EverySliceOfTheCombinedGradientIsInspectedBeforeAnyIsApplied(int threads)
    {
        var (parallel, inputs, targets, workspace) = WideNet(threads, batch: 11);
        using var disposeParallel = parallel;
        var plain = new double[WideCheckNet.ParameterCount];
        double plainLoss = parallel.ComputeLossAndGradient(inputs, targets, plain, workspace);

        var step = new RecordingStep(threads);
        var gradient = new double[WideCheckNet.ParameterCount];
        double loss = parallel.ComputeLossAndGradient(inputs, targets, gradient, workspace, step);

        Assert.Equal(BitConverter.DoubleToInt64Bits(plainLoss), BitConverter.DoubleToInt64Bits(loss));
        Assert.Equal(plain, gradient);
        var inspected = step.Inspected.OrderBy(s => s.Slice).ToList();
        Assert.Equal(Enumerable.Range(0, threads), inspected.Select(s => s.Slice));
        int next = 0;
        foreach (var slice in inspected)
        {
            // Contiguous, in slice order, covering every parameter; each saw its part of the combined gradient.
            Assert.Equal(next, slice.Offset);
            Assert.Equal(plain.AsSpan(slice.Offset, slice.Gradient.Length).ToArray(), slice.Gradient);
            Assert.Equal(BitConverter.DoubleToInt64Bits(loss), BitConverter.DoubleToInt64Bits(slice.Loss));
            next += slice.Gradient.Length;
        }

        Assert.Equal(WideCheckNet.ParameterCount, next);
        Assert.Equal(threads, step.Applied.Count);
        Assert.All(step.Applied, seen => Assert.Equal(threads, seen));
    }

    [Fact]
    public void ARefusingSliceCancelsTheApplyOfEverySlice()
    {
        var (parallel, inputs, targets, workspace) = WideNet(threads: 2, batch: 9);
        using (parallel)
        {
            var gradient = new double[WideCheckNet.ParameterCount];
            var refusing = new RecordingStep(2) { RefuseSlice = 1 };
            parallel.ComputeLossAndGradient(inputs, targets, gradient, workspace, refusing);
            Assert.Equal(2, refusing.Inspected.Count);
            Assert.Empty(refusing.Applied);

            AssertTheNextPassAppliesEverySlice(parallel, inputs, targets, workspace);
        }
    }

    [Fact]
    public void AnInspectThatThrowsReachesTheCallerAndNothingIsApplied()
    {
        var (parallel, inputs, targets, workspace) = WideNet(threads: 2, batch: 9);
        using (parallel)
        {
            var gradient = new double[WideCheckNet.ParameterCount];
            foreach (int throwing in new[] { 0, 1 })
            {
                var step = new RecordingStep(2) { ThrowOnSlice = throwing };
                var error = Assert.Throws<InvalidOperationException>(() => parallel.ComputeLossAndGradient(inputs, targets, gradient, workspace, step));
                Assert.Equal($"slice {throwing}", error.Message);
                Assert.Empty(step.Applied);
            }

            AssertTheNextPassAppliesEverySlice(parallel, inputs, targets, workspace);
        }
    }

    [Fact]
    public void SpansOverlappingTheParametersAreRejectedWithTheirName()
    {
        var network = new WideCheckNet();
        using var parallel = new DataParallelNetwork<double>(network, 2);
        var workspace = parallel.CreateWorkspace(1);
        var inputs = new double[WideCheckNet.InputSize];
        var targets = new double[WideCheckNet.OutputSize];
        var gradient = new double[WideCheckNet.ParameterCount];
        var step = new RecordingStep(2);

        var error = Assert.Throws<ArgumentException>(() => parallel.ComputeLossAndGradient(network.Parameters[..WideCheckNet.InputSize], targets, gradient, workspace, step));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("overlaps the network's parameters", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => parallel.ComputeLossAndGradient(inputs, network.Parameters[..WideCheckNet.OutputSize], gradient, workspace, step));
        Assert.Equal("targets", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => parallel.ComputeLossAndGradient(inputs, targets, network.Parameters, workspace, step));
        Assert.Equal("gradient", error.ParamName);
        Assert.Throws<ArgumentNullException>(() => parallel.ComputeLossAndGradient(inputs, targets, gradient, workspace, (IParameterSliceStep<double>)null!));
        Assert.Empty(step.Inspected);
    }

    public static TheoryData<string, int, string> OptimizersAndThreads()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string optimizer in new[] { "sgd", "momentum", "nesterov", "adam", "adamw", "irprop-", "rprop+" })
        {
            foreach (string clipping in new[] { "none", "norm", "value+norm" })
            {
                data.Add(optimizer, 1, clipping);
                data.Add(optimizer, 2, clipping);
                data.Add(optimizer, 3, clipping);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OptimizersAndThreads))]
    public void SlicedUpdatesTakeExactlyTheStepsOfAWholeVectorUpdate(string optimizerName, int threads, string clipping)
    {
        // Clipping by norm needs the norm of the whole gradient before any slice changes; it must come out the same
        // bits however the vector is sliced.
        // The same training run twice: once with the optimizer as it is (the trainer updates slice by slice, inside the
        // pass when there are threads), once hidden behind a wrapper that only offers whole-vector steps.
        var data = RandomRegression(count: 40, seed: 8);
        (double[] Parameters, TrainingHistory History) Train(bool sliced)
        {
            var network = new WideCheckNet();
            var optimizer = CreateOptimizer(optimizerName);
            var options = new TrainerOptions
            {
                Epochs = 3, BatchSize = optimizer.RequiresFullBatch ? int.MaxValue : 16, LearningRate = 0.05, L1 = 1e-2, L2 = 3e-2, Seed = 12,
                Initialization = WeightInitialization.XavierUniform,
                Optimizer = sliced ? optimizer : new WholeVectorOptimizer(optimizer),
                GradientClipNorm = clipping == "none" ? null : 0.05,
                GradientClipValue = clipping == "value+norm" ? 0.004 : null,
            };
            using var parallel = threads > 1 ? new DataParallelNetwork<double>(network, threads) : null;
            var result = new Trainer<double>(parallel is null ? network : parallel, options).Fit(data);
            return (network.Parameters.ToArray(), result.History);
        }

        var (slicedParameters, slicedHistory) = Train(sliced: true);
        var (wholeParameters, wholeHistory) = Train(sliced: false);
        int epochs = slicedHistory.Epochs.Count;

        // Element-wise updates of the same gradient are the same to the last bit however they are sliced.
        Assert.Equal(Bits(wholeParameters), Bits(slicedParameters));
        Assert.Equal(3, epochs);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var sliced = slicedHistory.Epochs[epoch];
            var whole = wholeHistory.Epochs[epoch];
            Assert.Equal(BitConverter.DoubleToInt64Bits(whole.TrainingLoss), BitConverter.DoubleToInt64Bits(sliced.TrainingLoss));
            // The penalty and the norms are sums, which slices add in another order, so only one slice matches bit for bit.
            double tolerance = threads == 1 ? 0.0 : 1e-13;
            AssertClose(whole.TrainingObjective, sliced.TrainingObjective, tolerance);
            Assert.True(whole.TrainingObjective > whole.TrainingLoss, "the penalty is on");
            for (int layer = 0; layer < whole.LayerGradientNorms.Count; layer++)
            {
                AssertClose(whole.LayerGradientNorms[layer], sliced.LayerGradientNorms[layer], tolerance);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheReportedLayerNormsAreTheNormsOfTheWeightGradients(int threads)
    {
        // One full-batch step: the epoch's norms are those of the gradient at the initial weights.
        var spec = new NetworkSpec(37, [new DenseLayerSpec(33, Activation.Tanh), new DenseLayerSpec(5, Activation.Sigmoid)], Loss.MeanSquaredError, Precision.Double);
        var network = new InterpretedNetwork<double>(spec);
        var (inputs, targets) = TestData.Batch(spec, batch: 24, seed: 5);
        var data = new Dataset<double>(inputs, targets, spec.InputSize, spec.OutputSize);
        using var parallel = threads > 1 ? new DataParallelNetwork<double>(network, threads) : null;
        var options = new TrainerOptions { Epochs = 1, BatchSize = 24, LearningRate = 0.1, Seed = 12, Initialization = WeightInitialization.XavierUniform, ShuffleEachEpoch = false };
        var reported = new Trainer<double>(parallel is null ? network : parallel, options).Fit(data).History.Epochs[0].LayerGradientNorms;

        var reference = new InterpretedNetwork<double>(spec);
        reference.InitializeParameters(12, WeightInitialization.XavierUniform);
        var gradient = new double[spec.ParameterCount];
        reference.ComputeLossAndGradient(inputs, targets, gradient, reference.CreateWorkspace(24));
        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            double expected = Math.Sqrt(gradient.AsSpan(layout.WeightsOffset, layout.WeightCount).ToArray().Sum(g => g * g));
            AssertClose(expected, reported[layer], 1e-12);
        }
    }

    [Fact]
    public void FloatTrainingWithTwoThreadsUpdatesSlicesToTheSameWeights()
    {
        // A generated float network with dropout, whose parameters live in an aligned ParameterBuffer.
        var data = DataParallelTests.DigitsSubset();
        byte[] Train(bool sliced)
        {
            var network = new DigitsNet();
            using var parallel = new DataParallelNetwork<float>(network, 2);
            var optimizer = new SgdOptimizer();
            var options = new TrainerOptions
            {
                Epochs = 3, BatchSize = 32, LearningRate = 0.1, L2 = 1e-3, Seed = 5, Initialization = WeightInitialization.HeNormal,
                Optimizer = sliced ? optimizer : new WholeVectorOptimizer(optimizer),
            };
            var result = new Trainer<float>(parallel, options).Fit(data);
            Assert.True(result.FinalMetrics.TrainingAccuracy > 0.8, $"accuracy {result.FinalMetrics.TrainingAccuracy}");
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(network.Parameters).ToArray();
        }

        Assert.Equal(Train(sliced: false), Train(sliced: true));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ANonFiniteGradientInOneSliceLeavesEverySliceAsItWas(int threads)
    {
        // The last entry lies in the last slice; the others pass their inspection and must still not be updated.
        var network = new PoisonableNetwork(new WideCheckNet(), gradient => gradient[^1] = double.NaN);
        var (error, before) = TrainUntilPoisoned(network, threads, learningRate: 0.05);
        Assert.Equal(NonFiniteQuantity.Gradient, error.Quantity);
        Assert.Equal((3, 1), (error.Epoch, error.StepInEpoch));
        Assert.Equal(Bits(before), Bits(network.Parameters.ToArray()));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AnOverflowingUpdateInOneSliceIsRolledBackInEverySlice(int threads)
    {
        // A finite gradient entry in the first slice that η = 10 takes past the largest double; the other slices update
        // normally and have to be rolled back too.
        var network = new PoisonableNetwork(new WideCheckNet(), gradient => gradient[0] = 1e308);
        var (error, before) = TrainUntilPoisoned(network, threads, learningRate: 10);
        Assert.Equal(NonFiniteQuantity.Parameters, error.Quantity);
        Assert.Equal(Bits(before), Bits(network.Parameters.ToArray()));
        Assert.True(network.Parameters.ToArray().All(double.IsFinite));
    }

    [Fact]
    public void TrainingStepsWithSlicedUpdatesAllocateNothing()
    {
        // 1797 samples in batches of 8: 225 steps per epoch. Extra epochs may allocate their history record, but a step
        // that allocated even one small object would add kilobytes per epoch.
        var data = DataParallelTests.DigitsSubset();
        var network = new DigitsNet();
        using var parallel = new DataParallelNetwork<float>(network, 2);
        foreach (Optimizer optimizer in new Optimizer[] { new SgdOptimizer(), new MomentumOptimizer(), new AdamOptimizer(), AdamOptimizer.AdamW() })
        {
            long Allocated(int epochs)
            {
                var trainer = new Trainer<float>(parallel, new TrainerOptions
                {
                    Epochs = epochs, BatchSize = 8, LearningRate = 0.01, Optimizer = optimizer, L1 = 1e-5, L2 = 1e-4, Seed = 1,
                    Initialization = WeightInitialization.HeNormal, GradientClipNorm = 1.0, GradientClipValue = 0.05,
                });
                trainer.Fit(data);
                long before = GC.GetAllocatedBytesForCurrentThread();
                trainer.Fit(data);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            long perEpoch = (Allocated(3) - Allocated(1)) / 2;
            Assert.True(perEpoch < 1024, $"{optimizer.Name}: {perEpoch} bytes per epoch of 225 steps");
        }
    }

    private static (TrainingDivergedException Error, double[] Before) TrainUntilPoisoned(PoisonableNetwork network, int threads, double learningRate)
    {
        using var parallel = new DataParallelNetwork<double>(network, threads);
        double[] before = [];
        // Epochs 1 and 2 train normally; the first step of epoch 3 gets the poisoned gradient.
        var progress = new SynchronousProgress(report =>
        {
            if (report.IsEpochEnd && report.Epoch == 2)
            {
                before = network.Parameters.ToArray();
                network.Poisoned = true;
            }
        });
        var options = new TrainerOptions { Epochs = 5, BatchSize = 20, LearningRate = learningRate, Seed = 3, Initialization = WeightInitialization.XavierUniform, ProgressInterval = TimeSpan.Zero };
        var trainer = new Trainer<double>(parallel, options);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(RandomRegression(count: 40, seed: 2), progress: progress));
        return (error, before);
    }

    private static Optimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new SgdOptimizer(),
        "momentum" => new MomentumOptimizer(),
        "nesterov" => new MomentumOptimizer { Nesterov = true },
        "adam" => new AdamOptimizer(),
        "adamw" => AdamOptimizer.AdamW(0.1),
        "irprop-" => new RpropOptimizer(),
        "rprop+" => new RpropOptimizer { Variant = RpropVariant.RpropPlus },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static void AssertClose(double expected, double actual, double relativeTolerance)
    {
        if (relativeTolerance == 0.0)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
        }
        else
        {
            Assert.True(Math.Abs(expected - actual) <= relativeTolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");
        }
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static Dataset<double> RandomRegression(int count, ulong seed)
    {
        var (inputs, targets) = TestData.Batch(WideCheckNet.Spec, count, seed);
        return new Dataset<double>(inputs, targets, WideCheckNet.InputSize, WideCheckNet.OutputSize);
    }

    private static (DataParallelNetwork<double> Parallel, double[] Inputs, double[] Targets, NetworkWorkspace Workspace) WideNet(int threads, int batch)
    {
        var network = new WideCheckNet();
        TestData.RandomParameters(network, seed: 3);
        var parallel = new DataParallelNetwork<double>(network, threads);
        var (inputs, targets) = TestData.Batch(WideCheckNet.Spec, batch, seed: 4);
        return (parallel, inputs, targets, parallel.CreateWorkspace(batch));
    }

    // After a refused or failed step the wrapper's threads are back in step: a plain pass applies on every slice.
    private static void AssertTheNextPassAppliesEverySlice(DataParallelNetwork<double> parallel, double[] inputs, double[] targets, NetworkWorkspace workspace)
    {
        var accepting = new RecordingStep(parallel.ThreadCount);
        parallel.ComputeLossAndGradient(inputs, targets, new double[WideCheckNet.ParameterCount], workspace, accepting);
        Assert.Equal(parallel.ThreadCount, accepting.Applied.Count);
    }

    /// <summary>Records what each slice saw; Apply records how many slices had been inspected by then.</summary>
    private sealed class RecordingStep(int sliceCount) : IParameterSliceStep<double>
    {
        private int _inspectedCount;

        public int RefuseSlice { get; init; } = -1;

        public int ThrowOnSlice { get; init; } = -1;

        public ConcurrentBag<(int Slice, int Offset, double[] Gradient, double Loss)> Inspected { get; } = [];

        public ConcurrentBag<int> Applied { get; } = [];

        public bool Inspect(int slice, int offset, ReadOnlySpan<double> gradient, double loss)
        {
            Assert.InRange(slice, 0, sliceCount - 1);
            Inspected.Add((slice, offset, gradient.ToArray(), loss));
            Interlocked.Increment(ref _inspectedCount);
            if (slice == ThrowOnSlice)
            {
                throw new InvalidOperationException($"slice {slice}");
            }

            return slice != RefuseSlice;
        }

        public void Apply(int slice, int offset, Span<double> gradient) => Applied.Add(Volatile.Read(ref _inspectedCount));
    }

    /// <summary>Hides an optimizer's slice interface, so the trainer has to update the whole vector at once.</summary>
    private sealed class WholeVectorOptimizer(Optimizer inner) : Optimizer
    {
        public override string Name => inner.Name;

        public override bool RequiresFullBatch => inner.RequiresFullBatch;

        public override IOptimizerState<T> CreateState<T>(NetworkSpec spec) => new State<T>(inner.CreateState<T>(spec));

        private sealed class State<T>(IOptimizerState<T> inner) : IOptimizerState<T>
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            public void Reset() => inner.Reset();

            public OptimizerStepOutcome Step(in TrainingStepContext<T> context) => inner.Step(in context);
        }
    }

    /// <summary>A network whose gradients, once <see cref="Poisoned"/> is set, all get the same bad entry.</summary>
    private sealed class PoisonableNetwork(ITrainableNetwork<double> inner, Action<Span<double>> poison) : ITrainableNetwork<double>
    {
        public volatile bool Poisoned;

        public NetworkSpec Spec => inner.Spec;

        public Span<double> Parameters => inner.Parameters;

        public void Forward(ReadOnlySpan<double> input, Span<double> output) => inner.Forward(input, output);

        public NetworkWorkspace CreateWorkspace(int batchCapacity) => inner.CreateWorkspace(batchCapacity);

        public double ComputeLossAndGradient(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
        {
            double loss = inner.ComputeLossAndGradient(inputs, targets, gradient, workspace, dropoutRandom);
            if (Poisoned)
            {
                poison(gradient);
            }

            return loss;
        }

        public double ComputeLoss(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, NetworkWorkspace workspace) => inner.ComputeLoss(inputs, targets, workspace);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
