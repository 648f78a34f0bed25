using System;
using System.Linq;
using NetGen.Bayesian;
using NetGen.Data;
using NetGen.Tests.Curvature;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Bayesian;

/// <summary>
/// Issue 21's target: Bayesian regularisation reaches a test MSE within 5 % of the best L2 strength a 10-point grid
/// search picks on a validation set, training once instead of ten times. Levenberg–Marquardt on full batches, the same
/// start and epochs for every run; the Bayesian run (one prior per layer, the default) sees only the training split, as
/// each grid run does. The figure is the mean test MSE over seeds (splits and starts): the README's are over 10
/// (<c>NETGEN_SEEDS=10</c>); a plain test run checks the first seed of each set, where the ratio per seed ranges from
/// 0.7 to 1.35 (README), so it guards against a gross regression rather than proving the mean.
/// </summary>
public sealed class BayesianVersusGridTests
{
    internal static readonly double[] Grid = Enumerable.Range(0, 10).Select(i => Math.Pow(10, -3 + (i * 6.0 / 9))).ToArray();

    [Fact]
    public void NoisySine()
    {
        var (grid, bayes) = Compare(seed => RegressionSets.NoisySine(seed), () => new NoisySineNet(), MeasurementSeeds.Count(1), epochs: 100);
        Assert.True(bayes <= 1.05 * grid, $"Bayesian mean test MSE {bayes} vs grid {grid}");
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void AutoMpg()
    {
        var (grid, bayes) = Compare(seed => RegressionSets.Load("auto-mpg.csv", seed), () => new AutoMpgNet(), MeasurementSeeds.Count(1), epochs: 100);
        Assert.True(bayes <= 1.05 * grid, $"Bayesian mean test MSE {bayes} vs grid {grid}");
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void Diabetes()
    {
        var (grid, bayes) = Compare(seed => RegressionSets.Load("diabetes.csv", seed), () => new DiabetesNet(), MeasurementSeeds.Count(1), epochs: 100);
        Assert.True(bayes <= 1.05 * grid, $"Bayesian mean test MSE {bayes} vs grid {grid}");
    }

    /// <summary>
    /// One α for all weights misses the target on the diabetes set (test MSE 42 % above the grid's over 10 seeds) where
    /// one per layer meets it: the single α settles where the input weights overfit. This shows the per-layer default is
    /// what makes the difference, on the first seed.
    /// </summary>
    [Fact]
    public void OnDiabetesOnePriorPerLayerBeatsOneForAllWeights()
    {
        var (train, _, test) = RegressionSets.Load("diabetes.csv", 1);
        double TestError(bool perLayer)
        {
            var network = new DiabetesNet();
            new Trainer<double>(network, EvidenceTests.Options(100, new BayesianRegularization { PerLayer = perLayer }, seed: 1)).Fit(train);
            return RegressionSets.MeanSquaredError(network, test);
        }

        double single = TestError(perLayer: false);
        double perLayer = TestError(perLayer: true);
        Assert.True(perLayer < 0.9 * single, $"per layer {perLayer} vs one α {single}");
    }

    internal static (double Grid, double Bayes) Compare(
        Func<ulong, (Dataset<double> Train, Dataset<double> Validation, Dataset<double> Test)> load, Func<ITrainableNetwork<double>> create, int seeds, int epochs)
    {
        double gridTotal = 0;
        double bayesTotal = 0;
        for (ulong seed = 1; seed <= (ulong)seeds; seed++)
        {
            var (train, validation, test) = load(seed);
            double bestValidation = double.PositiveInfinity;
            double bestTest = double.NaN;
            foreach (double l2 in Grid)
            {
                var network = create();
                new Trainer<double>(network, EvidenceTests.Options(epochs, l2: l2, seed: seed)).Fit(train);
                double score = RegressionSets.MeanSquaredError(network, validation);
                if (score < bestValidation)
                {
                    bestValidation = score;
                    bestTest = RegressionSets.MeanSquaredError(network, test);
                }
            }

            var bayesian = create();
            new Trainer<double>(bayesian, EvidenceTests.Options(epochs, new BayesianRegularization(), seed: seed)).Fit(train);
            gridTotal += bestTest;
            bayesTotal += RegressionSets.MeanSquaredError(bayesian, test);
        }

        return (gridTotal / seeds, bayesTotal / seeds);
    }
}
