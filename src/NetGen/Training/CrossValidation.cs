using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NetGen.Data;
using NetGen.Evaluation;

namespace NetGen.Training;

/// <summary>The settings of a k-fold cross-validation (<see cref="CrossValidation.Run"/>).</summary>
public sealed class CrossValidationOptions
{
    /// <summary>k, the number of folds; at least 2 and at most the number of samples, 5 by default.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>The seed of the shuffle that deals the samples into folds (and of any inner validation split).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Whether each fold keeps the class proportions of the whole set: <see langword="null"/> (the default) stratifies
    /// when the samples have classes (labels, a 0/1 target or one-hot targets) and not for regression; true requires
    /// classes; false deals the samples regardless of class.
    /// </summary>
    public bool? Stratify { get; init; }

    /// <summary>
    /// The share of each fold's training part held back (stratified like the folds) as the validation set of its
    /// <see cref="Trainer{T}.Fit"/>, for early stopping and best weights; in [0, 1), 0 by default. The held-out fold is
    /// only ever scored, never used to choose an epoch, so its scores stay an unbiased estimate. With 0 a fold trains
    /// without a validation set (early stopping then needs a share here).
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>How many folds train at the same time, each on its own network from the factory; at least 1, 1 by
    /// default. The results are the same, to the last bit, for any value.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>Checks every setting and throws for the first that is invalid.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Folds < 2)
        {
            throw new ArgumentException($"Folds is {Folds}; cross-validation needs at least 2 folds.", nameof(Folds));
        }

        if (!(ValidationFraction >= 0.0 && ValidationFraction < 1.0))
        {
            throw new ArgumentException($"ValidationFraction is {ValidationFraction}; it must be in [0, 1).", nameof(ValidationFraction));
        }

        if (MaxDegreeOfParallelism < 1)
        {
            throw new ArgumentException($"MaxDegreeOfParallelism is {MaxDegreeOfParallelism}; it must be at least 1.", nameof(MaxDegreeOfParallelism));
        }
    }
}

/// <summary>The mean and the sample standard deviation (n − 1 in the denominator) of a metric over the folds.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="StandardDeviation">The sample standard deviation.</param>
public readonly record struct MetricSummary(double Mean, double StandardDeviation)
{
    /// <summary>Summarises <paramref name="values"/> (at least one; one value has deviation 0).</summary>
    /// <param name="values">The per-fold values.</param>
    public static MetricSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("There are no values to summarise.", nameof(values));
        }

        double mean = 0.0;
        foreach (double value in values)
        {
            mean += value;
        }

        mean /= values.Count;
        double squares = 0.0;
        foreach (double value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        return new MetricSummary(mean, values.Count > 1 ? Math.Sqrt(squares / (values.Count - 1)) : 0.0);
    }

    /// <summary>"mean ± deviation" with four decimals.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Mean:F4} ± {StandardDeviation:F4}");
}

/// <summary>One fold of a cross-validation: the network trained on the other folds and its scores on this one.</summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class CrossValidationFold<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal CrossValidationFold(int index, int[] heldOut, int trainCount, ITrainableNetwork<T> network, TrainingResult training, EvaluationResult scores, ClassificationReport? classification, RegressionReport? regression)
    {
        Index = index;
        HeldOutSamples = heldOut;
        TrainCount = trainCount;
        Network = network;
        Training = training;
        Loss = scores.Loss;
        Accuracy = scores.Accuracy;
        Classification = classification;
        Regression = regression;
    }

    /// <summary>The fold's 0-based index.</summary>
    public int Index { get; }

    /// <summary>The indices (into the data set) of the samples held out in this fold, ascending.</summary>
    public IReadOnlyList<int> HeldOutSamples { get; }

    /// <summary>The samples trained on (the other folds, less any inner validation share).</summary>
    public int TrainCount { get; }

    /// <summary>The network the factory made for this fold, trained.</summary>
    public ITrainableNetwork<T> Network { get; }

    /// <summary>How the fold's training went.</summary>
    public TrainingResult Training { get; }

    /// <summary>The mean data loss on the held-out fold (whole network).</summary>
    public double Loss { get; }

    /// <summary>The accuracy on the held-out fold, or <see langword="null"/> for regression.</summary>
    public double? Accuracy { get; }

    /// <summary>Precision, recall, F1, confusion matrix … on the held-out fold, for a classifier.</summary>
    public ClassificationReport? Classification { get; }

    /// <summary>MSE, MAE and R² on the held-out fold, for a regression.</summary>
    public RegressionReport? Regression { get; }
}

/// <summary>The folds of a cross-validation and their metrics' mean ± standard deviation.</summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class CrossValidationResult<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal CrossValidationResult(IReadOnlyList<CrossValidationFold<T>> folds, bool stratified)
    {
        Folds = folds;
        Stratified = stratified;
        Loss = MetricSummary.Of([.. folds.Select(f => f.Loss)]);
        Accuracy = folds.All(f => f.Accuracy is not null) ? MetricSummary.Of([.. folds.Select(f => f.Accuracy!.Value)]) : null;
        MacroF1 = folds.All(f => f.Classification is not null) ? MetricSummary.Of([.. folds.Select(f => f.Classification!.MacroAverage.F1)]) : null;
        R2 = folds.All(f => f.Regression is not null) ? MetricSummary.Of([.. folds.Select(f => f.Regression!.R2)]) : null;
    }

    /// <summary>The folds in order.</summary>
    public IReadOnlyList<CrossValidationFold<T>> Folds { get; }

    /// <summary>Whether the folds were stratified by class.</summary>
    public bool Stratified { get; }

    /// <summary>The held-out loss over the folds.</summary>
    public MetricSummary Loss { get; }

    /// <summary>The held-out accuracy over the folds, for classification.</summary>
    public MetricSummary? Accuracy { get; }

    /// <summary>The held-out macro-averaged F1 over the folds, for a classifier.</summary>
    public MetricSummary? MacroF1 { get; }

    /// <summary>The held-out R² (averaged over outputs) over the folds, for a regression.</summary>
    public MetricSummary? R2 { get; }

    /// <summary>A table: one row per fold, then the mean ± standard deviation.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        bool classification = Accuracy is not null;
        text.Append(CultureInfo.InvariantCulture, $"{Folds.Count}-fold cross-validation{(Stratified ? ", stratified" : string.Empty)}\n");
        text.Append(classification ? "fold  held out  loss      accuracy  macro F1\n" : "fold  held out  loss      R²\n");
        foreach (var fold in Folds)
        {
            text.Append(CultureInfo.InvariantCulture, $"{fold.Index + 1,4}  {fold.HeldOutSamples.Count,8}  {fold.Loss,-8:F4}  ");
            text.Append(classification
                ? string.Create(CultureInfo.InvariantCulture, $"{fold.Accuracy,-8:F4}  {fold.Classification?.MacroAverage.F1,-8:F4}\n")
                : string.Create(CultureInfo.InvariantCulture, $"{fold.Regression?.R2,-8:F4}\n"));
        }

        text.Append(CultureInfo.InvariantCulture, $"loss {Loss}");
        if (Accuracy is { } accuracy)
        {
            text.Append(CultureInfo.InvariantCulture, $", accuracy {accuracy}");
        }

        if (MacroF1 is { } f1)
        {
            text.Append(CultureInfo.InvariantCulture, $", macro F1 {f1}");
        }

        if (R2 is { } r2)
        {
            text.Append(CultureInfo.InvariantCulture, $", R² {r2}");
        }

        return text.Append('\n').ToString();
    }
}

/// <summary>
/// k-fold cross-validation: the samples are dealt into k folds (seeded, stratified by class when they have classes);
/// for each fold a fresh network from a factory trains with the given <see cref="TrainerOptions"/> on the other folds and
/// is scored on the held-out one.
/// </summary>
/// <example><code>
/// var result = CrossValidation.Run(() =&gt; new IrisNet(), data, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 100, Seed = 1 },
///     new CrossValidationOptions { Folds = 5, Seed = 7, MaxDegreeOfParallelism = 2 });
/// Console.WriteLine(result);          // per fold: loss, accuracy, macro F1; then mean ± standard deviation
/// </code></example>
public static class CrossValidation
{
    /// <summary>
    /// Runs the cross-validation. The folds are independent, each with its own network, trainer and data, so running
    /// them on <see cref="CrossValidationOptions.MaxDegreeOfParallelism"/> threads gives bitwise the results of running
    /// them one after another. Every fold trains with <paramref name="trainerOptions"/> as given (the same seed, so the
    /// same initial weights for a factory that makes untrained networks).
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="createNetwork">Makes a new network for each fold (called k times on the calling thread, before any
    /// training); each call must return a distinct instance of the same architecture.</param>
    /// <param name="data">The samples, at least <see cref="CrossValidationOptions.Folds"/>.</param>
    /// <param name="trainerOptions">How each fold trains.</param>
    /// <param name="options">The folds and threads; the defaults when null.</param>
    /// <param name="cancellationToken">Stops every fold's training at its next batch; the folds still return (see
    /// <see cref="StopReason.Cancelled"/>).</param>
    /// <exception cref="ArgumentException">An option is invalid, there are fewer samples than folds, stratification was
    /// required for a regression set, the networks do not fit the data, or the trainer options ask for checkpoints.</exception>
    /// <exception cref="InvalidOperationException">The factory returned null, the same instance twice, or networks of
    /// different architectures.</exception>
    /// <exception cref="TrainingDivergedException">A fold diverged (the lowest-numbered failing fold's exception is
    /// thrown, as a sequential run would).</exception>
    public static CrossValidationResult<T> Run<T>(
        Func<ITrainableNetwork<T>> createNetwork,
        Dataset<T> data,
        TrainerOptions trainerOptions,
        CrossValidationOptions? options = null,
        CancellationToken cancellationToken = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(createNetwork);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        options ??= new CrossValidationOptions();
        options.Validate();
        trainerOptions.Validate();
        if (trainerOptions.CheckpointPath is not null)
        {
            throw new ArgumentException(
                "TrainerOptions.CheckpointPath is set, but the folds would all write the one file; cross-validation takes no checkpoints (leave it null).",
                nameof(trainerOptions));
        }

        int k = options.Folds;
        int[]? classes = Classes(data, options.Stratify);
        int[] folds = AssignFolds(data.Count, k, options.Seed, classes);
        var networks = CreateNetworks(createNetwork, k);

        var heldOut = new int[k][];
        var training = new Dataset<T>[k];
        var validation = new Dataset<T>?[k];
        var scored = new Dataset<T>[k];
        for (int fold = 0; fold < k; fold++)
        {
            heldOut[fold] = [.. Enumerable.Range(0, data.Count).Where(i => folds[i] == fold)];
            int[] rest = [.. Enumerable.Range(0, data.Count).Where(i => folds[i] != fold)];
            scored[fold] = data.Subset(heldOut[fold]);
            var trainPart = data.Subset(rest);
            if (options.ValidationFraction > 0.0)
            {
                // The inner split is seeded per fold, so each fold's is reproducible on its own.
                var split = DatasetSplit.Split(trainPart, 1.0 - options.ValidationFraction, options.ValidationFraction, options.Seed + (ulong)fold + 1, stratify: classes is not null);
                training[fold] = split.Train;
                validation[fold] = split.Validation.Count > 0 ? split.Validation : null;
            }
            else
            {
                training[fold] = trainPart;
            }
        }

        var results = new CrossValidationFold<T>[k];
        var failures = new ExceptionDispatchInfo?[k];
        void RunFold(int fold)
        {
            try
            {
                var network = networks[fold];
                var trainer = new Trainer<T>(network, trainerOptions);
                var result = trainer.Fit(training[fold], validation[fold], progress: null, cancellationToken);
                var scores = trainer.Evaluate(scored[fold]);
                ClassificationReport? classification = scores.Accuracy is not null ? network.EvaluateClassification(scored[fold]) : null;
                RegressionReport? regression = scores.Accuracy is null ? network.EvaluateRegression(scored[fold]) : null;
                results[fold] = new CrossValidationFold<T>(fold, heldOut[fold], training[fold].Count, network, result, scores, classification, regression);
            }
            catch (Exception exception)
            {
                failures[fold] = ExceptionDispatchInfo.Capture(exception);
            }
        }

        if (options.MaxDegreeOfParallelism == 1)
        {
            for (int fold = 0; fold < k && failures.All(f => f is null); fold++)
            {
                RunFold(fold);
            }
        }
        else
        {
            Parallel.For(0, k, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, RunFold);
        }

        foreach (var failure in failures)
        {
            failure?.Throw();
        }

        return new CrossValidationResult<T>(results, classes is not null);
    }

    /// <summary>
    /// Deals <paramref name="count"/> samples into <paramref name="folds"/> folds and returns each sample's fold. The
    /// samples are shuffled with <paramref name="seed"/>; with <paramref name="classes"/>, each class in turn (classes
    /// in ascending order, members shuffled) is dealt round-robin, continuing where the previous class stopped, so every
    /// fold gets its share of each class (within one sample) and the folds' sizes differ by at most one.
    /// </summary>
    /// <param name="count">The number of samples, at least <paramref name="folds"/>.</param>
    /// <param name="folds">k, at least 2.</param>
    /// <param name="seed">The shuffle's seed.</param>
    /// <param name="classes">Each sample's class, for stratified folds; null for plain ones.</param>
    /// <exception cref="ArgumentException">Fewer samples than folds, or classes of another length.</exception>
    public static int[] AssignFolds(int count, int folds, ulong seed, ReadOnlySpan<int> classes = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (count < folds)
        {
            throw new ArgumentException($"{count} samples cannot fill {folds} folds; use at most {count} folds.", nameof(count));
        }

        bool stratify = !classes.IsEmpty;
        if (stratify && classes.Length != count)
        {
            throw new ArgumentException($"{classes.Length} classes were given for {count} samples.", nameof(classes));
        }

        var random = new SeededRandom(seed);
        var assignment = new int[count];
        int next = 0;
        if (!stratify)
        {
            int[] order = [.. Enumerable.Range(0, count)];
            random.Shuffle<int>(order);
            foreach (int sample in order)
            {
                assignment[sample] = next;
                next = (next + 1) % folds;
            }

            return assignment;
        }

        var groups = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < count; i++)
        {
            if (!groups.TryGetValue(classes[i], out var members))
            {
                groups[classes[i]] = members = [];
            }

            members.Add(i);
        }

        foreach (var members in groups.Values)
        {
            int[] shuffled = [.. members];
            random.Shuffle<int>(shuffled);
            foreach (int sample in shuffled)
            {
                assignment[sample] = next;
                next = (next + 1) % folds;
            }
        }

        return assignment;
    }

    private static int[] AssignFolds(int count, int folds, ulong seed, int[]? classes) =>
        AssignFolds(count, folds, seed, classes is null ? default : classes.AsSpan());

    private static int[]? Classes<T>(Dataset<T> data, bool? stratify)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (stratify == false)
        {
            return null;
        }

        try
        {
            return ClassLabels.Of(data, "Stratified cross-validation", nameof(data));
        }
        catch (ArgumentException) when (stratify is null)
        {
            // A regression set: plain folds.
            return null;
        }
    }

    private static ITrainableNetwork<T>[] CreateNetworks<T>(Func<ITrainableNetwork<T>> createNetwork, int folds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var networks = new ITrainableNetwork<T>[folds];
        for (int fold = 0; fold < folds; fold++)
        {
            var network = createNetwork() ?? throw new InvalidOperationException($"The network factory returned null for fold {fold + 1}.");
            for (int earlier = 0; earlier < fold; earlier++)
            {
                if (ReferenceEquals(networks[earlier], network))
                {
                    throw new InvalidOperationException(
                        $"The network factory returned the same instance for folds {earlier + 1} and {fold + 1}; every fold needs its own network (for example () => new MyNet()).");
                }
            }

            if (fold > 0 && !network.Spec.Equals(networks[0].Spec))
            {
                throw new InvalidOperationException($"The network factory made a {network.Spec} for fold {fold + 1} but a {networks[0].Spec} for fold 1.");
            }

            networks[fold] = network;
        }

        return networks;
    }
}
