using System;
using System.Linq;
using NetGen.Data;
using NetGen.Tests.Newton;
using NetGen.Training;
using NetGen.Training.Tests;
using Xunit;

namespace NetGen.Weights.Tests;

/// <summary>
/// Class and sample weights in training: balanced weights from label counts, the weights each step receives, the
/// weighted validation and final losses, second-order optimizers on the weighted objective, checkpoints, and all-ones
/// weights training to the bit as no weights.
/// </summary>
public sealed class WeightedTrainingTests
{
    [Fact]
    public void BalancedWeightsAreNOverKTimesEachClassCountAndAverageOne()
    {
        int[] labels = [0, 0, 2, 1, 0, 2];
        var weights = ClassWeights.ComputeBalanced(labels, 3);
        // n = 6, k = 3: class 0 has 3 samples, class 1 one, class 2 two.
        Assert.Equal([6.0 / 9.0, 6.0 / 3.0, 6.0 / 6.0], weights);
        Assert.Equal(1.0, labels.Average(label => weights[label]), 15);

        var missing = Assert.Throws<ArgumentException>(() => ClassWeights.ComputeBalanced([0, 0, 2], 3));
        Assert.StartsWith("Balanced class weights n / (k · n_c) are undefined for class 1, which has no sample among the 3 training samples", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ClassWeights.ComputeBalanced([0, 3], 3));
        Assert.Throws<ArgumentException>(() => ClassWeights.ComputeBalanced([], 3));
    }

    [Fact]
    public void ExplicitClassWeightsAreCheckedCopiedAndCompareByValue()
    {
        double[] values = [1.0, 9.0];
        ClassWeights weights = values;
        values[1] = 2.0;
        Assert.Equal([1.0, 9.0], weights.Values);
        Assert.False(weights.IsBalanced);
        Assert.Equal("[1, 9]", weights.ToString());
        Assert.Equal("balanced", ClassWeights.Balanced.ToString());
        // TrainerOptions is a record: equal weights make equal options.
        var options = new TrainerOptions();
        Assert.Equal(options with { ClassWeights = new[] { 1.0, 9.0 } }, options with { ClassWeights = ClassWeights.FromValues(1.0, 9.0) });
        Assert.NotEqual(options with { ClassWeights = new[] { 1.0, 9.0 } }, options with { ClassWeights = ClassWeights.Balanced });
        Assert.NotEqual(options with { ClassWeights = new[] { 1.0, 9.0 } }, options with { ClassWeights = new[] { 1.0, 9.0, 0.0 } });

        Assert.Equal("No class weights were given; give one per class, or use ClassWeights.Balanced. (Parameter 'weights')", Assert.Throws<ArgumentException>(() => ClassWeights.FromValues()).Message);
        Assert.StartsWith("The weight of class 1 is -1; class weights must be finite and non-negative.", Assert.Throws<ArgumentException>(() => ClassWeights.FromValues(1, -1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("The weight of class 0 is NaN;", Assert.Throws<ArgumentException>(() => ClassWeights.FromValues(double.NaN, 1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Every class weight is 0", Assert.Throws<ArgumentException>(() => ClassWeights.FromValues(0, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachStepReceivesItsSamplesClassWeightTimesSampleWeightInBatchOrder()
    {
        // Feature 0 is the sample's index, so each recorded batch shows which samples it holds and in what order.
        const int count = 10;
        var features = new double[count * 2];
        var targets = new double[count * 2];
        var labels = new int[count];
        var sampleWeights = new double[count];
        for (int i = 0; i < count; i++)
        {
            features[i * 2] = i;
            labels[i] = i % 3 == 0 ? 1 : 0;
            targets[(i * 2) + labels[i]] = 1.0;
            sampleWeights[i] = 0.5 * (i + 1);
        }

        var data = new Dataset<double>(features, targets, 2, 2, labels, sampleWeights: sampleWeights);
        var spec = new NetworkSpec(2, [new DenseLayerSpec(2, Activation.Softmax)], Loss.SoftmaxCrossEntropy, Precision.Double);
        double[] classWeights = [1.0, 3.0];
        void AssertWeightsOfEveryCall(FakeNetwork network, int calls)
        {
            Assert.Equal(calls, network.BatchWeights.Count);
            for (int call = 0; call < calls; call++)
            {
                var indices = Enumerable.Range(0, network.BatchSizes[call]).Select(i => (int)network.BatchInputs[call][i * 2]).ToArray();
                Assert.Equal(indices.Select(i => classWeights[labels[i]] * sampleWeights[i]), network.BatchWeights[call]);
            }
        }

        var network = new FakeNetwork(spec, (call, parameters, gradient) => 1.0);
        new Trainer<double>(network, new TrainerOptions { ClassWeights = classWeights, BatchSize = 4, Epochs = 3, Seed = 5 }).Fit(data);
        AssertWeightsOfEveryCall(network, 9);

        // The learning-rate range test gathers its batches the same way.
        var rangeNetwork = new FakeNetwork(spec, (call, parameters, gradient) => 1.0);
        new Trainer<double>(rangeNetwork, new TrainerOptions { ClassWeights = classWeights, BatchSize = 4, Seed = 5 }).FindLearningRate(data, new LearningRateRangeTestOptions { Steps = 3 });
        AssertWeightsOfEveryCall(rangeNetwork, 3);

        // Without weights of either kind, every step gets none.
        var plain = new FakeNetwork(spec, (call, parameters, gradient) => 1.0);
        new Trainer<double>(plain, new TrainerOptions { BatchSize = 4, Epochs = 1 }).Fit(new Dataset<double>(features, targets, 2, 2, labels));
        Assert.All(plain.BatchWeights, weights => Assert.Empty(weights));
    }

    public static TheoryData<string> Optimizers() => ["sgd", "adam", "irprop-", "newton", "lbfgs"];

    private static Optimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new SgdOptimizer(),
        "adam" => new AdamOptimizer(),
        "irprop-" => new RpropOptimizer(),
        "newton" => new NewtonOptimizer(),
        "lbfgs" => new LbfgsOptimizer { HistorySize = 4 },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static TrainerOptions Options(string optimizer, ClassWeights? classWeights, int epochs = 6, string? checkpoint = null)
    {
        var created = CreateOptimizer(optimizer);
        return new TrainerOptions
        {
            Optimizer = created,
            BatchSize = created.RequiresFullBatch || created is NewtonOptimizer ? int.MaxValue : 16,
            Epochs = epochs,
            LearningRate = 0.05,
            L2 = 1e-3,
            Seed = 11,
            ClassWeights = classWeights,
            CheckpointPath = checkpoint,
            CheckpointEveryEpochs = 2,
        };
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void AllOnesWeightsTrainToTheBitAsNoWeights(string optimizer)
    {
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        var validation = TrainingTestData.Blobs<double>(30, seed: 4);
        var ones = train.WithSampleWeights(Enumerable.Repeat(1.0, train.Count).ToArray());
        var validationOnes = validation.WithSampleWeights(Enumerable.Repeat(1.0, validation.Count).ToArray());

        ITrainableNetwork<double> Network() => optimizer is "newton" or "lbfgs" ? new SmallClassifier() : new SmallDropoutClassifier();
        var plain = Network();
        var plainResult = new Trainer<double>(plain, Options(optimizer, null)).Fit(train, validation);
        var byClass = Network();
        var byClassResult = new Trainer<double>(byClass, Options(optimizer, new[] { 1.0, 1.0, 1.0 })).Fit(train, validation);
        var bySample = Network();
        var bySampleResult = new Trainer<double>(bySample, Options(optimizer, null)).Fit(ones, validationOnes);

        Assert.Equal(CheckpointRuns.Bits<double>(plain.Parameters), CheckpointRuns.Bits<double>(byClass.Parameters));
        Assert.Equal(CheckpointRuns.Bits<double>(plain.Parameters), CheckpointRuns.Bits<double>(bySample.Parameters));
        Assert.Equal(CheckpointRuns.Records(plainResult.History), CheckpointRuns.Records(byClassResult.History));
        Assert.Equal(CheckpointRuns.Records(plainResult.History), CheckpointRuns.Records(bySampleResult.History));
    }

    [Fact]
    public void AllOnesWeightsTrainToTheBitAsNoWeightsInFloatOnTwoThreads()
    {
        var train = TrainingTestData.Blobs<float>(90, seed: 3);
        float[] Train(ClassWeights? weights)
        {
            var network = new SmallDropoutClassifierFloat();
            using var parallel = new DataParallelNetwork<float>(network, 2);
            new Trainer<float>(parallel, Options("adam", weights)).Fit(train);
            return network.Parameters.ToArray();
        }

        Assert.Equal(TrainingTestData.Bits(Train(null)), TrainingTestData.Bits(Train(new[] { 1.0, 1.0, 1.0 })));
        Assert.NotEqual(TrainingTestData.Bits(Train(null)), TrainingTestData.Bits(Train(new[] { 1.0, 2.0, 1.0 })));
    }

    [Fact]
    public void ValidationAndFinalLossesAreTheWeightedMeansOverTheirSets()
    {
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        var validation = TrainingTestData.Blobs<double>(30, seed: 4);
        var validationWeights = NetGen.Testing.TestData.RandomWeights(validation.Count, seed: 8);
        validation = validation.WithSampleWeights(validationWeights);
        double[] classWeights = [1.0, 4.0, 0.5];
        var network = new SmallClassifier();
        // A batch capacity of 16 makes the evaluation run over several chunks.
        var trainer = new Trainer<double>(network, Options("adam", classWeights));
        var result = trainer.Fit(train, validation);

        double WeightedMean(Dataset<double> data, Func<int, double> weight)
        {
            var workspace = network.CreateWorkspace(1);
            double total = 0;
            double weightSum = 0;
            for (int i = 0; i < data.Count; i++)
            {
                total += weight(i) * network.ComputeLoss(data.GetFeatures(i), data.GetTargets(i), workspace);
                weightSum += weight(i);
            }

            return total / weightSum;
        }

        double expectedValidation = WeightedMean(validation, i => classWeights[validation.Labels[i]] * validationWeights[i]);
        double expectedTraining = WeightedMean(train, i => classWeights[train.Labels[i]]);
        Assert.Equal(expectedValidation, result.FinalMetrics.ValidationLoss!.Value, 1e-12);
        // The network ends with the best epoch's weights, so that epoch's validation loss is the one to compare.
        Assert.Equal(expectedValidation, result.History.Epochs[result.BestEpoch!.Value - 1].ValidationLoss!.Value, 1e-12);
        Assert.Equal(expectedTraining, result.FinalMetrics.TrainingLoss, 1e-12);
        Assert.Equal(expectedValidation, trainer.Evaluate(validation).Loss, 1e-12);
        // Without the weights the loss is another number.
        Assert.True(Math.Abs(WeightedMean(validation, i => 1.0) - expectedValidation) > 1e-3);
    }

    [Fact]
    public void NewtonAndLbfgsMinimiseTheWeightedLeastSquaresObjective()
    {
        // A linear model with the quadratic cost: the weighted objective Σ w ½‖y − Wx − b‖² / Σ w is exactly quadratic, so
        // one undamped Newton step lands on the weighted least-squares solution, and L-BFGS converges to it.
        const int samples = 30;
        var inputs = NewtonTestSupport.Uniform(samples * 3, seed: 17);
        var targets = NewtonTestSupport.Uniform(samples * 2, seed: 18, low: -2, high: 3);
        var weights = NetGen.Testing.TestData.RandomWeights(samples, seed: 19);
        var data = new Dataset<double>(inputs, targets, 3, 2, sampleWeights: weights);
        var expected = WeightedLeastSquares(inputs, targets, weights);
        var unweighted = WeightedLeastSquares(inputs, targets, Enumerable.Repeat(1.0, samples).ToArray());
        Assert.True(NewtonTestSupport.RelativeError(unweighted, expected) > 1e-2);

        foreach (var curvature in new[] { CurvatureKind.GaussNewton, CurvatureKind.Hessian })
        {
            foreach (var mode in new[] { NewtonSolveMode.Dense, NewtonSolveMode.HessianFree })
            {
                var network = new LinearNet();
                NewtonTestSupport.InitializeGaussian(network.Parameters, seed: 5);
                var options = new TrainerOptions
                {
                    Optimizer = new NewtonOptimizer { Mode = mode, Curvature = curvature, InitialDamping = 0.0, ConjugateGradientTolerance = 1e-12 },
                    BatchSize = samples,
                    Epochs = 1,
                };
                new Trainer<double>(network, options).Fit(data);
                double error = NewtonTestSupport.RelativeError(network.Parameters, expected);
                Assert.True(error <= 1e-9, $"{mode} {curvature}: relative error {error:E2}");
            }
        }

        var lbfgsNetwork = new LinearNet();
        NewtonTestSupport.InitializeGaussian(lbfgsNetwork.Parameters, seed: 5);
        new Trainer<double>(lbfgsNetwork, new TrainerOptions { Optimizer = new LbfgsOptimizer(), BatchSize = int.MaxValue, Epochs = 40 }).Fit(data);
        double lbfgsError = NewtonTestSupport.RelativeError(lbfgsNetwork.Parameters, expected);
        Assert.True(lbfgsError <= 1e-6, $"L-BFGS: relative error {lbfgsError:E2}");
    }

    // [W | b] minimising Σ_s w_s ½‖y_s − W x_s − b‖²: for each output j, (X̃ᵀ D X̃) β_j = X̃ᵀ D y_j with X̃ = [x, 1] and
    // D = diag(w), by Gaussian elimination; in the network's layout.
    private static double[] WeightedLeastSquares(double[] inputs, double[] targets, double[] weights)
    {
        int samples = weights.Length;
        static double Feature(double[] inputs, int sample, int index) => index < 3 ? inputs[(sample * 3) + index] : 1.0;
        var normal = new double[4, 4];
        for (int s = 0; s < samples; s++)
        {
            for (int a = 0; a < 4; a++)
            {
                for (int c = 0; c < 4; c++)
                {
                    normal[a, c] += weights[s] * Feature(inputs, s, a) * Feature(inputs, s, c);
                }
            }
        }

        var parameters = new double[LinearNet.ParameterCount];
        for (int j = 0; j < 2; j++)
        {
            var right = new double[4];
            for (int s = 0; s < samples; s++)
            {
                for (int a = 0; a < 4; a++)
                {
                    right[a] += weights[s] * Feature(inputs, s, a) * targets[(s * 2) + j];
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
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("newton")]
    public void AWeightedRunResumesFromItsCheckpointToTheBit(string optimizer)
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(90, seed: 3).WithSampleWeights(NetGen.Testing.TestData.RandomWeights(90, seed: 6));
        var validation = TrainingTestData.Blobs<double>(30, seed: 4).WithSampleWeights(NetGen.Testing.TestData.RandomWeights(30, seed: 7));
        ITrainableNetwork<double> Network() => optimizer == "newton" ? new SmallClassifier() : new SmallDropoutClassifier();

        var whole = Network();
        var wholeResult = new Trainer<double>(whole, Options(optimizer, ClassWeights.Balanced)).Fit(train, validation);
        string path = folder.File("weighted.ckpt");
        CheckpointRuns.FitAndInterrupt(Network(), Options(optimizer, ClassWeights.Balanced, checkpoint: path), train, validation, stopAfter: 4);
        var resumed = Network();
        var resumedResult = new Trainer<double>(resumed, Options(optimizer, ClassWeights.Balanced)).Resume(path, train, validation);

        Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(resumed.Parameters));
        Assert.Equal(CheckpointRuns.Records(wholeResult.History), CheckpointRuns.Records(resumedResult.History));
    }

    [Fact]
    public void ACheckpointRefusesOtherSampleOrClassWeightsAndChangesNothing()
    {
        using var folder = new TemporaryFolder();
        var plainTrain = TrainingTestData.Blobs<double>(90, seed: 3);
        var weights = NetGen.Testing.TestData.RandomWeights(90, seed: 6);
        var train = plainTrain.WithSampleWeights(weights);
        string path = folder.File("saved.ckpt");
        new Trainer<double>(new SmallDropoutClassifier(), Options("adam", ClassWeights.Balanced, epochs: 2, checkpoint: path)).Fit(train);

        void Refused(CheckpointProblem kind, string expected, TrainerOptions options, Dataset<double> data)
        {
            var network = new SmallDropoutClassifier();
            NetGen.Testing.TestData.RandomParameters(network, 99);
            var before = network.Parameters.ToArray();
            var error = Assert.Throws<CheckpointException>(() => new Trainer<double>(network, options).Resume(path, data));
            Assert.Equal(kind, error.Kind);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Equal(CheckpointRuns.Bits<double>(before), CheckpointRuns.Bits<double>(network.Parameters));
        }

        var changed = (double[])weights.Clone();
        changed[17] *= 1.5;
        Refused(CheckpointProblem.DataMismatch, "other values", Options("adam", ClassWeights.Balanced), plainTrain.WithSampleWeights(changed));
        Refused(CheckpointProblem.DataMismatch, "other values", Options("adam", ClassWeights.Balanced), plainTrain);
        Refused(CheckpointProblem.SettingsMismatch, "the setting 'class weights' was balanced in the checkpointed run and is [1, 2, 3] now", Options("adam", new[] { 1.0, 2.0, 3.0 }), train);
        Refused(CheckpointProblem.SettingsMismatch, "the setting 'class weights' was balanced in the checkpointed run and is off now", Options("adam", null), train);
    }

    [Fact]
    public void ClassWeightsThatDoNotFitTheDataAreRefusedBeforeTrainingStarts()
    {
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        void Refused(string expected, TrainerOptions options, Dataset<double> data)
        {
            var network = new SmallClassifier();
            NetGen.Testing.TestData.RandomParameters(network, 4);
            var before = network.Parameters.ToArray();
            var error = Assert.Throws<ArgumentException>(() => new Trainer<double>(network, options).Fit(data));
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Equal(CheckpointRuns.Bits<double>(before), CheckpointRuns.Bits<double>(network.Parameters));
        }

        Refused("TrainerOptions.ClassWeights has 2 weights, but the training set has 3 classes; give one weight per class.", Options("adam", new[] { 1.0, 2.0 }), train);
        Refused("undefined for class 2, which has no sample", Options("adam", ClassWeights.Balanced), train.Subset(Enumerable.Range(0, 90).Where(i => train.Labels[i] != 2).ToArray()));
        var regression = new Dataset<double>(train.Features.ToArray(), train.Targets.ToArray().Select(t => t * 0.5).ToArray(), 4, 3);
        Refused("needs class labels or targets that are classes", Options("adam", ClassWeights.Balanced), regression);
    }

    [Fact]
    public void CrossValidationWithBalancedWeightsGivesTheSameFoldsOnThreads()
    {
        var data = TrainingTestData.Blobs<double>(90, seed: 3).Subset(Enumerable.Range(0, 90).Where(i => i % 3 != 2 || i < 30).ToArray());
        var options = Options("adam", ClassWeights.Balanced, epochs: 3);
        var sequential = CrossValidation.Run(() => new SmallDropoutClassifier(), data, options, new CrossValidationOptions { Folds = 3, Seed = 2 });
        var threaded = CrossValidation.Run(() => new SmallDropoutClassifier(), data, options, new CrossValidationOptions { Folds = 3, Seed = 2, MaxDegreeOfParallelism = 3 });
        Assert.Equal(sequential.Folds.Select(f => f.Loss), threaded.Folds.Select(f => f.Loss));
        Assert.Equal(sequential.Folds.Select(f => CheckpointRuns.Bits<double>(f.Network.Parameters)), threaded.Folds.Select(f => CheckpointRuns.Bits<double>(f.Network.Parameters)));
        // Each fold's loss is its held-out samples' loss under its own training set's balanced weights.
        foreach (var fold in sequential.Folds)
        {
            var heldOut = data.Subset(fold.HeldOutSamples.ToArray());
            var trainPart = data.Subset(Enumerable.Range(0, data.Count).Except(fold.HeldOutSamples).ToArray());
            var classWeights = ClassWeights.ComputeBalanced(trainPart.Labels, 3);
            var workspace = fold.Network.CreateWorkspace(1);
            double total = 0;
            double weightSum = 0;
            for (int i = 0; i < heldOut.Count; i++)
            {
                double weight = classWeights[heldOut.Labels[i]];
                total += weight * fold.Network.ComputeLoss(heldOut.GetFeatures(i), heldOut.GetTargets(i), workspace);
                weightSum += weight;
            }

            Assert.Equal(total / weightSum, fold.Loss, 1e-12);
        }
    }
}
