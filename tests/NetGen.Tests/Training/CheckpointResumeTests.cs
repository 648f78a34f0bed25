using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Training.Tests;

/// <summary>
/// A run interrupted after a checkpoint and resumed in a fresh network and trainer ends with bitwise the weights (and
/// history) of a run that was never interrupted: for every optimizer, with dropout and shuffling, with early stopping,
/// with threads, in float. Checkpoints that do not fit are refused, naming what differs, and change nothing.
/// </summary>
public sealed class CheckpointResumeTests
{
    public static TheoryData<string> Optimizers() =>
        ["sgd", "momentum", "nesterov", "adam", "adamw", "irprop-", "rprop+", "newton", "newton-hf", "lbfgs", "clipped-adam"];

    private static Optimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new SgdOptimizer(),
        "momentum" => new MomentumOptimizer(),
        "nesterov" => new MomentumOptimizer { Nesterov = true },
        "adam" or "clipped-adam" => new AdamOptimizer(),
        "adamw" => AdamOptimizer.AdamW(0.05),
        "irprop-" => new RpropOptimizer(),
        "rprop+" => new RpropOptimizer { Variant = RpropVariant.RpropPlus },
        "newton" => new NewtonOptimizer(),
        "newton-hf" => new NewtonOptimizer { Mode = NewtonSolveMode.HessianFree, MaxConjugateGradientIterations = 8 },
        "lbfgs" => new LbfgsOptimizer { HistorySize = 4 },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static TrainerOptions Options(string optimizer, string? checkpoint, int epochs = 9, int? patience = null)
    {
        var created = CreateOptimizer(optimizer);
        return new TrainerOptions
        {
            Optimizer = created,
            BatchSize = created.RequiresFullBatch || created is NewtonOptimizer ? int.MaxValue : 16,
            Epochs = epochs,
            LearningRate = LearningRateSchedule.InverseTime(0.05, 0.01),
            L2 = 1e-3,
            Seed = 11,
            EarlyStoppingPatience = patience,
            GradientClipNorm = optimizer == "clipped-adam" ? 0.05 : null,
            CheckpointPath = checkpoint,
            CheckpointEveryEpochs = 2,
        };
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ResumingGivesTheWeightsOfAnUninterruptedRunBitwise(string optimizer)
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        var validation = TrainingTestData.Blobs<double>(30, seed: 4);

        var whole = new SmallDropoutClassifier();
        var uninterrupted = new Trainer<double>(whole, Options(optimizer, null)).Fit(train, validation);
        Assert.Equal(9, uninterrupted.EpochsRun);

        // Checkpoints every 2 epochs: stopped after epoch 5, the file holds epoch 4, and the resumed run redoes epoch 5.
        string path = folder.File("run.ckpt");
        var first = new SmallDropoutClassifier();
        var interrupted = CheckpointRuns.FitAndInterrupt(first, Options(optimizer, path), train, validation, stopAfter: 5);
        Assert.Equal(StopReason.Cancelled, interrupted.StopReason);
        Assert.Equal(4, TrainingCheckpoint.ReadInfo(path).EpochsRun);

        var second = new SmallDropoutClassifier();
        var resumed = new Trainer<double>(second, Options(optimizer, path)).Resume(path, train, validation);

        Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(second.Parameters));
        Assert.Equal(CheckpointRuns.Records(uninterrupted.History), CheckpointRuns.Records(resumed.History));
        Assert.Equal(uninterrupted.TotalSteps, resumed.TotalSteps);
        Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);
        Assert.Equal(uninterrupted.FinalMetrics, resumed.FinalMetrics);
        // The resumed run went on checkpointing: the last file is the end of the run.
        Assert.Equal(9, TrainingCheckpoint.ReadInfo(path).EpochsRun);
    }

    [Fact]
    public void EarlyStoppingResumesWithItsCountersAndBestWeights()
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(60, seed: 5);
        var validation = TrainingTestData.Blobs<double>(60, seed: 6);
        TrainerOptions Make(string? path) => Options("adam", path, epochs: 400, patience: 3) with { };

        var whole = new SmallDropoutClassifier();
        var uninterrupted = new Trainer<double>(whole, Make(null)).Fit(train, validation);
        Assert.Equal(StopReason.EarlyStopped, uninterrupted.StopReason);
        int stoppedAt = uninterrupted.EpochsRun;
        Assert.True(stoppedAt > 3, $"early stopping came at epoch {stoppedAt}");

        string path = folder.File("early.ckpt");
        foreach (int interruptAfter in new[] { stoppedAt - 2, stoppedAt - 1 })
        {
            var first = new SmallDropoutClassifier();
            CheckpointRuns.FitAndInterrupt(first, Make(path) with { CheckpointEveryEpochs = 1 }, train, validation, interruptAfter);
            var second = new SmallDropoutClassifier();
            var resumed = new Trainer<double>(second, Make(path) with { CheckpointEveryEpochs = 1 }).Resume(path, train, validation);
            Assert.Equal(StopReason.EarlyStopped, resumed.StopReason);
            Assert.Equal(stoppedAt, resumed.EpochsRun);
            Assert.True(resumed.RestoredBestWeights);
            Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);
            Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(second.Parameters));
        }

        // The last checkpoint records the stop: resuming it returns the finished run at once.
        Assert.Equal(StopReason.EarlyStopped, TrainingCheckpoint.ReadInfo(path).StopReason);
        var third = new SmallDropoutClassifier();
        var again = new Trainer<double>(third, Make(null)).Resume(path, train, validation);
        Assert.Equal((StopReason.EarlyStopped, stoppedAt), (again.StopReason, again.EpochsRun));
        Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(third.Parameters));
    }

    [Fact]
    public void AFloatNetworkOnTwoThreadsResumesBitwise()
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<float>(200, seed: 7);
        var options = new TrainerOptions { Optimizer = new AdamOptimizer(), BatchSize = 64, Epochs = 6, LearningRate = 0.01, Seed = 2, GradientClipNorm = 0.5 };

        var whole = new SmallDropoutClassifierFloat();
        using (var parallel = new DataParallelNetwork<float>(whole, 2))
        {
            new Trainer<float>(parallel, options).Fit(train);
        }

        string path = folder.File("float.ckpt");
        var first = new SmallDropoutClassifierFloat();
        using (var parallel = new DataParallelNetwork<float>(first, 2))
        {
            CheckpointRuns.FitAndInterrupt(parallel, options with { CheckpointPath = path }, train, null, stopAfter: 3);
        }

        var second = new SmallDropoutClassifierFloat();
        using (var parallel = new DataParallelNetwork<float>(second, 2))
        {
            new Trainer<float>(parallel, options).Resume(path, train);
        }

        Assert.Equal(TrainingTestData.Bits(whole.Parameters), TrainingTestData.Bits(second.Parameters));
    }

    [Fact]
    public void AResumedRunCanBeExtendedWithMoreEpochs()
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        string path = folder.File("extend.ckpt");
        var whole = new SmallDropoutClassifier();
        new Trainer<double>(whole, Options("momentum", null, epochs: 10)).Fit(train);

        var first = new SmallDropoutClassifier();
        new Trainer<double>(first, Options("momentum", path, epochs: 6)).Fit(train);
        Assert.Equal(6, TrainingCheckpoint.ReadInfo(path).EpochsRun);
        var second = new SmallDropoutClassifier();
        var result = new Trainer<double>(second, Options("momentum", null, epochs: 10)).Resume(path, train);
        Assert.Equal(10, result.EpochsRun);
        Assert.Equal(10, result.History.Epochs.Count);
        Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(second.Parameters));
    }

    [Fact]
    public void MismatchedCheckpointsNameWhatDiffersAndChangeNothing()
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        var validation = TrainingTestData.Blobs<double>(30, seed: 4);
        string path = folder.File("saved.ckpt");
        new Trainer<double>(new SmallDropoutClassifier(), Options("adam", path, epochs: 2)).Fit(train, validation);

        void Refused(CheckpointProblem kind, string expected, ITrainableNetwork<double> network, TrainerOptions options, Dataset<double> trainSet, Dataset<double>? validationSet)
        {
            NetGen.Testing.TestData.RandomParameters(network, 99);
            var before = network.Parameters.ToArray();
            var trainer = new Trainer<double>(network, options);
            var error = Assert.Throws<CheckpointException>(() => trainer.Resume(path, trainSet, validationSet));
            Assert.Equal(kind, error.Kind);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains("saved.ckpt", error.Message, StringComparison.Ordinal);
            Assert.Equal(CheckpointRuns.Bits<double>(before), CheckpointRuns.Bits<double>(network.Parameters));
        }

        Refused(CheckpointProblem.NetworkMismatch, "input keep probability is 0.9 in the checkpoint and 1", new SmallClassifier(), Options("adam", null), train, validation);
        Refused(
            CheckpointProblem.NetworkMismatch,
            "layer 1's size is 12 in the checkpoint and 7",
            new InterpretedNetwork<double>(new NetworkSpec(4, [new DenseLayerSpec(7, Activation.Tanh), new DenseLayerSpec(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy, Precision.Double, 0.9)),
            Options("adam", null),
            train,
            validation);
        Refused(CheckpointProblem.SettingsMismatch, "the setting 'batch size' was 16 in the checkpointed run and is 8 now", new SmallDropoutClassifier(), Options("adam", null) with { BatchSize = 8 }, train, validation);
        Refused(CheckpointProblem.SettingsMismatch, "the setting 'seed' was 11", new SmallDropoutClassifier(), Options("adam", null) with { Seed = 12 }, train, validation);
        Refused(CheckpointProblem.SettingsMismatch, "the setting 'optimizer' was Adam(", new SmallDropoutClassifier(), Options("momentum", null), train, validation);
        Refused(CheckpointProblem.DataMismatch, "other values", new SmallDropoutClassifier(), Options("adam", null), TrainingTestData.Blobs<double>(90, seed: 30), validation);
        Refused(CheckpointProblem.DataMismatch, "had 90 samples", new SmallDropoutClassifier(), Options("adam", null), TrainingTestData.Blobs<double>(91, seed: 3), validation);
        Refused(CheckpointProblem.DataMismatch, "had a validation set, but none is given now", new SmallDropoutClassifier(), Options("adam", null), train, null);

        // A float network cannot take a double checkpoint.
        var floatNet = new SmallDropoutClassifierFloat();
        var floatError = Assert.Throws<CheckpointException>(() => new Trainer<float>(floatNet, Options("adam", null)).Resume(path, train.Convert<float>(), validation.Convert<float>()));
        Assert.Equal(CheckpointProblem.NetworkMismatch, floatError.Kind);
        Assert.Contains("parameter type is Double in the checkpoint and Single", floatError.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => new Trainer<double>(new SmallDropoutClassifier(), Options("adam", null)).Resume(folder.File("missing.ckpt"), train, validation));
    }

    [Fact]
    public void AnOptimizerStateThatDoesNotFitIsRefusedAndTheTrainerStillResumesTheRightFile()
    {
        using var folder = new TemporaryFolder();
        var train = TrainingTestData.Blobs<double>(90, seed: 3);
        string good = folder.File("good.ckpt");
        string bad = folder.File("bad.ckpt");
        var whole = new SmallDropoutClassifier();
        new Trainer<double>(whole, Options("adam", null, epochs: 4)).Fit(train);
        new Trainer<double>(new SmallDropoutClassifier(), Options("adam", good, epochs: 2)).Fit(train);

        // A validly signed file whose Adam state has a first moment one entry short.
        var contents = TrainingCheckpoint.Read(good);
        var state = contents.OptimizerState;
        var entries = state.Names.Select(name => new System.Collections.Generic.KeyValuePair<string, double[]>(name, name == "first-moment" ? state[name][1..].ToArray() : state[name].ToArray()));
        TrainingCheckpoint.Write(bad, CopyWith(contents, new OptimizerStateSnapshot(entries)));

        var network = new SmallDropoutClassifier();
        var trainer = new Trainer<double>(network, Options("adam", null, epochs: 4));
        var error = Assert.Throws<CheckpointException>(() => trainer.Resume(bad, train));
        Assert.Equal(CheckpointProblem.OptimizerMismatch, error.Kind);
        Assert.Contains("'first-moment' holds 98 values; this optimizer needs 99", error.Message, StringComparison.Ordinal);
        Assert.True(network.Parameters.ToArray().All(p => p == 0));

        // The same trainer, untouched by the failure, resumes the good file to the uninterrupted weights.
        trainer.Resume(good, train);
        Assert.Equal(CheckpointRuns.Bits<double>(whole.Parameters), CheckpointRuns.Bits<double>(network.Parameters));
    }

    [Fact]
    public void AnOptimizerWithoutASaveableStateCannotCheckpoint()
    {
        var options = new TrainerOptions { Optimizer = new OpaqueOptimizer(), CheckpointPath = "x.ckpt" };
        var error = Assert.Throws<ArgumentException>(() => new Trainer<double>(new SmallClassifier(), options));
        Assert.Contains("ICheckpointableOptimizerState", error.Message, StringComparison.Ordinal);
    }

    internal static CheckpointContents CopyWith(CheckpointContents contents, OptimizerStateSnapshot state) => new()
    {
        Network = contents.Network,
        Settings = contents.Settings,
        Train = contents.Train,
        Validation = contents.Validation,
        EpochsRun = contents.EpochsRun,
        GlobalStep = contents.GlobalStep,
        SamplesProcessed = contents.SamplesProcessed,
        BestEpoch = contents.BestEpoch,
        BestValidationLoss = contents.BestValidationLoss,
        EpochsWithoutImprovement = contents.EpochsWithoutImprovement,
        LastValidationLoss = contents.LastValidationLoss,
        LastValidationAccuracy = contents.LastValidationAccuracy,
        Elapsed = contents.Elapsed,
        StopReason = contents.StopReason,
        ShuffleRandom = contents.ShuffleRandom,
        DropoutRandom = contents.DropoutRandom,
        Order = contents.Order,
        Parameters = contents.Parameters,
        BestParameters = contents.BestParameters,
        History = contents.History,
        OptimizerState = state,
    };

    private sealed class OpaqueOptimizer : Optimizer
    {
        public override string Name => "opaque";

        public override IOptimizerState<T> CreateState<T>(NetworkSpec spec) => new State<T>();

        private sealed class State<T> : IOptimizerState<T>
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            public void Reset()
            {
            }

            public OptimizerStepOutcome Step(in TrainingStepContext<T> context) => OptimizerStepOutcome.Applied;
        }
    }
}
