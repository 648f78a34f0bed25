using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NetGen.Cli;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.Training;

namespace NetGen.Tool.Commands;

/// <summary>
/// <c>netgen train DATA.csv --label-column COLUMN --task classification|regression [options]</c>: trains a network with
/// the interpreted engine (any architecture, nothing to compile) on a seeded split, stratified by class, with the
/// scaling fitted on the training split only; prints the test split's evaluation; writes the weights with the scaler,
/// the history, the plots and the C# declaration that bakes the weights into a generated network.
/// </summary>
internal static class TrainCommand
{
    public const string Name = "train";

    /// <summary>What the command writes, by the data file's stem (<c>iris</c>).</summary>
    /// <param name="Weights">The weights file, with the scaler and the architecture in its metadata.</param>
    /// <param name="History">Per epoch: losses, accuracies, learning rate, per-layer gradient norms.</param>
    /// <param name="TrainingPlot">Loss (and accuracy) per epoch.</param>
    /// <param name="GradientPlot">Per-layer gradient norms per epoch.</param>
    /// <param name="ConfusionPlot">The test split's confusion matrix; null for regression or without a test split.</param>
    /// <param name="Declaration">The C# declaration.</param>
    internal sealed record OutputFiles(string Weights, string History, string TrainingPlot, string GradientPlot, string? ConfusionPlot, string Declaration);

    public static string Usage { get; } = ToolCli.FormatUsage(
        "netgen train DATA.csv --label-column COLUMN --task classification|regression [options]",
        """
        Trains a feed-forward network on a numeric CSV file (plain or .gz) with NetGen's interpreted engine: the rows are
        split (seeded; stratified by class for classification) into training, validation and test rows, the features are
        scaled with statistics of the training rows only, the network trains with the validation rows choosing the best
        epoch, and the test rows are evaluated once. Classification labels are whole numbers 0, 1, 2, …: two classes train
        one sigmoid output (P(class 1), binary cross-entropy), more a softmax output (cross-entropy); regression trains one
        identity output on the squared error.

        Writes to the output folder (STEM is the data file's name without extension): STEM.safetensors (the weights, with
        the scaler and the architecture in its metadata: all that predict, evaluate and export-onnx need), STEM-history.csv,
        STEM-training.png, STEM-gradients.png, STEM-confusion.png (classification), and CLASS.cs: the C# declaration that
        bakes the weights into a network generated at build time.
        """,
        TrainSettings.Options);

    /// <summary>Runs the command.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var settings = TrainSettings.From(Arguments.Parse(Name, args, ["DATA.csv"], TrainSettings.Options));
        var layout = CsvInput.Inspect(settings.DataPath, settings.Separator, settings.Header);
        int column = CsvInput.ResolveColumn(layout, settings.LabelColumn, "--label-column");
        var data = Load(settings, layout, column, output, out Loss loss, out Activation outputActivation, out int outputSize);

        // Before training (a bad --output found afterwards would throw the trained network away), after the data has
        // loaded (so a missing or malformed data file leaves no empty output folder behind).
        string folder = OutputFolder.Prepare(settings.OutputDirectory);

        bool classification = settings.Task == TaskKind.Classification;
        DatasetSplit<float> split;
        try
        {
            split = DatasetSplit.Split(data, 1 - settings.ValidationFraction - settings.TestFraction, settings.ValidationFraction, settings.Seed, stratify: classification);
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{settings.DataPath}: the {data.Count} rows cannot be split as asked: {e.Message}");
        }

        if (settings.ClassWeights is { IsBalanced: true })
        {
            // The trainer computes the same weights at Fit; computing them here reports a class missing from the training
            // rows before anything is written or trained, in the library's words.
            try
            {
                ClassWeights.ComputeBalanced(split.Train.Labels, split.Train.ClassCount);
            }
            catch (ArgumentException e)
            {
                throw new InputException($"--class-weights balanced: {e.Message}");
            }
        }

        var scaler = FitScaler(settings.Scaler, split.Train);
        output.WriteLine(Invariant($"Split (seed {settings.Seed}{(classification ? ", stratified by class" : string.Empty)}): {split.Train.Count} training, {split.Validation.Count} validation, {split.Test.Count} test rows; {ScalerText(settings.Scaler)}."));
        if (settings.Patience is not null && split.Validation.Count == 0)
        {
            throw new InputException(Invariant($"--patience needs validation rows, but --validation-fraction {settings.ValidationFraction} of {data.Count} rows leaves none."));
        }

        var layers = settings.Hidden.Select(size => new DenseLayerSpec(size, settings.Activation) { KeepProbability = settings.KeepProbability })
            .Append(new DenseLayerSpec(outputSize, outputActivation));
        var network = new InterpretedNetwork<float>(new NetworkSpec(data.FeatureCount, layers, loss, Precision.Single));
        var spec = network.Spec;
        var trainerOptions = TrainerOptions(settings, split.Train.Count);
        output.WriteLine(Invariant($"Network: {spec.DescribeArchitecture()}: {spec.ParameterCount:N0} parameters, interpreted engine (no compile step)."));
        output.WriteLine(Invariant($"Training: {trainerOptions.Optimizer.Name}{(settings.Optimizer == OptimizerKind.Newton ? string.Empty : Invariant($", learning rate {settings.LearningRate}"))}, batch {trainerOptions.BatchSize}, up to {settings.Epochs} epochs, L2 {settings.L2}, {(settings.ClassWeights is { } cw ? Invariant($"class weights {cw}") : "no class weights")}, early stopping {(settings.Patience is { } p ? Invariant($"after {p} epochs without improvement") : "off")}, initial weights by activation (He for ReLU-like layers, Xavier otherwise), seed {settings.Seed}."));

        var scaledValidation = split.Validation.Count > 0 ? Scale(scaler, split.Validation) : null;
        var training = new Trainer<float>(network, trainerOptions).Fit(Scale(scaler, split.Train), scaledValidation, new EpochPrinter(output, settings.Epochs), cancellationToken);
        output.WriteLine(StopText(training));

        var model = new Predictor<float>(network, scaler);
        string stem = settings.Stem;
        string className = settings.ClassName ?? Declaration.ClassNameFor(stem);
        ClassificationReport? classificationReport = null;
        if (split.Test.Count == 0)
        {
            output.WriteLine("No test rows (--test-fraction 0): nothing evaluated on held-out data.");
        }
        else if (classification)
        {
            classificationReport = model.EvaluateClassification(split.Test);
            output.WriteLine(Invariant($"Test split ({split.Test.Count} rows): accuracy {classificationReport.Accuracy:0.0000}"));
            output.Write(classificationReport.ToString());
        }
        else
        {
            output.Write(Invariant($"Test split: {model.EvaluateRegression(split.Test)}"));
        }

        var files = new OutputFiles(
            Weights: Path.Combine(folder, stem + ".safetensors"),
            History: Path.Combine(folder, stem + "-history.csv"),
            TrainingPlot: Path.Combine(folder, stem + "-training.png"),
            GradientPlot: Path.Combine(folder, stem + "-gradients.png"),
            ConfusionPlot: classificationReport is null ? null : Path.Combine(folder, stem + "-confusion.png"),
            Declaration: Path.Combine(folder, className + ".cs"));
        model.Save(files.Weights);
        training.History.WriteCsv(files.History);
        string title = Invariant($"{Path.GetFileName(settings.DataPath)}: {string.Join("-", settings.Hidden.Prepend(spec.InputSize).Append(outputSize))} network, seed {settings.Seed}");
        TrainingPlots.SaveTrainingCurves(training.History, title, files.TrainingPlot, LossName(loss), spec.HasDropout ? "training (batches, with dropout)" : "training (batches)");
        TrainingPlots.SaveGradientNorms(training.History, spec, title, files.GradientPlot);
        if (classificationReport is not null)
        {
            TrainingPlots.SaveConfusionMatrix(classificationReport.ConfusionMatrix, "Test split: " + title, files.ConfusionPlot!);
        }

        string weightsName = Path.GetFileName(files.Weights);
        string declaration = Declaration.Write(spec, className, weightsName, scaler, $"netgen train {Path.GetFileName(settings.DataPath)}");
        TextFile.Write(files.Declaration, declaration);

        output.WriteLine();
        output.WriteLine("Wrote:");
        output.WriteLine($"  {files.Weights}  (weights; the architecture and {(scaler is null ? "no scaler" : "the scaler")} in its metadata)");
        output.WriteLine($"  {files.History}");
        output.WriteLine($"  {files.TrainingPlot}");
        output.WriteLine($"  {files.GradientPlot}");
        if (files.ConfusionPlot is not null)
        {
            output.WriteLine($"  {files.ConfusionPlot}");
        }

        output.WriteLine($"  {files.Declaration}  (the declaration below)");
        output.WriteLine();
        output.WriteLine($"To compile this network with its weights baked in, copy {weightsName} into your project, add to the .csproj");
        output.WriteLine($"  <ItemGroup>{Declaration.ProjectItem(weightsName)}</ItemGroup>");
        output.WriteLine("and paste:");
        output.WriteLine();
        output.Write(declaration);
        return training.StopReason == StopReason.Cancelled ? ToolCli.ExitInterrupted : ToolCli.ExitSuccess;
    }

    private static Dataset<float> Load(TrainSettings settings, CsvLayout layout, int column, TextWriter output, out Loss loss, out Activation outputActivation, out int outputSize)
    {
        string where = Invariant($"{layout.Describe(column)}");
        if (settings.Task == TaskKind.Regression)
        {
            var regression = CsvInput.LoadRegression(layout, column);
            output.WriteLine(Invariant($"Data: {layout.Path}: {regression.Count} rows, {layout.HeaderText}; target {where}, {regression.FeatureCount} features."));
            (loss, outputActivation, outputSize) = (Loss.MeanSquaredError, Activation.Identity, 1);
            output.WriteLine("Regression: one identity output trained on the squared error.");
            return regression;
        }

        var data = CsvInput.LoadClassification(layout, column, classCount: null);
        var counts = new int[data.ClassCount];
        foreach (int label in data.Labels)
        {
            counts[label]++;
        }

        output.WriteLine(Invariant($"Data: {layout.Path}: {data.Count} rows, {layout.HeaderText}; label {where}, {data.FeatureCount} features."));
        output.WriteLine(Invariant($"Classes: {string.Join(", ", counts.Select((n, c) => Invariant($"{c}: {n} rows")))}."));
        if (counts.Count(n => n > 0) < 2)
        {
            throw new InputException($"{layout.Path}: every row of {where} holds the class {Array.FindIndex(counts, n => n > 0)}; a classifier needs at least two classes.");
        }

        if (settings.ClassWeights is { IsBalanced: false } weights && weights.Values.Count != data.ClassCount)
        {
            throw new InputException(Invariant($"--class-weights gives {weights.Values.Count} weights, but {layout.Path} has {data.ClassCount} classes ({where}); give one weight per class, in class order 0, 1, 2, …"));
        }

        if (data.ClassCount == 2 && !settings.SoftmaxForTwoClasses)
        {
            (loss, outputActivation, outputSize) = (Loss.BinaryCrossEntropy, Activation.Sigmoid, 1);
            output.WriteLine("Two classes: one sigmoid output, P(class 1), trained on binary cross-entropy (--binary-output softmax trains a two-way softmax instead).");
            // The label is the target, 0 or 1; the labels stay for the stratified split and the evaluation.
            var targets = data.Labels.ToArray().Select(label => (float)label).ToArray();
            return new Dataset<float>(data.Features.ToArray(), targets, data.FeatureCount, 1, data.Labels.ToArray(), data.ClassNames, classCount: 2);
        }

        (loss, outputActivation, outputSize) = (Loss.SoftmaxCrossEntropy, Activation.Softmax, data.ClassCount);
        output.WriteLine(Invariant($"{data.ClassCount} classes: a softmax output trained on cross-entropy."));
        return data;
    }

    private static IFeatureScaler<float>? FitScaler(ScalerKind kind, Dataset<float> train) => kind switch
    {
        ScalerKind.Standard => Standardizer<float>.Fit(train),
        ScalerKind.MinMax => MinMaxScaler<float>.Fit(train),
        _ => null,
    };

    private static Dataset<float> Scale(IFeatureScaler<float>? scaler, Dataset<float> data) => scaler is null ? data : scaler.Transform(data);

    private static string ScalerText(ScalerKind kind) => kind switch
    {
        ScalerKind.Standard => "features standardised with the training rows' mean and standard deviation",
        ScalerKind.MinMax => "features scaled to the training rows' range [0, 1]",
        _ => "features used as they are (--scaler none)",
    };

    private static TrainerOptions TrainerOptions(TrainSettings settings, int trainCount) => new()
    {
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize ?? (settings.Optimizer == OptimizerKind.Newton ? Math.Max(1, trainCount) : TrainSettings.DefaultBatchSize),
        LearningRate = LearningRateSchedule.Constant(settings.LearningRate),
        Optimizer = settings.Optimizer switch
        {
            OptimizerKind.Sgd => new SgdOptimizer(),
            OptimizerKind.Momentum => new MomentumOptimizer(),
            OptimizerKind.Newton => new NewtonOptimizer(),
            _ => new AdamOptimizer(),
        },
        L2 = settings.L2,
        ClassWeights = settings.ClassWeights,
        Seed = settings.Seed,
        // Null: a new network's all-zero weights are drawn by activation from the seed (He for ReLU-like, Xavier otherwise).
        Initialization = null,
        EarlyStoppingPatience = settings.Patience,
        RestoreBestWeights = true,
        EvaluateTrainingAccuracy = settings.Task == TaskKind.Classification,
    };

    private static string StopText(TrainingResult training)
    {
        string why = training.StopReason switch
        {
            StopReason.EarlyStopped => "early stopping",
            StopReason.Cancelled => "interrupted",
            StopReason.TargetLossReached => "target loss reached",
            _ => "epoch limit",
        };
        string kept = training.RestoredBestWeights && training.BestEpoch is { } best && training.BestValidationLoss is { } bestLoss
            ? Invariant($"; kept the weights of epoch {best} (lowest validation loss {bestLoss:G5})")
            : string.Empty;
        return Invariant($"Stopped after {training.EpochsRun} epochs ({why}) in {training.Elapsed.TotalSeconds:0.0} s{kept}.");
    }

    private static string LossName(Loss loss) => loss switch
    {
        Loss.BinaryCrossEntropy => "binary cross-entropy loss",
        Loss.SoftmaxCrossEntropy => "cross-entropy loss",
        _ => "loss (half squared error)",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Prints one line at the end of the first epoch, every tenth of the run and the last.</summary>
    private sealed class EpochPrinter(TextWriter output, int totalEpochs) : IProgress<TrainingProgress>
    {
        private readonly int _every = Math.Max(1, totalEpochs / 10);

        public void Report(TrainingProgress value)
        {
            if (!value.IsEpochEnd || (value.Epoch != 1 && value.Epoch % _every != 0 && value.Epoch != totalEpochs))
            {
                return;
            }

            var line = new StringBuilder(Invariant($"epoch {value.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(totalEpochs.ToString(CultureInfo.InvariantCulture).Length)}/{totalEpochs}  training loss {value.TrainingLoss:0.0000}"));
            if (value.ValidationLoss is { } validation)
            {
                line.Append(Invariant($"  validation loss {validation:0.0000}"));
            }

            if (value.ValidationAccuracy is { } accuracy)
            {
                line.Append(Invariant($"  accuracy {accuracy:0.0000}"));
            }

            output.WriteLine(line.ToString());
        }
    }
}
