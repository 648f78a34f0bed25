using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>Runs the dotnet host as a new user would (no build servers, no telemetry), logging the command and what it printed.</summary>
public static class DotnetCommand
{
    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/> and requires exit code 0.</summary>
    /// <returns>Everything it printed, standard output and error interleaved.</returns>
    public static string Run(ITestOutputHelper log, string workingDirectory, params string[] arguments)
    {
        var (exitCode, printed) = Try(log, workingDirectory, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({exitCode}):\n{printed}");
        return printed;
    }

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>.</summary>
    /// <returns>The exit code and everything it printed.</returns>
    public static (int ExitCode, string Printed) Try(ITestOutputHelper log, string workingDirectory, params string[] arguments) =>
        Try(log, workingDirectory, new Dictionary<string, string>(), arguments);

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/> with extra environment variables.</summary>
    /// <returns>The exit code and everything it printed.</returns>
    public static (int ExitCode, string Printed) Try(ITestOutputHelper log, string workingDirectory, Dictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(PackageFactAttribute.DotnetHost, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A guard against a hung tool, not a performance bound.
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        string result;
        lock (text)
        {
            result = text.ToString();
        }

        log.WriteLine($"$ dotnet {string.Join(' ', arguments)}\n{result}");
        return (process.ExitCode, result);
    }
}

/// <summary>A fact that runs where the repository, its build output and the dotnet host are at hand, and is skipped elsewhere.</summary>
public sealed class PackageFactAttribute : FactAttribute
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public PackageFactAttribute()
    {
        if (RepositoryRoot is null)
        {
            Skip = "Packing needs the NetGen repository and its build output; the tests run outside it.";
        }
        else if (!File.Exists(DotnetHost) && DotnetHost != "dotnet")
        {
            Skip = $"Packing needs the dotnet host, not found at {DotnetHost}.";
        }
    }

    public static string DotnetHost { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The repository holding these tests, when its runtime, ONNX export and generator have been built in this configuration.</summary>
    public static string? RepositoryRoot { get; } = FindRepository();

    private static string? FindRepository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NetGen.sln")))
            {
                bool built = File.Exists(Path.Combine(folder.FullName, "src", "NetGen", "bin", Configuration, "net10.0", "NetGen.dll"))
                    && File.Exists(Path.Combine(folder.FullName, "src", "NetGen.Onnx", "bin", Configuration, "net10.0", "NetGen.Onnx.dll"))
                    && File.Exists(Path.Combine(folder.FullName, "generator", "NetGen.Generator", "bin", Configuration, "netstandard2.0", "NetGen.Generator.dll"));
                return built ? folder.FullName : null;
            }
        }

        return null;
    }
}
