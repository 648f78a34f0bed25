using System;
using NetGen.Testing;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>Inference and training steps allocate nothing once their workspace exists.</summary>
public class AllocationTests
{
    [Fact]
    public void GeneratedForwardAllocatesNothing()
    {
        AssertForwardAllocatesNothing(new XorNet());
        AssertForwardAllocatesNothing(new DigitsNet());
        AssertForwardAllocatesNothing(new WideCheckNet());
        AssertForwardAllocatesNothing(new VeryWideFloatNet());
    }

    [Fact]
    public void InterpretedForwardAllocatesNothing()
    {
        AssertForwardAllocatesNothing(new InterpretedNetwork<float>(DigitsNet.Spec));
        AssertForwardAllocatesNothing(new InterpretedNetwork<float>(VeryWideFloatNet.Spec));
    }

    [Fact]
    public void GeneratedTrainingStepAllocatesNothing()
    {
        AssertTrainingStepAllocatesNothing(new DigitsNet());
        AssertTrainingStepAllocatesNothing(new DropoutCheckNet());
    }

    [Fact]
    public void InterpretedTrainingStepAllocatesNothing()
    {
        AssertTrainingStepAllocatesNothing(new InterpretedNetwork<float>(DigitsNet.Spec));
        AssertTrainingStepAllocatesNothing(new InterpretedNetwork<double>(DropoutCheckNet.Spec));
    }

    [Fact]
    public void FullBatchOptimizerStepsOnGeneratedAndInterpretedNetworksAllocateNothing()
    {
        // RPROP (both variants) and L-BFGS with its line search, on a generated float network with dropout (L-BFGS then
        // re-evaluates the whole network) and on its interpreted twin.
        foreach (ITrainableNetwork<float> network in new ITrainableNetwork<float>[] { new DigitsNet(), new InterpretedNetwork<float>(DigitsNet.Spec) })
        {
            foreach (Training.Optimizer optimizer in new Training.Optimizer[] { new Training.RpropOptimizer(), new Training.RpropOptimizer { Variant = Training.RpropVariant.RpropPlus }, new Training.LbfgsOptimizer() })
            {
                AssertOptimizerStepsAllocateNothing(network, optimizer);
            }
        }
    }

    private static void AssertOptimizerStepsAllocateNothing(ITrainableNetwork<float> network, Training.Optimizer optimizer)
    {
        network.InitializeParameters(1);
        const int batch = 24;
        var (inputs, targets) = TestData.Batch(network.Spec, batch, seed: 2);
        var x = TestData.Convert<float>(inputs);
        var y = TestData.Convert<float>(targets);
        var gradient = new float[network.Spec.ParameterCount];
        var workspace = network.CreateWorkspace(batch);
        var dropout = new SeededRandom(3);
        var state = optimizer.CreateState<float>(network.Spec);
        var regularization = new Training.Regularization(0, 1e-3, batch);
        void Steps(int count)
        {
            for (int step = 0; step < count; step++)
            {
                float loss = network.ComputeLossAndGradient(x, y, gradient, workspace, dropout);
                var context = new Training.TrainingStepContext<float>(network, x, y, workspace, gradient, loss, loss, 0.0, regularization, 0, step);
                state.Step(in context);
            }
        }

        Steps(5);
        long allocated = LeastAllocatedOverRounds(() => Steps(30));
        Assert.True(allocated == 0, $"{optimizer.Name} on {network.GetType().Name} allocated {allocated} bytes over 30 steps.");
    }

    private static void AssertForwardAllocatesNothing<T>(INetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        network.InitializeParameters(1);
        var input = new T[network.Spec.InputSize];
        var output = new T[network.Spec.OutputSize];
        input.AsSpan().Fill(T.One);
        network.Forward(input, output);

        long allocated = LeastAllocatedOverRounds(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                network.Forward(input, output);
            }
        });
        Assert.True(allocated == 0, $"{network.GetType().Name}.Forward allocated {allocated} bytes over 10,000 calls.");
    }

    // The fewest bytes this thread allocated in any of three runs of the action. The runtime itself may allocate once on
    // the calling thread while it moves a loop to optimised code (on-stack replacement) in the middle of a run, which
    // made a single measurement flaky under a full, parallel test run; code that allocates per call does so in every run.
    internal static long LeastAllocatedOverRounds(Action action)
    {
        long least = long.MaxValue;
        for (int round = 0; round < 3 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    private static void AssertTrainingStepAllocatesNothing<T>(ITrainableNetwork<T> network)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        network.InitializeParameters(1);
        const int batch = 16;
        var (inputs, targets) = TestData.Batch(network.Spec, batch, seed: 2);
        var x = TestData.Convert<T>(inputs);
        var y = TestData.Convert<T>(targets);
        var gradient = new T[network.Spec.ParameterCount];
        var workspace = network.CreateWorkspace(batch);
        var dropout = new SeededRandom(3);
        network.ComputeLossAndGradient(x, y, gradient, workspace, dropout);
        network.ComputeLoss(x, y, workspace);

        long allocated = LeastAllocatedOverRounds(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                network.ComputeLossAndGradient(x, y, gradient, workspace, dropout);
                network.ComputeLoss(x, y, workspace);
            }
        });
        Assert.True(allocated == 0, $"{network.GetType().Name} allocated {allocated} bytes over 200 training steps.");
    }
}
