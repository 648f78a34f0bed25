using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using NetGen.Tests;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.ML.Tests;

/// <summary>
/// The path a new user takes (issue 22, item 5): pack NetGen and NetGen.ML into a local folder, create a console project
/// outside the repository that references NetGen.ML alone from it, declare a network, train it in an ML.NET pipeline,
/// evaluate and save it; then, in a second run of the program (a process that has not used NetGen.ML before loading),
/// load the model with mlContext.Model.Load and score bitwise as before.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("netgen-ml-package-");

    public void Dispose() => _folder.Delete(recursive: true);

    [MLPackageFact]

    [Trait("Category", "Slow")]
    public void APackedNetGenMLTrainsSavesAndLoadsInANewProject()
    {
        string repository = PackageFactAttribute.RepositoryRoot!;
        string feed = Directory.CreateDirectory(Path.Combine(_folder.FullName, "feed")).FullName;
        string app = Directory.CreateDirectory(Path.Combine(_folder.FullName, "app")).FullName;
        // A version no earlier run can have cached anywhere.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

        // The solution build has just built the packages' contents: pack them as they are.
        DotnetCommand.Run(output, repository, "pack", "src/NetGen/NetGen.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        DotnetCommand.Run(output, repository, "pack", "src/NetGen.ML/NetGen.ML.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"NetGen.ML.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/NetGen.ML.dll", entries);
            Assert.Contains("lib/net10.0/NetGen.ML.xml", entries);
            Assert.Contains("README.md", entries);
            // The build step and the rewritten ML.NET reference stay out: the package runs against the real ML.NET.
            Assert.DoesNotContain(entries, e => e.Contains("Publicizer", StringComparison.OrdinalIgnoreCase) || e.Contains("Microsoft.ML", StringComparison.OrdinalIgnoreCase));
            using var nuspecStream = zip.GetEntry("NetGen.ML.nuspec")!.Open();
            var nuspec = XDocument.Load(nuspecStream);
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!, (string?)e.Attribute("exclude") ?? ""))
                .OrderBy(d => d.Item1, StringComparer.Ordinal)
                .ToArray();
            // ML.NET up to its next major version; NetGen with all its assets, so the generator comes along.
            Assert.Equal([("Microsoft.ML", "[6.0.0, 7.0.0)", "Build,Analyzers"), ("NetGen", version, "")], dependencies);
        }

        WriteProject(app, feed, version);
        DotnetCommand.Run(output, app, "build", "-c", "Release", "-warnaserror", "--disable-build-servers", "-nodeReuse:false");
        string trained = DotnetCommand.Run(output, app, "run", "-c", "Release", "--no-build", "--", "train");
        string loaded = DotnetCommand.Run(output, app, "run", "-c", "Release", "--no-build", "--", "load");

        Assert.Matches(@"accuracy: (1|0\.9\d*)\n", trained.Replace("\r", "", StringComparison.Ordinal));
        Assert.Contains("saved 400 scores", trained, StringComparison.Ordinal);
        Assert.Contains("loaded QuadrantNet: 400 of 400 scores bitwise equal", loaded, StringComparison.Ordinal);
    }

    private void WriteProject(string app, string feed, string version)
    {
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // Packages restore into a folder of this test's own; the user's cache serves the dependencies it already holds.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_folder.FullName, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="user" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="NetGen.ML" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using NetGen;
            using NetGen.ML;
            using NetGen.Training;

            // Points of the plane, labelled by whether x and y have the same sign: no linear model separates them.
            var random = new Random(1);
            var points = Enumerable.Range(0, 400).Select(_ =>
            {
                float x = (float)(random.NextDouble() * 2 - 1), y = (float)(random.NextDouble() * 2 - 1);
                return new Point { Features = [x * 10 + 3, y * 5 - 2], Label = x * y > 0 };
            }).ToArray();
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(points);

            if (args[0] == "train")
            {
                var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
                    .Append(ml.BinaryClassification.Trainers.NetGen<QuadrantNet>(trainerOptions: new TrainerOptions
                    {
                        Optimizer = new AdamOptimizer(), LearningRate = 0.02, Epochs = 300, BatchSize = 32, Seed = 1,
                    }));
                var model = pipeline.Fit(data);
                var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
                Console.WriteLine($"accuracy: {metrics.Accuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                ml.Model.Save(model, data.Schema, "model.zip");
                var scores = model.Transform(data).GetColumn<float>("Probability").Select(BitConverter.SingleToInt32Bits).ToArray();
                File.WriteAllLines("scores.txt", scores.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                Console.WriteLine($"saved {scores.Length} scores");
            }
            else
            {
                // A new process: NetGen.ML has not run before this load, and nothing is registered by hand.
                var model = ml.Model.Load("model.zip", out _);
                var network = ((TransformerChain<ITransformer>)model).OfType<NetGenPredictionTransformer>().Single().Model;
                var scores = model.Transform(data).GetColumn<float>("Probability").Select(BitConverter.SingleToInt32Bits).ToArray();
                var saved = File.ReadAllLines("scores.txt").Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Console.WriteLine($"loaded {network.GetType().Name}: {scores.Zip(saved).Count(p => p.First == p.Second)} of {saved.Length} scores bitwise equal");
            }

            public sealed class Point
            {
                [VectorType(2)]
                public float[] Features { get; set; } = [];

                public bool Label { get; set; }
            }

            [Network(Loss = Loss.BinaryCrossEntropy)]
            [Input(2)]
            [Dense(8, Activation.Tanh)]
            [Dense(1, Activation.Sigmoid)]
            public partial class QuadrantNet;
            """);
    }
}

/// <summary>A <see cref="PackageFactAttribute"/> that also needs NetGen.ML's build output, and is skipped without it.</summary>
public sealed class MLPackageFactAttribute : FactAttribute
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public MLPackageFactAttribute()
    {
        var package = new PackageFactAttribute();
        if (package.Skip is { } skip)
        {
            Skip = skip;
        }
        else if (!File.Exists(Path.Combine(PackageFactAttribute.RepositoryRoot!, "src", "NetGen.ML", "bin", Configuration, "net10.0", "NetGen.ML.dll")))
        {
            Skip = "Packing NetGen.ML needs its build output (src/NetGen.ML/bin), not found.";
        }
    }
}
