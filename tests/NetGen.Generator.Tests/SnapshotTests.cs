using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generated file of one small network is checked in (Snapshots/XorNet.g.cs) and compared line by line, so any change
/// to emitted code shows up as a readable diff in review. Set NETGEN_ACCEPT_SNAPSHOTS=1 to accept a deliberate change.
/// </summary>
public class SnapshotTests
{
    private const string Declaration = """
        using NetGen;

        namespace Samples;

        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class XorNet;
        """;

    [Fact]
    public void XorNetMatchesTheCheckedInFile()
    {
        string actual = GeneratorHarness.Run(Declaration).SourceOf("Samples.XorNet.g.cs");
        string path = Path.Combine(SourceDirectory(), "Snapshots", "XorNet.g.cs");
        if (Environment.GetEnvironmentVariable("NETGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}; run with NETGEN_ACCEPT_SNAPSHOTS=1 to create it.");
        string expected = File.ReadAllText(path);
        string? difference = FirstDifference(expected, actual);
        Assert.True(difference is null, $"Generated XorNet differs from {path} (NETGEN_ACCEPT_SNAPSHOTS=1 accepts it):\n{difference}");
    }

    private static string? FirstDifference(string expected, string actual)
    {
        var e = expected.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var a = actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? left = i < e.Length ? e[i] : null;
            string? right = i < a.Length ? a[i] : null;
            if (left != right)
            {
                var context = Enumerable.Range(Math.Max(0, i - 3), 3).Where(k => k < e.Length).Select(k => "  " + e[k]);
                return $"at line {i + 1}:\n{string.Join("\n", context)}\n- {left ?? "<end of file>"}\n+ {right ?? "<end of file>"}";
            }
        }

        return null;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
