using System;
using System.Linq;
using NetGen.Data;
using NetGen.Training;
using NetGen.Training.Tests;
using Xunit;

namespace NetGen.Tests.Newton;

/// <summary>Damping, rejection, indefinite curvature, errors, allocation and option checks.</summary>
public sealed class NewtonRobustnessTests
{
    private static readonly double[] NoData = [0.0];

    [Theory]
    [InlineData(NewtonSolveMode.Dense)]
    [InlineData(NewtonSolveMode.HessianFree)]
    public void ARejectedStepLeavesTheParametersBitwiseUnchangedAndRaisesTheDampingUntilAStepIsAccepted(NewtonSolveMode mode)
    {
        var network = new PseudoHuberNetwork(2.0, 2.0);
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Mode = mode, InitialDamping = 0.0, MinimumDamping = 1e-3 }, NoData, NoData);
        int rejected = 0;
        while (true)
        {
            var before = NewtonTestSupport.Bits(network.Parameters);
            double objectiveBefore = driver.Objective();
            double dampingBefore = driver.State.Damping;
            var outcome = driver.Step();
            Assert.Equal(outcome, driver.State.LastStep.Outcome);
            if (outcome == OptimizerStepOutcome.Applied)
            {
                Assert.True(driver.Objective() < objectiveBefore);
                break;
            }

            rejected++;
            Assert.Equal(before, NewtonTestSupport.Bits(network.Parameters));
            Assert.True(driver.State.Damping > dampingBefore, $"λ {dampingBefore} → {driver.State.Damping}");
            Assert.True(driver.State.LastStep.ActualReduction < 0, "the trial raised the objective");
            Assert.True(rejected < 20);
        }

        // With h = 5^(−3/2) ≈ 0.0894 the curvature at θ = 2: λ = 0, then max(λν, (h + λ)/10) = 0.0089, 0.0358 all
        // overshoot (ν = 2, 4, 8); 8 × 0.0358 = 0.286 is the first that does not.
        Assert.Equal(3, rejected);
        double h = Math.Pow(5, -1.5);
        Assert.Equal(3.2 * h, driver.State.LastStep.Damping, 12);
    }

    [Fact]
    public void TheTrainerCountsRejectedStepsInTheHistory()
    {
        var network = new PseudoHuberNetwork(2.0, 2.0);
        var options = new TrainerOptions { Optimizer = new NewtonOptimizer { InitialDamping = 0.0, MinimumDamping = 1e-3 }, BatchSize = 1, Epochs = 8 };
        var result = new Trainer<double>(network, options).Fit(new Dataset<double>([0.0], [0.0], 1, 1));
        Assert.Equal([1, 1, 1, 0, 0, 0, 0, 0], result.History.Epochs.Select(epoch => epoch.RejectedSteps));
        Assert.True(result.FinalMetrics.TrainingLoss < 1e-3, $"loss {result.FinalMetrics.TrainingLoss}");
    }

    [Fact]
    public void AcceptedStepsWithAGoodModelLowerTheDamping()
    {
        // Near the minimum the quadratic model of the pseudo-Huber objective is good (ρ > ½), so λ falls each step.
        var network = new PseudoHuberNetwork(0.3, -0.2);
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { InitialDamping = 1.0 }, NoData, NoData);
        for (int step = 0; step < 5; step++)
        {
            double damping = driver.State.Damping;
            Assert.Equal(OptimizerStepOutcome.Applied, driver.Step(step));
            Assert.True(driver.State.LastStep.GainRatio > 0.5, $"ρ = {driver.State.LastStep.GainRatio}");
            Assert.True(driver.State.Damping < damping, $"λ {damping} → {driver.State.Damping}");
        }

        driver.State.Reset();
        Assert.Equal(1.0, driver.State.Damping);
    }

    private static (double[] Inputs, double[] Targets) SineBatch()
    {
        var data = NewtonTestSupport.Sine();
        return (data.Features.ToArray(), data.Targets.ToArray());
    }

    [Fact]
    public void WithAnIndefiniteHessianTheDenseExactNewtonStepRaisesTheDampingAndLowersTheLoss()
    {
        var (inputs, targets) = SineBatch();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 1);

        // The Hessian here is indefinite: its smallest eigenvalue is negative, and a fresh product confirms vᵀHv < 0
        // along the corresponding eigenvector.
        var hessian = NewtonTestSupport.CurvatureMatrix(network, inputs, targets, CurvatureKind.Hessian);
        var (values, vectors) = NewtonTestSupport.SymmetricEigen(hessian);
        int smallest = Array.IndexOf(values, values.Min());
        Assert.True(values[smallest] < -1e-3 * values.Max(), $"eigenvalues {string.Join(", ", values)}");
        var v = Enumerable.Range(0, SineNet.ParameterCount).Select(i => vectors[i, smallest]).ToArray();
        var hv = new double[v.Length];
        network.ComputeCurvatureProduct(inputs, targets, v, hv, network.CreateWorkspace(inputs.Length), CurvatureKind.Hessian);
        Assert.True(v.Zip(hv, (a, b) => a * b).Sum() < 0);

        // Pure Newton (λ = 0) cannot factor H; the optimizer raises λ until H + λI is positive definite. Just past
        // −λ_min(H) the step along that eigenvector is long, and this first trial overshoots: it is rejected, with the
        // parameters untouched, and the next step, with λ raised, lowers the loss.
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Curvature = CurvatureKind.Hessian, Mode = NewtonSolveMode.Dense, InitialDamping = 0.0 }, inputs, targets);
        double before = driver.Objective();
        var start = NewtonTestSupport.Bits(network.Parameters);
        Assert.Equal(OptimizerStepOutcome.Rejected, driver.Step(0));
        Assert.True(driver.State.LastStep.DampingIncreases > 0);
        Assert.True(driver.State.LastStep.Damping > -values[smallest], $"λ = {driver.State.LastStep.Damping}, λ_min(H) = {values[smallest]}");
        Assert.Equal(start, NewtonTestSupport.Bits(network.Parameters));

        Assert.Equal(OptimizerStepOutcome.Applied, driver.Step(1));
        Assert.True(driver.Objective() < before);
        for (int step = 2; step < 10; step++)
        {
            double objective = driver.Objective();
            if (driver.Step(step) == OptimizerStepOutcome.Applied)
            {
                Assert.True(driver.Objective() < objective);
            }
        }

        Assert.True(driver.Objective() < before / 5, $"{before} → {driver.Objective()}");
    }

    [Fact]
    public void WithAnIndefiniteHessianHessianFreeStepsStopAtNegativeCurvatureAndLowerTheLoss()
    {
        var (inputs, targets) = SineBatch();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 1);
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Curvature = CurvatureKind.Hessian, Mode = NewtonSolveMode.HessianFree, InitialDamping = 0.0 }, inputs, targets);
        double objective = driver.Objective();
        bool sawNegativeCurvature = false;
        int applied = 0;
        for (int step = 0; step < 10; step++)
        {
            var outcome = driver.Step(step);
            sawNegativeCurvature |= driver.State.LastStep.NegativeCurvature;
            double now = driver.Objective();
            if (outcome == OptimizerStepOutcome.Applied)
            {
                applied++;
                Assert.True(now < objective);
            }
            else
            {
                Assert.Equal(objective, now);
            }

            objective = now;
        }

        Assert.True(sawNegativeCurvature);
        Assert.True(applied >= 5, $"{applied} of 10 steps applied");
    }

    [Fact]
    public void ANetworkWithoutCurvatureProductsGetsAClearError()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, gradient) =>
        {
            gradient[0] = 1;
            return 1.0;
        });
        var trainer = new Trainer<double>(network, new TrainerOptions { Optimizer = new NewtonOptimizer(), Epochs = 1 });
        var error = Assert.Throws<NotSupportedException>(() => trainer.Fit(TestData.Indexed(4)));
        Assert.Contains("ISecondOrderNetwork<Double>", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(FakeNetwork), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NewtonSolveMode.Dense, false)]
    [InlineData(NewtonSolveMode.HessianFree, false)]
    [InlineData(NewtonSolveMode.Dense, true)]
    [InlineData(NewtonSolveMode.HessianFree, true)]
    public void StepsAllocateNothing(NewtonSolveMode mode, bool dropoutAndL2)
    {
        var (inputs, targets) = SineBatch();
        ITrainableNetwork<double> network = dropoutAndL2 ? new SineDropoutNet() : new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 3);
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Mode = mode, Curvature = CurvatureKind.Hessian }, inputs, targets, l2: dropoutAndL2 ? 0.1 : 0.0);
        for (int step = 0; step < 3; step++)
        {
            driver.Step(step);
        }

        int next = 3;
        Assert.Equal(0, NetGen.Testing.Allocations.Least(() => driver.Step(next++), repetitions: 10));
    }

    [Fact]
    public void OptionsAreCheckedAndAutoPicksTheSolverByParameterCount()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { InitialDamping = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { InitialDamping = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { MinimumDamping = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { MaximumDamping = double.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { DenseThreshold = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { DenseThreshold = NewtonOptimizer.MaximumDenseParameterCount + 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { MaxConjugateGradientIterations = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { ConjugateGradientTolerance = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { Curvature = (CurvatureKind)7 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewtonOptimizer { Mode = (NewtonSolveMode)7 });
        Assert.Throws<ArgumentException>(() => new NewtonOptimizer { MinimumDamping = 10, MaximumDamping = 1 }.CreateState<double>(LinearNet.Spec));

        var auto = new NewtonOptimizer { DenseThreshold = 100 };
        Assert.True(auto.UsesDenseSolver(100));
        Assert.False(auto.UsesDenseSolver(101));
        Assert.True(auto.CreateNewtonState<double>(SineNet.Spec).IsDense);
        Assert.False(new NewtonOptimizer { DenseThreshold = 10 }.CreateNewtonState<double>(SineNet.Spec).IsDense);
        Assert.False(new NewtonOptimizer { Mode = NewtonSolveMode.HessianFree }.CreateNewtonState<double>(SineNet.Spec).IsDense);
        Assert.False(new NewtonOptimizer().CreateNewtonState<float>(MnistSizedNet.Spec).IsDense);

        // A dense matrix for 101,770 parameters would not fit in an array: refused before anything is allocated.
        var error = Assert.Throws<ArgumentException>(() => new NewtonOptimizer { Mode = NewtonSolveMode.Dense }.CreateState<float>(MnistSizedNet.Spec));
        Assert.Contains("HessianFree", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gauss–Newton", new NewtonOptimizer().Name, StringComparison.Ordinal);
    }
}
