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
/// start and epochs for every run; the Bayesian run sees only the training split, as each grid run does. The figure is
/// the mean test MSE over several seeds (splits and starts).
/// </summary>
public sealed class BayesianVersusGridTests
{
    internal static readonly double[] Grid = Enumerable.Range(0, 10).Select(i => Math.Pow(10, -3 + (i * 6.0 / 9))).ToArray();

    [Fact]
    public void NoisySine()
    {
        var (grid, bayes) = Compare(seed => RegressionSets.NoisySine(seed), () => new NoisySineNet(), seeds: 10, epochs: 100);
        Assert.True(bayes <= 1.05 * grid, $"Bayesian mean test MSE {bayes} vs grid {grid}");
    }

    /// <summary>
    /// Auto MPG misses the 5 % target: over ten seeds the Bayesian mean test MSE is 7 % above the grid's (README,
    /// Bayesian regularisation). This guards that figure from getting worse; it is not the target.
    /// </summary>
    [Fact]
    public void AutoMpgStaysWithinTenPercentOfTheGrid()
    {
        var (grid, bayes) = Compare(seed => RegressionSets.Load("auto-mpg.csv", seed), () => new AutoMpgNet(), seeds: 3, epochs: 100);
        Assert.True(bayes <= 1.10 * grid, $"Bayesian mean test MSE {bayes} vs grid {grid}");
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
