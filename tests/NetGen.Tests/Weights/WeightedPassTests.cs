using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using NetGen.Testing;
using NetGen.Tests;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Weights.Tests;

/// <summary>
/// Sample weights in the networks' own passes: the weighted mean Σ w C / Σ w, its gradient and its curvature products,
/// against finite differences, against per-sample results, across engines and precisions, and to the bit against the
/// unweighted passes when every weight is 1.
/// </summary>
public class WeightedPassTests
{
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;

    public static TheoryData<string> DoubleNetworks => GradientCheckTests.GeneratedNetworks;

    public static TheoryData<string> FloatNetworks => EngineParityTests.FloatNetworks;

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void WeightedGradientMatchesFiniteDifferences(string name)
    {
        foreach (var network in new[] { GradientCheckTests.CreateDouble(name), new InterpretedNetwork<double>(GradientCheckTests.CreateDouble(name).Spec) })
        {
            TestData.RandomParameters(network, seed: 42);
            var (inputs, targets) = TestData.Batch(network.Spec, batch: 5, seed: 7);
            var weights = TestData.RandomWeights(5, seed: 9);
            var mismatches = GradientChecker.Check(network, inputs, targets, network.Spec.HasDropout ? 1234UL : null, weights);
            Assert.True(mismatches.Count == 0, $"{network.GetType().Name}: {mismatches.Count} of {network.Spec.ParameterCount} derivatives disagree, e.g. {string.Join("; ", mismatches.Take(3))}");
        }
    }

    [Fact]
    public void WeightedGradientAndHessianAreExactForEveryHiddenActivationAndOutputLossPair()
    {
        var failures = new List<string>();
        foreach (var hidden in CurvatureTests.HiddenActivations)
        {
            foreach (var (output, loss) in CurvatureTests.OutputsAndLosses)
            {
                foreach (bool dropout in new[] { false, true })
                {
                    var network = new InterpretedNetwork<double>(CurvatureTests.Spec(hidden, output, loss, dropout));
                    TestData.RandomParameters(network, seed: 31);
                    var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 8);
                    var weights = TestData.RandomWeights(4, seed: 10);
                    ulong? dropoutSeed = dropout ? 55UL : null;
                    var mismatches = GradientChecker.Check(network, inputs, targets, dropoutSeed, weights);
                    if (mismatches.Count > 0)
                    {
                        failures.Add($"{network.Spec}: gradient, {mismatches.Count} mismatches: {string.Join(", ", mismatches.Take(3))}");
                    }

                    var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 3);
                    double error = CurvatureChecker.HessianError(network, inputs, targets, v, dropoutSeed, sampleWeights: weights);
                    if (!(error <= 1e-6))
                    {
                        failures.Add($"{network.Spec}: H·v relative error {error:E2}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void WeightedHessianProductOfGeneratedNetworksMatchesFiniteDifferences(string name)
    {
        var network = (ISecondOrderNetwork<double>)GradientCheckTests.CreateDouble(name);
        TestData.RandomParameters(network, seed: 17);
        var (inputs, targets) = TestData.Batch(network.Spec, batch: 5, seed: 18);
        var weights = TestData.RandomWeights(5, seed: 19);
        var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 20);
        double error = CurvatureChecker.HessianError(network, inputs, targets, v, network.Spec.HasDropout ? 91UL : null, sampleWeights: weights);
        Assert.True(error <= 1e-6, $"H·v relative error {error:E2}");
    }

    [Fact]
    public void WeightedGaussNewtonProductIsTheWeightedMeanOfJTransposeJ()
    {
        foreach (var hidden in CurvatureTests.HiddenActivations)
        {
            // The quadratic cost on an identity output: H_out = I, so G = Σ_x w_x J_xᵀ J_x / Σ_x w_x.
            var network = new InterpretedNetwork<double>(CurvatureTests.Spec(hidden, Activation.Identity, Loss.MeanSquaredError, dropout: false));
            TestData.RandomParameters(network, seed: 21);
            var (inputs, targets) = TestData.Batch(network.Spec, batch: 3, seed: 6);
            var weights = TestData.RandomWeights(3, seed: 7);
            var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 8);
            var gv = new double[network.Spec.ParameterCount];
            network.ComputeCurvatureProduct(inputs, targets, weights, v, gv, network.CreateWorkspace(3), CurvatureKind.GaussNewton);
            var expected = CurvatureChecker.GaussNewtonFromJacobian(network, inputs, v, sampleWeights: weights);
            double error = TestData.RelativeDifference<double>(gv, expected);
            Assert.True(error <= 1e-7, $"{network.Spec}: weighted Gv differs from Σ w JᵀJv / Σ w by {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void WeightedResultsAreTheWeightedMeansOfEachSamplesOwn(string name)
    {
        // The definition, independently of how the engines fold the weights in: C = Σ_x w_x C_x / Σ_x w_x, and the same
        // mean of the per-sample gradients and curvature products, each from a batch of one.
        foreach (var network in new[] { (ISecondOrderNetwork<double>)GradientCheckTests.CreateDouble(name), new InterpretedNetwork<double>(GradientCheckTests.CreateDouble(name).Spec) })
        {
            TestData.RandomParameters(network, seed: 5);
            const int batch = 6;
            var (inputs, targets) = TestData.Batch(network.Spec, batch, seed: 6);
            var weights = TestData.RandomWeights(batch, seed: 7);
            var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 8);
            var weighted = Passes(network, inputs, targets, weights, v, dropoutSeed: null);

            int p = network.Spec.ParameterCount;
            int n = network.Spec.InputSize;
            int m = network.Spec.OutputSize;
            double weightSum = weights.Sum();
            double loss = 0;
            var gradient = new double[p];
            var hessian = new double[p];
            var gaussNewton = new double[p];
            var one = network.CreateWorkspace(1);
            var scratch = new double[p];
            for (int s = 0; s < batch; s++)
            {
                var x = inputs.AsSpan(s * n, n);
                var y = targets.AsSpan(s * m, m);
                double share = weights[s] / weightSum;
                loss += share * network.ComputeLossAndGradient(x, y, scratch, one);
                Accumulate(gradient, scratch, share);
                network.ComputeCurvatureProduct(x, y, v, scratch, one, CurvatureKind.Hessian);
                Accumulate(hessian, scratch, share);
                network.ComputeCurvatureProduct(x, y, v, scratch, one, CurvatureKind.GaussNewton);
                Accumulate(gaussNewton, scratch, share);
            }

            string what = network.GetType().Name;
            Assert.True(Math.Abs(weighted.Losses[0] - loss) <= DoubleTolerance * Math.Abs(loss), $"{what}: loss {weighted.Losses[0]} against {loss}");
            Assert.True(Math.Abs(weighted.Losses[^1] - loss) <= DoubleTolerance * Math.Abs(loss), $"{what}: ComputeLoss {weighted.Losses[^1]} against {loss}");
            Assert.True(TestData.RelativeDifference<double>(weighted.Gradients[0], gradient) <= DoubleTolerance, $"{what}: gradient");
            Assert.True(TestData.RelativeDifference<double>(weighted.Products[0], hessian) <= DoubleTolerance, $"{what}: H·v");
            Assert.True(TestData.RelativeDifference<double>(weighted.Products[1], gaussNewton) <= DoubleTolerance, $"{what}: G·v");
        }
    }

    [Fact]
    public void WholeNumberWeightsCountAsRepeatedSamplesAndCommonFactorsCancel()
    {
        foreach (var network in new ISecondOrderNetwork<double>[] { new SceSoftmaxCheckNet(), new InterpretedNetwork<double>(MseTanhCheckNet.Spec) })
        {
            TestData.RandomParameters(network, seed: 3);
            var (inputs, targets) = TestData.Batch(network.Spec, batch: 3, seed: 4);
            var v = CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 5);
            int n = network.Spec.InputSize;
            int m = network.Spec.OutputSize;

            // Weights 2, 1, 3 against the batch with sample 0 twice and sample 2 three times.
            int[] repeats = [0, 0, 1, 2, 2, 2];
            var repeatedInputs = repeats.SelectMany(s => inputs.Skip(s * n).Take(n)).ToArray();
            var repeatedTargets = repeats.SelectMany(s => targets.Skip(s * m).Take(m)).ToArray();
            var weighted = Passes(network, inputs, targets, [2, 1, 3], v, dropoutSeed: null);
            var repeated = Passes(network, repeatedInputs, repeatedTargets, null, v, dropoutSeed: null);
            weighted.AssertClose(repeated, DoubleTolerance, "weights 2, 1, 3 against repeated samples");

            // Σ w C / Σ w does not change when every weight is multiplied by the same factor.
            var scaled = Passes(network, inputs, targets, [15, 7.5, 22.5], v, dropoutSeed: null);
            weighted.AssertClose(scaled, DoubleTolerance, "weights times 7.5");
        }
    }

    [Theory]
    [MemberData(nameof(FloatNetworks))]
    public void AllOnesWeightsGiveTheUnweightedResultsToTheBitInFloat(string name)
    {
        var generated = EngineParityTests.CreateFloat(name);
        AssertOnesAreUnweighted(generated);
        AssertOnesAreUnweighted(new InterpretedNetwork<float>(generated.Spec));
    }

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void AllOnesWeightsGiveTheUnweightedResultsToTheBitInDouble(string name)
    {
        var generated = GradientCheckTests.CreateDouble(name);
        AssertOnesAreUnweighted(generated);
        AssertOnesAreUnweighted(new InterpretedNetwork<double>(generated.Spec));
    }

    [Theory]
    [MemberData(nameof(FloatNetworks))]
    public void WeightedFloatEnginesAgree(string name) =>
        AssertWeightedEnginesAgree(EngineParityTests.CreateFloat(name), FloatTolerance);

    [Theory]
    [MemberData(nameof(DoubleNetworks))]
    public void WeightedDoubleEnginesAgree(string name) =>
        AssertWeightedEnginesAgree(GradientCheckTests.CreateDouble(name), DoubleTolerance);

    [Theory]
    [InlineData(nameof(XorNet))]
    [InlineData(nameof(LaneMseSoftmaxNet))]
    [InlineData(nameof(DigitsNet))]
    [InlineData(nameof(WideFloatNet))]
    public void AZeroWeightedSampleChangesNothingAndAllZeroWeightsGiveZero(string name)
    {
        var network = (ISecondOrderNetwork<float>)EngineParityTests.CreateFloat(name);
        foreach (var engine in new ISecondOrderNetwork<float>[] { network, new InterpretedNetwork<float>(network.Spec) })
        {
            TestData.RandomParameters(engine, seed: 2);
            const int batch = 9;
            var (inputs, targets) = TestData.Batch(engine.Spec, batch, seed: 3);
            var x = TestData.Convert<float>(inputs);
            var y = TestData.Convert<float>(targets);
            var v = TestData.Convert<float>(CurvatureChecker.RandomVector(engine.Spec.ParameterCount, seed: 4));
            var weights = TestData.Convert<float>(TestData.RandomWeights(batch, seed: 5));
            weights[3] = 0f;
            var before = Passes(engine, x, y, weights, v, dropoutSeed: null);

            // Sample 3 has weight 0, so its target cannot matter, to the bit.
            int m = engine.Spec.OutputSize;
            for (int j = 0; j < m; j++)
            {
                y[3 * m + j] = engine.Spec.Loss == Loss.MeanSquaredError ? y[3 * m + j] + 5f : 1f - y[3 * m + j];
            }

            // Values, not bits: the sample's error w·(a − y) is a zero whose sign follows a − y.
            before.AssertEqual(Passes(engine, x, y, weights, v, dropoutSeed: null), $"{engine.GetType().Name}: target of a zero-weighted sample changed");

            var zero = Passes(engine, x, y, new float[batch], v, dropoutSeed: null);
            Assert.All(zero.Losses, loss => Assert.Equal(0f, loss));
            Assert.All(zero.Gradients.Concat(zero.Products), values => Assert.All(values, value => Assert.Equal(0f, value)));
        }
    }

    [Fact]
    public void BadWeightsAreRefusedWithTheirPlaceInTheBatch()
    {
        var generated = new DigitsNet();
        using var parallel = new DataParallelNetwork<float>(new DigitsNet(), 2);
        foreach (var network in new ISecondOrderNetwork<float>[] { generated, new InterpretedNetwork<float>(DigitsNetSpec), new XorNet(), parallel })
        {
            var (inputs, targets) = TestData.Batch(network.Spec, batch: 4, seed: 1);
            var x = TestData.Convert<float>(inputs);
            var y = TestData.Convert<float>(targets);
            var workspace = network.CreateWorkspace(4);
            var gradient = new float[network.Spec.ParameterCount];
            var product = new float[network.Spec.ParameterCount];
            var v = new float[network.Spec.ParameterCount];
            foreach (var (weights, message) in new (float[], string)[]
            {
                ([1f, 1f, 1f], "sampleWeights has 3 elements; the batch of 4 samples needs one weight per sample (or none)."),
                ([1f, 1f, -0.5f, 1f], "sampleWeights[2] is -0.5; a sample weight must be finite and non-negative."),
                ([1f, float.NaN, 1f, 1f], "sampleWeights[1] is NaN; a sample weight must be finite and non-negative."),
                ([1f, 1f, 1f, float.PositiveInfinity], "sampleWeights[3] is Infinity; a sample weight must be finite and non-negative."),
                ([3e38f, 3e38f, 1f, 1f], "The 4 sample weights add up to Infinity, beyond the range of Single."),
            })
            {
                string what = $"{network.GetType().Name}, weights [{string.Join(", ", weights)}]";
                AssertRefused(() => network.ComputeLossAndGradient(x, y, weights, gradient, workspace), message, what);
                AssertRefused(() => network.ComputeLoss(x, y, weights, workspace), message, what);
                AssertRefused(() => network.ComputeCurvatureProduct(x, y, weights, v, product, workspace), message, what);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void DataParallelCombinesShardsByTheirWeightSums(int threads)
    {
        // One thread: the wrapped network's results to the bit. More: the single-threaded weighted mean up to rounding,
        // including shards whose weights are all 0. All-ones weights: the unweighted sharded results to the bit.
        var network = new WideCheckNet();
        TestData.RandomParameters(network, seed: 3);
        using var parallel = new DataParallelNetwork<double>(network, threads);
        const int batch = 11;
        var (inputs, targets) = TestData.Batch(WideCheckNet.Spec, batch, seed: 4);
        var v = CurvatureChecker.RandomVector(WideCheckNet.ParameterCount, seed: 5);
        var weights = TestData.RandomWeights(batch, seed: 6);
        weights[0] = weights[1] = weights[2] = weights[3] = 0.0;
        var single = Passes(network, inputs, targets, weights, v, dropoutSeed: null);
        var sharded = Passes(parallel, inputs, targets, weights, v, dropoutSeed: null);
        if (threads == 1)
        {
            single.AssertBitwiseEqual(sharded, "one thread against the network itself");
        }
        else
        {
            single.AssertClose(sharded, 1e-13, $"{threads} threads against one");
        }

        // With dropout each shard draws its own masks from a seed drawn from the caller's source, so the comparisons with
        // the wrapped network above use the whole network; weights all 1 against none holds with masks too.
        foreach (ulong? dropoutSeed in new ulong?[] { null, 77 })
        {
            var ones = Enumerable.Repeat(1.0, batch).ToArray();
            Passes(parallel, inputs, targets, null, v, dropoutSeed).AssertBitwiseEqual(Passes(parallel, inputs, targets, ones, v, dropoutSeed), $"{threads} threads, weights all 1");
        }
    }

    [Fact]
    public void WeightedPassesAllocateNothing()
    {
        using var parallel = new DataParallelNetwork<float>(new DigitsNet(), 2);
        foreach (var network in new ISecondOrderNetwork<float>[] { new XorNet(), new DigitsNet(), new InterpretedNetwork<float>(DigitsNetSpec), parallel })
        {
            AssertWeightedPassesAllocateNothing(network);
        }

        AssertWeightedPassesAllocateNothing<double>(new DropoutCheckNet());
        AssertWeightedPassesAllocateNothing(new InterpretedNetwork<double>(DropoutCheckNet.Spec));
    }

    private static NetworkSpec DigitsNetSpec => DigitsNet.Spec;

    private static void AssertWeightedPassesAllocateNothing<T>(ISecondOrderNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        network.InitializeParameters(1);
        const int batch = 16;
        var (inputs, targets) = TestData.Batch(network.Spec, batch, seed: 2);
        var x = TestData.Convert<T>(inputs);
        var y = TestData.Convert<T>(targets);
        var weights = TestData.Convert<T>(TestData.RandomWeights(batch, seed: 3));
        var gradient = new T[network.Spec.ParameterCount];
        var product = new T[network.Spec.ParameterCount];
        var v = TestData.Convert<T>(CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed: 4));
        var workspace = network.CreateWorkspace(batch);
        var dropout = new SeededRandom(5);
        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                network.ComputeLossAndGradient(x, y, weights, gradient, workspace, dropout);
                network.ComputeLoss(x, y, weights, workspace);
                network.ComputeCurvatureProduct(x, y, weights, v, product, workspace, CurvatureKind.Hessian, dropout);
            }
        }

        Run(3);
        long least = long.MaxValue;
        for (int round = 0; round < 3 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(200);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(least == 0, $"{network.GetType().Name} allocated {least} bytes over 200 weighted passes.");
    }

    private static void AssertRefused(Action action, string message, string what)
    {
        var exception = Assert.Throws<ArgumentException>(action);
        Assert.True(exception.Message.StartsWith(message, StringComparison.Ordinal), $"{what}: {exception.Message}");
        Assert.Equal("sampleWeights", exception.ParamName);
    }

    private static void AssertOnesAreUnweighted<T>(ITrainableNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var second = (ISecondOrderNetwork<T>)network;
        for (ulong seed = 1; seed <= 3; seed++)
        {
            TestData.RandomParameters(network, seed, WeightInitialization.XavierUniform);
            int batch = seed switch { 1 => 4, 2 => 8, _ => 9 };
            var (inputs, targets) = TestData.Batch(network.Spec, batch, seed);
            var x = TestData.Convert<T>(inputs);
            var y = TestData.Convert<T>(targets);
            var v = TestData.Convert<T>(CurvatureChecker.RandomVector(network.Spec.ParameterCount, seed + 10));
            var ones = Enumerable.Repeat(T.One, batch).ToArray();
            foreach (ulong? dropoutSeed in new ulong?[] { null, seed + 20 })
            {
                Passes(second, x, y, null, v, dropoutSeed).AssertBitwiseEqual(Passes(second, x, y, ones, v, dropoutSeed), $"{network.GetType().Name}, seed {seed}, dropout {dropoutSeed}");
            }
        }
    }

    private static void AssertWeightedEnginesAgree<T>(ITrainableNetwork<T> generated, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var interpreted = new InterpretedNetwork<T>(generated.Spec);
        for (ulong seed = 1; seed <= 3; seed++)
        {
            TestData.RandomParameters(generated, seed, seed == 2 ? WeightInitialization.HeNormal : WeightInitialization.XavierUniform);
            generated.Parameters.CopyTo(interpreted.Parameters);
            // 4, 8, 9: every remainder of the batched kernels' sample groups, and of the lane path's groups of eight.
            int batch = seed switch { 1 => 4, 2 => 8, _ => 9 };
            var (inputs, targets) = TestData.Batch(generated.Spec, batch, seed);
            var x = TestData.Convert<T>(inputs);
            var y = TestData.Convert<T>(targets);
            var weights = TestData.Convert<T>(TestData.RandomWeights(batch, seed + 30));
            var v = TestData.Convert<T>(CurvatureChecker.RandomVector(generated.Spec.ParameterCount, seed + 50));
            foreach (ulong? dropoutSeed in new ulong?[] { null, seed })
            {
                var fromGenerated = Passes((ISecondOrderNetwork<T>)generated, x, y, weights, v, dropoutSeed);
                var fromInterpreted = Passes(interpreted, x, y, weights, v, dropoutSeed);
                fromGenerated.AssertClose(fromInterpreted, tolerance, $"seed {seed}, dropout {dropoutSeed}", productTolerance: tolerance == FloatTolerance ? 1e-4 : tolerance);
            }
        }
    }

    private static void Accumulate(double[] sum, double[] values, double factor)
    {
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] += factor * values[i];
        }
    }

    // Every weighted pass of a network over one batch: loss and gradient, H·v and G·v (each also returning the loss), and
    // ComputeLoss; with null weights, the overloads without weights.
    private static PassResults<T> Passes<T>(ISecondOrderNetwork<T> network, T[] x, T[] y, T[]? weights, T[] v, ulong? dropoutSeed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = network.Spec.ParameterCount;
        var workspace = network.CreateWorkspace(x.Length / network.Spec.InputSize);
        SeededRandom? Dropout() => dropoutSeed is { } seed ? new SeededRandom(seed) : null;
        var gradient = new T[p];
        var hessian = new T[p];
        var gaussNewton = new T[p];
        // Written, not added to: whatever the spans held must not leak into them.
        gradient.AsSpan().Fill(T.NaN);
        hessian.AsSpan().Fill(T.NaN);
        gaussNewton.AsSpan().Fill(T.NaN);
        T loss = weights is null
            ? network.ComputeLossAndGradient(x, y, gradient, workspace, Dropout())
            : network.ComputeLossAndGradient(x, y, weights, gradient, workspace, Dropout());
        T hessianLoss = weights is null
            ? network.ComputeCurvatureProduct(x, y, v, hessian, workspace, CurvatureKind.Hessian, Dropout())
            : network.ComputeCurvatureProduct(x, y, weights, v, hessian, workspace, CurvatureKind.Hessian, Dropout());
        T gaussNewtonLoss = weights is null
            ? network.ComputeCurvatureProduct(x, y, v, gaussNewton, workspace, CurvatureKind.GaussNewton, Dropout())
            : network.ComputeCurvatureProduct(x, y, weights, v, gaussNewton, workspace, CurvatureKind.GaussNewton, Dropout());
        T evaluated = weights is null ? network.ComputeLoss(x, y, workspace) : network.ComputeLoss(x, y, weights, workspace);
        return new PassResults<T>([loss, hessianLoss, gaussNewtonLoss, evaluated], [gradient], [hessian, gaussNewton]);
    }

    /// <summary>What <see cref="Passes"/> computes: losses (training pass, H·v, G·v, ComputeLoss), the gradient, H·v and G·v.</summary>
    private sealed record PassResults<T>(T[] Losses, T[][] Gradients, T[][] Products)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void AssertBitwiseEqual(PassResults<T> other, string what) => AssertSame(other, what, Bits);

        // Equal values (0 and −0 alike, NaN equal to NaN).
        public void AssertEqual(PassResults<T> other, string what) => AssertSame(other, what, values => values.Select(v => (object)v).ToArray());

        private static byte[] Bits(T[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

        private void AssertSame<TItem>(PassResults<T> other, string what, Func<T[], TItem[]> view)
        {
            Assert.True(view(Losses).SequenceEqual(view(other.Losses)), $"{what}: losses [{string.Join(", ", Losses)}] against [{string.Join(", ", other.Losses)}]");
            for (int i = 0; i < Gradients.Length; i++)
            {
                Assert.True(view(Gradients[i]).SequenceEqual(view(other.Gradients[i])), $"{what}: gradients differ");
            }

            for (int i = 0; i < Products.Length; i++)
            {
                Assert.True(view(Products[i]).SequenceEqual(view(other.Products[i])), $"{what}: {(i == 0 ? "H·v" : "G·v")} differs");
            }
        }

        public void AssertClose(PassResults<T> other, double tolerance, string what, double? productTolerance = null)
        {
            double losses = TestData.RelativeDifference<T>(Losses, other.Losses);
            Assert.True(losses <= tolerance, $"{what}: losses differ by {losses:E2}");
            double gradient = TestData.RelativeDifference<T>(Gradients[0], other.Gradients[0]);
            Assert.True(gradient <= tolerance, $"{what}: gradients differ by {gradient:E2}");
            for (int i = 0; i < Products.Length; i++)
            {
                double product = TestData.RelativeDifference<T>(Products[i], other.Products[i]);
                Assert.True(product <= (productTolerance ?? tolerance), $"{what}: {(i == 0 ? "H·v" : "G·v")} differs by {product:E2}");
            }
        }
    }
}
