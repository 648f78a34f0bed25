using System;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.Data;

namespace NetGen.Training.Tests;

/// <summary>A temporary folder deleted with everything in it on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netgen-checkpoint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class CheckpointRuns
{
    /// <summary>Fits with checkpoints and cancels once epoch <paramref name="stopAfter"/> has ended (its checkpoint is
    /// written before the cancellation takes effect at the next batch).</summary>
    public static TrainingResult FitAndInterrupt<T>(ITrainableNetwork<T> network, TrainerOptions options, Dataset<T> train, Dataset<T>? validation, int stopAfter)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress(report =>
        {
            if (report.IsEpochEnd && report.Epoch == stopAfter)
            {
                cancel.Cancel();
            }
        });
        return new Trainer<T>(network, options).Fit(train, validation, progress, cancel.Token);
    }

    public static long[] Bits<T>(ReadOnlySpan<T> values)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        values.ToArray().Select(v => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v))).ToArray();

    /// <summary>The history without its times, which differ between runs.</summary>
    public static string[] Records(TrainingHistory history) =>
        history.Epochs.Select(e => FormattableString.Invariant(
            $"{e.Epoch} {e.Steps} {e.TrainingLoss:R} {e.TrainingObjective:R} {e.TrainingAccuracy:R} {e.ValidationLoss:R} {e.ValidationAccuracy:R} {e.LearningRate:R} {e.RejectedSteps} {string.Join(" ", e.LayerGradientNorms.Select(n => n.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}"))
        .ToArray();
}
