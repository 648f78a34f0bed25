using System;
using System.Linq;
using NetGen.Bayesian;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Tests.Curvature;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Bayesian;

public sealed class EvidenceTests
{
    [Theory]
    [InlineData("generated-regression", 0.05)]
    [InlineData("generated-softmax", 0.01)]
    [InlineData("interpreted-softmax", 1.0)]
    public void ExactGammaEqualsTheDenseEigendecompositionFormula(string engine, double tau)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        var mask = EffectiveParameters.WeightMask(network.Spec);

        double gamma = EffectiveParameters.Exact(g, p, mask, tau);

        // Oracle: M = G + τD = Q diag(μ) Qᵀ, so tr(D M⁻¹) = Σ_k (Σ_{i ∈ W} Q_ik²) / μ_k.
        var m = g.ToArray();
        for (int i = 0; i < p; i++)
        {
            m[(i * p) + i] += tau * mask[i];
        }

        var (mu, q) = CurvatureTestSupport.Jacobi(m, p);
        double trace = 0;
        for (int k = 0; k < p; k++)
        {
            double weight = 0;
            for (int i = 0; i < p; i++)
            {
                weight += mask[i] * q[i, k] * q[i, k];
            }

            trace += weight / mu[k];
        }

        double expected = mask.Sum() - (tau * trace);
        Assert.True(Math.Abs(gamma - expected) <= 1e-9 * mask.Sum(), $"γ {gamma} vs {expected}");
        Assert.InRange(gamma, 0.0, mask.Sum());
    }

    [Fact]
    public void StochasticGammaAgreesWithTheExactOne()
    {
        var (network, data) = SpectrumTests.Problem("generated-regression");
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        var mask = EffectiveParameters.WeightMask(network.Spec);
        double exact = EffectiveParameters.Exact(g, p, mask, 0.05);

        var solver = new ConjugateGradientOptions { Tolerance = 1e-8, MaxIterations = 200 };
        var estimate = EffectiveParameters.Estimate(curvature, mask, 0.05, probes: 400, seed: 9, solver, out long products);
        Assert.True(Math.Abs(estimate.Value - exact) <= 4 * estimate.StandardError, $"{estimate} vs {exact}");
        Assert.True(estimate.StandardError <= 0.05 * exact);
        Assert.True(products >= 400);
        Assert.Equal(estimate, EffectiveParameters.Estimate(curvature, mask, 0.05, probes: 400, seed: 9, solver, out _));
    }

    [Fact]
    public void BayesianRegularizationRecordsGammaAlphaBetaEveryEpochAndIsDeterministic()
    {
        var (train, _, _) = RegressionSets.NoisySine(3);
        TrainingResult Run(out double[] parameters)
        {
            var network = new NoisySineNet();
            var result = new Trainer<double>(network, Options(epochs: 40, new BayesianRegularization { PerLayer = false })).Fit(train);
            parameters = network.Parameters.ToArray();
            return result;
        }

        var first = Run(out var a);
        var second = Run(out var b);
        Assert.Equal(a, b);
        Assert.All(first.History.Epochs.Take(5), epoch => Assert.Empty(epoch.Measurements));
        foreach (var epoch in first.History.Epochs.Skip(5))
        {
            var m = epoch.Measurements;
            Assert.Equal(["gamma", "alpha", "beta", "l2", "log_evidence"], m.Keys.ToArray());
            Assert.InRange(m["gamma"], double.Epsilon, 20.0);
            Assert.Equal(m["alpha"] / m["beta"], m["l2"], 12);
        }

        // The default start (λ = 10) has shrunk the weights to nearly nothing by the first re-estimation, so γ is then
        // nearly 0 and the next λ tiny; from the second re-estimation on the fit has recovered.
        Assert.True(first.History.Epochs[5].Measurements["gamma"] < 0.05);
        Assert.All(first.History.Epochs.Skip(6), epoch => Assert.InRange(epoch.Measurements["gamma"], 0.05, 20.0));

        // β estimates the noise precision 1/0.2² = 25 once the fit has settled.
        Assert.InRange(first.History.Epochs[^1].Measurements["beta"], 15.0, 40.0);
        Assert.Contains("gamma,alpha,beta,l2", first.History.ToCsv(), StringComparison.Ordinal);
    }

    [Fact]
    public void ForClassificationAlphaIsTheL2StrengthAndThereIsNoBeta()
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        var result = new Trainer<double>(network, Options(epochs: 3, new BayesianRegularization { WarmupEpochs = 1, PerLayer = false })).Fit(data);
        var m = result.History.Epochs[^1].Measurements;
        Assert.False(m.ContainsKey("beta"));
        Assert.Equal(m["alpha"], m["l2"]);
    }

    [Fact]
    public void TheStochasticMethodRecordsItsStandardError()
    {
        var (train, _, _) = RegressionSets.NoisySine(4);
        var hook = new BayesianRegularization { WarmupEpochs = 0, PerLayer = false, Evidence = new EvidenceOptions { Method = EffectiveParameterMethod.Stochastic, Probes = 20 } };
        var result = new Trainer<double>(new NoisySineNet(), Options(epochs: 3, hook)).Fit(train);
        var m = result.History.Epochs[^1].Measurements;
        Assert.True(m["gamma_se"] > 0);
        Assert.False(m.ContainsKey("log_evidence"));
    }

    internal static TrainerOptions Options(int epochs, EpochHook? hook = null, double l2 = 0.0, ulong seed = 1, int batchSize = 100_000) => new()
    {
        Optimizer = new NewtonOptimizer(), BatchSize = batchSize, Epochs = epochs, L2 = l2, Seed = seed,
        Initialization = WeightInitialization.XavierUniform, EpochHooks = hook is null ? [] : [hook],
    };
}

public sealed class GroupedEvidenceTests
{
    [Fact]
    public void GroupedGammaEqualsTheDenseEigendecompositionFormula()
    {
        var (network, data) = SpectrumTests.Problem("generated-regression");
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        var spec = network.Spec;
        var groups = Enumerable.Repeat(-1, p).ToArray();
        double[] tau = [0.02, 0.3];
        for (int layer = 0; layer < 2; layer++)
        {
            var layout = spec.GetLayout(layer);
            groups.AsSpan(layout.WeightsOffset, layout.WeightCount).Fill(layer);
        }

        var gamma = new double[2];
        EffectiveParameters.ExactPerGroup(g, p, groups, tau, gamma, out double logDeterminant);

        var m = g.ToArray();
        for (int i = 0; i < p; i++)
        {
            m[(i * p) + i] += groups[i] >= 0 ? tau[groups[i]] : 0.0;
        }

        var (mu, q) = CurvatureTestSupport.Jacobi(m, p);
        Assert.Equal(mu.Sum(Math.Log), logDeterminant, 9);
        for (int layer = 0; layer < 2; layer++)
        {
            double trace = 0;
            for (int k = 0; k < p; k++)
            {
                double weight = Enumerable.Range(0, p).Where(i => groups[i] == layer).Sum(i => q[i, k] * q[i, k]);
                trace += weight / mu[k];
            }

            double expected = spec.GetLayout(layer).WeightCount - (tau[layer] * trace);
            Assert.True(Math.Abs(gamma[layer] - expected) <= 1e-9 * spec.GetLayout(layer).WeightCount, $"layer {layer}: γ {gamma[layer]} vs {expected}");
        }

        // One group over all weights is the ungrouped γ.
        var single = groups.Select(x => x >= 0 ? 0 : -1).ToArray();
        var one = new double[1];
        EffectiveParameters.ExactPerGroup(g, p, single, [0.05], one, out _);
        Assert.Equal(EffectiveParameters.Exact(g, p, EffectiveParameters.WeightMask(spec), 0.05), one[0], 12);
    }

    [Fact]
    public void StochasticPerLayerGammaAgreesWithTheExactOne()
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        double[] strengths = [0.5, 3.0];
        var exact = new EvidenceEstimator<double>(network, data, new EvidenceOptions { Method = EffectiveParameterMethod.Exact }).ReestimatePerLayer(strengths);
        var stochastic = new EvidenceEstimator<double>(network, data, new EvidenceOptions
        {
            Method = EffectiveParameterMethod.Stochastic, Probes = 400, Solver = new ConjugateGradientOptions { Tolerance = 1e-8, MaxIterations = 200 },
        }).ReestimatePerLayer(strengths);
        for (int layer = 0; layer < 2; layer++)
        {
            Assert.True(Math.Abs(stochastic.Gamma[layer] - exact.Gamma[layer]) <= 0.1 * exact.Gamma[layer], $"layer {layer}: {stochastic.Gamma[layer]} vs {exact.Gamma[layer]}");
        }

        Assert.True(double.IsNaN(stochastic.LogEvidence));
        Assert.Null(exact.Beta);
        Assert.Equal(exact.Alpha, exact.L2);
    }

    [Fact]
    public void PerLayerStrengthsScaleEachLayersPenaltyAndGradient()
    {
        var spec = SpectrumRegressionNet.Spec;
        var parameters = NetGen.Tests.Newton.NewtonTestSupport.Uniform(spec.ParameterCount, 3);
        var regularization = new Regularization(0.0, 2.0, 10, [1.0, 5.0]);
        var gradient = new double[spec.ParameterCount];
        regularization.AddGradientTerms<double>(spec, parameters, gradient);
        double penalty = 0;
        for (int layer = 0; layer < 2; layer++)
        {
            var layout = spec.GetLayout(layer);
            double strength = 2.0 * (layer == 0 ? 1.0 : 5.0) / 10;
            for (int i = 0; i < layout.WeightCount; i++)
            {
                double w = parameters[layout.WeightsOffset + i];
                Assert.Equal(strength * w, gradient[layout.WeightsOffset + i], 14);
                penalty += 0.5 * strength * w * w;
            }

            Assert.All(gradient.AsSpan(layout.BiasesOffset, layout.OutputSize).ToArray(), b => Assert.Equal(0.0, b));
        }

        Assert.Equal(penalty, regularization.Penalty<double>(spec, parameters), 12);
        Assert.Throws<ArgumentException>(() => regularization.Penalty<double>(NetGen.Tests.Newton.LinearNet.Spec, new double[NetGen.Tests.Newton.LinearNet.Spec.ParameterCount]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Regularization(0.0, 1.0, 10, [1.0, -1.0]));
    }

    [Fact]
    public void PerLayerBayesianRegularizationRecordsEachLayerAndTrainsWithItsStrengths()
    {
        var (train, _, _) = RegressionSets.NoisySine(2);
        var hook = new BayesianRegularization { PerLayer = true };
        double[] Run(out TrainingResult result)
        {
            var network = new NoisySineNet();
            result = new Trainer<double>(network, EvidenceTests.Options(epochs: 30, hook)).Fit(train);
            return network.Parameters.ToArray();
        }

        var a = Run(out var first);
        var b = Run(out _);
        Assert.Equal(a, b);
        var m = first.History.Epochs[^1].Measurements;
        Assert.Equal(m["gamma"], m["gamma_layer1"] + m["gamma_layer2"], 10);
        Assert.InRange(m["gamma_layer1"], 0.0, 10.0);
        Assert.InRange(m["gamma_layer2"], 0.0, 10.0);
        Assert.False(m.ContainsKey("l2"));

        // The strengths in force for the last epoch are the previous epoch's estimates: the objective the trainer
        // reported is the data loss plus Σ_l (λ_l/2n) Σw² with them, up to the change of the weights within the epoch.
        var previous = first.History.Epochs[^2].Measurements;
        Assert.NotEqual(previous["l2_layer1"], previous["l2_layer2"]);
        var record = first.History.Epochs[^1];
        Assert.True(record.TrainingObjective > record.TrainingLoss);
    }
}
