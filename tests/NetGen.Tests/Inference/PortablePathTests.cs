using System;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Inference;

/// <summary>
/// Runs the inference tests once more in a process started with AVX-512 and AVX-VNNI turned off
/// (<c>DOTNET_EnableAVX512=0</c>, .NET 10's name for the AVX-512 switch, and <c>DOTNET_EnableAVXVNNI=0</c>), so that the
/// code each process chooses once at start-up (QuantizedKernels' paths, the generated kernels' 512-bit branches) takes
/// its AVX2 form: on a host with AVX-512 both forms are then tested, on one without it the child repeats the same paths.
/// </summary>
public class PortablePathTests(ITestOutputHelper log)
{
    [Fact]
    public void TheInferenceTestsPassWithAvx512AndAvxVnniTurnedOff()
    {
        string assembly = typeof(PortablePathTests).Assembly.Location;
        const string filter = "FullyQualifiedName~NetGen.Tests.Inference&FullyQualifiedName!~PortablePathTests&FullyQualifiedName!~QuantizationAccuracyTests";
        var (exitCode, printed) = DotnetCommand.Try(
            log,
            Path.GetDirectoryName(assembly)!,
            new System.Collections.Generic.Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0", ["DOTNET_EnableAVX512F"] = "0", ["DOTNET_EnableAVXVNNI"] = "0" },
            "test", assembly, "--filter", filter);
        Assert.True(exitCode == 0, printed);
        var passed = Regex.Match(printed, @"Passed:\s+(\d+)");
        Assert.True(passed.Success, printed);
        // The child ran the kernel, network, batch and generated-network tests, not an empty selection.
        Assert.True(int.Parse(passed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 80, printed);
        Assert.DoesNotContain("Failed:", printed.Replace("Failed:     0", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
