using System;
using System.Linq;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Curvature;

public sealed class SpectrumTests
{
    public static TheoryData<string, CurvatureKind> Cases()
    {
        var data = new TheoryData<string, CurvatureKind>();
        foreach (var engine in new[] { "generated-regression", "interpreted-regression", "generated-softmax", "interpreted-softmax" })
        {
            data.Add(engine, CurvatureKind.Hessian);
            data.Add(engine, CurvatureKind.GaussNewton);
        }

        return data;
    }

    [Fact]
    public void SymmetricEigenAgreesWithJacobiAndReconstructsTheMatrix()
    {
        foreach (int n in new[] { 1, 2, 7, 30 })
        {
            var random = new SeededRandom((ulong)n);
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    a[(i * n) + j] = a[(j * n) + i] = random.NextGaussian();
                }
            }

            var (expected, _) = CurvatureTestSupport.Jacobi(a, n);
            var values = new double[n];
            var vectors = new double[n * n];
            SymmetricEigen.Decompose(a.ToArray(), n, values, vectors);
            double scale = expected.Max(Math.Abs);

            // Values only: the same eigenvalues (this path once returned the Householder scalars instead).
            var valuesOnly = new double[n];
            SymmetricEigen.Decompose(a.ToArray(), n, valuesOnly, default);
            Assert.Equal(values, valuesOnly);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(values[i] - expected[i]) <= 1e-12 * scale, $"n = {n}: λ{i} {values[i]} vs {expected[i]}");

                // A v = λ v for the returned row.
                for (int r = 0; r < n; r++)
                {
                    double av = 0;
                    for (int c = 0; c < n; c++)
                    {
                        av += a[(r * n) + c] * vectors[(i * n) + c];
                    }

                    Assert.True(Math.Abs(av - (values[i] * vectors[(i * n) + r])) <= 1e-11 * scale);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LanczosTopEigenvaluesMatchADenseEigendecomposition(string engine, CurvatureKind kind)
    {
        var (network, data) = Problem(engine);
        var curvature = new CurvatureOperator<double>(network, data, kind, chunkSize: 17);
        int p = curvature.Dimension;
        var dense = new double[p * p];
        curvature.AssembleDense(dense);
        var (exact, _) = CurvatureTestSupport.Jacobi(dense, p);

        // Fewer steps than parameters, so the result comes from convergence, not from exhausting the space.
        var top = Lanczos.Run(curvature, new LanczosOptions { Count = 3, MaxSteps = p - 6, Seed = 3 });
        Assert.True(top.Converged);
        Assert.True(top.Steps < p);
        for (int r = 0; r < 3; r++)
        {
            double expected = exact[p - 1 - r];
            Assert.True(Math.Abs(top.Eigenvalues[r] - expected) <= 1e-6 * Math.Abs(expected), $"{engine} {kind}: λ{r + 1} {top.Eigenvalues[r]} vs {expected}");
        }

        if (kind == CurvatureKind.Hessian)
        {
            var bottom = Lanczos.Run(curvature, new LanczosOptions { Count = 2, Largest = false, MaxSteps = p });
            Assert.True(Math.Abs(bottom.Eigenvalues[0] - exact[0]) <= 1e-6 * Math.Max(Math.Abs(exact[0]), 1e-3 * exact[p - 1]));
        }
        else
        {
            // G is positive semi-definite.
            Assert.True(exact[0] >= -1e-10 * exact[p - 1]);
        }
    }

    [Fact]
    public void GeneratedAndInterpretedOperatorsAgree()
    {
        foreach (var (generated, interpreted) in new[] { ("generated-regression", "interpreted-regression"), ("generated-softmax", "interpreted-softmax") })
        {
            var (a, data) = Problem(generated);
            var (b, _) = Problem(interpreted);
            foreach (var kind in new[] { CurvatureKind.Hessian, CurvatureKind.GaussNewton })
            {
                var v = NetGen.Tests.Newton.NewtonTestSupport.Uniform(a.Spec.ParameterCount, 5);
                var x = new double[v.Length];
                var y = new double[v.Length];
                new CurvatureOperator<double>(a, data, kind).Multiply(v, x);
                new CurvatureOperator<double>(b, data, kind).Multiply(v, y);
                Assert.True(NetGen.Tests.Newton.NewtonTestSupport.RelativeError(x, y) <= 1e-12);
            }
        }
    }

    [Fact]
    public void HutchinsonTraceIsUnbiasedAndReproducible()
    {
        var (network, data) = Problem("generated-regression");
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.Hessian);
        int p = curvature.Dimension;
        var dense = new double[p * p];
        curvature.AssembleDense(dense);
        double exact = Enumerable.Range(0, p).Sum(i => dense[(i * p) + i]);
        var op = new DenseSymmetricOperator(dense, p);
        var estimate = HutchinsonTrace.Estimate(op, 4000, seed: 11);
        Assert.Equal(estimate, HutchinsonTrace.Estimate(op, 4000, seed: 11));
        Assert.True(Math.Abs(estimate.Value - exact) <= 4 * estimate.StandardError, $"{estimate} vs {exact}");
        Assert.True(estimate.StandardError <= 0.05 * Math.Abs(exact));

        // The network operator gives the same probes' values as the dense one.
        var fromProducts = HutchinsonTrace.Estimate(curvature, 50, seed: 2);
        var fromMatrix = HutchinsonTrace.Estimate(op, 50, seed: 2);
        Assert.True(Math.Abs(fromProducts.Value - fromMatrix.Value) <= 1e-10 * Math.Abs(fromMatrix.Value));
    }

    [Fact]
    public void TheSpectrumHookRecordsEigenvaluesAndTracesEveryEpoch()
    {
        var (network, data) = Problem("generated-softmax");
        var options = new TrainerOptions
        {
            Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 4, BatchSize = 16, Seed = 2,
            EpochHooks = [new CurvatureSpectrum { Count = 2, EveryEpochs = 2, TraceProbes = 5 }],
        };
        var result = new Trainer<double>(network, options).Fit(data);
        Assert.Empty(result.History.Epochs[0].Measurements);
        var record = result.History.Epochs[1].Measurements;
        Assert.Equal(8, record.Count);
        Assert.True(record["hessian_eig1"] >= record["hessian_eig2"]);
        Assert.True(record["gauss_newton_eig1"] > 0);
        Assert.True(record["gauss_newton_trace"] > 0);

        // The recorded values are the spectrum of the final weights (epoch 4) on the sample.
        var check = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        var top = Lanczos.Run(check, new LanczosOptions { Count = 2, MaxSteps = check.Dimension, Seed = 1 });
        Assert.True(Math.Abs(top.Eigenvalues[0] - result.History.Epochs[3].Measurements["gauss_newton_eig1"]) <= 1e-8 * top.Eigenvalues[0]);

        string csv = result.History.ToCsv();
        string header = csv[..csv.IndexOf('\n', StringComparison.Ordinal)];
        Assert.EndsWith("hessian_eig1,hessian_eig2,hessian_trace,hessian_trace_se,gauss_newton_eig1,gauss_newton_eig2,gauss_newton_trace,gauss_newton_trace_se", header, StringComparison.Ordinal);
        Assert.EndsWith(",,,,,,,,", csv.Split('\n')[1], StringComparison.Ordinal);
    }

    internal static (ISecondOrderNetwork<double> Network, Dataset<double> Data) Problem(string engine)
    {
        bool softmax = engine.EndsWith("softmax", StringComparison.Ordinal);
        ISecondOrderNetwork<double> network = softmax ? new SpectrumSoftmaxNet() : new SpectrumRegressionNet();
        if (engine.StartsWith("interpreted", StringComparison.Ordinal))
        {
            network = new InterpretedNetwork<double>(network.Spec);
        }

        CurvatureTestSupport.Randomize(network.Parameters, seed: 7);
        var data = softmax ? CurvatureTestSupport.RandomData(60, 4, 3, classes: true, seed: 4) : CurvatureTestSupport.RandomData(60, 3, 2, classes: false, seed: 4);
        return (network, data);
    }
}
