using System;
using System.IO;
using System.Linq;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Pruning;
using NetGen.Samples.Train;
using NetGen.Tests.Curvature;
using NetGen.Tests.Newton;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Pruning;

public sealed class PruningTests
{
    [Theory]
    [InlineData("generated-regression")]
    [InlineData("interpreted-regression")]
    [InlineData("generated-softmax")]
    [InlineData("interpreted-softmax")]
    public void CurvatureDiagonalsAreTheDenseMatricesDiagonals(string engine)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        int p = network.Spec.ParameterCount;
        foreach (var (method, kind) in new[] { (SaliencyMethod.GaussNewtonDiagonal, CurvatureKind.GaussNewton), (SaliencyMethod.HessianDiagonal, CurvatureKind.Hessian) })
        {
            var dense = new double[p * p];
            new CurvatureOperator<double>(network, data, kind).AssembleDense(dense);
            var diagonal = Saliency.CurvatureDiagonal(network, data, method);
            double scale = Enumerable.Range(0, p).Max(i => Math.Abs(dense[(i * p) + i]));
            for (int i = 0; i < p; i++)
            {
                Assert.True(Math.Abs(diagonal[i] - dense[(i * p) + i]) <= 1e-10 * scale, $"{engine} {method}: [{i}] {diagonal[i]} vs {dense[(i * p) + i]}");
            }

            if (kind == CurvatureKind.Hessian)
            {
                // Hutchinson's estimate converges to the same diagonal.
                var estimate = Saliency.CurvatureDiagonal(network, data, SaliencyMethod.HessianDiagonalEstimate, probes: 3000, seed: 5);
                double error = Math.Sqrt(Enumerable.Range(0, p).Sum(i => Math.Pow(estimate[i] - diagonal[i], 2)));
                double norm = Math.Sqrt(diagonal.Sum(d => d * d));
                Assert.True(error <= 0.25 * norm, $"{engine}: Hutchinson diagonal error {error} vs norm {norm}");
            }
        }
    }

    [Fact]
    public void LeastSalientWeightsArePrunedGloballyOrPerLayer()
    {
        var spec = SpectrumRegressionNet.Spec;
        var saliency = Enumerable.Range(0, spec.ParameterCount).Select(i => (double)((i * 7919) % 101)).ToArray();
        var global = new PruningMask(spec);
        Pruner.PruneLeastSalient(global, saliency, 0.5, PruningScope.Global);
        Assert.Equal(15, global.PrunedCount);
        double threshold = Enumerable.Range(0, spec.ParameterCount).Where(global.IsPruned).Max(i => saliency[i]);
        Assert.All(Enumerable.Range(0, spec.ParameterCount).Where(i => global.IsWeight(i) && !global.IsPruned(i)), i => Assert.True(saliency[i] >= threshold));
        Assert.All(Enumerable.Range(0, spec.ParameterCount).Where(i => !global.IsWeight(i)), i => Assert.False(global.IsPruned(i)));

        var perLayer = new PruningMask(spec);
        Pruner.PruneLeastSalient(perLayer, saliency, 0.5, PruningScope.PerLayer);
        Assert.Equal([0.5, 0.5], perLayer.LayerSparsity());
        Assert.Throws<ArgumentException>(() => perLayer.Prune(spec.GetLayout(0).BiasesOffset));
    }

    [Fact]
    public void MaskedRetrainingKeepsPrunedWeightsAtZero()
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        var mask = new PruningMask(network.Spec);
        Pruner.PruneLeastSalient(mask, Saliency.FromDiagonal<double>(network.Parameters, Saliency.CurvatureDiagonal(network, data, SaliencyMethod.Magnitude)), 0.6, PruningScope.Global);
        mask.Apply(network.Parameters);
        var before = network.Parameters.ToArray();
        var options = new TrainerOptions { Optimizer = new MaskedOptimizer(new AdamOptimizer(), mask), LearningRate = 0.01, Epochs = 5, BatchSize = 8, KeepCurrentParameters = true };
        new Trainer<double>(network, options).Fit(data);
        var after = network.Parameters.ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            if (mask.IsPruned(i))
            {
                Assert.Equal(0.0, after[i]);
            }
        }

        Assert.Contains(Enumerable.Range(0, after.Length), i => !mask.IsPruned(i) && after[i] != before[i]);
    }

    [Fact]
    public void SurgeonsPredictedLossIncreaseIsExactOnAQuadraticLoss()
    {
        // A linear network with squared error: the loss is exactly quadratic and G = H, so OBS's model is exact: the
        // loss after removing weight q and adjusting the rest rises by exactly w_q² / (2 [H⁻¹]_qq).
        var network = new LinearNet();
        var data = CurvatureTestSupport.RandomData(30, 3, 2, classes: false, seed: 12);
        new Trainer<double>(network, new TrainerOptions { Optimizer = new NewtonOptimizer { InitialDamping = 0 }, BatchSize = 30, Epochs = 3, KeepCurrentParameters = true }).Fit(data);
        var workspace = network.CreateWorkspace(30);
        double lossBefore = network.ComputeLoss(data.Features, data.Targets, workspace);
        var dense = new double[LinearNet.Spec.ParameterCount * LinearNet.Spec.ParameterCount];
        new CurvatureOperator<double>(network, data, CurvatureKind.Hessian).AssembleDense(dense);
        var (values, vectors) = CurvatureTestSupport.Jacobi(dense, LinearNet.Spec.ParameterCount);
        int p = LinearNet.Spec.ParameterCount;
        double InverseDiagonal(int q) => Enumerable.Range(0, p).Sum(m => vectors[q, m] * vectors[q, m] / values[m]);
        var w = network.Parameters.ToArray();
        var mask = new PruningMask(LinearNet.Spec);
        double predicted = Enumerable.Range(0, p).Where(mask.IsWeight).Min(q => w[q] * w[q] / (2 * InverseDiagonal(q)));

        OptimalBrainSurgeon.Prune(network, data, 1.0 / 6.0, CurvatureKind.Hessian, damping: 1e-12);
        Assert.Equal(1, new PruningMask(LinearNet.Spec).WeightCount / 6);
        double lossAfter = network.ComputeLoss(data.Features, data.Targets, workspace);
        Assert.True(Math.Abs((lossAfter - lossBefore) - predicted) <= 1e-8 * Math.Max(predicted, 1e-12), $"rise {lossAfter - lossBefore} vs predicted {predicted}");
    }

    [Fact]
    public void SurgeonLosesLessThanDamageOrMagnitudeWithoutRetraining()
    {
        var (train, _, _) = NetGen.Tests.Bayesian.RegressionSets.Load("auto-mpg.csv", 1);
        var trained = new AutoMpgNet();
        new Trainer<double>(trained, NetGen.Tests.Bayesian.EvidenceTests.Options(epochs: 60, l2: 0.5)).Fit(train);
        double Loss(AutoMpgNet n) => n.ComputeLoss(train.Features, train.Targets, n.CreateWorkspace(train.Count));
        AutoMpgNet Copy()
        {
            var copy = new AutoMpgNet();
            trained.Parameters.CopyTo(copy.Parameters);
            return copy;
        }

        var surgeon = Copy();
        OptimalBrainSurgeon.Prune(surgeon, train, 0.5);
        var damage = Copy();
        var damageOptions = new PruningOptions { TargetSparsity = 0.5, Rounds = 1, RetrainEpochs = 0 };
        Pruner.Prune(damage, train, options: damageOptions);
        var magnitude = Copy();
        Pruner.Prune(magnitude, train, options: damageOptions with { Method = SaliencyMethod.Magnitude });
        // OBS's compensating updates beat both one-shot rankings (OBD's diagonal ignores how the removed weights
        // interact, which at 50 % in one cut can make it no better than magnitude).
        Assert.True(Loss(surgeon) < Loss(damage), $"OBS {Loss(surgeon)} vs OBD {Loss(damage)}");
        Assert.True(Loss(surgeon) < Loss(magnitude), $"OBS {Loss(surgeon)} vs magnitude {Loss(magnitude)}");
    }

    /// <summary>
    /// Issue 21's target: the main job's 64-128-64-10 digits network pruned to 70 % sparsity (four rounds, ten masked
    /// retraining epochs each) loses at most 0.5 percentage points of test accuracy, and OBD with the exact
    /// Gauss–Newton diagonal does no worse than magnitude pruning, global or per layer, on the same schedule: on the
    /// first split and start in a plain test run; the README's figures are means over three (<c>NETGEN_SEEDS=3</c>).
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void DigitsAtSeventyPercentSparsity()
    {
        var data = CsvLoader.Load<float>(Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        double dense = 0;
        double damage = 0;
        double magnitudeGlobal = 0;
        double magnitudePerLayer = 0;
        int seeds = MeasurementSeeds.Count(1);
        for (ulong seed = 1; seed <= (ulong)seeds; seed++)
        {
            var split = DatasetSplit.Split(data, 0.6, 0.2, seed, stratify: true);
            var scaler = Standardizer<float>.Fit(split.Train);
            var (train, validation, test) = (scaler.Transform(split.Train), scaler.Transform(split.Validation), scaler.Transform(split.Test));
            var trained = new DigitsMlp();
            new Trainer<float>(trained, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.001, Epochs = 40, BatchSize = 32, Seed = seed, Initialization = WeightInitialization.HeNormal }).Fit(train, validation);
            dense += Accuracy(trained, test) / seeds;
            double Pruned(SaliencyMethod method, PruningScope scope)
            {
                var network = new DigitsMlp();
                trained.Parameters.CopyTo(network.Parameters);
                var result = Pruner.Prune(network, train, validation, new PruningOptions { Method = method, Scope = scope, TargetSparsity = 0.7, Seed = seed });
                Assert.Equal(0.7, result.Mask.Sparsity, 3);
                Assert.Equal(result.Mask.PrunedCount, Enumerable.Range(0, DigitsMlp.Spec.ParameterCount).Count(i => result.Mask.IsWeight(i) && network.Parameters[i] == 0f));
                return Accuracy(network, test) / seeds;
            }

            damage += Pruned(SaliencyMethod.GaussNewtonDiagonal, PruningScope.Global);
            magnitudeGlobal += Pruned(SaliencyMethod.Magnitude, PruningScope.Global);
            magnitudePerLayer += Pruned(SaliencyMethod.Magnitude, PruningScope.PerLayer);
        }

        Assert.True(damage >= dense - 0.005, $"OBD {damage} vs dense {dense}");
        Assert.True(damage >= magnitudeGlobal && damage >= magnitudePerLayer, $"OBD {damage}, magnitude global {magnitudeGlobal}, per layer {magnitudePerLayer}");
    }

    private static double Accuracy(INetwork<float> network, Dataset<float> data)
    {
        var output = new float[10];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            correct += Array.IndexOf(output, output.Max()) == data.Labels[i] ? 1 : 0;
        }

        return correct / (double)data.Count;
    }
}
