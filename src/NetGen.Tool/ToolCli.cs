using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using NetGen.Cli;
using NetGen.Data;
using NetGen.IO;
using NetGen.Tool.Commands;
using NetGen.Training;

namespace NetGen.Tool;

/// <summary>The <c>netgen</c> command line: dispatches to a command and turns every expected failure into a message and an exit code.</summary>
internal static class ToolCli
{
    /// <summary>The command completed.</summary>
    public const int ExitSuccess = 0;

    /// <summary>A file is missing, malformed or does not fit, training diverged, or an output cannot be written.</summary>
    public const int ExitFailure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int ExitUsage = 2;

    /// <summary>Ctrl+C stopped training; the best weights so far were still tested and written.</summary>
    public const int ExitInterrupted = 130;

    private delegate int CommandRunner(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken);

    private static readonly (string Name, string Summary, CommandRunner Run, string Usage)[] Commands =
    [
        (TrainCommand.Name, "train a network on a CSV file; writes the weights, plots and the C# declaration", TrainCommand.Run, TrainCommand.Usage),
        (PredictCommand.Name, "predict every row of a CSV file with a trained model", PredictCommand.Run, PredictCommand.Usage),
        (EvaluateCommand.Name, "score a trained model on a labelled CSV file", EvaluateCommand.Run, EvaluateCommand.Usage),
        (ExportOnnxCommand.Name, "write a trained model, scaler included, as an ONNX model", ExportOnnxCommand.Run, ExportOnnxCommand.Usage),
    ];

    /// <summary>The text <c>netgen --help</c> prints.</summary>
    public static string Usage { get; } = BuildUsage();

    /// <summary>The tool's version, from its assembly.</summary>
    public static string Version { get; } =
        typeof(ToolCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Runs <c>netgen</c> with <paramref name="args"/>.</summary>
    /// <param name="args">The arguments: a command and its arguments.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Interrupts training (Ctrl+C).</param>
    /// <returns>The exit code: <see cref="ExitSuccess"/>, <see cref="ExitFailure"/>, <see cref="ExitUsage"/> or <see cref="ExitInterrupted"/>.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Count == 0)
        {
            error.Write(Usage);
            return ExitUsage;
        }

        if (args[0] is "--help" or "-h" or "-?" or "help")
        {
            output.Write(args.Count > 1 && Find(args[1]) is { } topic ? topic.Usage : Usage);
            return ExitSuccess;
        }

        if (args[0] == "--version")
        {
            output.WriteLine("netgen " + Version);
            return ExitSuccess;
        }

        var command = Find(args[0]);
        if (command is null)
        {
            error.WriteLine($"error: unknown command '{args[0]}'{OptionSuggestions.Suggest(args[0], Commands.Select(c => c.Name))}; the commands are {string.Join(", ", Commands.Select(c => c.Name))}.");
            error.WriteLine("Run 'netgen --help' for the usage.");
            return ExitUsage;
        }

        var rest = args.Skip(1).ToArray();
        if (rest.Any(a => a is "--help" or "-h" or "-?"))
        {
            output.Write(command.Value.Usage);
            return ExitSuccess;
        }

        try
        {
            return command.Value.Run(rest, output, cancellationToken);
        }
        catch (UsageException e)
        {
            error.WriteLine("error: " + e.Message);
            error.WriteLine($"Run 'netgen {command.Value.Name} --help' for its options.");
            return ExitUsage;
        }
        catch (DataFormatException e)
        {
            error.WriteLine("error: malformed data: " + e.Message);
            return ExitFailure;
        }
        catch (WeightsFileException e)
        {
            error.WriteLine("error: not a usable model file: " + e.Message);
            return ExitFailure;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine("error: training diverged (--learning-rate): " + e.Message);
            return ExitFailure;
        }
        catch (InputException e)
        {
            error.WriteLine("error: " + e.Message);
            return ExitFailure;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("interrupted.");
            return ExitInterrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + e.Message);
            return ExitFailure;
        }
    }

    /// <summary>A command's usage text: the synopsis, the description and the options, one per line.</summary>
    public static string FormatUsage(string synopsis, string description, IReadOnlyList<OptionSpec> options)
    {
        var text = new StringBuilder();
        text.Append("Usage: ").Append(synopsis).Append("\n\n").Append(description.Trim()).Append("\n\nOptions:\n");
        int width = options.Max(o => Left(o).Length) + 2;
        foreach (var option in options)
        {
            var lines = option.Help.Split('\n');
            text.Append("  ").Append(Left(option).PadRight(width)).Append(lines[0]).Append('\n');
            foreach (string line in lines.Skip(1))
            {
                text.Append(' ', width + 2).Append(line).Append('\n');
            }
        }

        text.Append("  ").Append("-h, --help".PadRight(width)).Append("show this help\n\n");
        text.Append("Exit codes: 0 done, 1 a file is missing, malformed or unusable (or training diverged), 2 the command line is wrong")
            .Append(synopsis.StartsWith("netgen train", StringComparison.Ordinal) ? ",\n130 interrupted (Ctrl+C; the best weights so far are still tested and written).\n" : ".\n");
        return text.ToString();

        static string Left(OptionSpec option) => option.ValueName is null ? option.Name : option.Name + " " + option.ValueName;
    }

    private static (string Name, string Summary, CommandRunner Run, string Usage)? Find(string name)
    {
        foreach (var command in Commands)
        {
            if (command.Name == name)
            {
                return command;
            }
        }

        return null;
    }

    private static string BuildUsage()
    {
        var text = new StringBuilder();
        text.Append("netgen: train, evaluate, predict with and export NetGen networks.\n\n");
        text.Append("Usage: netgen <command> [arguments] [options]\n\nCommands:\n");
        int width = Commands.Max(c => c.Name.Length) + 2;
        foreach (var command in Commands)
        {
            text.Append("  ").Append(command.Name.PadRight(width)).Append(command.Summary).Append('\n');
        }

        text.Append("""

            Run 'netgen <command> --help' for a command's arguments and options, 'netgen --version' for the version.

            Example (the iris data of the NetGen repository):
              netgen train data/iris.csv --label-column -1 --task classification --output out/iris
              netgen predict out/iris/iris.safetensors data/iris.csv --label-column -1 --output out/iris/predictions.csv
              netgen evaluate out/iris/iris.safetensors data/iris.csv --label-column -1
              netgen export-onnx out/iris/iris.safetensors out/iris/iris.onnx

            """);
        return text.ToString();
    }
}
