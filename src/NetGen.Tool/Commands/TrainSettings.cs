using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NetGen.Tool.Commands;

/// <summary>What <c>netgen train</c> predicts: a class from a label column, or a number from a target column.</summary>
internal enum TaskKind
{
    Classification = 0,
    Regression = 1,
}

/// <summary>The optimizers <c>--optimizer</c> chooses from.</summary>
internal enum OptimizerKind
{
    Adam = 0,
    Sgd = 1,
    Momentum = 2,
    Newton = 3,
}

/// <summary>The feature scalings <c>--scaler</c> chooses from, fitted on the training split.</summary>
internal enum ScalerKind
{
    Standard = 0,
    MinMax = 1,
    None = 2,
}

/// <summary>The options of <c>netgen train</c>, checked and with their defaults filled in.</summary>
internal sealed record TrainSettings
{
    public const string DefaultHidden = "64,32";
    public const int DefaultEpochs = 100;
    public const int DefaultNewtonEpochs = 30;
    public const int DefaultBatchSize = 32;
    public const double DefaultValidationFraction = 0.2;
    public const double DefaultTestFraction = 0.2;
    public const ulong DefaultSeed = 1;
    public const string DefaultOutput = "out";

    /// <summary>The names <c>--activation</c> takes: every activation a hidden layer can have, in lower case, in the enum's
    /// order with ReLU first (the default). Derived from <see cref="Activation"/> so a new activation needs no entry here.</summary>
    public static readonly string[] HiddenActivationNames =
        [.. Enum.GetValues<Activation>()
            .Where(a => a is not (Activation.Identity or Activation.Softmax or Activation.Step))
            .OrderBy(a => a != Activation.ReLU)
            .Select(a => a.ToString().ToLowerInvariant())];

    /// <summary>The options of <c>netgen train</c>, in the order its usage lists them.</summary>
    public static readonly OptionSpec[] Options =
    [
        new("--label-column", "COLUMN", "the column to predict: its header name, or its index (0 is the first column, -1 the last)"),
        new("--task", "TASK", "classification (the column holds classes 0, 1, 2, …) or regression (any number)"),
        new("--hidden", "SIZES", $"hidden layer sizes, comma-separated, or none (default {DefaultHidden})"),
        new("--activation", "NAME", $"hidden activation: {string.Join(", ", HiddenActivationNames)} (default relu)"),
        new("--epochs", "N", $"most epochs to train, N >= 1 (default {DefaultEpochs}; {DefaultNewtonEpochs} with newton)"),
        new("--batch-size", "N", $"mini-batch size, N >= 1 (default {DefaultBatchSize}; the whole training split with newton)"),
        new("--learning-rate", "X", "constant learning rate, X > 0 (default 0.01 for adam, 0.01 for momentum, 0.1 for sgd; newton has none)"),
        new("--optimizer", "NAME", "adam, sgd, momentum (mu 0.9) or newton (Levenberg-Marquardt on exact curvature products) (default adam)"),
        new("--l2", "X", "L2 penalty (weight decay), X >= 0 (default 0: off)"),
        new("--class-weights", "WEIGHTS", "classification: balanced (each class the same total weight, n / (classes * n_class), from the\ntraining rows) or one weight per class, comma-separated, such as 1,4 (default: every row counts alike)"),
        new("--dropout", "RATE", "share of each hidden layer's units dropped while training, 0 <= RATE < 1 (default 0: off);\nthe declaration writes it as [Dropout(1 - RATE)], NetGen's keep probability"),
        new("--seed", "N", $"seed of the split, the initial weights, the shuffles and the dropout masks (default {DefaultSeed});\nequal seeds give identical weights files"),
        new("--validation-fraction", "X", $"share of the rows for validation (early stopping, best epoch), 0 <= X < 1 (default {DefaultValidationFraction})"),
        new("--test-fraction", "X", $"share of the rows held out for the final evaluation, 0 <= X < 1 (default {DefaultTestFraction})"),
        new("--scaler", "NAME", "standard (mean 0, standard deviation 1), minmax (0 to 1) or none, fitted on the training split (default standard)"),
        new("--patience", "N", "early stopping after N epochs without a lower validation loss (default off); the weights of the\nbest validation epoch are kept either way"),
        new("--binary-output", "NAME", "with two classes: sigmoid (one output, P(class 1), binary cross-entropy; the default) or softmax (two outputs)"),
        new("--name", "CLASS", "the class name of the C# declaration (default from the data file's name, such as IrisNet)"),
        new("--output", "DIR", $"folder for the files, created if missing; checked before training (default {DefaultOutput})"),
        CommonOptions.Header,
        CommonOptions.NoHeader,
        CommonOptions.Separator,
    ];

    public required string DataPath { get; init; }
    public required string LabelColumn { get; init; }
    public required TaskKind Task { get; init; }
    public required int[] Hidden { get; init; }
    public required Activation Activation { get; init; }
    public required int Epochs { get; init; }
    public required int? BatchSize { get; init; }
    public required double LearningRate { get; init; }
    public required OptimizerKind Optimizer { get; init; }
    public required double L2 { get; init; }
    public required NetGen.Training.ClassWeights? ClassWeights { get; init; }
    public required double Dropout { get; init; }
    public required ulong Seed { get; init; }
    public required double ValidationFraction { get; init; }
    public required double TestFraction { get; init; }
    public required ScalerKind Scaler { get; init; }
    public required int? Patience { get; init; }
    public required bool SoftmaxForTwoClasses { get; init; }
    public required string? ClassName { get; init; }
    public required string OutputDirectory { get; init; }
    public required bool? Header { get; init; }
    public required char Separator { get; init; }

    /// <summary>The keep probability of each hidden layer: 1 − <see cref="Dropout"/>, exact for a decimal rate such as 0.2.</summary>
    public double KeepProbability => (double)(1m - (decimal)Dropout);

    /// <summary>The data file's name without its extensions (<c>digits.csv.gz</c> → <c>digits</c>): the stem of the output files.</summary>
    public string Stem
    {
        get
        {
            string name = Path.GetFileName(DataPath);
            if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^3];
            }

            string stem = Path.GetFileNameWithoutExtension(name);
            return stem.Length > 0 ? stem : "model";
        }
    }

    /// <summary>The default learning rate of an optimizer.</summary>
    public static double DefaultLearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Sgd => 0.1,
        _ => 0.01,
    };

    /// <summary>Reads and checks the options of <c>netgen train</c>.</summary>
    /// <exception cref="UsageException">An option is missing, invalid, or contradicts another.</exception>
    public static TrainSettings From(Arguments arguments)
    {
        string label = arguments.Text("--label-column") ?? throw new UsageException("--label-column is required: the column to predict, by header name or index (-1 for the last).");
        string task = arguments.Choice("--task", "classification", "regression") ?? throw new UsageException("--task is required: classification or regression.");
        var kind = task == "classification" ? TaskKind.Classification : TaskKind.Regression;
        var optimizer = (arguments.Choice("--optimizer", "adam", "sgd", "momentum", "newton") ?? "adam") switch
        {
            "sgd" => OptimizerKind.Sgd,
            "momentum" => OptimizerKind.Momentum,
            "newton" => OptimizerKind.Newton,
            _ => OptimizerKind.Adam,
        };
        int[] hidden = ParseHidden(arguments.Text("--hidden") ?? DefaultHidden);
        double validation = arguments.Number("--validation-fraction", x => x is >= 0 and < 1, ">= 0 and < 1") ?? DefaultValidationFraction;
        double test = arguments.Number("--test-fraction", x => x is >= 0 and < 1, ">= 0 and < 1") ?? DefaultTestFraction;
        if (validation + test >= 1)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--validation-fraction {validation} and --test-fraction {test} leave no rows for training; together they must be below 1."));
        }

        int? patience = arguments.Int("--patience", 1);
        if (patience is not null && validation == 0)
        {
            throw new UsageException("--patience stops on the validation loss, but --validation-fraction 0 leaves no validation rows.");
        }

        double dropout = arguments.Number("--dropout", x => x is >= 0 and < 1, ">= 0 and < 1") ?? 0;
        if (dropout > 0 && hidden.Length == 0)
        {
            throw new UsageException("--dropout drops hidden units, but --hidden none declares no hidden layer.");
        }

        if (arguments.Has("--learning-rate") && optimizer == OptimizerKind.Newton)
        {
            throw new UsageException("--learning-rate has no effect with --optimizer newton, whose step is the damped Newton step.");
        }

        string? binaryOutput = arguments.Choice("--binary-output", "sigmoid", "softmax");
        if (binaryOutput is not null && kind == TaskKind.Regression)
        {
            throw new UsageException("--binary-output chooses between output layers of a two-class classifier; it does not apply to --task regression.");
        }

        var classWeights = ParseClassWeights(arguments.Text("--class-weights"));
        if (classWeights is not null && kind == TaskKind.Regression)
        {
            throw new UsageException("--class-weights weights the rows of each class; it does not apply to --task regression.");
        }

        string? className = arguments.Text("--name");
        if (className is not null && !Declaration.IsClassName(className))
        {
            throw new UsageException($"--name: '{className}' is not a class name the declaration can use: ASCII letters, digits and _, starting with an upper-case letter.");
        }

        return new TrainSettings
        {
            DataPath = arguments.Positionals[0],
            LabelColumn = label,
            Task = kind,
            Hidden = hidden,
            Activation = ParseActivation(arguments.Choice("--activation", HiddenActivationNames) ?? "relu"),
            Epochs = arguments.Int("--epochs", 1) ?? (optimizer == OptimizerKind.Newton ? DefaultNewtonEpochs : DefaultEpochs),
            BatchSize = arguments.Int("--batch-size", 1),
            LearningRate = arguments.Number("--learning-rate", x => x > 0, "> 0") ?? DefaultLearningRate(optimizer),
            Optimizer = optimizer,
            L2 = arguments.Number("--l2", x => x >= 0, ">= 0 (0 turns it off)") ?? 0,
            ClassWeights = classWeights,
            Dropout = dropout,
            Seed = arguments.Seed("--seed") ?? DefaultSeed,
            ValidationFraction = validation,
            TestFraction = test,
            Scaler = (arguments.Choice("--scaler", "standard", "minmax", "none") ?? "standard") switch
            {
                "minmax" => ScalerKind.MinMax,
                "none" => ScalerKind.None,
                _ => ScalerKind.Standard,
            },
            Patience = patience,
            SoftmaxForTwoClasses = binaryOutput == "softmax",
            ClassName = className,
            OutputDirectory = arguments.Text("--output") ?? DefaultOutput,
            Header = CommonOptions.ReadHeader(arguments),
            Separator = CommonOptions.ReadSeparator(arguments),
        };
    }

    private static int[] ParseHidden(string text)
    {
        if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var sizes = text.Split(',');
        var result = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (!int.TryParse(sizes[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out result[i]) || result[i] < 1 || result[i] > NetworkLimits.MaxLayerSize)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--hidden: '{sizes[i].Trim()}' is not a layer size; give sizes from 1 to {NetworkLimits.MaxLayerSize} separated by commas (such as 64,32), or none."));
            }
        }

        if (result.Length >= NetworkLimits.MaxDenseLayers)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--hidden: {result.Length} hidden layers; a network has at most {NetworkLimits.MaxDenseLayers} layers, the output layer included."));
        }

        return result;
    }

    private static NetGen.Training.ClassWeights? ParseClassWeights(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (string.Equals(text.Trim(), "balanced", StringComparison.OrdinalIgnoreCase))
        {
            return NetGen.Training.ClassWeights.Balanced;
        }

        var parts = text.Split(',');
        var weights = new double[parts.Length];
        for (int c = 0; c < parts.Length; c++)
        {
            if (!double.TryParse(parts[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out weights[c]) || !double.IsFinite(weights[c]) || weights[c] < 0)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--class-weights: '{parts[c].Trim()}' (class {c}) is not a weight; give balanced, or one finite weight >= 0 per class separated by commas (such as 1,4)."));
            }
        }

        if (weights.All(w => w == 0))
        {
            throw new UsageException("--class-weights: every weight is 0, so no row would count; give at least one positive weight.");
        }

        return NetGen.Training.ClassWeights.FromValues(weights);
    }

    // The names are the enum's in lower case, so the case-insensitive parse finds every one Choice accepted.
    private static Activation ParseActivation(string name) => Enum.Parse<Activation>(name, ignoreCase: true);
}
