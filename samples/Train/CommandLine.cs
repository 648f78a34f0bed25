using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Cli;

namespace NetGen.Samples.Train;

/// <summary>The outcome of parsing the command line: options to run with, a request for help, or an error.</summary>
/// <param name="Options">The options, when the command line is valid and does not ask for help.</param>
/// <param name="ShowHelp">Whether <c>--help</c> (or <c>-h</c>) was given.</param>
/// <param name="Error">What is wrong with the command line, naming the option and why; null when nothing is.</param>
public sealed record ParsedCommandLine(TrainJobOptions? Options, bool ShowHelp, string? Error);

/// <summary>Parses the training job's command line (invariant culture) and holds its usage text.</summary>
public static class CommandLine
{
    private static readonly string[] OptionNames =
        ["--epochs", "--batch-size", "--learning-rate", "--optimizer", "--l1", "--l2", "--seed", "--output", "--patience", "--engine", "--data", "--limit", "--checkpoint", "--resume", "--find-lr", "--curvature"];

    // Options that take no value: their presence is the setting.
    private static readonly string[] FlagNames = ["--resume", "--find-lr"];

    /// <summary>The text <c>--help</c> prints.</summary>
    public static string Usage { get; } = string.Create(CultureInfo.InvariantCulture, $"""
        Train: trains a network compiled by the NetGen source generator on the UCI digits embedded in the repository
        (default) or on Fashion-MNIST, then reports the accuracy on a held-out test split and writes the weights,
        the training history and plots.

        Usage: dotnet run -c Release --project samples/Train -- [options]

        Options:
          --epochs N           most epochs to train, N >= 1 (default {TrainJob.DefaultDigitsEpochs} on digits, {TrainJob.DefaultFashionEpochs} on Fashion-MNIST)
          --batch-size N       mini-batch size, N >= 1 (default {TrainJob.DefaultDigitsBatchSize} on digits, {TrainJob.DefaultFashionBatchSize} on Fashion-MNIST)
          --learning-rate X    constant learning rate, X > 0 (default {TrainJob.DefaultLearningRate(OptimizerKind.Adam)} for adam, {TrainJob.DefaultLearningRate(OptimizerKind.Momentum)} for momentum,
                               {TrainJob.DefaultLearningRate(OptimizerKind.Sgd)} for sgd)
          --optimizer NAME     sgd | momentum | adam (default adam; momentum uses mu = 0.9)
          --l1 X               L1 penalty strength, X >= 0 (default 0: off)
          --l2 X               L2 penalty strength (weight decay), X >= 0 (default 0: off)
          --seed N             seed of the split, the initial weights, the shuffles and the dropout masks,
                               0 to 18446744073709551615 (default 1); equal seeds give identical weights
          --output DIR         folder for the output files, created if missing (default out)
          --patience N         early stopping: stop after N epochs without a lower validation loss, N >= 1
                               (default off); the weights of the best validation epoch are kept either way
          --engine NAME        generated | interpreted (default generated): the generated code, or the interpreted
                               engine over the same network with the same trainer, data and initial weights
          --data DIR           train on Fashion-MNIST instead of the digits; DIR holds the four IDX files
                               {string.Join(", ", TrainJob.FashionFiles.Take(2))},
                               {string.Join(", ", TrainJob.FashionFiles.Skip(2))}
                               (the Debian package dataset-fashion-mnist installs them in /usr/share/datasets/fashion-mnist)
          --limit N            with --data: use only the first N training images, N >= {TrainJob.MinimumLimit} (default all 60000)
          --checkpoint DIR     save the whole training state to DIR/SET.checkpoint after every epoch (atomically)
          --resume             with --checkpoint: continue the run saved there; the same options (except --epochs)
                               give the same weights as a run that was never interrupted
          --find-lr            do not train: run a learning-rate range test (eta from 1e-7 to 10 over one pass of the
                               training split), write SET-lr-finder.png and .csv and print the suggested learning rate
          --curvature[=K]      also record the top K (default 3) eigenvalues of the Hessian and of the Gauss-Newton
                               matrix, and their traces, after every epoch (Lanczos and Hutchinson on exact
                               curvature products over 256 training samples) and plot them in SET-curvature.png
          -h, --help           show this help

        The digits are split 60/20/20 % into training, validation and test sets, stratified by class; Fashion-MNIST
        keeps {TrainJob.FashionValidationFraction * 100:0} % of its training images for validation (stratified) and tests on its 10000 test
        images. Features are standardised with the training split's statistics only.

        The test split is reported per class (precision, recall, F1, support), with macro and weighted averages,
        the log-loss and the confusion matrix.

        Output (SET is digits or fashion): SET.safetensors (weights, with the standardisation in its netgen.scaler
        metadata), SET-history.csv (per epoch: losses, accuracies, per-layer gradient norms), SET-scaling.csv (the
        standardisation), SET-training.png (loss and accuracy per epoch), SET-gradients.png (per-layer gradient norms
        per epoch, log scale), SET-confusion.png (the test split's confusion matrix).

        Exit codes: 0 done, 1 failed (missing or malformed data, training diverged, cannot write), 2 bad options,
        130 interrupted (Ctrl+C; the best weights so far are still tested and written).

        """);

    /// <summary>Parses <paramref name="args"/>; options may be given as <c>--name value</c> or <c>--name=value</c>.</summary>
    /// <param name="args">The arguments after the program name.</param>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return new ParsedCommandLine(null, ShowHelp: true, null);
        }

        var options = new TrainJobOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string argument = args[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal))
            {
                return Fail(argument.StartsWith('-')
                    ? $"unknown option '{argument}'{Suggest(argument)}; options start with two dashes."
                    : $"unexpected argument '{argument}'; every option starts with -- and takes its value after it.");
            }

            string name = argument;
            string? value = null;
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = argument[..equals];
                value = argument[(equals + 1)..];
            }

            if (!OptionNames.Contains(name, StringComparer.Ordinal))
            {
                return Fail($"unknown option '{name}'{Suggest(name)}.");
            }

            if (!seen.Add(name))
            {
                return Fail($"{name} is given twice.");
            }

            if (value is null && name == "--curvature")
            {
                // A flag: the count is optional, as --curvature=K.
                value = "3";
            }

            if (FlagNames.Contains(name, StringComparer.Ordinal))
            {
                if (value is not null)
                {
                    return Fail($"{name} takes no value; give it alone.");
                }

                options = name == "--resume" ? options with { Resume = true } : options with { FindLearningRate = true };
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return Fail($"{name} needs a value ({Expectation(name)}).");
                }

                value = args[++i];
            }

            string? error = Apply(name, value, ref options);
            if (error is not null)
            {
                return Fail(error);
            }
        }

        if (options.Limit is not null && options.DataDirectory is null)
        {
            return Fail("--limit applies only to Fashion-MNIST; give --data DIR too.");
        }

        if (options.Resume && options.CheckpointDirectory is null)
        {
            return Fail("--resume continues the run saved by --checkpoint DIR; give --checkpoint DIR too.");
        }

        if (options.FindLearningRate && options.CheckpointDirectory is not null)
        {
            return Fail("--find-lr does not train; leave out --checkpoint and --resume.");
        }

        return new ParsedCommandLine(options, ShowHelp: false, null);
    }

    private static ParsedCommandLine Fail(string message) => new(null, ShowHelp: false, message);

    private static string? Apply(string name, string value, ref TrainJobOptions options)
    {
        string? error = null;
        switch (name)
        {
            case "--epochs":
                error = ParseInt(name, value, 1, out int epochs);
                options = options with { Epochs = epochs };
                break;
            case "--batch-size":
                error = ParseInt(name, value, 1, out int batchSize);
                options = options with { BatchSize = batchSize };
                break;
            case "--patience":
                error = ParseInt(name, value, 1, out int patience);
                options = options with { Patience = patience };
                break;
            case "--curvature":
                error = ParseInt(name, value, 1, out int count);
                options = options with { CurvatureEigenvalues = count };
                break;
            case "--limit":
                error = ParseInt(name, value, TrainJob.MinimumLimit, out int limit);
                options = options with { Limit = limit };
                break;
            case "--learning-rate":
                error = ParseDouble(name, value, allowZero: false, out double rate);
                options = options with { LearningRate = rate };
                break;
            case "--l1":
                error = ParseDouble(name, value, allowZero: true, out double l1);
                options = options with { L1 = l1 };
                break;
            case "--l2":
                error = ParseDouble(name, value, allowZero: true, out double l2);
                options = options with { L2 = l2 };
                break;
            case "--seed":
                if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
                {
                    options = options with { Seed = seed };
                }
                else
                {
                    error = IsInteger(value)
                        ? $"--seed: {value} is out of range; a seed is a whole number from 0 to {ulong.MaxValue}."
                        : $"--seed: '{value}' is not a whole number; a seed is a whole number from 0 to {ulong.MaxValue}.";
                }

                break;
            case "--optimizer":
                switch (value.ToLowerInvariant())
                {
                    case "sgd": options = options with { Optimizer = OptimizerKind.Sgd }; break;
                    case "momentum": options = options with { Optimizer = OptimizerKind.Momentum }; break;
                    case "adam": options = options with { Optimizer = OptimizerKind.Adam }; break;
                    default: error = $"--optimizer: '{value}' is not one of sgd, momentum, adam."; break;
                }

                break;
            case "--engine":
                switch (value.ToLowerInvariant())
                {
                    case "generated": options = options with { Engine = EngineKind.Generated }; break;
                    case "interpreted": options = options with { Engine = EngineKind.Interpreted }; break;
                    default: error = $"--engine: '{value}' is not one of generated, interpreted."; break;
                }

                break;
            case "--output":
                if (string.IsNullOrWhiteSpace(value))
                {
                    error = "--output: the folder name is empty.";
                }
                else
                {
                    options = options with { OutputDirectory = value };
                }

                break;
            case "--checkpoint":
                if (string.IsNullOrWhiteSpace(value))
                {
                    error = "--checkpoint: the folder name is empty.";
                }
                else
                {
                    options = options with { CheckpointDirectory = value };
                }

                break;
            case "--data":
                if (string.IsNullOrWhiteSpace(value))
                {
                    error = "--data: the folder name is empty.";
                }
                else
                {
                    options = options with { DataDirectory = value };
                }

                break;
            default:
                error = $"unknown option '{name}'.";
                break;
        }

        return error;
    }

    private static string? ParseInt(string name, string value, int minimum, out int result)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
        {
            return IsInteger(value)
                ? string.Create(CultureInfo.InvariantCulture, $"{name}: {value} is out of range; it must be from {minimum} to {int.MaxValue}.")
                : string.Create(CultureInfo.InvariantCulture, $"{name}: '{value}' is not a whole number; it must be a whole number >= {minimum}.");
        }

        return result < minimum
            ? string.Create(CultureInfo.InvariantCulture, $"{name}: {result} is out of range; it must be at least {minimum}{Why(name)}.")
            : null;
    }

    private static string? ParseDouble(string name, string value, bool allowZero, out double result)
    {
        string range = allowZero ? ">= 0 (0 turns it off)" : "> 0";
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result))
        {
            return $"{name}: '{value}' is not a number; it must be a number {range}, written with a decimal point (such as 0.001 or 1e-3).";
        }

        if (!double.IsFinite(result))
        {
            return $"{name}: {value} is not finite; it must be a finite number {range}.";
        }

        return result < 0 || (result == 0 && !allowZero)
            ? $"{name}: {value} is out of range; it must be {range}."
            : null;
    }

    private static bool IsInteger(string value)
    {
        string digits = value.StartsWith('-') || value.StartsWith('+') ? value[1..] : value;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }

    private static string Why(string name) => name switch
    {
        "--epochs" => " (training needs at least one epoch)",
        "--batch-size" => " (a mini-batch needs at least one sample)",
        "--patience" => " epoch (leave it out to train every epoch)",
        "--limit" => " images, so that the validation split holds every class",
        _ => string.Empty,
    };

    private static string Expectation(string name) => name switch
    {
        "--epochs" or "--batch-size" or "--patience" => "a whole number >= 1",
        "--limit" => string.Create(CultureInfo.InvariantCulture, $"a whole number >= {TrainJob.MinimumLimit}"),
        "--learning-rate" => "a number > 0",
        "--l1" or "--l2" => "a number >= 0",
        "--seed" => "a whole number >= 0",
        "--optimizer" => "sgd, momentum or adam",
        "--engine" => "generated or interpreted",
        "--output" or "--data" or "--checkpoint" => "a folder",
        _ => "a value",
    };

    private static string Suggest(string name) => OptionSuggestions.Suggest(name, OptionNames);
}
