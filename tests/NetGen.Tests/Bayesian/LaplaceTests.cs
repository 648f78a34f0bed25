using System;
using System.IO;
using System.Linq;
using NetGen.Bayesian;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.Samples.Train;
using NetGen.Tests.Curvature;
using NetGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Bayesian;

public sealed class LaplaceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("generated-regression")]
    [InlineData("interpreted-regression")]
    [InlineData("generated-softmax")]
    [InlineData("interpreted-softmax")]
    public void OutputJacobianRowsAreTheDerivativesOfTheOutputs(string engine)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        bool softmax = network.Spec.Loss == Loss.SoftmaxCrossEntropy;
        int k = network.Spec.OutputSize;
        int p = network.Spec.ParameterCount;
        var jacobian = new OutputJacobian<double>(network);
        var rows = new double[k * p];
        var output = new double[k];
        var input = data.GetFeatures(3).ToArray();
        jacobian.Compute(input, output, rows);

        // f = a (squared error) or the centred logits ln a − mean(ln a) (softmax), by central differences.
        double[] F(double[] parameters)
        {
            parameters.CopyTo(network.Parameters);
            var a = new double[k];
            network.Forward(input, a);
            if (!softmax)
            {
                return a;
            }

            var logits = a.Select(x => Math.Log(x)).ToArray();
            double mean = logits.Average();
            return logits.Select(z => z - mean).ToArray();
        }

        var w = network.Parameters.ToArray();
        const double h = 1e-6;
        for (int i = 0; i < p; i++)
        {
            var plus = w.ToArray();
            var minus = w.ToArray();
            plus[i] += h;
            minus[i] -= h;
            var fp = F(plus);
            var fm = F(minus);
            for (int row = 0; row < k; row++)
            {
                double numeric = (fp[row] - fm[row]) / (2 * h);
                Assert.True(Math.Abs(rows[(row * p) + i] - numeric) <= 1e-6 + (1e-5 * Math.Abs(numeric)), $"{engine}: J[{row}, {i}] {rows[(row * p) + i]} vs {numeric}");
            }
        }

        w.CopyTo(network.Parameters);
    }

    [Theory]
    [InlineData("generated-regression")]
    [InlineData("generated-softmax")]
    public void TheFullPredictiveVarianceIsJTimesTheInversePrecisionTimesJTransposed(string engine)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        const double l2 = 3.0;
        var laplace = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = LaplaceStructure.Full, L2 = l2, NoisePrecision = 4.0 });

        // Oracle: A = βn (G + τI), with G assembled from products and inverted by Jacobi.
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        double beta = laplace.IsRegression ? 4.0 : 1.0;
        int n = data.Count;
        for (int i = 0; i < p; i++)
        {
            g[(i * p) + i] += l2 / n;
        }

        var (mu, q) = CurvatureTestSupport.Jacobi(g, p);
        int k = network.Spec.OutputSize;
        var rows = new double[k * p];
        var output = new double[k];
        var input = data.GetFeatures(5).ToArray();
        new OutputJacobian<double>(network).Compute(input, output, rows);
        var variance = new double[k];
        laplace.PredictFunctionVariance(input, variance);
        for (int row = 0; row < k; row++)
        {
            double expected = 0;
            for (int m = 0; m < p; m++)
            {
                double projection = 0;
                for (int i = 0; i < p; i++)
                {
                    projection += q[i, m] * rows[(row * p) + i];
                }

                expected += projection * projection / mu[m];
            }

            expected /= beta * n;
            Assert.True(Math.Abs(variance[row] - expected) <= 1e-8 * expected, $"{engine}: output {row} variance {variance[row]} vs {expected}");
        }
    }

    [Theory]
    [InlineData("generated-regression")]
    [InlineData("interpreted-softmax")]
    public void TheLowRankPredictiveVarianceKeepsTheTopEigenpairsAndThePriorInTheirComplement(string engine)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        const double l2 = 3.0;
        const int rank = 6;
        var laplace = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = LaplaceStructure.LowRank, Rank = rank, L2 = l2, NoisePrecision = 2.0 });

        // Oracle: G's top `rank` eigenpairs by Jacobi, Σ = [U diag(1/(μ + τ)) Uᵀ + (I − UUᵀ)/τ] / (βn).
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        var (mu, q) = CurvatureTestSupport.Jacobi(g, p);
        int[] top = [.. Enumerable.Range(0, p).OrderByDescending(m => mu[m]).Take(rank)];
        double beta = laplace.IsRegression ? 2.0 : 1.0;
        int n = data.Count;
        double tau = l2 / n;
        int k = network.Spec.OutputSize;
        var rows = new double[k * p];
        var output = new double[k];
        var input = data.GetFeatures(11).ToArray();
        new OutputJacobian<double>(network).Compute(input, output, rows);
        var variance = new double[k];
        laplace.PredictFunctionVariance(input, variance);
        for (int row = 0; row < k; row++)
        {
            var j = rows.AsSpan(row * p, p);
            double expected = 0;
            for (int i = 0; i < p; i++)
            {
                expected += j[i] * j[i] / tau;
            }

            foreach (int m in top)
            {
                double projection = 0;
                for (int i = 0; i < p; i++)
                {
                    projection += q[i, m] * j[i];
                }

                expected += projection * projection * ((1.0 / (Math.Max(mu[m], 0.0) + tau)) - (1.0 / tau));
            }

            expected /= beta * n;
            Assert.True(Math.Abs(variance[row] - expected) <= 1e-7 * expected, $"{engine}: output {row} variance {variance[row]} vs {expected}");
        }
    }

    [Theory]
    [InlineData("generated-regression")]
    [InlineData("interpreted-softmax")]
    public void TheLastLayerBlockFromJacobiansEqualsTheProductsBlock(string engine)
    {
        var (network, data) = SpectrumTests.Problem(engine);
        var curvature = new CurvatureOperator<double>(network, data, CurvatureKind.GaussNewton);
        int p = curvature.Dimension;
        var g = new double[p * p];
        curvature.AssembleDense(g);
        var layout = network.Spec.GetLayout(network.Spec.Layers.Count - 1);
        int offset = layout.WeightsOffset;
        int m = layout.ParameterCount;

        // With the same λ and β, a last-layer approximation predicts what the full one does with the other layers
        // held fixed: J_L (G_LL + τI)⁻¹ J_Lᵀ / (βn). Compare that oracle, built from the products' block.
        const double l2 = 2.0;
        var laplace = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = LaplaceStructure.LastLayer, L2 = l2, NoisePrecision = 1.0 });
        var block = new double[m * m];
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < m; c++)
            {
                block[(r * m) + c] = g[((offset + r) * p) + offset + c] + (r == c ? l2 / data.Count : 0.0);
            }
        }

        var (mu, q) = CurvatureTestSupport.Jacobi(block, m);
        int k = network.Spec.OutputSize;
        var rows = new double[k * m];
        var output = new double[k];
        var input = data.GetFeatures(9).ToArray();
        new OutputJacobian<double>(network).Compute(input, output, rows, offset);
        var variance = new double[k];
        laplace.PredictFunctionVariance(input, variance);
        for (int row = 0; row < k; row++)
        {
            double expected = 0;
            for (int e = 0; e < m; e++)
            {
                double projection = 0;
                for (int i = 0; i < m; i++)
                {
                    projection += q[i, e] * rows[(row * m) + i];
                }

                expected += projection * projection / mu[e];
            }

            expected /= data.Count;
            Assert.True(Math.Abs(variance[row] - expected) <= 1e-8 * expected, $"{engine}: output {row} variance {variance[row]} vs {expected}");
        }
    }

    /// <summary>Issue 21's target: nominal 90 % intervals cover 88–92 % of the test points, for networks trained with
    /// Bayesian regularisation and the evidence's λ and β: the sine over 5 seeds × 1,000 points, the two real sets over
    /// their first 2 test splits (10 with <c>NETGEN_SEEDS=10</c>, the README's figures). A few hundred test points
    /// measure a coverage only to about ±2 percentage points (one standard error of a binomial count), so the band is
    /// 90 % ± the larger of 2 points and two standard errors: the target itself from about 900 points on.</summary>
    [Fact]
    public void NinetyPercentIntervalsCoverNinetyPercentOfTheNoisySine() =>
        AssertNinetyPercent(Coverage(seed => RegressionSets.NoisySine(seed), () => new NoisySineNet(), MeasurementSeeds.Count(5)));

    [Fact]
    public void NinetyPercentIntervalsCoverNinetyPercentOfAutoMpg() =>
        AssertNinetyPercent(Coverage(seed => RegressionSets.Load("auto-mpg.csv", seed), () => new AutoMpgNet(), MeasurementSeeds.Count(2)));

    [Fact]

    [Trait("Category", "Slow")]
    public void NinetyPercentIntervalsCoverNinetyPercentOfDiabetes() =>
        AssertNinetyPercent(Coverage(seed => RegressionSets.Load("diabetes.csv", seed), () => new DiabetesNet(), MeasurementSeeds.Count(2)));

    private static void AssertNinetyPercent((int Covered, int Total) count)
    {
        double coverage = count.Covered / (double)count.Total;
        double halfWidth = Math.Max(0.02, 2.0 * Math.Sqrt(0.9 * 0.1 / count.Total));
        Assert.True(Math.Abs(coverage - 0.9) <= halfWidth, $"coverage {coverage} of {count.Total} test points, allowed 0.9 ± {halfWidth}");
    }

    private static (int Covered, int Total) Coverage(
        Func<ulong, (Dataset<double> Train, Dataset<double> Validation, Dataset<double> Test)> load, Func<ISecondOrderNetwork<double>> create, int seeds)
    {
        int covered = 0;
        int total = 0;
        for (ulong seed = 1; seed <= (ulong)seeds; seed++)
        {
            var (train, _, test) = load(seed);
            var network = create();
            new Trainer<double>(network, EvidenceTests.Options(epochs: 100, new BayesianRegularization(), seed: seed)).Fit(train);
            var laplace = LaplaceApproximation<double>.Fit(network, train);
            Assert.Equal(LaplaceStructure.Full, laplace.Structure);
            var mean = new double[1];
            var deviation = new double[1];
            for (int i = 0; i < test.Count; i++)
            {
                laplace.PredictWithUncertainty(test.GetFeatures(i), mean, deviation);
                Assert.True(deviation[0] >= Math.Sqrt(1.0 / laplace.NoisePrecision));
                covered += Math.Abs(test.GetTargets(i)[0] - mean[0]) <= 1.6448536269514722 * deviation[0] ? 1 : 0;
                total++;
            }
        }

        return (covered, total);
    }

    [Fact]
    public void AStrongPriorGivesThePlainNetworksProbabilitiesAndAWeakOneFlattensThem()
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        var plain = new double[3];
        var averaged = new double[3];
        var input = data.GetFeatures(0);
        network.Forward(input, plain);
        foreach (var averaging in new[] { ClassificationAveraging.Probit, ClassificationAveraging.Sampling })
        {
            var strong = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { L2 = 1e12, Averaging = averaging, Samples = 200 });
            strong.PredictProbabilities(input, averaged);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(plain[j], averaged[j], 6);
            }

            var weak = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { L2 = 1e-3, Averaging = averaging, Samples = 2000 });
            weak.PredictProbabilities(input, averaged);
            Assert.Equal(1.0, averaged.Sum(), 12);
            Assert.True(averaged.Max() < plain.Max());
        }
    }

    [Theory]
    [InlineData(LaplaceStructure.Full)]
    [InlineData(LaplaceStructure.LastLayer)]
    [InlineData(LaplaceStructure.LowRank)]
    public void AnInfinitePriorIsThePlainNetwork(LaplaceStructure structure)
    {
        // The λ → ∞ end of the validation grid: no posterior variance, so the network's own probabilities, and for a
        // regression the noise alone.
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        var plain = new double[3];
        var averaged = new double[3];
        var infinite = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = structure, Rank = 5, L2 = double.PositiveInfinity });
        Assert.Equal(double.PositiveInfinity, infinite.L2);
        Assert.Equal(0.0, infinite.EffectiveParameterCount);
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), plain);
            infinite.PredictProbabilities(data.GetFeatures(i), averaged);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(plain[j], averaged[j], 12);
            }
        }

        var (regression, regressionData) = SpectrumTests.Problem("generated-regression");
        var noiseOnly = LaplaceApproximation<double>.Fit(regression, regressionData, new LaplaceOptions { Structure = structure, Rank = 5, L2 = double.PositiveInfinity, NoisePrecision = 4.0 });
        var mean = new double[regression.Spec.OutputSize];
        var deviation = new double[mean.Length];
        var outputs = new double[mean.Length];
        noiseOnly.PredictWithUncertainty(regressionData.GetFeatures(2), mean, deviation);
        regression.Forward(regressionData.GetFeatures(2), outputs);
        Assert.Equal(outputs, mean);
        Assert.All(deviation, d => Assert.Equal(0.5, d, 15));
        Assert.Throws<ArgumentException>(() => LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { L2 = double.NaN }));
    }

    [Theory]
    [InlineData(LaplaceStructure.Full)]
    [InlineData(LaplaceStructure.LastLayer)]
    [InlineData(LaplaceStructure.LowRank)]
    public void ValidationSelectsThePriorWithTheLowestValidationLogLikelihood(LaplaceStructure structure)
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        var validation = CurvatureTestSupport.RandomData(40, 4, 3, classes: true, seed: 77);
        var tuned = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = structure, Rank = 5, Prior = LaplacePrior.Validation }, validation);
        Assert.Contains(tuned.L2, LaplaceApproximation<double>.ValidationGrid);
        double Nll(double l2)
        {
            var fixedPrior = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = structure, Rank = 5, L2 = l2 });
            var p = new double[3];
            double total = 0;
            for (int i = 0; i < validation.Count; i++)
            {
                fixedPrior.PredictProbabilities(validation.GetFeatures(i), p);
                var y = validation.GetTargets(i);
                total -= Math.Log(p[y.IndexOf(1.0)]);
            }

            return total;
        }

        double chosen = Nll(tuned.L2);
        foreach (double l2 in LaplaceApproximation<double>.ValidationGrid)
        {
            Assert.True(chosen <= Nll(l2) + 1e-9, $"{structure}: λ {tuned.L2} gives {chosen}, λ {l2} gives {Nll(l2)}");
        }

        // The search's own losses, from what it keeps of each validation sample, are those of posteriors fitted at each λ.
        var losses = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = structure, Rank = 5, L2 = 1.0 }).ValidationLosses(validation);
        for (int i = 0; i < losses.Length; i++)
        {
            double refitted = Nll(LaplaceApproximation<double>.ValidationGrid[i]);
            Assert.True(Math.Abs(losses[i] - refitted) <= 1e-9 * refitted, $"{structure}: λ {LaplaceApproximation<double>.ValidationGrid[i]}: {losses[i]} vs {refitted}");
        }

        // After the search the posterior predicts as one fitted at the chosen λ.
        var same = LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Structure = structure, Rank = 5, L2 = tuned.L2 });
        var expected = new double[3];
        var actual = new double[3];
        for (int i = 0; i < 5; i++)
        {
            same.PredictProbabilities(validation.GetFeatures(i), expected);
            tuned.PredictProbabilities(validation.GetFeatures(i), actual);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(expected[j], actual[j], 12);
            }
        }
    }

    [Fact]
    public void ValidationPriorNeedsAValidationSet()
    {
        var (network, data) = SpectrumTests.Problem("generated-softmax");
        Assert.Throws<ArgumentNullException>(() => LaplaceApproximation<double>.Fit(network, data, new LaplaceOptions { Prior = LaplacePrior.Validation }));
        var regression = LaplaceApproximation<double>.Fit(SpectrumTests.Problem("generated-regression").Network, SpectrumTests.Problem("generated-regression").Data);
        Assert.Throws<InvalidOperationException>(() => regression.PredictProbabilities(new double[3], new double[2]));
    }

    /// <summary>
    /// Issue 21's classification target, measured: the main job's digits network (64-128-64-10 with dropout, trained as
    /// <c>samples/Train</c> trains it on seeds 1…N of its split, keeping the epoch of lowest validation loss), its own
    /// probabilities against two Laplace predictives with λ chosen on the validation split by log-likelihood (the last
    /// layer, and the top 100 eigenpairs of the whole G), all scored on the test split (360 images): expected calibration
    /// error over 15 bins, log-loss, Brier score and mean confidence, per seed and as mean ± standard error over the seeds
    /// (written to the test output; <c>NETGEN_SEEDS=30</c> gives the README's figures). What is asserted is what the
    /// validation choice guarantees (see <see cref="DigitsCalibration"/>).
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void DigitsCalibrationOfThePlainNetworkAndTheLaplacePredictives() =>
        _ = DigitsCalibration((options, data) =>
        {
            var network = new DigitsMlp();
            new Trainer<float>(network, TrainJob.CreateTrainerOptions(TrainJob.Resolve(options))).Fit(data.Train, data.Validation);
            return network;
        });

    /// <summary>
    /// The same comparison on the network the Laplace approximation assumes (MacKay 1992; Kristiadi et al. 2020; Daxberger
    /// et al. 2021): a MAP estimate trained to convergence. The main job's architecture without dropout
    /// (<see cref="DigitsMapMlp"/>), its Adam, learning rate and batch (0.001, 32), for a fixed 200 epochs on the training
    /// split alone (no validation set, so no early stopping and no return to an earlier epoch), with the Gaussian prior
    /// as a fixed L2 of 10⁻⁴ per training sample (λ₂ = 10⁻⁴·n, PyTorch's <c>weight_decay=1e-4</c>). All chosen before
    /// measuring, none on the test split. Asserted as for the main job's network, and no more: over 30 seeds the Laplace
    /// ECE is higher than the plain network's on 22 (README), so a lower mean ECE is not asserted.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void DigitsCalibrationOfAConvergedMapNetworkAndTheLaplacePredictives() =>
        _ = DigitsCalibration((options, data) =>
        {
            var network = new DigitsMapMlp();
            var result = new Trainer<float>(network, new TrainerOptions
            {
                Epochs = 200,
                BatchSize = TrainJob.DefaultDigitsBatchSize,
                LearningRate = LearningRateSchedule.Constant(TrainJob.DefaultLearningRate(OptimizerKind.Adam)),
                Optimizer = new AdamOptimizer(),
                L2 = 1e-4 * data.Train.Count,
                Seed = options.Seed,
                Initialization = WeightInitialization.HeNormal,
                EvaluateTrainingAccuracy = true,
            }).Fit(data.Train);
            output.WriteLine(FormattableString.Invariant($"seed {options.Seed}: {result.EpochsRun} epochs, final training loss {result.FinalMetrics.TrainingLoss:G3}, training accuracy {result.FinalMetrics.TrainingAccuracy:F4}"));
            return network;
        });

    /// <summary>
    /// Trains a digits network per seed 1…<see cref="MeasurementSeeds.Count"/>(3) with <paramref name="train"/> on the
    /// main job's split of that seed, and compares its own test probabilities with the last-layer and the low-rank
    /// (top 100 eigenpairs of the whole G) Laplace predictives, λ chosen on the validation split by log-likelihood.
    /// Writes per seed and as mean ± standard error of the paired difference over the seeds: the test ECE (15 bins),
    /// log-loss, Brier score and mean confidence. Asserts what the validation choice guarantees: the chosen predictive's
    /// validation log-likelihood is no worse than the plain network's (the plain network is the λ → ∞ end of the grid),
    /// and averaging never raises confidence.
    /// </summary>
    private (CalibrationReport[] Plain, CalibrationReport[] LastLayer, CalibrationReport[] LowRank) DigitsCalibration(
        Func<TrainJobOptions, PreparedData, ISecondOrderNetwork<float>> train)
    {
        int seeds = MeasurementSeeds.Count(3);
        var plain = new CalibrationReport[seeds];
        var lastLayer = new CalibrationReport[seeds];
        var lowRank = new CalibrationReport[seeds];
        for (int s = 0; s < seeds; s++)
        {
            ulong seed = (ulong)(s + 1);
            var options = new TrainJobOptions { Seed = seed };
            var data = TrainJob.LoadData(options);
            var network = train(options, data);

            // The plain network's probabilities in double (the λ = ∞ posterior), so all log-losses clip alike.
            var pointMass = LaplaceApproximation<float>.Fit(network, data.Train, new LaplaceOptions { Structure = LaplaceStructure.LastLayer, L2 = double.PositiveInfinity });
            plain[s] = pointMass.EvaluateCalibration(data.Test);
            var own = network.EvaluateCalibration(data.Test);
            Assert.Equal(own.ExpectedCalibrationError, plain[s].ExpectedCalibrationError, 5);
            Assert.Equal(own.Accuracy, plain[s].Accuracy);
            double plainValidation = pointMass.EvaluateCalibration(data.Validation).LogLoss;

            var lastLayerPosterior = LaplaceApproximation<float>.Fit(network, data.Train, new LaplaceOptions { Structure = LaplaceStructure.LastLayer, Prior = LaplacePrior.Validation }, data.Validation);
            var lowRankPosterior = LaplaceApproximation<float>.Fit(network, data.Train, new LaplaceOptions { Structure = LaplaceStructure.LowRank, Rank = 100, Seed = seed, Prior = LaplacePrior.Validation }, data.Validation);
            lastLayer[s] = lastLayerPosterior.EvaluateCalibration(data.Test);
            lowRank[s] = lowRankPosterior.EvaluateCalibration(data.Test);
            output.WriteLine(FormattableString.Invariant(
                $"seed {seed}: λ last layer {lastLayerPosterior.L2:G3}, low rank {lowRankPosterior.L2:G3}; ECE plain {plain[s].ExpectedCalibrationError:F4}, last layer {lastLayer[s].ExpectedCalibrationError:F4}, low rank {lowRank[s].ExpectedCalibrationError:F4}; log-loss {plain[s].LogLoss:F4}, {lastLayer[s].LogLoss:F4}, {lowRank[s].LogLoss:F4}; accuracy {plain[s].Accuracy:F4}; mean confidence {plain[s].MeanConfidence:F4}, {lastLayer[s].MeanConfidence:F4}, {lowRank[s].MeanConfidence:F4}"));

            foreach (var (name, posterior, report) in new[] { ("last layer", lastLayerPosterior, lastLayer[s]), ("low rank", lowRankPosterior, lowRank[s]) })
            {
                Assert.True(posterior.EvaluateCalibration(data.Validation).LogLoss <= plainValidation, $"seed {seed}, {name}: the validation choice is worse on validation than the plain network");
                Assert.True(report.MeanConfidence <= plain[s].MeanConfidence + 1e-6, $"seed {seed}, {name}: averaging raised the mean confidence");
            }
        }

        foreach (var (name, laplace) in new[] { ("last layer", lastLayer), ("low rank", lowRank) })
        {
            output.WriteLine(Summary(name, laplace, "ECE", r => r.ExpectedCalibrationError));
            output.WriteLine(Summary(name, laplace, "log-loss", r => r.LogLoss));
            output.WriteLine(Summary(name, laplace, "Brier", r => r.BrierScore));
            output.WriteLine(Summary(name, laplace, "mean confidence", r => r.MeanConfidence));
        }

        string Summary(string name, CalibrationReport[] laplace, string score, Func<CalibrationReport, double> of)
        {
            double[] differences = [.. Enumerable.Range(0, seeds).Select(s => of(laplace[s]) - of(plain[s]))];
            double mean = differences.Average();
            double error = seeds > 1 ? Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (seeds - 1) / seeds) : double.NaN;
            return FormattableString.Invariant(
                $"{name}, {score}: plain {plain.Average(of):F4}, Laplace {laplace.Average(of):F4}, difference {mean:+0.0000;-0.0000} ± {error:F4} over {seeds} seeds; Laplace lower on {differences.Count(d => d < 0)}, equal on {differences.Count(d => d == 0)}, higher on {differences.Count(d => d > 0)}");
        }

        return (plain, lastLayer, lowRank);
    }
}
