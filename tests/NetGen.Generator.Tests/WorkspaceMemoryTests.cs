using System;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// A generated workspace holds what first-order training needs; the curvature product's buffers (R{z}, R{δ}, R{x} and
/// the stacked batches of the exact Hessian) arrive with the first curvature product on it, after which products
/// allocate nothing.
/// </summary>
public class WorkspaceMemoryTests(ITestOutputHelper output)
{
    private static readonly Lazy<Assembly> Networks = new(() =>
    {
        var outcome = GeneratorHarness.Run("""
            using NetGen;
            [Network(Loss = Loss.SoftmaxCrossEntropy)][Input(784)][Dense(256, Activation.ReLU)][Dense(128, Activation.ReLU)][Dense(10, Activation.Softmax)] internal partial class FashionShape;
            [Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)][Input(784)][Dense(256, Activation.ReLU)][Dense(128, Activation.ReLU)][Dense(10, Activation.Softmax)] internal partial class FashionShapeDouble;
            """);
        Assert.Empty(outcome.GeneratorDiagnostics);
        return GeneratorHarness.CompileAndLoad(outcome);
    });

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    public void FirstOrderWorkspacesHoldOnlyWhatTrainingNeeds(int batch)
    {
        var network = (ISecondOrderNetwork<float>)Activator.CreateInstance(Networks.Value.GetType("FashionShape", throwOnError: true)!)!;
        long created = Allocated(() => network.CreateWorkspace(batch), out var workspace);

        // a and δ of the three layers, and zᴸ and ln Σ e^z for the softmax: (2 × (256 + 128 + 10) + 10 + 1) floats a sample.
        long firstOrder = 4L * batch * ((2 * (256 + 128 + 10)) + 10 + 1);
        output.WriteLine($"batch {batch}: CreateWorkspace allocated {created:N0} bytes; the first-order arrays hold {firstOrder:N0}");
        Assert.InRange(created, firstOrder, firstOrder + 1024);
    }

    [Theory]
    [InlineData("FashionShape")]
    [InlineData("FashionShapeDouble")]
    public void TheFirstCurvatureProductAllocatesItsBuffersAndLaterOnesNothing(string name)
    {
        var type = Networks.Value.GetType(name, throwOnError: true)!;
        if (type.GetInterface("NetGen.ISecondOrderNetwork`1")!.GetGenericArguments()[0] == typeof(double))
        {
            Check((ISecondOrderNetwork<double>)Activator.CreateInstance(type)!);
        }
        else
        {
            Check((ISecondOrderNetwork<float>)Activator.CreateInstance(type)!);
        }

        void Check<T>(ISecondOrderNetwork<T> network)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            const int batch = 8;
            network.InitializeParameters(seed: 1);
            var (inputs, targets) = NetGen.Testing.TestData.Batch(network.Spec, batch, seed: 2);
            var x = NetGen.Testing.TestData.Convert<T>(inputs);
            var y = NetGen.Testing.TestData.Convert<T>(targets);
            var gradient = new T[network.Spec.ParameterCount];
            var vector = NetGen.Testing.TestData.Convert<T>(NetGen.Testing.CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 3));
            var product = new T[network.Spec.ParameterCount];

            // Every method runs once on another workspace first, so what the runtime allocates on a first call is not counted.
            var warm = network.CreateWorkspace(batch);
            network.ComputeLossAndGradient(x, y, gradient, warm);
            network.ComputeCurvatureProduct(x, y, vector, product, warm);
            network.ComputeCurvatureProduct(x, y, vector, product, warm, CurvatureKind.GaussNewton);
            var workspace = network.CreateWorkspace(batch);

            // Training steps never touch the curvature buffers; the first product allocates them (R{z}, R{δ}, R{x} below
            // the output, and in single precision the stacked batches of the two upper layers); later products nothing.
            Assert.Equal(0, Allocated(() => network.ComputeLossAndGradient(x, y, gradient, workspace)));
            long first = Allocated(() => network.ComputeCurvatureProduct(x, y, vector, product, workspace));
            int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            long curvature = (long)size * batch * ((2 * (256 + 128 + 10)) + 256 + 128 + (typeof(T) == typeof(float) ? 2 * (256 + 128 + 128 + 10) : 0));
            Assert.InRange(first, curvature, curvature + 1024);
            Assert.Equal(0, Allocated(() => network.ComputeCurvatureProduct(x, y, vector, product, workspace, CurvatureKind.GaussNewton)));
            Assert.Equal(0, Allocated(() => network.ComputeLossAndGradient(x, y, gradient, workspace)));
        }
    }

    private static long Allocated(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long Allocated<TResult>(Func<TResult> action, out TResult result)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        result = action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
