using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using NetGen.Data;
using NetGen.Training;
using Spectre.Console;

namespace NetGen.Samples.Train;

/// <summary>The command-line front end: parse, run the job with console progress, print the result, map failures to
/// exit codes.</summary>
public static class TrainCli
{
    /// <summary>The run completed.</summary>
    public const int ExitSuccess = 0;

    /// <summary>The run failed: missing or malformed data, divergence, or files that cannot be written.</summary>
    public const int ExitFailure = 1;

    /// <summary>The command line is invalid.</summary>
    public const int ExitUsage = 2;

    /// <summary>Ctrl+C stopped training; the best weights so far were still tested and written.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Runs the program.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where information, progress and results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="liveConsole">A terminal console to show a live progress bar and the results on (such as
    /// <see cref="AnsiConsole.Console"/>), or <see langword="null"/> to write plain lines to <paramref name="output"/>
    /// (for redirected output and CI logs).</param>
    /// <param name="cancellationToken">Interrupts training (Ctrl+C).</param>
    /// <returns>The exit code.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, IAnsiConsole? liveConsole, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parsed = CommandLine.Parse(args);
        if (parsed.Error is { } message)
        {
            error.WriteLine("error: " + message);
            error.WriteLine("Run with --help to list the options.");
            return ExitUsage;
        }

        if (parsed.ShowHelp || parsed.Options is null)
        {
            output.Write(CommandLine.Usage);
            return ExitSuccess;
        }

        try
        {
            if (parsed.Options.FindLearningRate)
            {
                var found = TrainJob.FindLearningRate(parsed.Options, new PlainReporter(output), cancellationToken);
                foreach (string line in ReportText.LearningRate(found))
                {
                    output.WriteLine(line);
                }

                return ExitSuccess;
            }

            TrainJobResult result;
            if (liveConsole is { } console)
            {
                result = LiveReporter.Run(console, parsed.Options, cancellationToken);
                var summary = ReportText.Summary(result);
                console.MarkupLine(Markup.Escape(summary[0]));
                console.MarkupLine("[bold green]" + Markup.Escape(summary[1]) + "[/]");
                console.WriteLine(ReportText.Evaluation(result));
                console.MarkupLine("[grey]" + Markup.Escape(ReportText.Files(result)) + "[/]");
            }
            else
            {
                result = TrainJob.Run(parsed.Options, new PlainReporter(output), cancellationToken);
                foreach (string line in ReportText.Summary(result))
                {
                    output.WriteLine(line);
                }

                output.WriteLine(ReportText.Evaluation(result));

                output.WriteLine(ReportText.Files(result));
            }

            return result.Training.StopReason == StopReason.Cancelled ? ExitInterrupted : ExitSuccess;
        }
        catch (FileNotFoundException exception)
        {
            error.WriteLine("error: " + exception.Message);
            return ExitFailure;
        }
        catch (DataFormatException exception)
        {
            error.WriteLine("error: malformed data: " + exception.Message);
            return ExitFailure;
        }
        catch (NetGen.Training.CheckpointException exception)
        {
            error.WriteLine("error: --resume: " + exception.Message);
            return ExitFailure;
        }
        catch (TrainingDivergedException exception)
        {
            error.WriteLine("error: training diverged: " + exception.Message + " Try a lower --learning-rate.");
            return ExitFailure;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + exception.Message);
            return ExitFailure;
        }
    }
}
