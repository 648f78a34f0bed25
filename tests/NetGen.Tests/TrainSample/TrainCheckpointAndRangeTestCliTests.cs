using System;
using System.IO;
using System.Linq;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>The main job's --checkpoint, --resume and --find-lr.</summary>
public sealed class TrainCheckpointAndRangeTestCliTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = TrainCli.Run(args, output, error, liveConsole: null);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--resume", "--resume continues the run saved by --checkpoint DIR; give --checkpoint DIR too")]
    [InlineData("--resume=yes", "--resume takes no value")]
    [InlineData("--find-lr --checkpoint x", "--find-lr does not train; leave out --checkpoint and --resume")]
    [InlineData("--checkpoint", "--checkpoint needs a value (a folder)")]
    [InlineData("--find-lr --find-lr", "--find-lr is given twice")]
    public void BadCombinationsAreNamedWithExitCode2(string commandLine, string expected)
    {
        var (exitCode, output, error) = Run(commandLine.Split(' '));
        Assert.Equal(TrainCli.ExitUsage, exitCode);
        Assert.Contains("error: " + expected, error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void ARunResumedFromItsCheckpointWritesTheWeightsFileOfAnUninterruptedRunByteForByte()
    {
        using var folder = new TrainOutputFolder();
        string checkpoints = folder.Sub("checkpoints");
        Assert.Equal(TrainCli.ExitSuccess, Run("--epochs", "6", "--output", folder.Sub("whole")).ExitCode);
        var (first, firstOutput, _) = Run("--epochs", "3", "--checkpoint", checkpoints, "--output", folder.Sub("resumed"));
        Assert.Equal(TrainCli.ExitSuccess, first);
        Assert.Contains("Checkpoint after every epoch", firstOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(checkpoints, "digits.checkpoint")));

        var (second, secondOutput, _) = Run("--epochs", "6", "--checkpoint", checkpoints, "--resume", "--output", folder.Sub("resumed"));
        Assert.Equal(TrainCli.ExitSuccess, second);
        Assert.Contains("Resuming from", secondOutput, StringComparison.Ordinal);
        Assert.Contains("3 epochs done", secondOutput, StringComparison.Ordinal);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(folder.Sub("whole"), "digits.safetensors")),
            File.ReadAllBytes(Path.Combine(folder.Sub("resumed"), "digits.safetensors")));

        // Other settings than the checkpointed run's are refused, naming the difference.
        var (mismatch, _, error) = Run("--epochs", "6", "--seed", "2", "--checkpoint", checkpoints, "--resume", "--output", folder.Sub("other"));
        Assert.Equal(TrainCli.ExitFailure, mismatch);
        Assert.Contains("the setting 'seed' was 1 in the checkpointed run and is 2 now", error, StringComparison.Ordinal);

        var (missing, _, missingError) = Run("--checkpoint", folder.Sub("empty"), "--resume", "--output", folder.Sub("other"));
        Assert.Equal(TrainCli.ExitFailure, missing);
        Assert.Contains("there is no checkpoint at", missingError, StringComparison.Ordinal);
    }

    [Fact]
    public void FindLrWritesThePlotAndTheTableAndPrintsTheSuggestionWithoutTraining()
    {
        using var folder = new TrainOutputFolder();
        var (exitCode, output, error) = Run("--find-lr", "--output", folder.Path);
        Assert.Equal(TrainCli.ExitSuccess, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("Suggested learning rate: ", output, StringComparison.Ordinal);
        string png = Path.Combine(folder.Path, "digits-lr-finder.png");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        var lines = File.ReadAllLines(Path.Combine(folder.Path, "digits-lr-finder.csv"));
        Assert.Equal("learning_rate,loss,smoothed_loss", lines[0]);
        Assert.True(lines.Length > 10);
        Assert.False(File.Exists(Path.Combine(folder.Path, "digits.safetensors")));

        var result = TrainJob.FindLearningRate(new TrainJobOptions { OutputDirectory = folder.Path });
        Assert.True(result.Test.SuggestedRate >= 1e-3, $"suggested {result.Test.SuggestedRate}");
        Assert.Contains("--learning-rate " + result.Test.SuggestedRate.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.True(result.Test.LossDecreased);
        Assert.Equal(1e-7, result.Test.Rates[0], 15);
        Assert.True(result.Test.Rates.Zip(result.Test.Rates.Skip(1)).All(pair => pair.Second > pair.First));
    }
}
