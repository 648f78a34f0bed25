using System;
using System.Linq;
using NetGen.Data;
using NetGen.Tests.Newton;
using Xunit;
using NetGen.Testing;

namespace NetGen.Training.Tests;

/// <summary>L-BFGS: the two-loop recursion, the strong-Wolfe line search, finite termination on a quadratic, and training
/// generated and interpreted networks.</summary>
public sealed class LbfgsTests
{
    [Fact]
    public void TwoLoopRecursionMatchesAHandComputedCase()
    {
        // Pairs along the axes of f = x² + 2y² (Hessian diag(2, 4)): s₁ = (1, 0), y₁ = (2, 0), ρ₁ = ½; s₂ = (0, 1),
        // y₂ = (0, 4), ρ₂ = ¼; g = (1, 1). First loop: α₂ = ¼·1 = ¼, q = (1, 0); α₁ = ½·1 = ½, q = (0, 0).
        // γ = s₂ᵀy₂/y₂ᵀy₂ = ¼, r = 0. Second loop: β₁ = 0, r = ½s₁ = (½, 0); β₂ = ¼·(y₂ᵀr) = 0, r += ¼s₂ = (½, ¼).
        // d = −r = −H⁻¹g exactly.
        var history = new LbfgsHistory(capacity: 2, parameterCount: 2);
        Add(history, [1, 0], [2, 0]);
        Add(history, [0, 1], [0, 4]);
        var direction = new double[2];
        history.ComputeDirection([1.0, 1.0], direction);
        Assert.Equal([-0.5, -0.25], direction);
    }

    [Fact]
    public void TwoLoopRecursionEqualsTheDenseBfgsUpdateOfTheScaledIdentity()
    {
        // Independent formula: H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ applied to H₀ = γI for each pair, oldest first, with γ
        // from the newest pair; the two-loop recursion must give −H g. Three pairs in 3-D, and a ring of two that has
        // dropped its oldest.
        double[][] s = [[1.0, 0.5, -0.2], [0.3, -1.0, 0.4], [-0.6, 0.2, 1.1]];
        double[][] y = [[2.1, 0.9, -0.1], [0.2, -1.7, 0.9], [-0.8, 0.6, 2.5]];
        double[] g = [0.7, -1.3, 0.4];
        foreach (int capacity in new[] { 3, 2 })
        {
            var history = new LbfgsHistory(capacity, 3);
            for (int i = 0; i < 3; i++)
            {
                Add(history, s[i], y[i]);
            }

            var direction = new double[3];
            history.ComputeDirection(g, direction);
            int first = 3 - capacity;
            double gamma = Dot(s[2], y[2]) / Dot(y[2], y[2]);
            var h = new double[3, 3];
            for (int i = 0; i < 3; i++)
            {
                h[i, i] = gamma;
            }

            for (int k = first; k < 3; k++)
            {
                h = BfgsUpdate(h, s[k], y[k]);
            }

            for (int i = 0; i < 3; i++)
            {
                double expected = -(h[i, 0] * g[0] + h[i, 1] * g[1] + h[i, 2] * g[2]);
                Assert.Equal(expected, direction[i], 13);
            }
        }
    }

    [Fact]
    public void PairsWithoutPositiveCurvatureAreSkipped()
    {
        var history = new LbfgsHistory(2, 2);
        new double[] { 1.0, 0.0 }.CopyTo(history.NextS());
        new double[] { -1.0, 0.0 }.CopyTo(history.NextY());
        Assert.False(history.TryCommit());
        Assert.Equal(0, history.Count);
        var direction = new double[2];
        history.ComputeDirection([3.0, -4.0], direction);
        Assert.Equal([-3.0, 4.0], direction);
    }

    public static TheoryData<string, double> LineSearchCases() => new()
    {
        { "accepts α = 1", 0.9 },
        { "extrapolates", 0.1 },
        { "overshoots", 0.9 },
        { "rosenbrock", 0.9 },
        { "rosenbrock", 0.1 },
        { "not finite beyond", 0.5 },
    };

    [Theory]
    [MemberData(nameof(LineSearchCases))]
    public void LineSearchResultSatisfiesBothStrongWolfeConditions(string name, double c2)
    {
        var function = new AnalyticLine(name);
        double value0 = function.Evaluate(0.0, out double slope0);
        Assert.True(slope0 < 0);
        var result = StrongWolfeLineSearch.Search(ref function, value0, slope0, 1.0, 1e-4, c2, 25);

        Assert.Equal(LineSearchStatus.Converged, result.Status);
        Assert.True(result.Step > 0);
        double value = function.Evaluate(result.Step, out double slope);
        Assert.Equal(value, result.Value);
        Assert.Equal(slope, result.Slope);
        Assert.True(value <= value0 + 1e-4 * result.Step * slope0, $"{name}: sufficient decrease fails at α = {result.Step}");
        Assert.True(Math.Abs(slope) <= c2 * Math.Abs(slope0), $"{name}: curvature fails at α = {result.Step}: |{slope}| > {c2}·|{slope0}|");
        if (name == "accepts α = 1")
        {
            Assert.Equal((1.0, 1), (result.Step, result.Evaluations));
        }

        if (name == "extrapolates")
        {
            // φ = (α − 3)² − 9 is a quadratic: the cubic through α = 0 and α = 1 has its minimum at 3 exactly.
            Assert.Equal(3.0, result.Step, 12);
        }

        if (name == "overshoots")
        {
            Assert.Equal(0.2, result.Step, 12);
        }
    }

    [Fact]
    public void LineSearchWithoutAnyDecreaseFailsAtStepZero()
    {
        var function = new AnalyticLine("rises");
        var result = StrongWolfeLineSearch.Search(ref function, 0.0, -1.0, 1.0, 1e-4, 0.9, 10);
        Assert.Equal(LineSearchStatus.Failed, result.Status);
        Assert.Equal(0.0, result.Step);
        Assert.True(result.Evaluations <= 10);
    }

    [Fact]
    public void CubicInterpolationIsExactForAQuadraticAndRejectsACubicWithoutMinimum()
    {
        // φ = 2(α − 0.7)²: values and slopes at 0 and 2.
        static double Phi(double a) => 2 * (a - 0.7) * (a - 0.7);
        static double Slope(double a) => 4 * (a - 0.7);
        Assert.Equal(0.7, StrongWolfeLineSearch.CubicMinimizer(0, Phi(0), Slope(0), 2, Phi(2), Slope(2)), 14);
        // φ = α³ − 3α, slopes of one sign throughout: no minimum between? It has one at 1 within [0, 2].
        Assert.Equal(1.0, StrongWolfeLineSearch.CubicMinimizer(0, 0, -3, 2, 2, 9), 12);
        // A straight line has no minimizer.
        Assert.True(double.IsNaN(StrongWolfeLineSearch.CubicMinimizer(0, 0, -1, 1, -1, -1)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnAQuadraticItConvergesInAtMostNPlusOneIterations(bool interpreted)
    {
        // LinearNet (3 → 2 linear, quadratic cost) has n = 8 parameters and a loss exactly quadratic in them; targets of
        // a linear map leave a minimum of zero. With a near-exact line search (c₂ = 1e-6) and m ≥ n, L-BFGS is conjugate
        // gradients in exact arithmetic and ends in n iterations; one more allows for rounding.
        var random = new SeededRandom(5);
        const int samples = 30;
        var x = new double[samples * 3];
        var y = new double[samples * 2];
        for (int i = 0; i < samples; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                x[(i * 3) + k] = (2 * random.NextDouble()) - 1;
            }

            y[i * 2] = (0.7 * x[i * 3]) - (1.3 * x[(i * 3) + 1]) + 0.2;
            y[(i * 2) + 1] = (0.4 * x[(i * 3) + 2]) + (0.9 * x[i * 3]) - 0.5;
        }

        ITrainableNetwork<double> network = interpreted ? new InterpretedNetwork<double>(LinearNet.Spec) : new LinearNet();
        var gradient = new double[network.Spec.ParameterCount];
        var workspace = network.CreateWorkspace(samples);
        network.ComputeLossAndGradient(x, y, gradient, workspace);
        double initialNorm = Math.Sqrt(gradient.Sum(g => g * g));

        // Iterate one step at a time until the gradient has fallen by nine orders of magnitude.
        int n = network.Spec.ParameterCount;
        var optimizer = new LbfgsOptimizer { CurvatureCondition = 1e-6, SufficientDecrease = 1e-7 };
        var state = optimizer.CreateLbfgsState<double>(network.Spec);
        var none = new Regularization(0, 0, samples);
        int iterations = 0;
        double norm = initialNorm;
        while (norm > 1e-9 * initialNorm && iterations < 3 * n)
        {
            double loss = network.ComputeLossAndGradient(x, y, gradient, workspace);
            var context = new TrainingStepContext<double>(network, x, y, workspace, gradient, loss, loss, 0.0, none, 0, iterations);
            Assert.Equal(OptimizerStepOutcome.Applied, state.Step(in context));
            iterations++;
            network.ComputeLossAndGradient(x, y, gradient, workspace);
            norm = Math.Sqrt(gradient.Sum(g => g * g));
        }

        Assert.True(iterations <= n + 1, $"‖∇f‖ fell from {initialNorm} to {norm} only after {iterations} iterations (n = {n})");
    }

    [Fact]
    public void EveryAcceptedTrainerStepSatisfiesTheStrongWolfeConditions()
    {
        // Drives the state directly on sin(πx) with a 1-5-1 tanh network and checks each step's report.
        var data = NewtonTestSupport.Sine();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, 4);
        var optimizer = new LbfgsOptimizer();
        var state = optimizer.CreateLbfgsState<double>(SineNet.Spec);
        var workspace = network.CreateWorkspace(data.Count);
        var gradient = new double[SineNet.ParameterCount];
        var none = new Regularization(0, 0, data.Count);
        int strongWolfe = 0;
        for (int step = 0; step < 60; step++)
        {
            double loss = network.ComputeLossAndGradient(data.Features, data.Targets, gradient, workspace);
            var context = new TrainingStepContext<double>(network, data.Features, data.Targets, workspace, gradient, loss, loss, 0.0, none, step, step);
            var outcome = state.Step(in context);
            var report = state.LastStep;
            Assert.Equal(OptimizerStepOutcome.Applied, outcome);
            Assert.True(report.SlopeBefore < 0);
            Assert.True(report.ObjectiveAfter <= report.ObjectiveBefore + optimizer.SufficientDecrease * report.StepLength * report.SlopeBefore);
            double evaluated = network.ComputeLoss(data.Features, data.Targets, workspace);
            Assert.True(Math.Abs(report.ObjectiveAfter - evaluated) <= 1e-13 * evaluated, $"{report.ObjectiveAfter} vs {evaluated}");
            if (report.StrongWolfe)
            {
                strongWolfe++;
                Assert.True(Math.Abs(report.SlopeAfter) <= optimizer.CurvatureCondition * Math.Abs(report.SlopeBefore));
            }

            Assert.InRange(report.HistoryCount, 1, optimizer.HistorySize);
        }

        Assert.True(strongWolfe >= 55, $"only {strongWolfe} of 60 line searches met the curvature condition");
        Assert.True(NewtonTestSupport.MeanSquaredError(network, data) < 1e-3);
    }

    [Fact]
    public void GeneratedAndInterpretedNetworksFollowTheSameIterates()
    {
        var data = NewtonTestSupport.Sine();
        double[] Train(ITrainableNetwork<double> network)
        {
            NewtonTestSupport.InitializeGaussian(network.Parameters, 9);
            new Trainer<double>(network, new TrainerOptions { Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 15, KeepCurrentParameters = true })
                .Fit(data);
            return network.Parameters.ToArray();
        }

        var generated = Train(new SineNet());
        var interpreted = Train(new InterpretedNetwork<double>(SineNet.Spec));
        Assert.True(NewtonTestSupport.RelativeError(interpreted, generated) < 1e-8, $"{NewtonTestSupport.RelativeError(interpreted, generated)}");
    }

    [Fact]
    public void SineFitConvergesFromEveryStartTheConvergenceTableUses()
    {
        var data = NewtonTestSupport.Sine();
        var epochs = new System.Collections.Generic.List<double>();
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var network = new SineNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, seed);
            var result = new Trainer<double>(network, new TrainerOptions
            {
                Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 2000, TargetLoss = 5e-4, KeepCurrentParameters = true,
                RestoreBestWeights = false, EvaluateTrainingAccuracy = false,
            }).Fit(data, data);
            epochs.Add(result.StopReason == StopReason.TargetLossReached ? result.EpochsRun : double.PositiveInfinity);
        }

        Assert.True(epochs.Count(double.IsFinite) >= 19, string.Join(", ", epochs));
        Assert.True(NewtonTestSupport.Median(epochs) < 200, $"median {NewtonTestSupport.Median(epochs)} epochs");
    }

    [Fact]
    public void DropoutDoesNotChangeItsStepsAndAFloatNetworkTrainsToo()
    {
        // With dropout the training pass's gradient is not the objective's: L-BFGS recomputes it on the whole network,
        // so two runs with different dropout seeds take the same steps.
        var data = NewtonTestSupport.Sine();
        double[] Train(ulong seed)
        {
            var network = new SineDropoutNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, 2);
            // Shuffling would reorder the full batch's sum, so only the dropout masks differ between the seeds.
            new Trainer<double>(network, new TrainerOptions { Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 10, Seed = seed, KeepCurrentParameters = true, ShuffleEachEpoch = false })
                .Fit(data);
            return network.Parameters.ToArray();
        }

        Assert.Equal(NewtonTestSupport.Bits(Train(1)), NewtonTestSupport.Bits(Train(2)));

        var floats = TrainingTestData.Blobs<float>(90, seed: 2);
        var classifier = new SmallDropoutClassifierFloat();
        var result = new Trainer<float>(classifier, new TrainerOptions { Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 40, Seed = 1 }).Fit(floats);
        Assert.True(result.FinalMetrics.TrainingAccuracy > 0.85, $"accuracy {result.FinalMetrics.TrainingAccuracy}");
    }

    [Fact]
    public void StepsAllocateNothing()
    {
        var data = NewtonTestSupport.Sine();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, 4);
        var state = new LbfgsOptimizer().CreateLbfgsState<double>(SineNet.Spec);
        var workspace = network.CreateWorkspace(data.Count);
        var gradient = new double[SineNet.ParameterCount];
        var none = new Regularization(0, 1e-3, data.Count);
        void Steps(int count)
        {
            for (int step = 0; step < count; step++)
            {
                double loss = network.ComputeLossAndGradient(data.Features, data.Targets, gradient, workspace);
                var context = new TrainingStepContext<double>(network, data.Features, data.Targets, workspace, gradient, loss, loss, 0.0, none, 0, step);
                state.Step(in context);
            }
        }

        Steps(15);
        Assert.Equal(0, Allocations.Least(() => Steps(40), repetitions: 1));
    }

    private static void Add(LbfgsHistory history, double[] s, double[] y)
    {
        s.CopyTo(history.NextS());
        y.CopyTo(history.NextY());
        Assert.True(history.TryCommit());
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    private static double[,] BfgsUpdate(double[,] h, double[] s, double[] y)
    {
        double rho = 1.0 / Dot(y, s);
        var left = new double[3, 3];
        var right = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                left[i, j] = (i == j ? 1 : 0) - (rho * s[i] * y[j]);
                right[i, j] = (i == j ? 1 : 0) - (rho * y[i] * s[j]);
            }
        }

        var result = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double sum = 0;
                for (int a = 0; a < 3; a++)
                {
                    for (int b = 0; b < 3; b++)
                    {
                        sum += left[i, a] * h[a, b] * right[b, j];
                    }
                }

                result[i, j] = sum + (rho * s[i] * s[j]);
            }
        }

        return result;
    }

    // One-dimensional test functions φ(α) with their slopes.
    private struct AnalyticLine(string name) : ILineSearchFunction
    {
        public double Evaluate(double step, out double slope)
        {
            double a = step;
            switch (name)
            {
                case "accepts α = 1":
                case "extrapolates":
                    slope = 2 * (a - 3);
                    return ((a - 3) * (a - 3)) - 9;
                case "overshoots":
                    slope = 2 * (a - 0.2);
                    return (a - 0.2) * (a - 0.2);
                case "not finite beyond":
                    if (a > 0.5)
                    {
                        slope = double.NaN;
                        return double.NaN;
                    }

                    slope = 2 * (a - 0.3);
                    return (a - 0.3) * (a - 0.3);
                case "rises":
                    slope = 1;
                    return a;
                default:
                    // Rosenbrock from (−1.2, 1) along its steepest descent direction, scaled to unit length.
                    double x0 = -1.2, y0 = 1.0;
                    double gx = (-2 * (1 - x0)) - (400 * x0 * (y0 - (x0 * x0)));
                    double gy = 200 * (y0 - (x0 * x0));
                    double norm = Math.Sqrt((gx * gx) + (gy * gy));
                    double dx = -gx / norm, dy = -gy / norm;
                    double x = x0 + (a * dx), y = y0 + (a * dy);
                    double fx = (-2 * (1 - x)) - (400 * x * (y - (x * x)));
                    double fy = 200 * (y - (x * x));
                    slope = (fx * dx) + (fy * dy);
                    return ((1 - x) * (1 - x)) + (100 * (y - (x * x)) * (y - (x * x)));
            }
        }
    }
}
