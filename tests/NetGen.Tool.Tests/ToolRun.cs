using System.IO;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>One in-process run of the netgen command line: its exit code and what it printed to each stream.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public static ToolRun Of(params string[] args) => Of(System.Threading.CancellationToken.None, args);

    public static ToolRun Of(System.Threading.CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = ToolCli.Run(args, output, error, cancellationToken);
        return new ToolRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Requires exit code 0 and nothing on standard error.</summary>
    public ToolRun Succeeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}\n{Error}\n{Output}");
        Assert.Equal(string.Empty, Error);
        return this;
    }

    /// <summary>Requires <paramref name="exitCode"/>, an error message without a stack trace, and no finished epoch.</summary>
    public ToolRun Failed(int exitCode, string messagePart)
    {
        Assert.True(ExitCode == exitCode, $"exit code {ExitCode}, expected {exitCode}\n{Error}\n{Output}");
        Assert.StartsWith("error: ", Error, System.StringComparison.Ordinal);
        Assert.Contains(messagePart, Error, System.StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, System.StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", Error, System.StringComparison.Ordinal);
        Assert.DoesNotContain(Output.Split('\n'), line => line.StartsWith("epoch ", System.StringComparison.Ordinal));
        return this;
    }

    /// <summary>The number the output states after <paramref name="prefix"/>, such as the test accuracy.</summary>
    public double NumberAfter(string prefix)
    {
        int at = Output.IndexOf(prefix, System.StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{prefix}' not in:\n{Output}");
        string rest = Output[(at + prefix.Length)..];
        string number = new(rest.TakeWhile(c => char.IsAsciiDigit(c) || c is '.' or '-' or 'E' or 'e').ToArray());
        return double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Reads what the tool wrote back through the library's public API, independently of the tool's own code.</summary>
internal static class ModelReader
{
    public static Predictor<float> Load(NetworkSpec spec, string weights) => Predictor<float>.Load(new InterpretedNetwork<float>(spec), weights);

    public static NetworkSpec Spec(int inputs, Loss loss, params DenseLayerSpec[] layers) => new(inputs, layers, loss, Precision.Single);

    /// <summary>The split the tool makes with its default fractions (validation 0.2, test 0.2, training the rest) and a seed, from the raw data.</summary>
    public static DatasetSplit<float> DefaultSplit(Dataset<float> data, ulong seed, bool stratify) => DatasetSplit.Split(data, 1 - 0.2 - 0.2, 0.2, seed, stratify);
}
