using System;
using NetGen.Data;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Newton;

/// <summary>On a linear model with the quadratic cost the loss is exactly quadratic, so one undamped Newton step must
/// land on the least-squares solution, computed here independently from the normal equations.</summary>
public sealed class NewtonQuadraticTests
{
    private const int Samples = 30;

    private static (double[] Inputs, double[] Targets) Data() =>
        (NewtonTestSupport.Uniform(Samples * 3, seed: 17), NewtonTestSupport.Uniform(Samples * 2, seed: 18, low: -2, high: 3));

    /// <summary>
    /// [W | b] minimising (1/n) Σ ½‖y − Wx − b‖² + (λ₂/2n)‖W‖²: for each output j, (X̃ᵀX̃ + λ₂D) β_j = X̃ᵀy_j with
    /// X̃ = [x, 1] and D = diag(1, 1, 1, 0), by Gaussian elimination. Returned in the network's layout (W row-major, b).
    /// </summary>
    private static double[] LeastSquares(double[] inputs, double[] targets, double l2 = 0.0)
    {
        var normal = new double[4, 4];
        for (int s = 0; s < Samples; s++)
        {
            for (int a = 0; a < 4; a++)
            {
                for (int c = 0; c < 4; c++)
                {
                    normal[a, c] += Feature(inputs, s, a) * Feature(inputs, s, c);
                }
            }
        }

        for (int a = 0; a < 3; a++)
        {
            normal[a, a] += l2;
        }

        var parameters = new double[8];
        for (int j = 0; j < 2; j++)
        {
            var right = new double[4];
            for (int s = 0; s < Samples; s++)
            {
                for (int a = 0; a < 4; a++)
                {
                    right[a] += Feature(inputs, s, a) * targets[(s * 2) + j];
                }
            }

            var beta = NewtonTestSupport.Solve(normal, right);
            for (int k = 0; k < 3; k++)
            {
                parameters[LinearNet.Dense1WeightsOffset + (j * 3) + k] = beta[k];
            }

            parameters[LinearNet.Dense1BiasesOffset + j] = beta[3];
        }

        return parameters;

        static double Feature(double[] inputs, int sample, int index) => index < 3 ? inputs[(sample * 3) + index] : 1.0;
    }

    [Theory]
    [InlineData(NewtonSolveMode.Dense, CurvatureKind.GaussNewton)]
    [InlineData(NewtonSolveMode.Dense, CurvatureKind.Hessian)]
    [InlineData(NewtonSolveMode.HessianFree, CurvatureKind.GaussNewton)]
    [InlineData(NewtonSolveMode.HessianFree, CurvatureKind.Hessian)]
    public void OneUndampedStepThroughTheTrainerLandsOnTheLeastSquaresSolution(NewtonSolveMode mode, CurvatureKind kind)
    {
        var (inputs, targets) = Data();
        var expected = LeastSquares(inputs, targets);
        var network = new LinearNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 5);
        Assert.True(NewtonTestSupport.RelativeError(network.Parameters, expected) > 0.5);

        var options = new TrainerOptions
        {
            Optimizer = new NewtonOptimizer { Mode = mode, Curvature = kind, InitialDamping = 0.0, ConjugateGradientTolerance = 1e-12 },
            BatchSize = Samples,
            Epochs = 1,
        };
        var result = new Trainer<double>(network, options).Fit(new Dataset<double>(inputs, targets, 3, 2));

        Assert.Equal(1, result.TotalSteps);
        Assert.Equal(0, result.History.Epochs[0].RejectedSteps);
        double error = NewtonTestSupport.RelativeError(network.Parameters, expected);
        Assert.True(error <= 1e-9, $"relative error {error:E2}");
    }

    [Fact]
    public void WithL2TheStepLandsOnTheRidgeSolutionWhichPenalisesWeightsButNotBiases()
    {
        var (inputs, targets) = Data();
        const double l2 = 4.0;
        var expected = LeastSquares(inputs, targets, l2);
        Assert.True(NewtonTestSupport.RelativeError(LeastSquares(inputs, targets), expected) > 1e-3);
        foreach (var mode in new[] { NewtonSolveMode.Dense, NewtonSolveMode.HessianFree })
        {
            var network = new LinearNet();
            NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 6);
            var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Mode = mode, InitialDamping = 0.0, ConjugateGradientTolerance = 1e-12 }, inputs, targets, l2);
            Assert.Equal(OptimizerStepOutcome.Applied, driver.Step());
            double error = NewtonTestSupport.RelativeError(network.Parameters, expected);
            Assert.True(error <= 1e-9, $"{mode}: relative error {error:E2}");
        }
    }

    [Fact]
    public void ASinglePrecisionNetworkIsSolvedInDoubleAndLandsNearTheSolution()
    {
        var (inputs, targets) = Data();
        var expected = LeastSquares(Array.ConvertAll(Array.ConvertAll(inputs, x => (float)x), x => (double)x), Array.ConvertAll(Array.ConvertAll(targets, x => (float)x), x => (double)x));
        var network = new LinearFloatNet();
        network.InitializeParameters(5, WeightInitialization.XavierUniform);
        var driver = new NewtonDriver<float>(network, new NewtonOptimizer { InitialDamping = 0.0 }, Array.ConvertAll(inputs, x => (float)x), Array.ConvertAll(targets, x => (float)x));
        Assert.True(driver.State.IsDense);
        Assert.Equal(OptimizerStepOutcome.Applied, driver.Step());
        var actual = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        double error = NewtonTestSupport.RelativeError(actual, expected);
        Assert.True(error <= 1e-5, $"relative error {error:E2}");
    }

    [Theory]
    [InlineData(NewtonSolveMode.Dense)]
    [InlineData(NewtonSolveMode.HessianFree)]
    public void OnAnExactQuadraticModelTheGainRatioIsOneAndTheAcceptedStepCutsTheDampingToAThird(NewtonSolveMode mode)
    {
        var (inputs, targets) = Data();
        var network = new LinearNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 7);
        var driver = new NewtonDriver<double>(network, new NewtonOptimizer { Mode = mode, InitialDamping = 0.5, ConjugateGradientTolerance = 1e-12 }, inputs, targets);
        double before = driver.Objective();

        Assert.Equal(OptimizerStepOutcome.Applied, driver.Step());

        var report = driver.State.LastStep;
        Assert.Equal(0.5, report.Damping);
        Assert.True(Math.Abs(report.GainRatio - 1) <= 1e-9, $"ρ = {report.GainRatio}");
        Assert.True(Math.Abs(report.ActualReduction - (before - driver.Objective())) <= 1e-12);
        Assert.Equal(0.5 / 3, driver.State.Damping, 15);
    }
}
