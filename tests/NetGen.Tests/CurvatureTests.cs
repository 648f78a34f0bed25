using System;
using System.Collections.Generic;
using NetGen.Testing;
using Xunit;

namespace NetGen.Tests;

/// <summary>Exact Hessian- and Gauss–Newton-vector products of the interpreted engine, against independent oracles.</summary>
public class CurvatureTests
{
    internal static readonly Activation[] HiddenActivations =
    [
        Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.ReLU, Activation.LeakyReLU,
        Activation.ELU, Activation.GELU, Activation.SiLU, Activation.Softplus,
    ];

    internal static readonly (Activation Output, Loss Loss)[] OutputsAndLosses =
    [
        (Activation.Identity, Loss.MeanSquaredError), (Activation.Sigmoid, Loss.MeanSquaredError),
        (Activation.Tanh, Loss.MeanSquaredError), (Activation.ReLU, Loss.MeanSquaredError),
        (Activation.LeakyReLU, Loss.MeanSquaredError), (Activation.Softmax, Loss.MeanSquaredError),
        (Activation.Sigmoid, Loss.BinaryCrossEntropy), (Activation.Softmax, Loss.SoftmaxCrossEntropy),
        (Activation.ELU, Loss.MeanSquaredError), (Activation.GELU, Loss.MeanSquaredError),
        (Activation.SiLU, Loss.MeanSquaredError), (Activation.Softplus, Loss.MeanSquaredError),
    ];

    internal static NetworkSpec Spec(Activation hidden, Activation output, Loss loss, bool dropout) => new(
        4,
        [
            new DenseLayerSpec(5, hidden) { LeakySlope = 0.15, Alpha = 1.3, KeepProbability = dropout ? 0.7 : 1.0 },
            new DenseLayerSpec(4, hidden) { LeakySlope = 0.15, Alpha = 1.3 },
            new DenseLayerSpec(3, output) { LeakySlope = 0.05, Alpha = 0.6 },
        ],
        loss,
        Precision.Double,
        inputKeepProbability: dropout ? 0.85 : 1.0);

    [Fact]
    public void HessianVectorProductsMatchFiniteDifferencesOfTheGradient()
    {
        var failures = new List<string>();
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                foreach (bool dropout in new[] { false, true })
                {
                    var network = new InterpretedNetwork<double>(Spec(hidden, output, loss, dropout));
                    TestData.RandomParameters(network, seed: 31);
                    var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 8);
                    var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 3);
                    double error = CurvatureChecker.HessianError(network, inputs, targets, v, dropout ? 55UL : null);
                    if (!(error <= 1e-6))
                    {
                        failures.Add($"{network.Spec}: relative error {error:E2}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void HessianIsSymmetric()
    {
        foreach (var (output, loss) in OutputsAndLosses)
        {
            var network = new InterpretedNetwork<double>(Spec(Activation.Tanh, output, loss, dropout: false));
            TestData.RandomParameters(network, seed: 12);
            var (inputs, targets) = TestData.Batch(network.Spec, batch: 5, seed: 2);
            AssertSymmetric(network, inputs, targets, CurvatureKind.Hessian);
            AssertSymmetric(network, inputs, targets, CurvatureKind.GaussNewton);
        }
    }

    [Fact]
    public void GaussNewtonIsPositiveSemidefiniteAndMatchesItsDefinitionForTheQuadraticCost()
    {
        foreach (var hidden in HiddenActivations)
        {
            foreach (var (output, loss) in OutputsAndLosses)
            {
                var network = new InterpretedNetwork<double>(Spec(hidden, output, loss, dropout: false));
                TestData.RandomParameters(network, seed: 21);
                var (inputs, targets) = TestData.Batch(network.Spec, batch: 3, seed: 6);
                for (ulong seed = 1; seed <= 5; seed++)
                {
                    var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed);
                    var gv = CurvatureChecker.Product(network, inputs, targets, v, CurvatureKind.GaussNewton);
                    Assert.True(CurvatureChecker.Dot(v, gv) >= -1e-12 * CurvatureChecker.Dot(v, v), $"{network.Spec}: vᵀGv = {CurvatureChecker.Dot(v, gv)}");
                }

                if (loss == Loss.MeanSquaredError)
                {
                    var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 9);
                    var gv = CurvatureChecker.Product(network, inputs, targets, v, CurvatureKind.GaussNewton);
                    var expected = CurvatureChecker.GaussNewtonFromJacobian(network, inputs, v);
                    double error = TestData.RelativeDifference<double>(gv, expected);
                    Assert.True(error <= 1e-7, $"{network.Spec}: Gv differs from JᵀJv by {error:E2}");
                }
            }
        }
    }

    [Theory]
    [InlineData(Activation.Identity, Loss.MeanSquaredError)]
    [InlineData(Activation.Sigmoid, Loss.BinaryCrossEntropy)]
    [InlineData(Activation.Softmax, Loss.SoftmaxCrossEntropy)]
    public void GaussNewtonEqualsTheHessianWhenTheOutputIsLinearInTheParameters(Activation output, Loss loss)
    {
        // One dense layer: z is linear in w, and these losses are functions of z, so ∇²C = Jᵀ H_out J exactly.
        var network = new InterpretedNetwork<double>(new NetworkSpec(5, [new DenseLayerSpec(3, output)], loss, Precision.Double));
        TestData.RandomParameters(network, seed: 4);
        var (inputs, targets) = TestData.Batch(network.Spec, batch: 6, seed: 4);
        var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 4);

        var hv = CurvatureChecker.Product(network, inputs, targets, v, CurvatureKind.Hessian);
        var gv = CurvatureChecker.Product(network, inputs, targets, v, CurvatureKind.GaussNewton);

        Assert.True(TestData.RelativeDifference<double>(hv, gv) <= 1e-14);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var network = new InterpretedNetwork<double>(Spec(Activation.Tanh, Activation.Identity, Loss.MeanSquaredError, dropout: false));
        var workspace = network.CreateWorkspace(1);
        int p = network.Spec.ParameterCount;
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => network.ComputeCurvatureProduct(new double[4], new double[3], new double[p - 1], new double[p], workspace)).ParamName);
        Assert.Equal("product", Assert.Throws<ArgumentException>(() => network.ComputeCurvatureProduct(new double[4], new double[3], new double[p], new double[1], workspace)).ParamName);
        var shared = new double[p];
        Assert.Throws<ArgumentException>(() => network.ComputeCurvatureProduct(new double[4], new double[3], shared, shared, workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeCurvatureProduct(new double[4], new double[3], new double[p], new double[p], workspace, (CurvatureKind)7));
    }

    internal static void AssertSymmetric(ISecondOrderNetwork<double> network, double[] inputs, double[] targets, CurvatureKind kind)
    {
        int p = network.Spec.ParameterCount;
        var u = CurvatureChecker.RandomVector(p, seed: 101);
        var v = CurvatureChecker.RandomVector(p, seed: 202);
        var hu = CurvatureChecker.Product(network, inputs, targets, u, kind);
        var hv = CurvatureChecker.Product(network, inputs, targets, v, kind);
        // ‖H‖ estimated from the products themselves.
        double scale = Math.Max(CurvatureChecker.Norm(hu) / CurvatureChecker.Norm(u), CurvatureChecker.Norm(hv) / CurvatureChecker.Norm(v));
        double asymmetry = Math.Abs(CurvatureChecker.Dot(u, hv) - CurvatureChecker.Dot(v, hu));
        Assert.True(asymmetry <= 1e-10 * CurvatureChecker.Norm(u) * CurvatureChecker.Norm(v) * scale, $"{network.Spec} {kind}: |uᵀHv − vᵀHu| = {asymmetry:E2}");
    }

    [Fact]
    public void InterpretedWorkspaceAllocatesCurvatureBuffersOnlyForACurvatureProduct()
    {
        // 784-256-128-10 at batch 32: a and δ per layer plus z^L, 4 bytes each, is 102,144 bytes; the curvature buffers
        // (R{z}, R{x}, R{δ}) would add half as much again per array.
        var spec = new NetworkSpec(784, [new DenseLayerSpec(256, Activation.ReLU), new DenseLayerSpec(128, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        var network = new InterpretedNetwork<float>(spec);
        network.InitializeParameters(1);
        _ = network.CreateWorkspace(32);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var workspace = (InterpretedWorkspace<float>)network.CreateWorkspace(32);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 102_144, 104_000);

        var (inputs, targets) = TestData.Batch(spec, batch: 32, seed: 1);
        var x = TestData.Convert<float>(inputs);
        var y = TestData.Convert<float>(targets);
        var gradient = new float[spec.ParameterCount];
        network.ComputeLossAndGradient(x, y, gradient, workspace);
        network.ComputeLoss(x, y, workspace);
        Assert.False(workspace.HasCurvatureBuffers);

        var product = new float[spec.ParameterCount];
        network.ComputeCurvatureProduct(x, y, gradient, product, workspace, CurvatureKind.GaussNewton);
        Assert.True(workspace.HasCurvatureBuffers);
    }

    [Fact]
    public void InterpretedCurvatureProductsAllocateNothingAfterTheFirst()
    {
        var spec = Spec(Activation.GELU, Activation.Softmax, Loss.SoftmaxCrossEntropy, dropout: true);
        var network = new InterpretedNetwork<double>(spec);
        TestData.RandomParameters(network, seed: 2);
        var (inputs, targets) = TestData.Batch(spec, batch: 8, seed: 1);
        var workspace = network.CreateWorkspace(8);
        var v = CurvatureChecker.RandomVector(spec.ParameterCount, seed: 1);
        var product = new double[spec.ParameterCount];
        var dropout = new SeededRandom(2);
        network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.Hessian, dropout);

        Assert.Equal(0, Allocations.Least(() =>
        {
            network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.Hessian, dropout);
            network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.GaussNewton);
        }));
    }
}

/// <summary>Curvature products of generated networks: exact against finite differences, and allocation-free.</summary>
public class GeneratedCurvatureTests
{
    [Theory]
    [MemberData(nameof(GradientCheckTests.GeneratedNetworks), MemberType = typeof(GradientCheckTests))]
    public void GeneratedHessianVectorProductsMatchFiniteDifferences(string name)
    {
        var network = (ISecondOrderNetwork<double>)GradientCheckTests.CreateDouble(name);
        TestData.RandomParameters(network, seed: 8);
        var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 5);
        var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 6);

        double error = CurvatureChecker.HessianError(network, inputs, targets, v, network.Spec.HasDropout ? 91UL : null);

        Assert.True(error <= 1e-6, $"relative error {error:E2}");
        CurvatureTests.AssertSymmetric(network, inputs, targets, CurvatureKind.Hessian);
    }

    [Fact]
    public void CurvatureProductsAllocateNothing()
    {
        var network = new NetGen.Tests.Networks.DropoutCheckNet();
        network.InitializeParameters(1);
        var (inputs, targets) = TestData.Batch(NetGen.Tests.Networks.DropoutCheckNet.Spec, batch: 8, seed: 1);
        var workspace = network.CreateWorkspace(8);
        var v = CurvatureChecker.RandomVector(NetGen.Tests.Networks.DropoutCheckNet.Spec.ParameterCount, seed: 1);
        var product = new double[NetGen.Tests.Networks.DropoutCheckNet.Spec.ParameterCount];
        var dropout = new SeededRandom(2);
        network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.Hessian, dropout);

        Assert.Equal(0, Allocations.Least(
            () =>
            {
                network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.Hessian, dropout);
                network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.GaussNewton);
            },
            repetitions: 200));
    }
}
