using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using NetGen.Training;
using Spectre.Console;

namespace NetGen.Samples.Train;

/// <summary>The lines both console modes print, in the invariant culture.</summary>
internal static class ReportText
{
    public static string Epoch(TrainingProgress p) => string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {p.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(p.TotalEpochs.ToString(CultureInfo.InvariantCulture).Length)}/{p.TotalEpochs}  training loss {p.TrainingLoss:F4}  validation loss {Format(p.ValidationLoss)}  validation accuracy {Format(p.ValidationAccuracy)}  {p.Elapsed.TotalSeconds,6:F1} s");

    public static string Step(TrainingProgress p) => string.Create(
        CultureInfo.InvariantCulture,
        $"  epoch {p.Epoch}/{p.TotalEpochs}: step {p.StepInEpoch}/{p.StepsPerEpoch}, training loss {p.TrainingLoss:F4}, {p.SamplesPerSecond:F0} samples/s");

    public static string[] Summary(TrainJobResult result)
    {
        var training = result.Training;
        string stop = training.StopReason switch
        {
            StopReason.EarlyStopped => string.Create(CultureInfo.InvariantCulture, $"stopped early after {training.EpochsRun} epochs"),
            StopReason.Cancelled => string.Create(CultureInfo.InvariantCulture, $"interrupted after {training.EpochsRun} epochs"),
            _ => string.Create(CultureInfo.InvariantCulture, $"trained {training.EpochsRun} epochs"),
        };
        string best = training.BestEpoch is { } epoch
            ? string.Create(CultureInfo.InvariantCulture, $"; kept epoch {epoch} (lowest validation loss {training.BestValidationLoss:F4}, validation accuracy {Format(training.FinalMetrics.ValidationAccuracy)})")
            : string.Empty;
        int correct = (int)Math.Round(result.TestAccuracy * result.TestCount);
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(stop[0])}{stop[1..]} in {training.Elapsed.TotalSeconds:F1} s{best}."),
            string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {result.TestAccuracy:F4} ({correct}/{result.TestCount}), test loss {result.TestLoss:F4}."),
        ];
    }

    /// <summary>The test split's classification report (per class, averages, confusion matrix), without a trailing newline.</summary>
    public static string Evaluation(TrainJobResult result) => "Test split:\n" + result.TestReport.ToString().TrimEnd('\n');

    /// <summary>The outcome of <c>--find-lr</c>: the suggestion, how it was found, and the files.</summary>
    public static string[] LearningRate(LearningRateJobResult found)
    {
        var test = found.Test;
        string ending = test.Diverged ? "stopped once the loss diverged" : "ran the whole pass";
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"Range test: {test.Rates.Count} steps, η from {Rate(test.Rates[0])} to {Rate(test.Rates[^1])} ({ending}); lowest smoothed loss {test.SmoothedLosses[test.LowestLossIndex]:F4} at η = {Rate(test.Rates[test.LowestLossIndex])}."),
            test.LossDecreased
                ? $"Suggested learning rate: {Rate(test.SuggestedRate)} (where the loss falls fastest against log η); train with --learning-rate {Rate(test.SuggestedRate)}."
                : $"The loss never fell: no suggestion beyond the smallest rate tried, {Rate(test.SuggestedRate)}.",
            "Wrote: " + found.Plot + ", " + found.Csv + ".",
        ];
    }

    public static string Files(TrainJobResult result) =>
        "Wrote: " + string.Join(", ", result.Files.All) + ".";

    // Three significant digits: 0.0376, 1.07, and 3.16e-5 below a thousandth.
    private static string Rate(double rate) =>
        rate.ToString(rate >= 1e-3 ? "G3" : "0.##e0", CultureInfo.InvariantCulture);

    private static string Format(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Plain lines for redirected output (files, pipes, CI logs): the information, one line per epoch, and a
/// line every few seconds inside long epochs.</summary>
internal sealed class PlainReporter(TextWriter output) : ITrainJobReporter
{
    private static readonly TimeSpan StepLineInterval = TimeSpan.FromSeconds(10);
    private long _lastLine = Stopwatch.GetTimestamp();

    public void Info(string message) => output.WriteLine(message);

    public void Progress(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.IsEpochEnd)
        {
            output.WriteLine(ReportText.Epoch(progress));
            _lastLine = Stopwatch.GetTimestamp();
        }
        else if (Stopwatch.GetElapsedTime(_lastLine) >= StepLineInterval)
        {
            output.WriteLine(ReportText.Step(progress));
            _lastLine = Stopwatch.GetTimestamp();
        }
    }
}

/// <summary>A live Spectre.Console progress bar over all the run's steps, with one line per epoch above it.</summary>
internal sealed class LiveReporter(IAnsiConsole console, ProgressTask task) : ITrainJobReporter
{
    public void Info(string message) => console.MarkupLine("[grey]" + Markup.Escape(message) + "[/]");

    public void Progress(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (task.IsIndeterminate)
        {
            task.IsIndeterminate = false;
            task.MaxValue = (double)progress.TotalEpochs * progress.StepsPerEpoch;
        }

        task.Value = progress.GlobalStep;
        task.Description = string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {progress.Epoch}/{progress.TotalEpochs}  loss {progress.TrainingLoss:F4}  {progress.SamplesPerSecond:F0} samples/s");
        if (progress.IsEpochEnd)
        {
            console.WriteLine(ReportText.Epoch(progress));
        }
    }

    /// <summary>Runs the job under a live progress display on <paramref name="console"/>.</summary>
    public static TrainJobResult Run(IAnsiConsole console, TrainJobOptions options, System.Threading.CancellationToken cancellationToken)
    {
        return console.Progress()
            .AutoClear(false)
            .Columns(
                new SpinnerColumn(),
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("loading data");
                task.IsIndeterminate = true;
                var result = TrainJob.Run(options, new LiveReporter(console, task), cancellationToken);
                if (!task.IsIndeterminate)
                {
                    task.Value = task.MaxValue;
                }

                task.StopTask();
                return result;
            });
    }
}
