using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using NetGen.DataIO.Tests;
using NetGen.Tests;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tool.Tests;

/// <summary>
/// The path a user takes (issue 16, item 8): pack the tool into a local folder, install it from there as a local tool
/// (<c>dotnet new tool-manifest</c>, <c>dotnet tool install</c>) in a folder outside the repository, and run
/// <c>dotnet netgen</c> train, predict and evaluate on iris.
/// </summary>
public sealed class ToolPackageTests(ITestOutputHelper output) : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("netgen-tool-package-");

    public void Dispose() => _folder.Delete(recursive: true);

    [ToolPackageFact]

    [Trait("Category", "Slow")]
    public void ThePackedToolInstallsAsALocalToolAndTrainsPredictsAndEvaluates()
    {
        string repository = PackageFactAttribute.RepositoryRoot!;
        string feed = Directory.CreateDirectory(Path.Combine(_folder.FullName, "feed")).FullName;
        string work = Directory.CreateDirectory(Path.Combine(_folder.FullName, "work")).FullName;
        // A version no earlier run can have cached anywhere.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

        // The solution build has just built the tool: pack it as it is.
        DotnetCommand.Run(output, repository, "pack", "src/NetGen.Tool/NetGen.Tool.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"NetGen.Tool.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (string assembly in new[] { "NetGen.Tool", "NetGen", "NetGen.Onnx", "NetGen.Cli.Common", "Google.Protobuf" })
            {
                Assert.Contains($"tools/net10.0/any/{assembly}.dll", entries);
            }

            Assert.Contains("README.md", entries);
            // A command needs no API documentation beside its assemblies.
            Assert.DoesNotContain(entries, e => e.StartsWith("tools/", StringComparison.Ordinal) && e.EndsWith(".xml", StringComparison.Ordinal) && !e.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
            using var settings = zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open();
            var command = XDocument.Load(settings).Descendants().Single(e => e.Name.LocalName == "Command");
            Assert.Equal(("netgen", "NetGen.Tool.dll"), ((string)command.Attribute("Name")!, (string)command.Attribute("EntryPoint")!));
            using var nuspec = zip.GetEntry("NetGen.Tool.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec);
            Assert.Equal("DotnetTool", (string)metadata.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name")!);
            // A tool package carries its whole publish output and depends on no other package.
            Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency");
        }

        // Only the local folder: the tool needs no other package to install.
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_folder.FullName, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.Copy(RealData.Iris, Path.Combine(work, "iris.csv"));
        DotnetCommand.Run(output, work, "new", "tool-manifest");
        DotnetCommand.Run(output, work, "tool", "install", "--add-source", feed, "NetGen.Tool", "--version", version);

        // Packed without rebuilding, the assembly keeps the version it was built with; the package has the test's.
        Assert.Contains("netgen 0.1.0", DotnetCommand.Run(output, work, "netgen", "--version"), StringComparison.Ordinal);
        string trained = DotnetCommand.Run(output, work, "netgen", "train", "iris.csv", "--label-column", "-1", "--task", "classification", "--hidden", "16", "--epochs", "60", "--output", "model");
        Assert.Contains("4 → 16 ReLU → 3 Softmax, SoftmaxCrossEntropy", trained, StringComparison.Ordinal);
        Assert.Contains("Test split (30 rows): accuracy ", trained, StringComparison.Ordinal);
        Assert.Contains("public partial class IrisNet", trained, StringComparison.Ordinal);
        foreach (string file in new[] { "iris.safetensors", "iris-history.csv", "iris-training.png", "iris-gradients.png", "iris-confusion.png", "IrisNet.cs" })
        {
            Assert.True(File.Exists(Path.Combine(work, "model", file)), $"model/{file} is missing");
        }

        DotnetCommand.Run(output, work, "netgen", "predict", "model/iris.safetensors", "iris.csv", "--label-column", "-1", "--output", "predictions.csv");
        string[] predictions = File.ReadAllLines(Path.Combine(work, "predictions.csv"));
        Assert.Equal(151, predictions.Length);
        Assert.Equal("class,probability_0,probability_1,probability_2", predictions[0]);

        string evaluated = DotnetCommand.Run(output, work, "netgen", "evaluate", "model/iris.safetensors", "iris.csv", "--label-column", "-1");
        Assert.Contains("Accuracy 0.9", evaluated, StringComparison.Ordinal);
        Assert.Contains("macro avg", evaluated, StringComparison.Ordinal);

        // The installed command keeps the exit codes: 2 for a wrong command line.
        var (exitCode, printed) = DotnetCommand.Try(output, work, "netgen", "train", "iris.csv", "--label-column", "-1");
        Assert.Equal(2, exitCode);
        Assert.Contains("error: --task is required", printed, StringComparison.Ordinal);
    }
}

/// <summary>A <see cref="PackageFactAttribute"/> that also needs the tool's build output, and is skipped without it.</summary>
public sealed class ToolPackageFactAttribute : FactAttribute
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public ToolPackageFactAttribute()
    {
        var package = new PackageFactAttribute();
        if (package.Skip is { } skip)
        {
            Skip = skip;
        }
        else if (!File.Exists(Path.Combine(PackageFactAttribute.RepositoryRoot!, "src", "NetGen.Tool", "bin", Configuration, "net10.0", "NetGen.Tool.dll")))
        {
            Skip = "Packing the tool needs its build output (src/NetGen.Tool/bin), not found.";
        }
    }
}
