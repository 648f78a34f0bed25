using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetGen.Data;

namespace NetGen.Training;

// Fit in its stages: set-up (checks, initialisation, seeds, buffers), the epoch loop (shuffle, then one step per batch),
// the end of each epoch (validation, best weights, history, progress, the stopping rules), and the result. The state a run
// carries between them lives in a FitRun.
public sealed partial class Trainer<T>
{
    /// <summary>
    /// Trains the network on <paramref name="train"/> until a stopping criterion holds: the epoch limit, early
    /// stopping, the target loss, the target output error, or cancellation (checked before every batch; a cancelled
    /// run returns normally with <see cref="StopReason.Cancelled"/>). With a validation set and
    /// <see cref="TrainerOptions.RestoreBestWeights"/>, the network ends with the parameters of the epoch of lowest
    /// validation loss. With <see cref="TrainerOptions.CheckpointPath"/>, the run's state is saved after every
    /// <see cref="TrainerOptions.CheckpointEveryEpochs"/> epochs and at its end, for <see cref="Resume"/>.
    /// </summary>
    /// <param name="train">The training set; its size n scales the L1/L2 penalties.</param>
    /// <param name="validation">An optional validation set, evaluated after every epoch with the whole network.</param>
    /// <param name="progress">Receives throttled reports, called synchronously on the training thread.</param>
    /// <param name="cancellationToken">Stops training at the next batch boundary.</param>
    /// <returns>Why training stopped, the best epoch, the final metrics and the history.</returns>
    /// <exception cref="ArgumentException">A data set does not fit the network, the training set is empty, early
    /// stopping is on without a validation set, or a full-batch optimizer (<see cref="Optimizer.RequiresFullBatch"/>)
    /// gets a smaller batch.</exception>
    /// <exception cref="InvalidOperationException">The network's parameters are not finite before training, or
    /// <see cref="TrainerOptions.KeepCurrentParameters"/> keeps all-zero weights in a network with a hidden layer.</exception>
    /// <exception cref="TrainingDivergedException">A loss, gradient or update was NaN or infinite; the network keeps
    /// the parameters from before that step.</exception>
    public TrainingResult Fit(
        Dataset<T> train,
        Dataset<T>? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var run = StartRun(train, validation, progress);
        return RunEpochs(run, cancellationToken);
    }

    // The epoch loop from wherever the run stands (epoch 0, or the epoch after a checkpoint), then the result.
    private TrainingResult RunEpochs(FitRun run, CancellationToken cancellationToken)
    {
        if (run.StopReason is { } finished)
        {
            // A checkpoint saved when its run stopped: the run is over.
            run.FinalStopReason = finished;
            return FinishRun(run);
        }

        for (int epoch = run.EpochsRun; epoch < Options.Epochs; epoch++)
        {
            if (!TrainEpoch(run, epoch, cancellationToken))
            {
                run.FinalStopReason = StopReason.Cancelled;
                break;
            }

            var stop = FinishEpoch(run, epoch);
            run.StopReason = stop;
            if (Options.CheckpointPath is { } path
                && (stop is not null || run.EpochsRun == Options.Epochs || run.EpochsRun % Options.CheckpointEveryEpochs == 0))
            {
                SaveCheckpoint(run, path);
            }

            if (stop is not null)
            {
                run.FinalStopReason = stop.Value;
                break;
            }
        }

        return FinishRun(run);
    }

    // Checks the data and options, prepares the starting parameters (Trainer.StartingParameters.cs), sizes the buffers and derives the run's random
    // streams from the seed.
    private FitRun StartRun(Dataset<T> train, Dataset<T>? validation, IProgress<TrainingProgress>? progress)
    {
        CheckDataset(train, nameof(train));
        if (validation is not null)
        {
            CheckDataset(validation, nameof(validation));
        }

        int sampleCount = train.Count;
        int batchSize = CheckRunSettings(train, validation);
        var weights = RunWeights.Of(Options, train, validation);
        long startTimestamp = Stopwatch.GetTimestamp();
        PrepareStartingParameters();

        EnsureBatchCapacity(batchSize);
        var seedStream = new SeededRandom(Options.Seed ^ DerivedStreamSalt);
        var shuffleRandom = new SeededRandom(seedStream.NextUInt64());
        var dropoutRandom = new SeededRandom(seedStream.NextUInt64());
        if (_order.Length != sampleCount)
        {
            _order = new int[sampleCount];
        }

        // Start every run from the stored order, so a run's shuffles depend only on its seed.
        for (int i = 0; i < sampleCount; i++)
        {
            _order[i] = i;
        }

        _optimizer.Reset();
        var run = CreateRun(train, validation, weights, progress, startTimestamp, batchSize, shuffleRandom, dropoutRandom, new TrainingHistory(_spec.Layers.Count));
        RunHooks(run, epoch: 0);
        return run;
    }

    // Runs the epoch hooks (Start when epoch is 0, else EndEpoch) and applies an L2 strength they set; returns what they
    // recorded.
    private Dictionary<string, double> RunHooks(FitRun run, int epoch)
    {
        var measurements = new Dictionary<string, double>(StringComparer.Ordinal);
        if (_hooks.Length == 0)
        {
            return measurements;
        }

        var context = new EpochHookContext<T>(_network, run.Train, run.Validation, epoch, run.Regularization.L2, run.Regularization.LayerL2Scales, measurements);
        foreach (var hook in _hooks)
        {
            if (epoch == 0)
            {
                hook.Start(context);
            }
            else
            {
                hook.EndEpoch(context);
            }
        }

        if (context.L2 != run.Regularization.L2 || !ReferenceEquals(context.LayerL2Scales, run.Regularization.LayerL2Scales))
        {
            run.Regularization = new Regularization(run.Regularization.L1, context.L2, run.Train.Count, context.LayerL2Scales);
        }

        return measurements;
    }

    // The checks Fit and Resume share, before anything changes: early stopping needs a validation set, and a full-batch
    // optimizer a full batch. Returns the batch size of the run.
    private int CheckRunSettings(Dataset<T> train, Dataset<T>? validation)
    {
        if (Options.EarlyStoppingPatience is not null && validation is null)
        {
            throw new ArgumentException("EarlyStoppingPatience is set but no validation set was given; early stopping monitors the validation loss.", nameof(validation));
        }

        if (Options.Optimizer.RequiresFullBatch && Options.BatchSize < train.Count)
        {
            throw new ArgumentException(
                $"{Options.Optimizer.Name} trains on the full batch, but BatchSize is {Options.BatchSize} for {train.Count} training samples. Set BatchSize to at least the training-set size (int.MaxValue always works).",
                nameof(train));
        }

        return Math.Min(Options.BatchSize, train.Count);
    }

    private FitRun CreateRun(
        Dataset<T> train, Dataset<T>? validation, RunWeights weights, IProgress<TrainingProgress>? progress, long startTimestamp, int batchSize,
        SeededRandom shuffleRandom, SeededRandom dropoutRandom, TrainingHistory history)
    {
        _classWeights = weights.Classes;
        return new(train, validation, progress, startTimestamp)
        {
            TrainWeights = weights.Train,
            ValidationWeights = weights.Validation,
            BatchSize = batchSize,
            StepsPerEpoch = (train.Count + batchSize - 1) / batchSize,
            Regularization = new Regularization(Options.L1, Options.L2, train.Count),
            ShuffleRandom = shuffleRandom,
            DropoutRandom = dropoutRandom,
            TrainAccuracy = Options.EvaluateTrainingAccuracy ? ClassificationAccuracy.Detect(_spec, train) : AccuracyMode.None,
            ValidationAccuracy = validation is null ? AccuracyMode.None : ClassificationAccuracy.Detect(_spec, validation),
            History = history,
            // In double, so that even TimeSpan.MaxValue converts to timestamp ticks without overflowing.
            ProgressIntervalTicks = Options.ProgressInterval.TotalSeconds * Stopwatch.Frequency,
            LastReportTimestamp = startTimestamp,
        };
    }

    // One pass over the shuffled training set; false if cancelled before it completed.
    private bool TrainEpoch(FitRun run, int epoch, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (Options.ShuffleEachEpoch)
        {
            run.ShuffleRandom.Shuffle(_order.AsSpan());
        }

        Array.Clear(_layerNormSums);
        run.Epoch = default;
        for (int stepInEpoch = 0; stepInEpoch < run.StepsPerEpoch; stepInEpoch++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            TrainBatch(run, epoch, stepInEpoch);
        }

        return true;
    }

    // Gathers the batch in shuffled order, takes one optimizer step on it, and reports progress when it is due.
    private void TrainBatch(FitRun run, int epoch, int stepInEpoch)
    {
        int first = stepInEpoch * run.BatchSize;
        int count = Math.Min(run.BatchSize, run.Train.Count - first);
        GatherBatch(run.Train, run.TrainWeights, first, count);
        Span<T> inputs = _batchInputs.AsSpan(0, count * _spec.InputSize);
        Span<T> targets = _batchTargets.AsSpan(0, count * _spec.OutputSize);
        Span<T> weights = run.TrainWeights is null ? default : _batchWeights.AsSpan(0, count);

        double rate = Options.LearningRate.GetRate(epoch, run.GlobalStep);
        if (!double.IsFinite(rate) || rate < 0.0)
        {
            throw new InvalidOperationException($"The learning-rate schedule {Options.LearningRate} returned {rate} for epoch {epoch}, step {run.GlobalStep}; a rate must be finite and non-negative.");
        }

        var failure = TrainStep(inputs, targets, weights, run.Regularization, run.DropoutRandom, rate, epoch, run.GlobalStep, out double loss, out double objective, out bool rejected);
        if (failure is { } quantity)
        {
            throw new TrainingDivergedException(epoch + 1, stepInEpoch + 1, run.GlobalStep + 1, quantity, run.History);
        }

        run.GlobalStep++;
        run.SamplesProcessed += count;
        run.Epoch.LossSum += loss;
        run.Epoch.ObjectiveSum += objective;
        run.Epoch.RateSum += rate;
        run.Epoch.LastRate = rate;
        run.Epoch.RejectedSteps += rejected ? 1 : 0;

        if (run.Progress is not null && stepInEpoch + 1 < run.StepsPerEpoch)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - run.LastReportTimestamp >= run.ProgressIntervalTicks)
            {
                run.LastReportTimestamp = now;
                run.Progress.Report(CreateProgress(run, epoch, stepInEpoch + 1, run.Epoch.LossSum / (stepInEpoch + 1), rate, isEpochEnd: false));
            }
        }
    }

    // The epoch is complete: evaluate it, record it, report it, and return why to stop, or null to go on.
    private StopReason? FinishEpoch(FitRun run, int epoch)
    {
        run.EpochsRun = epoch + 1;
        int steps = run.StepsPerEpoch;
        double trainingLoss = run.Epoch.LossSum / steps;
        double? trainingAccuracy = run.TrainAccuracy == AccuracyMode.None ? null : EvaluateAccuracy(run.Train, run.TrainAccuracy);
        if (run.Validation is not null)
        {
            Validate(run);
        }

        var measurements = RunHooks(run, run.EpochsRun);
        var norms = new double[_layerNormSums.Length];
        for (int layer = 0; layer < norms.Length; layer++)
        {
            norms[layer] = _layerNormSums[layer] / steps;
        }

        run.History.Add(new EpochRecord
        {
            Epoch = run.EpochsRun,
            Steps = steps,
            TrainingLoss = trainingLoss,
            TrainingObjective = run.Epoch.ObjectiveSum / steps,
            TrainingAccuracy = trainingAccuracy,
            ValidationLoss = run.LastValidationLoss,
            ValidationAccuracy = run.LastValidationAccuracy,
            LearningRate = run.Epoch.RateSum / steps,
            RejectedSteps = run.Epoch.RejectedSteps,
            Elapsed = run.Elapsed,
            LayerGradientNorms = norms,
            Measurements = measurements,
        });

        if (run.Progress is not null)
        {
            run.LastReportTimestamp = Stopwatch.GetTimestamp();
            run.Progress.Report(CreateProgress(run, epoch, steps, trainingLoss, run.Epoch.LastRate, isEpochEnd: true));
        }

        double monitoredLoss = run.LastValidationLoss ?? trainingLoss;
        if (Options.TargetLoss is { } target && monitoredLoss <= target)
        {
            return StopReason.TargetLossReached;
        }

        if (Options.TargetOutputError is { } tolerance && AllOutputsWithin(run.Validation ?? run.Train, tolerance))
        {
            return StopReason.TargetOutputErrorReached;
        }

        if (Options.EarlyStoppingPatience is { } patience && run.EpochsWithoutImprovement >= patience)
        {
            return StopReason.EarlyStopped;
        }

        return null;
    }

    // Measures the validation set, keeps the parameters of the lowest loss so far, and counts epochs without an
    // improvement of at least EarlyStoppingMinDelta.
    private void Validate(FitRun run)
    {
        var validation = run.Validation!;
        double validationLoss = EvaluateLoss(validation, run.ValidationWeights);
        run.LastValidationLoss = validationLoss;
        run.LastValidationAccuracy = run.ValidationAccuracy == AccuracyMode.None ? null : EvaluateAccuracy(validation, run.ValidationAccuracy);
        bool improved = false;
        if (!double.IsNaN(validationLoss))
        {
            improved = run.BestEpoch is null || validationLoss < run.BestValidationLoss - Options.EarlyStoppingMinDelta;
            if (run.BestEpoch is null || validationLoss < run.BestValidationLoss)
            {
                run.BestValidationLoss = validationLoss;
                run.BestEpoch = run.EpochsRun;
                _network.Parameters.CopyTo(_bestParameters);
            }
        }

        run.EpochsWithoutImprovement = improved ? 0 : run.EpochsWithoutImprovement + 1;
    }

    // Restores the best weights if asked, and measures where training ended.
    private TrainingResult FinishRun(FitRun run)
    {
        bool restored = false;
        if (run.Validation is not null && Options.RestoreBestWeights && run.BestEpoch is not null)
        {
            _bestParameters.CopyTo(_network.Parameters);
            restored = true;
        }

        var finalTraining = Evaluate(run.Train, run.TrainWeights, ClassificationAccuracy.Detect(_spec, run.Train));
        EvaluationResult? finalValidation = run.Validation is null ? null : Evaluate(run.Validation, run.ValidationWeights, run.ValidationAccuracy);
        var metrics = new TrainingMetrics(finalTraining.Loss, finalTraining.Accuracy, finalValidation?.Loss, finalValidation?.Accuracy);
        return new TrainingResult(
            run.FinalStopReason,
            run.EpochsRun,
            run.GlobalStep,
            run.BestEpoch,
            run.BestEpoch is null ? null : run.BestValidationLoss,
            restored,
            metrics,
            run.History,
            run.Elapsed);
    }

    // Whether every output of every sample is within `tolerance` of its target (TrainerOptions.TargetOutputError).
    private bool AllOutputsWithin(Dataset<T> data, double tolerance)
    {
        T limit = T.CreateTruncating(tolerance);
        for (int sample = 0; sample < data.Count; sample++)
        {
            _network.Forward(data.GetFeatures(sample), _output);
            ReadOnlySpan<T> targets = data.GetTargets(sample);
            for (int j = 0; j < _output.Length; j++)
            {
                // Written so that a NaN output fails the test.
                if (!(T.Abs(_output[j] - targets[j]) <= limit))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private TrainingProgress CreateProgress(FitRun run, int epoch, int stepInEpoch, double trainingLoss, double learningRate, bool isEpochEnd)
    {
        TimeSpan elapsed = run.Elapsed;
        return new TrainingProgress
        {
            Epoch = epoch + 1,
            TotalEpochs = Options.Epochs,
            StepInEpoch = stepInEpoch,
            StepsPerEpoch = run.StepsPerEpoch,
            GlobalStep = run.GlobalStep,
            TrainingLoss = trainingLoss,
            LearningRate = learningRate,
            ValidationLoss = run.LastValidationLoss,
            ValidationAccuracy = run.LastValidationAccuracy,
            Elapsed = elapsed,
            SamplesPerSecond = elapsed > TimeSpan.Zero ? run.SamplesProcessed / elapsed.TotalSeconds : 0.0,
            IsEpochEnd = isEpochEnd,
        };
    }

    // What one Fit fixes at its start and accumulates as it goes.
    private sealed class FitRun(Dataset<T> train, Dataset<T>? validation, IProgress<TrainingProgress>? progress, long startTimestamp)
    {
        public Dataset<T> Train { get; } = train;

        public Dataset<T>? Validation { get; } = validation;

        // Each sample's weight (class weight times sample weight), or null when the samples are unweighted.
        public required T[]? TrainWeights { get; init; }

        public required T[]? ValidationWeights { get; init; }

        public IProgress<TrainingProgress>? Progress { get; } = progress;

        public long StartTimestamp { get; } = startTimestamp;

        public required int BatchSize { get; init; }

        public required int StepsPerEpoch { get; init; }

        public required Regularization Regularization { get; set; }

        public required SeededRandom ShuffleRandom { get; init; }

        public required SeededRandom DropoutRandom { get; init; }

        public required AccuracyMode TrainAccuracy { get; init; }

        public required AccuracyMode ValidationAccuracy { get; init; }

        public required TrainingHistory History { get; init; }

        public required double ProgressIntervalTicks { get; init; }

        public long LastReportTimestamp { get; set; }

        // Training time of the run before this Resume (from the checkpoint), counted into every elapsed time.
        public TimeSpan ElapsedBefore { get; set; }

        // The data's shapes and digests, taken at the first checkpoint (or checked on resuming).
        public CheckpointData? TrainData { get; set; }

        public CheckpointData? ValidationData { get; set; }

        public TimeSpan Elapsed => ElapsedBefore + Stopwatch.GetElapsedTime(StartTimestamp);

        // Why the run stopped at the end of its last completed epoch (a stopping rule held), saved in checkpoints; null
        // while it is to go on.
        public StopReason? StopReason { get; set; }

        // What the result reports: the stopping rule, cancellation, or the epoch limit.
        public StopReason FinalStopReason { get; set; } = Training.StopReason.MaxEpochsReached;

        public int GlobalStep { get; set; }

        public int EpochsRun { get; set; }

        public long SamplesProcessed { get; set; }

        public int? BestEpoch { get; set; }

        public double BestValidationLoss { get; set; } = double.PositiveInfinity;

        public int EpochsWithoutImprovement { get; set; }

        public double? LastValidationLoss { get; set; }

        public double? LastValidationAccuracy { get; set; }

        // The current epoch's sums, cleared when it starts.
        public EpochTotals Epoch;
    }

    private struct EpochTotals
    {
        public double LossSum;
        public double ObjectiveSum;
        public double RateSum;
        public double LastRate;
        public int RejectedSteps;
    }

    // Per-sample weights of a run's data, fixed at its start: the class weights resolved from the training set (explicit, or
    // balanced from its labels) times each set's own sample weights.
    private readonly record struct RunWeights(double[]? Classes, T[]? Train, T[]? Validation)
    {
        public static RunWeights Of(TrainerOptions options, Dataset<T> train, Dataset<T>? validation)
        {
            double[]? classes = options.ClassWeights?.Resolve(train);
            return new RunWeights(
                classes,
                ClassWeights.SampleWeightsOf(train, classes, nameof(train)),
                validation is null ? null : ClassWeights.SampleWeightsOf(validation, classes, nameof(validation)));
        }
    }
}
