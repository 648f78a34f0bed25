using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NetGen.Cli;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.IO;
using NetGen.Training;

namespace NetGen.Samples.Train;

/// <summary>
/// The main job: trains a generated network (or its interpreted twin) on the UCI digits embedded in the repository or
/// on Fashion-MNIST, evaluates it once on a held-out test split (accuracy, per-class precision, recall and F1, the
/// confusion matrix), and writes the weights with the standardisation, the history, the standardisation as CSV and three
/// plots. No console: progress goes to an <see cref="ITrainJobReporter"/>.
/// </summary>
public static class TrainJob
{
    /// <summary>The Fashion-MNIST files the job expects in <see cref="TrainJobOptions.DataDirectory"/> (each may also
    /// be present without the <c>.gz</c> extension, uncompressed).</summary>
    public static readonly IReadOnlyList<string> FashionFiles =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>The fewest Fashion-MNIST training images <see cref="TrainJobOptions.Limit"/> accepts.</summary>
    public const int MinimumLimit = 100;

    /// <summary>The digits split: 60 % training, 20 % validation, the remaining 20 % test, stratified by class.</summary>
    public const double DigitsTrainFraction = 0.6;

    /// <summary>The share of the digits for validation.</summary>
    public const double DigitsValidationFraction = 0.2;

    /// <summary>The share of the Fashion-MNIST training images held out for validation (the test set is t10k).</summary>
    public const double FashionValidationFraction = 0.1;

    /// <summary>The default number of epochs on the digits.</summary>
    public const int DefaultDigitsEpochs = 40;

    /// <summary>The default number of epochs on Fashion-MNIST.</summary>
    public const int DefaultFashionEpochs = 15;

    /// <summary>The default mini-batch size on the digits.</summary>
    public const int DefaultDigitsBatchSize = 32;

    /// <summary>The training samples the curvature spectrum of <c>--curvature</c> is measured on.</summary>
    public const int CurvatureSamples = 256;

    /// <summary>The default mini-batch size on Fashion-MNIST.</summary>
    public const int DefaultFashionBatchSize = 64;

    private static readonly string[] FashionClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The path of the digits file next to the program, where the project copies it.</summary>
    public static string DefaultDigitsFile => Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz");

    /// <summary>The default learning rate of an optimizer: 0.001 for Adam, 0.01 for momentum, 0.1 for SGD.</summary>
    /// <param name="optimizer">The optimizer.</param>
    public static double DefaultLearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Adam => 0.001,
        OptimizerKind.Momentum => 0.01,
        OptimizerKind.Sgd => 0.1,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "Not a known optimizer."),
    };

    /// <summary>Fills in the defaults of <paramref name="options"/>.</summary>
    /// <param name="options">The options, valid.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static TrainJobSettings Resolve(TrainJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var dataSet = options.DataDirectory is null ? DataSetKind.Digits : DataSetKind.FashionMnist;
        bool digits = dataSet == DataSetKind.Digits;
        return new TrainJobSettings(
            dataSet,
            options.Epochs ?? (digits ? DefaultDigitsEpochs : DefaultFashionEpochs),
            options.BatchSize ?? (digits ? DefaultDigitsBatchSize : DefaultFashionBatchSize),
            options.LearningRate ?? DefaultLearningRate(options.Optimizer),
            options.Optimizer,
            options.L1,
            options.L2,
            options.Seed,
            options.Patience,
            options.Engine,
            options.Limit,
            Path.GetFullPath(options.OutputDirectory),
            options.CheckpointDirectory is { } folder ? Path.Combine(Path.GetFullPath(folder), (digits ? "digits" : "fashion") + ".checkpoint") : null,
            options.Resume);
    }

    /// <summary>
    /// Loads the data set, splits it with the seed (stratified by class), and standardises every split with the
    /// statistics of the training split only.
    /// </summary>
    /// <param name="options">The options; <see cref="TrainJobOptions.DataDirectory"/> chooses the data set.</param>
    /// <exception cref="FileNotFoundException">A data file is missing; the message names every missing file and where it was expected.</exception>
    /// <exception cref="DataFormatException">A data file is malformed.</exception>
    public static PreparedData LoadData(TrainJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.DataDirectory is { } directory ? LoadFashion(directory, options.Limit, options.Seed) : LoadDigits(options.DigitsFile ?? DefaultDigitsFile, options.Seed);
    }

    /// <summary>Runs the job: load, train, test, write.</summary>
    /// <param name="options">What to do.</param>
    /// <param name="reporter">Receives information and progress; may be null.</param>
    /// <param name="cancellationToken">Stops training at the next mini-batch; the job then tests and saves the best
    /// epoch so far (and <see cref="TrainingResult.StopReason"/> is <see cref="StopReason.Cancelled"/>).</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="FileNotFoundException">A data file is missing.</exception>
    /// <exception cref="DataFormatException">A data file is malformed.</exception>
    /// <exception cref="TrainingDivergedException">Training produced NaN or infinity (a learning rate far too high).</exception>
    public static TrainJobResult Run(TrainJobOptions options, ITrainJobReporter? reporter = null, CancellationToken cancellationToken = default)
    {
        var settings = Resolve(options);
        reporter ??= NullReporter.Instance;
        long start = Stopwatch.GetTimestamp();

        var data = LoadData(options);
        // Before training (a bad --output found afterwards would throw the trained network away), after the data has
        // loaded (so a missing data file leaves no empty output folder behind).
        OutputFolder.Prepare(settings.OutputDirectory);
        if (settings.CheckpointFile is { } checkpointFile && !settings.Resume)
        {
            OutputFolder.Prepare(Path.GetDirectoryName(checkpointFile)!, "--checkpoint");
        }

        reporter.Info(data.Description);
        reporter.Info(Invariant($"Split (seed {settings.Seed}): {data.Train.Count} training, {data.Validation.Count} validation, {data.Test.Count} test samples; standardised with the training split's mean and standard deviation."));

        var network = CreateNetwork(settings.DataSet, settings.Engine);
        var trainerOptions = CreateTrainerOptions(settings);
        if (options.CurvatureEigenvalues is { } count)
        {
            trainerOptions = trainerOptions with
            {
                EpochHooks = [new NetGen.Curvature.CurvatureSpectrum { Count = count, SampleCount = CurvatureSamples, Seed = settings.Seed }],
            };
            reporter.Info(Invariant($"Curvature: the top {count} eigenvalues of the Hessian and the Gauss–Newton matrix (Lanczos) and their traces (Hutchinson, 10 probes) after every epoch, over {CurvatureSamples} training samples."));
        }

        reporter.Info(Invariant($"Network: {network.Spec.DescribeArchitecture()} ({network.Spec.ParameterCount} parameters), {EngineName(settings.Engine)} engine."));
        reporter.Info(Invariant($"Training: {trainerOptions.Optimizer.Name}, learning rate {settings.LearningRate}, batch {settings.BatchSize}, up to {settings.Epochs} epochs, L1 {settings.L1}, L2 {settings.L2}, early stopping {(settings.Patience is { } p ? Invariant($"after {p} epochs without improvement") : "off")}, He-normal initialisation, seed {settings.Seed}."));

        var trainer = new Trainer<float>(network, trainerOptions);
        TrainingResult training;
        if (settings.Resume)
        {
            string checkpoint = settings.CheckpointFile!;
            if (!File.Exists(checkpoint))
            {
                throw new FileNotFoundException($"--resume: there is no checkpoint at '{checkpoint}'; a run with --checkpoint {Path.GetDirectoryName(checkpoint)} saves one after every epoch.", checkpoint);
            }

            var saved = TrainingCheckpoint.ReadInfo(checkpoint);
            reporter.Info(Invariant($"Resuming from {checkpoint}: {saved.EpochsRun} epochs done, {saved.Elapsed.TotalSeconds:F1} s of training."));
            training = trainer.Resume(checkpoint, data.Train, data.Validation, new ProgressAdapter(reporter), cancellationToken);
        }
        else
        {
            if (settings.CheckpointFile is { } checkpoint)
            {
                reporter.Info(Invariant($"Checkpoint after every epoch: {checkpoint}."));
            }

            training = trainer.Fit(data.Train, data.Validation, new ProgressAdapter(reporter), cancellationToken);
        }

        var test = trainer.Evaluate(data.Test);
        var report = network.EvaluateClassification(data.Test);

        string prefix = settings.DataSet == DataSetKind.Digits ? "digits" : "fashion";
        var files = new TrainJobFiles(
            Weights: Path.Combine(settings.OutputDirectory, prefix + ".safetensors"),
            History: Path.Combine(settings.OutputDirectory, prefix + "-history.csv"),
            Scaling: Path.Combine(settings.OutputDirectory, prefix + "-scaling.csv"),
            TrainingPlot: Path.Combine(settings.OutputDirectory, prefix + "-training.png"),
            GradientPlot: Path.Combine(settings.OutputDirectory, prefix + "-gradients.png"),
            ConfusionPlot: Path.Combine(settings.OutputDirectory, prefix + "-confusion.png"),
            CurvaturePlot: options.CurvatureEigenvalues is null ? null : Path.Combine(settings.OutputDirectory, prefix + "-curvature.png"));
        // The standardisation travels inside the weights file (metadata netgen.scaler); the CSV copy is for reading.
        WeightsFile.Save(network, files.Weights, data.Scaler);
        training.History.WriteCsv(files.History);
        WriteScaling(data.Scaler, files.Scaling);
        string title = Invariant($"{(settings.DataSet == DataSetKind.Digits ? "UCI digits" : "Fashion-MNIST")}, {Shape(network.Spec)} network ({EngineName(settings.Engine)}), seed {settings.Seed}");
        TrainingPlots.SaveTrainingCurves(training.History, title, files.TrainingPlot);
        TrainingPlots.SaveGradientNorms(training.History, network.Spec, title, files.GradientPlot);
        TrainingPlots.SaveConfusionMatrix(report.ConfusionMatrix, "Test split: " + title, files.ConfusionPlot);
        if (files.CurvaturePlot is not null)
        {
            TrainingPlots.SaveCurvatureSpectrum(training.History, title, files.CurvaturePlot);
        }

        return new TrainJobResult
        {
            Settings = settings,
            DataDescription = data.Description,
            TrainCount = data.Train.Count,
            ValidationCount = data.Validation.Count,
            TestCount = data.Test.Count,
            Network = network,
            Training = training,
            TestLoss = test.Loss,
            TestAccuracy = test.Accuracy ?? double.NaN,
            TestReport = report,
            Files = files,
            Elapsed = Stopwatch.GetElapsedTime(start),
        };
    }

    /// <summary>
    /// The learning-rate range test instead of training: with the job's network, optimizer, batch size and seed, η rises
    /// exponentially from 10⁻⁷ to 10 over one pass of the training split (stopping once the loss diverges); the job
    /// writes the loss against η as <c>SET-lr-finder.png</c> and <c>SET-lr-finder.csv</c> and reports the suggested η,
    /// where the loss falls fastest (<see cref="LearningRateRangeTestResult"/>). The network is left untrained.
    /// </summary>
    /// <param name="options">What to do; <see cref="TrainJobOptions.FindLearningRate"/> need not be set.</param>
    /// <param name="reporter">Receives information; may be null.</param>
    /// <param name="cancellationToken">Ends the test early with the points so far.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="FileNotFoundException">A data file is missing.</exception>
    /// <exception cref="DataFormatException">A data file is malformed.</exception>
    public static LearningRateJobResult FindLearningRate(TrainJobOptions options, ITrainJobReporter? reporter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = Resolve(options);
        reporter ??= NullReporter.Instance;
        var data = LoadData(options);
        OutputFolder.Prepare(settings.OutputDirectory);
        reporter.Info(data.Description);
        var network = CreateNetwork(settings.DataSet, settings.Engine);
        var trainerOptions = CreateTrainerOptions(settings);
        reporter.Info(Invariant($"Learning-rate range test: {network.Spec.DescribeArchitecture()}, {trainerOptions.Optimizer.Name}, batch {settings.BatchSize}, seed {settings.Seed}, η from 1e-7 to 10 over one pass of the {data.Train.Count} training samples."));
        var test = new Trainer<float>(network, trainerOptions).FindLearningRate(data.Train, cancellationToken: cancellationToken);

        string prefix = settings.DataSet == DataSetKind.Digits ? "digits" : "fashion";
        string plot = Path.Combine(settings.OutputDirectory, prefix + "-lr-finder.png");
        string csvPath = Path.Combine(settings.OutputDirectory, prefix + "-lr-finder.csv");
        var csv = new StringBuilder("learning_rate,loss,smoothed_loss\n");
        for (int i = 0; i < test.Rates.Count; i++)
        {
            csv.Append(Invariant($"{test.Rates[i]:R},{test.Losses[i]:R},{test.SmoothedLosses[i]:R}\n"));
        }

        File.WriteAllText(csvPath, csv.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        string title = Invariant($"Learning-rate range test: {(settings.DataSet == DataSetKind.Digits ? "UCI digits" : "Fashion-MNIST")}, {Shape(network.Spec)} ({EngineName(settings.Engine)}), {settings.Optimizer}, batch {settings.BatchSize}, seed {settings.Seed}");
        TrainingPlots.SaveLearningRateRangeTest(test, title, plot, "cross-entropy loss");
        return new LearningRateJobResult(settings, test, plot, csvPath);
    }

    /// <summary>A new, uninitialised network for the data set, computed by the chosen engine.</summary>
    /// <param name="dataSet">The data set, which fixes the declared network.</param>
    /// <param name="engine">The generated class itself, or an interpreted network over its spec.</param>
    public static ITrainableNetwork<float> CreateNetwork(DataSetKind dataSet, EngineKind engine) => (dataSet, engine) switch
    {
        (DataSetKind.Digits, EngineKind.Generated) => new DigitsMlp(),
        (DataSetKind.Digits, EngineKind.Interpreted) => new InterpretedNetwork<float>(DigitsMlp.Spec),
        (DataSetKind.FashionMnist, EngineKind.Generated) => new FashionMlp(),
        (DataSetKind.FashionMnist, EngineKind.Interpreted) => new InterpretedNetwork<float>(FashionMlp.Spec),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), $"Unknown data set {dataSet} or engine {engine}."),
    };

    /// <summary>The trainer settings of a run.</summary>
    /// <param name="settings">The resolved settings.</param>
    public static TrainerOptions CreateTrainerOptions(TrainJobSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new TrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            LearningRate = LearningRateSchedule.Constant(settings.LearningRate),
            Optimizer = settings.Optimizer switch
            {
                OptimizerKind.Adam => new AdamOptimizer(),
                OptimizerKind.Momentum => new MomentumOptimizer(),
                _ => new SgdOptimizer(),
            },
            L1 = settings.L1,
            L2 = settings.L2,
            Seed = settings.Seed,
            Initialization = WeightInitialization.HeNormal,
            EarlyStoppingPatience = settings.Patience,
            RestoreBestWeights = true,
            EvaluateTrainingAccuracy = true,
            CheckpointPath = settings.CheckpointFile,
        };
    }

    // "64-128-64-10": the layer sizes.
    private static string Shape(NetworkSpec spec) =>
        string.Join("-", spec.Layers.Select(l => l.Size.ToString(CultureInfo.InvariantCulture)).Prepend(spec.InputSize.ToString(CultureInfo.InvariantCulture)));

    private static string EngineName(EngineKind engine) => engine == EngineKind.Generated ? "generated" : "interpreted";

    private static PreparedData LoadDigits(string path, ulong seed)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The UCI digits file was expected at '{Path.GetFullPath(path)}' but is missing; the project copies data/digits.csv.gz from the repository next to the program when it builds.",
                path);
        }

        var all = CsvLoader.Load<float>(path, new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        var split = DatasetSplit.Split(all, DigitsTrainFraction, DigitsValidationFraction, seed, stratify: true);
        return Standardize(Invariant($"Data: UCI optical digits, {all.Count} 8×8 images from {path}."), split.Train, split.Validation, split.Test);
    }

    /// <summary>
    /// The digits split of <see cref="LoadData"/> before standardisation: the raw pixel values 0–16, as an app would
    /// pass them to <c>Predictor&lt;float&gt;</c> with the scaler stored in the weights file.
    /// </summary>
    /// <param name="options">The options; the digits file and the seed are used.</param>
    /// <exception cref="FileNotFoundException">The digits file is missing.</exception>
    public static DatasetSplit<float> LoadRawDigitsSplit(TrainJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string path = options.DigitsFile ?? DefaultDigitsFile;
        var all = CsvLoader.Load<float>(path, new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        return DatasetSplit.Split(all, DigitsTrainFraction, DigitsValidationFraction, options.Seed, stratify: true);
    }

    private static PreparedData LoadFashion(string directory, int? limit, ulong seed)
    {
        string[] paths = new string[FashionFiles.Count];
        var missing = new List<string>();
        for (int i = 0; i < paths.Length; i++)
        {
            string compressed = Path.GetFullPath(Path.Combine(directory, FashionFiles[i]));
            string plain = compressed[..^".gz".Length];
            paths[i] = File.Exists(compressed) || !File.Exists(plain) ? compressed : plain;
            if (!File.Exists(paths[i]))
            {
                missing.Add(compressed);
            }
        }

        if (missing.Count > 0)
        {
            string folder = Path.GetFullPath(directory);
            string where = Directory.Exists(folder) ? $"the folder '{folder}' lacks them" : $"the folder '{folder}' does not exist";
            throw new FileNotFoundException(
                $"--data: the Fashion-MNIST file{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => "'" + m + "'"))} (or the same without .gz) {(missing.Count > 1 ? "were" : "was")} expected, but {where}. "
                + "The Debian package dataset-fashion-mnist installs all four in /usr/share/datasets/fashion-mnist; they are also at https://github.com/zalandoresearch/fashion-mnist.",
                missing[0]);
        }

        var trainAll = IdxLoader.LoadImagesAndLabels<float>(paths[0], paths[1], classCount: 10);
        var test = IdxLoader.LoadImagesAndLabels<float>(paths[2], paths[3], classCount: 10);
        if (trainAll.FeatureCount != FashionMlp.InputSize || test.FeatureCount != FashionMlp.InputSize)
        {
            throw new DataFormatException($"the images have {trainAll.FeatureCount} (training) and {test.FeatureCount} (test) pixels; Fashion-MNIST's have {FashionMlp.InputSize} (28×28)", paths[0]);
        }

        var train = trainAll;
        if (limit is { } n && n < trainAll.Count)
        {
            train = trainAll.Subset(Enumerable.Range(0, n).ToArray());
        }

        var split = DatasetSplit.Split(train, 1.0 - FashionValidationFraction, FashionValidationFraction, seed, stratify: true);
        string used = train.Count < trainAll.Count ? Invariant($"the first {train.Count} of {trainAll.Count}") : Invariant($"all {trainAll.Count}");
        return Standardize(
            Invariant($"Data: Fashion-MNIST from {Path.GetFullPath(directory)}: {used} training images ({string.Join(", ", FashionClassNames)}), {test.Count} test images."),
            split.Train,
            split.Validation,
            test);
    }

    private static PreparedData Standardize(string description, Dataset<float> train, Dataset<float> validation, Dataset<float> test)
    {
        var scaler = Standardizer<float>.Fit(train);
        return new PreparedData(description, scaler.Transform(train), scaler.Transform(validation), scaler.Transform(test), scaler);
    }

    private static void WriteScaling(Standardizer<float> scaler, string path)
    {
        var csv = new StringBuilder("feature,mean,standard_deviation\n");
        for (int j = 0; j < scaler.FeatureCount; j++)
        {
            csv.Append(Invariant($"{j},{scaler.Means[j]:R},{scaler.StandardDeviations[j]:R}\n"));
        }

        File.WriteAllText(path, csv.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class ProgressAdapter(ITrainJobReporter reporter) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reporter.Progress(value);
    }

    private sealed class NullReporter : ITrainJobReporter
    {
        public static readonly NullReporter Instance = new();

        public void Info(string message)
        {
        }

        public void Progress(TrainingProgress progress)
        {
        }
    }
}
