using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using NetGen.Data;
using NetGen.Tests;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>
/// A cut copy of the digits (the issue's 31,479 of 57,512 bytes) once trained on 977 of the 1,797 images and exited
/// with 0; now the job stops before training, names the file and says it is truncated, and the program exits with 1.
/// </summary>
public sealed class TruncatedDigitsTests
{
    private const int CutLength = 31_479;

    [Fact]
    public void TheJobRefusesATruncatedDigitsFileBeforeTrainingAndWritesNothing()
    {
        using var folder = new TrainOutputFolder();
        string digits = folder.Sub("digits.csv.gz");
        File.WriteAllBytes(digits, File.ReadAllBytes(TrainJob.DefaultDigitsFile)[..CutLength]);
        string output = folder.Sub("out");

        var error = Assert.Throws<DataFormatException>(() => TrainJob.Run(new TrainJobOptions { DigitsFile = digits, OutputDirectory = output }));

        Assert.Equal(digits, error.Path);
        Assert.StartsWith($"the gzip data is truncated: the file ends after {CutLength} bytes", error.Problem, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void TheProgramWithATruncatedDigitsFileExitsWith1AndSaysWhy()
    {
        // The program as built, in a folder of its own whose Data/digits.csv.gz is the cut copy. The program's own files
        // are copied (the host finds the application's folder through links); the rest link to the build output.
        using var folder = new TrainOutputFolder();
        string program = folder.Sub("program");
        Directory.CreateDirectory(Path.Combine(program, "Data"));
        foreach (string file in Directory.GetFiles(AppContext.BaseDirectory))
        {
            string copy = Path.Combine(program, Path.GetFileName(file));
            if (Path.GetFileName(file).StartsWith("Train.", StringComparison.Ordinal))
            {
                File.Copy(file, copy);
            }
            else
            {
                File.CreateSymbolicLink(copy, file);
            }
        }

        foreach (string directory in Directory.GetDirectories(AppContext.BaseDirectory))
        {
            if (Path.GetFileName(directory) != "Data")
            {
                Directory.CreateSymbolicLink(Path.Combine(program, Path.GetFileName(directory)), directory);
            }
        }

        File.WriteAllBytes(Path.Combine(program, "Data", "digits.csv.gz"), File.ReadAllBytes(TrainJob.DefaultDigitsFile)[..CutLength]);

        var (exitCode, output) = Run(program, Path.Combine(program, "Train.dll"), "--output", folder.Sub("out"));

        Assert.True(exitCode == TrainCli.ExitFailure, $"exit code {exitCode}:\n{output}");
        Assert.Matches(@"error: malformed data: digits\.csv\.gz, line \d+: the gzip data is truncated: the file ends after 31479 bytes", output);
        Assert.DoesNotContain("training loss", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Sub("out")));
    }

    private static (int ExitCode, string Output) Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(PackageFactAttribute.DotnetHost, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A guard against a hung program, not a performance bound.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        lock (text)
        {
            return (process.ExitCode, text.ToString());
        }
    }
}
