using System;
using System.IO;
using System.Linq;
using NetGen.Samples.Train;
using Spectre.Console;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>The job's command line: the options it accepts, and a specific message and exit code for each mistake.</summary>
public sealed class TrainCommandLineTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = TrainCli.Run(args, output, error, liveConsole: null);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("--epoch 3", "unknown option '--epoch' (did you mean --epochs?)")]
    [InlineData("-epochs 3", "unknown option '-epochs' (did you mean --epochs?)")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--epochs abc", "--epochs: 'abc' is not a whole number")]
    [InlineData("--epochs 2.5", "--epochs: '2.5' is not a whole number")]
    [InlineData("--batch-size ten", "--batch-size: 'ten' is not a whole number")]
    [InlineData("--learning-rate fast", "--learning-rate: 'fast' is not a number")]
    [InlineData("--learning-rate 0,01", "--learning-rate: '0,01' is not a number")]
    [InlineData("--seed 1.5", "--seed: '1.5' is not a whole number")]
    [InlineData("--epochs 0", "--epochs: 0 is out of range; it must be at least 1")]
    [InlineData("--epochs -3", "--epochs: -3 is out of range; it must be at least 1")]
    [InlineData("--epochs 99999999999", "--epochs: 99999999999 is out of range")]
    [InlineData("--batch-size 0", "--batch-size: 0 is out of range; it must be at least 1")]
    [InlineData("--patience 0", "--patience: 0 is out of range; it must be at least 1")]
    [InlineData("--learning-rate 0", "--learning-rate: 0 is out of range; it must be > 0")]
    [InlineData("--learning-rate Infinity", "--learning-rate: Infinity is not finite")]
    [InlineData("--l1 -1", "--l1: -1 is out of range; it must be >= 0")]
    [InlineData("--l2 NaN", "--l2: NaN is not finite")]
    [InlineData("--seed -1", "--seed: -1 is out of range")]
    [InlineData("--optimizer rmsprop", "--optimizer: 'rmsprop' is not one of sgd, momentum, adam")]
    [InlineData("--engine jit", "--engine: 'jit' is not one of generated, interpreted")]
    [InlineData("--epochs", "--epochs needs a value")]
    [InlineData("--epochs --seed 3", "--epochs needs a value")]
    [InlineData("--epochs 3 --epochs 4", "--epochs is given twice")]
    [InlineData("--limit 5000", "--limit applies only to Fashion-MNIST; give --data DIR too")]
    [InlineData("--data x --limit 10", "--limit: 10 is out of range; it must be at least 100")]
    public void ABadOptionIsNamedWithTheReasonAndExitCode2(string commandLine, string expected)
    {
        var (exitCode, output, error) = Run(commandLine.Split(' '));
        Assert.Equal(TrainCli.ExitUsage, exitCode);
        Assert.Contains("error: " + expected, error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void AMissingDataFolderNamesTheFilesExpectedThereAndExitsWith1()
    {
        using var folder = new TrainOutputFolder();
        string missing = folder.Sub("no-such-folder");
        var (exitCode, _, error) = Run("--data", missing, "--output", folder.Sub("out"));
        Assert.Equal(TrainCli.ExitFailure, exitCode);
        Assert.Contains(Path.Combine(missing, "train-images-idx3-ubyte.gz"), error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(missing, "t10k-labels-idx1-ubyte.gz"), error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Sub("out")));
    }

    [Fact]
    public void ADataFolderWithoutOneFileNamesJustThatFile()
    {
        using var folder = new TrainOutputFolder();
        foreach (string name in TrainJob.FashionFiles.Where(n => n != "t10k-images-idx3-ubyte.gz"))
        {
            File.WriteAllBytes(folder.Sub(name), [0]);
        }

        var (exitCode, _, error) = Run("--data", folder.Path, "--output", folder.Sub("out"));
        Assert.Equal(TrainCli.ExitFailure, exitCode);
        Assert.Contains($"'{folder.Sub("t10k-images-idx3-ubyte.gz")}'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("train-images", error, StringComparison.Ordinal);
        Assert.Contains("lacks", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingDigitsFileIsNamedWithWhereItWasExpected()
    {
        using var folder = new TrainOutputFolder();
        var exception = Assert.Throws<FileNotFoundException>(() => TrainJob.Run(new TrainJobOptions { DigitsFile = folder.Sub("digits.csv.gz"), OutputDirectory = folder.Path }));
        Assert.Contains(folder.Sub("digits.csv.gz"), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpListsEveryOptionAndExitsWith0()
    {
        var (exitCode, output, error) = Run("--epochs", "0", "--help");
        Assert.Equal(TrainCli.ExitSuccess, exitCode);
        Assert.Equal(string.Empty, error);
        foreach (string option in new[] { "--epochs", "--batch-size", "--learning-rate", "--optimizer", "--l1", "--l2", "--seed", "--output", "--patience", "--engine", "--data", "--limit", "--help" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AShortRunPrintsOneLinePerEpochAndTheTestAccuracyBothPlainAndLive()
    {
        using var folder = new TrainOutputFolder();
        var (exitCode, output, error) = Run("--epochs", "2", "--output", folder.Sub("plain"));
        Assert.Equal(TrainCli.ExitSuccess, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("epoch 1/2  training loss ", output, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2  training loss ", output, StringComparison.Ordinal);
        Assert.Contains("validation accuracy 0.", output, StringComparison.Ordinal);
        Assert.Contains("Test accuracy: 0.", output, StringComparison.Ordinal);
        // The evaluation report: per-class precision, recall and F1 with their averages, then the confusion matrix.
        Assert.Contains("precision     recall   f1-score    support", output, StringComparison.Ordinal);
        Assert.Contains("macro avg", output, StringComparison.Ordinal);
        Assert.Contains("weighted avg", output, StringComparison.Ordinal);
        Assert.Contains(folder.Sub(Path.Combine("plain", "digits.safetensors")), output, StringComparison.Ordinal);

        // The live progress display, on a console that claims to be an ANSI terminal.
        using var terminal = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(terminal),
        });
        using var unused = new StringWriter();
        using var liveError = new StringWriter();
        Assert.Equal(TrainCli.ExitSuccess, TrainCli.Run(["--epochs", "2", "--output", folder.Sub("live")], unused, liveError, console));
        Assert.Equal(string.Empty, liveError.ToString());
        Assert.Equal(string.Empty, unused.ToString());
        string screen = terminal.ToString();
        Assert.Contains("epoch 2/2  training loss ", screen, StringComparison.Ordinal);
        Assert.Contains("100%", screen, StringComparison.Ordinal);
        Assert.Contains("Test accuracy: 0.", screen, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryOptionIsParsedInTheInvariantCultureInBothSpellings()
    {
        var parsed = CommandLine.Parse(
        [
            "--epochs", "7", "--batch-size=16", "--learning-rate", "2.5e-3", "--optimizer", "Momentum", "--l1", "0.0001",
            "--l2=0.5", "--seed", "18446744073709551615", "--output", "results", "--patience", "4", "--engine", "interpreted",
            "--data", "/data/fashion", "--limit", "3000",
        ]);
        Assert.Null(parsed.Error);
        Assert.Equal(
            new TrainJobOptions
            {
                Epochs = 7, BatchSize = 16, LearningRate = 0.0025, Optimizer = OptimizerKind.Momentum, L1 = 0.0001, L2 = 0.5,
                Seed = ulong.MaxValue, OutputDirectory = "results", Patience = 4, Engine = EngineKind.Interpreted,
                DataDirectory = "/data/fashion", Limit = 3000,
            },
            parsed.Options);
    }

    [Fact]
    public void NoOptionsMeanTheDefaults()
    {
        var parsed = CommandLine.Parse([]);
        Assert.Equal(new TrainJobOptions(), parsed.Options);
        var settings = TrainJob.Resolve(parsed.Options!);
        Assert.Equal(DataSetKind.Digits, settings.DataSet);
        Assert.Equal(OptimizerKind.Adam, settings.Optimizer);
        Assert.Equal(0.001, settings.LearningRate);
        Assert.Equal(Path.GetFullPath("out"), settings.OutputDirectory);
    }
}

/// <summary>Issue 16, defect 4: --output is checked before anything trains.</summary>
public sealed class TrainOutputCheckTests
{
    [Fact]
    public void AnUnwritableOutputFolderIsNamedBeforeAnyTrainingWithExitCode1()
    {
        using var folder = new TrainOutputFolder();
        string blocker = folder.Sub("a-file");
        File.WriteAllText(blocker, "not a folder");
        string output = Path.Combine(blocker, "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = TrainCli.Run(["--epochs", "1", "--output", output], stdout, stderr, liveConsole: null);

        Assert.Equal(TrainCli.ExitFailure, exitCode);
        Assert.Contains("--output", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(output, stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Network:", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingOutputFolderIsCreatedAndLeftWithoutTheProbeFile()
    {
        using var folder = new TrainOutputFolder();
        string output = Path.Combine(folder.Path, "new", "nested");
        NetGen.Cli.OutputFolder.Prepare(output);
        Assert.True(Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(output));
    }
}
