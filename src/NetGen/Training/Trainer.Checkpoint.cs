using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>The trainer settings a checkpoint records and a resumed run must share.</summary>
internal static class CheckpointSettings
{
    public const string Optimizer = "optimizer";

    /// <summary>
    /// The settings that shape the run's trajectory or where it stops, as text (a schedule by its description, so two
    /// <c>FromFunction</c> schedules look alike). Epochs, RestoreBestWeights,
    /// EvaluateTrainingAccuracy, ProgressInterval and the checkpoint settings may differ; Initialization and
    /// KeepCurrentParameters do not apply, since a resumed run takes its parameters from the checkpoint.
    /// </summary>
    public static List<KeyValuePair<string, string>> Describe(TrainerOptions options, int batchSize) =>
    [
        new(Optimizer, options.Optimizer.Name),
        new("batch size", Text(batchSize)),
        new("learning rate", options.LearningRate.ToString() ?? string.Empty),
        new("L1", Text(options.L1)),
        new("L2", Text(options.L2)),
        new("seed", options.Seed.ToString(CultureInfo.InvariantCulture)),
        new("shuffle each epoch", options.ShuffleEachEpoch ? "yes" : "no"),
        new("gradient clip norm", Text(options.GradientClipNorm)),
        new("gradient clip value", Text(options.GradientClipValue)),
        new("early stopping patience", options.EarlyStoppingPatience is { } patience ? Text(patience) : "off"),
        new("early stopping min delta", Text(options.EarlyStoppingMinDelta)),
        new("target loss", Text(options.TargetLoss)),
        new("target output error", Text(options.TargetOutputError)),
        new("class weights", options.ClassWeights?.ToString() ?? "off"),
    ];

    private static string Text(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "off";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

// Checkpoints: saving the whole state of a run at the end of an epoch, and resuming from it.
public sealed partial class Trainer<T>
{
    /// <summary>
    /// Continues the run saved in <paramref name="checkpointPath"/> (see <see cref="TrainerOptions.CheckpointPath"/>)
    /// up to <see cref="TrainerOptions.Epochs"/> epochs in all, on the same data: the network and the optimizer get the
    /// saved parameters and state, and shuffles, dropout masks, the learning-rate schedule, validation, best weights and
    /// early stopping continue where they stood, so the weights at the end are bitwise those of a run that was never
    /// interrupted (given the same engine and thread count). A checkpoint saved when its run stopped (early stopping or
    /// a target) returns that result at once. With <see cref="TrainerOptions.CheckpointPath"/> set, the resumed run goes
    /// on saving checkpoints.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint file.</param>
    /// <param name="train">The training set the run used (checked by its SHA-256).</param>
    /// <param name="validation">The validation set the run used, or null if it had none.</param>
    /// <param name="progress">Receives throttled reports, as in <see cref="Fit"/>.</param>
    /// <param name="cancellationToken">Stops training at the next batch boundary.</param>
    /// <returns>The result of the whole run, its history from the first epoch.</returns>
    /// <exception cref="CheckpointException">The file is not a valid checkpoint, or was saved for another network,
    /// other settings (every option but <see cref="TrainerOptions.Epochs"/>, <see cref="TrainerOptions.RestoreBestWeights"/>,
    /// <see cref="TrainerOptions.EvaluateTrainingAccuracy"/>, <see cref="TrainerOptions.ProgressInterval"/>, the
    /// initialisation options and the checkpoint options must match) or other data; the message names what differs.
    /// Neither the network nor the trainer has changed.</exception>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A data set does not fit the network, or the options do not fit the data (such
    /// as class weights for another number of classes).</exception>
    /// <exception cref="InvalidOperationException">The optimizer's state cannot be restored from a checkpoint.</exception>
    /// <exception cref="TrainingDivergedException">A loss, gradient or update was NaN or infinite.</exception>
    public TrainingResult Resume(
        string checkpointPath,
        Dataset<T> train,
        Dataset<T>? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        CheckDataset(train, nameof(train));
        if (validation is not null)
        {
            CheckDataset(validation, nameof(validation));
        }

        int batchSize = CheckRunSettings(train, validation);
        var weights = RunWeights.Of(Options, train, validation);
        if (_optimizer is not ICheckpointableOptimizerState<T> optimizer)
        {
            throw new InvalidOperationException(
                $"The state of the optimizer {Options.Optimizer.Name} ({_optimizer.GetType().Name}) does not implement ICheckpointableOptimizerState<{typeof(T).Name}> and cannot be restored.");
        }

        // Everything is read and compared before anything changes.
        var contents = TrainingCheckpoint.Read(checkpointPath);
        var trainData = DescribeData(train);
        var validationData = validation is null ? null : DescribeData(validation);
        CheckMatch(contents, checkpointPath, batchSize, trainData, validationData);
        try
        {
            // The only step that can still fail, and it changes nothing when it does.
            optimizer.RestoreState(contents.OptimizerState);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointProblem.OptimizerMismatch, e.Message, checkpointPath, e);
        }

        long startTimestamp = Stopwatch.GetTimestamp();
        EnsureBatchCapacity(batchSize);
        OptimizerStateSnapshot.CopyTo<T>(contents.Parameters, _network.Parameters);
        if (contents.BestParameters is { } best)
        {
            OptimizerStateSnapshot.CopyTo<T>(best, _bestParameters);
        }

        _order = (int[])contents.Order.Clone();
        var history = new TrainingHistory(_spec.Layers.Count);
        foreach (var record in contents.History)
        {
            history.Add(record);
        }

        var run = CreateRun(
            train, validation, weights, progress, startTimestamp, batchSize, SeededRandom.FromState(contents.ShuffleRandom), SeededRandom.FromState(contents.DropoutRandom), history);
        run.ElapsedBefore = contents.Elapsed;
        run.EpochsRun = contents.EpochsRun;
        run.GlobalStep = contents.GlobalStep;
        run.SamplesProcessed = contents.SamplesProcessed;
        run.BestEpoch = contents.BestEpoch;
        run.BestValidationLoss = contents.BestValidationLoss;
        run.EpochsWithoutImprovement = contents.EpochsWithoutImprovement;
        run.LastValidationLoss = contents.LastValidationLoss;
        run.LastValidationAccuracy = contents.LastValidationAccuracy;
        run.StopReason = contents.StopReason;
        run.TrainData = trainData;
        run.ValidationData = validationData;
        RunHooks(run, epoch: 0);
        return RunEpochs(run, cancellationToken);
    }

    // Writes the run's state as it stands at the end of an epoch (TrainingCheckpoint describes the file).
    private void SaveCheckpoint(FitRun run, string path)
    {
        run.TrainData ??= DescribeData(run.Train);
        if (run.Validation is not null)
        {
            run.ValidationData ??= DescribeData(run.Validation);
        }

        var contents = new CheckpointContents
        {
            Network = DescribeNetwork(_spec),
            Settings = CheckpointSettings.Describe(Options, run.BatchSize),
            Train = run.TrainData,
            Validation = run.ValidationData,
            EpochsRun = run.EpochsRun,
            GlobalStep = run.GlobalStep,
            SamplesProcessed = run.SamplesProcessed,
            BestEpoch = run.BestEpoch,
            BestValidationLoss = run.BestValidationLoss,
            EpochsWithoutImprovement = run.EpochsWithoutImprovement,
            LastValidationLoss = run.LastValidationLoss,
            LastValidationAccuracy = run.LastValidationAccuracy,
            Elapsed = run.Elapsed,
            StopReason = run.StopReason,
            ShuffleRandom = run.ShuffleRandom.SaveState(),
            DropoutRandom = run.DropoutRandom.SaveState(),
            Order = (int[])_order.Clone(),
            Parameters = OptimizerStateSnapshot.ToDoubles<T>(_network.Parameters),
            BestParameters = run.BestEpoch is null ? null : OptimizerStateSnapshot.ToDoubles<T>(_bestParameters),
            History = [.. run.History.Epochs],
            OptimizerState = ((ICheckpointableOptimizerState<T>)_optimizer).SaveState(),
        };
        TrainingCheckpoint.Write(path, contents);
    }

    private static CheckpointNetwork DescribeNetwork(NetworkSpec spec)
    {
        var layers = new CheckpointLayer[spec.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = spec.Layers[i];
            layers[i] = new CheckpointLayer(layer.Size, layer.Activation.ToString(), layer.LeakySlope, layer.Alpha, layer.KeepProbability);
        }

        return new CheckpointNetwork(
            spec.ToString(), typeof(T).Name, spec.InputSize, spec.InputKeepProbability, layers, spec.Loss?.ToString() ?? "none", spec.Precision.ToString());
    }

    // The data's shape and the SHA-256 of its features, targets, labels and sample weights, which tells a resumed run it
    // has the same data.
    private static CheckpointData DescribeData(Dataset<T> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(data.Features));
        hash.AppendData(MemoryMarshal.AsBytes(data.Targets));
        if (data.HasLabels)
        {
            hash.AppendData(MemoryMarshal.AsBytes(data.Labels));
        }

        if (data.HasSampleWeights)
        {
            // Marked, so that a set with weights never digests like one without whose values happen to continue alike.
            hash.AppendData("sample weights"u8);
            hash.AppendData(MemoryMarshal.AsBytes(data.SampleWeights));
        }

        return new CheckpointData(data.Count, data.FeatureCount, data.TargetCount, hash.GetHashAndReset());
    }

    // Compares a checkpoint with this trainer, its options and data, and throws naming the first difference.
    private void CheckMatch(CheckpointContents contents, string path, int batchSize, CheckpointData train, CheckpointData? validation)
    {
        CheckNetwork(contents.Network, DescribeNetwork(_spec), path);

        var expected = CheckpointSettings.Describe(Options, batchSize);
        var saved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in contents.Settings)
        {
            saved[name] = value;
        }

        foreach (var (name, value) in expected)
        {
            if (!saved.TryGetValue(name, out string? savedValue))
            {
                throw new CheckpointException(CheckpointProblem.SettingsMismatch, $"the checkpoint does not record the setting '{name}'", path);
            }

            if (savedValue != value)
            {
                throw new CheckpointException(CheckpointProblem.SettingsMismatch, $"the setting '{name}' was {savedValue} in the checkpointed run and is {value} now", path);
            }
        }

        CheckData("training set", contents.Train, train, path);
        if ((contents.Validation is null) != (validation is null))
        {
            throw new CheckpointException(
                CheckpointProblem.DataMismatch,
                contents.Validation is null ? "the checkpointed run had no validation set, but one is given now" : "the checkpointed run had a validation set, but none is given now",
                path);
        }

        if (contents.Validation is not null)
        {
            CheckData("validation set", contents.Validation, validation!, path);
        }

        if (typeof(T) == typeof(float))
        {
            RequireSingles(contents.Parameters, "the parameters", path);
            if (contents.BestParameters is not null)
            {
                RequireSingles(contents.BestParameters, "the best parameters", path);
            }
        }
    }

    private static void CheckNetwork(CheckpointNetwork saved, CheckpointNetwork current, string path)
    {
        void Differ(string what, object savedValue, object currentValue) => throw new CheckpointException(
            CheckpointProblem.NetworkMismatch,
            string.Create(CultureInfo.InvariantCulture, $"the {what} is {savedValue} in the checkpoint and {currentValue} in this network (checkpoint: {saved.Description}; network: {current.Description})"),
            path);

        if (saved.ParameterType != current.ParameterType)
        {
            Differ("parameter type", saved.ParameterType, current.ParameterType);
        }

        if (saved.InputSize != current.InputSize)
        {
            Differ("input size", saved.InputSize, current.InputSize);
        }

        if (!saved.InputKeepProbability.Equals(current.InputKeepProbability))
        {
            Differ("input keep probability", saved.InputKeepProbability, current.InputKeepProbability);
        }

        if (saved.Layers.Count != current.Layers.Count)
        {
            Differ("number of dense layers", saved.Layers.Count, current.Layers.Count);
        }

        for (int i = 0; i < saved.Layers.Count; i++)
        {
            var (a, b) = (saved.Layers[i], current.Layers[i]);
            string which = string.Create(CultureInfo.InvariantCulture, $"layer {i + 1}'s");
            if (a.Size != b.Size)
            {
                Differ(which + " size", a.Size, b.Size);
            }

            if (a.Activation != b.Activation)
            {
                Differ(which + " activation", a.Activation, b.Activation);
            }

            if (!a.LeakySlope.Equals(b.LeakySlope))
            {
                Differ(which + " leaky slope", a.LeakySlope, b.LeakySlope);
            }

            if (!a.Alpha.Equals(b.Alpha))
            {
                Differ(which + " ELU alpha", a.Alpha, b.Alpha);
            }

            if (!a.KeepProbability.Equals(b.KeepProbability))
            {
                Differ(which + " keep probability", a.KeepProbability, b.KeepProbability);
            }
        }

        if (saved.Loss != current.Loss)
        {
            Differ("loss", saved.Loss, current.Loss);
        }

        if (saved.Precision != current.Precision)
        {
            Differ("precision", saved.Precision, current.Precision);
        }

        // Anything a future layer property adds still shows in the description.
        if (saved.Description != current.Description)
        {
            Differ("description", saved.Description, current.Description);
        }
    }

    private static void CheckData(string what, CheckpointData saved, CheckpointData current, string path)
    {
        if (saved.Count != current.Count || saved.FeatureCount != current.FeatureCount || saved.TargetCount != current.TargetCount)
        {
            throw new CheckpointException(
                CheckpointProblem.DataMismatch,
                string.Create(CultureInfo.InvariantCulture,
                    $"the checkpointed run's {what} had {saved.Count} samples of {saved.FeatureCount} features and {saved.TargetCount} targets; this one has {current.Count} of {current.FeatureCount} and {current.TargetCount}"),
                path);
        }

        if (!saved.Hash.AsSpan().SequenceEqual(current.Hash))
        {
            throw new CheckpointException(
                CheckpointProblem.DataMismatch,
                $"the {what} has the shape of the checkpointed run's but other values (their SHA-256 digests differ); resume with the same data, in the same order",
                path);
        }
    }

    private static void RequireSingles(double[] values, string what, string path)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((double)(float)values[i] != values[i])
            {
                throw new CheckpointException(
                    CheckpointProblem.Malformed,
                    string.Create(CultureInfo.InvariantCulture, $"{what} hold {values[i]:R} at index {i}, which a float network cannot hold exactly"),
                    path);
            }
        }
    }
}
