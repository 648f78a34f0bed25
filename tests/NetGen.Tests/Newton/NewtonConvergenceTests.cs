using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Newton;

/// <summary>
/// Convergence in counts, not times: a 1-5-1 tanh network fitting sin(πx) at 41 evenly spaced points of [−1, 1] to
/// MSE = mean (y − a)² &lt; 1e-3. The network's loss is ½(y − a)² averaged over the points, i.e. MSE / 2, so the
/// target loss is 5e-4. Initialisation: for seeds 1..20, every parameter (biases too) from N(0, 1), the same for every
/// optimizer. The whole data set is also passed as the validation set, so the target is checked on the full-data loss
/// after each epoch: an epoch count is the number of epochs after which the fit is good enough.
/// </summary>
public sealed class NewtonConvergenceTests(ITestOutputHelper output)
{
    private const double TargetLoss = 5e-4;

    // One run; returns the epochs to the target, or +∞ if the cap came first.
    private static double EpochsToTarget(Optimizer optimizer, int batchSize, double learningRate, int maxEpochs, ulong seed)
    {
        var data = NewtonTestSupport.Sine();
        var network = new SineNet();
        NewtonTestSupport.InitializeGaussian(network.Parameters, seed);
        var options = new TrainerOptions
        {
            Optimizer = optimizer,
            BatchSize = batchSize,
            LearningRate = learningRate,
            Epochs = maxEpochs,
            Seed = seed,
            TargetLoss = TargetLoss,
            RestoreBestWeights = false,
            EvaluateTrainingAccuracy = false,
        };
        var result = new Trainer<double>(network, options).Fit(data, validation: data);
        if (result.StopReason != StopReason.TargetLossReached)
        {
            return double.PositiveInfinity;
        }

        // Independently of the trainer: the fitted function's MSE.
        Assert.True(NewtonTestSupport.MeanSquaredError(network, data) < 1e-3);
        return result.EpochsRun;
    }

    private List<double> AllSeeds(string name, Optimizer optimizer, int batchSize, double learningRate, int maxEpochs)
    {
        var epochs = Enumerable.Range(1, 20).Select(seed => EpochsToTarget(optimizer, batchSize, learningRate, maxEpochs, (ulong)seed)).ToList();
        output.WriteLine($"{name}: median {NewtonTestSupport.Median(epochs)} epochs; {string.Join(" ", epochs)}");
        return epochs;
    }

    [Fact]
    public void LevenbergMarquardtFitsSinForAll20SeedsInAMedianOfAtMost10EpochsAndFirstOrderMethodsNeed10xMore()
    {
        var levenbergMarquardt = AllSeeds("LM (Gauss–Newton, dense)", new NewtonOptimizer(), NewtonTestSupport.SinePoints, 1.0, maxEpochs: 100);
        double lmMedian = NewtonTestSupport.Median(levenbergMarquardt);
        Assert.All(levenbergMarquardt, epochs => Assert.True(double.IsFinite(epochs)));
        Assert.True(lmMedian <= 10, $"LM median {lmMedian}");

        // First-order methods, capped at 1,000 epochs (≥ 10 × LM's median); a capped run counts as +∞.
        var gradientDescent = AllSeeds("GD, η = 0.2", new SgdOptimizer(), NewtonTestSupport.SinePoints, 0.2, maxEpochs: 1000);
        var momentum = AllSeeds("SGD + momentum 0.9, batch 8, η = 0.05", new MomentumOptimizer(), 8, 0.05, maxEpochs: 1000);
        Assert.True(NewtonTestSupport.Median(gradientDescent) >= 10 * lmMedian);
        Assert.True(NewtonTestSupport.Median(momentum) >= 10 * lmMedian, $"momentum median {NewtonTestSupport.Median(momentum)}");
    }

    [Fact]
    public void HessianFreeAndExactHessianVariantsAlsoFitSinForAll20Seeds()
    {
        var hessianFree = AllSeeds("Hessian-free (Gauss–Newton)", new NewtonOptimizer { Mode = NewtonSolveMode.HessianFree }, NewtonTestSupport.SinePoints, 1.0, maxEpochs: 100);
        var exactHessian = AllSeeds("exact Hessian (dense)", new NewtonOptimizer { Curvature = CurvatureKind.Hessian }, NewtonTestSupport.SinePoints, 1.0, maxEpochs: 100);
        Assert.All(hessianFree, epochs => Assert.True(double.IsFinite(epochs)));
        Assert.All(exactHessian, epochs => Assert.True(double.IsFinite(epochs)));
        Assert.True(NewtonTestSupport.Median(hessianFree) <= 10, $"HF median {NewtonTestSupport.Median(hessianFree)}");
        Assert.True(NewtonTestSupport.Median(exactHessian) <= 20, $"exact-Hessian median {NewtonTestSupport.Median(exactHessian)}");
    }

    [Fact]
    public void LargeMiniBatchesWorkToo()
    {
        // Two batches of 20 and 21 per epoch: each step is a Newton step on its own batch.
        var epochs = AllSeeds("LM, batch 21", new NewtonOptimizer(), 21, 1.0, maxEpochs: 200);
        Assert.All(epochs, count => Assert.True(double.IsFinite(count)));
    }
}
