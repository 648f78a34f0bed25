using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>
/// The path a new user takes: pack NetGen and NetGen.Onnx into a local folder, create a console project outside the
/// repository that references both packages from that folder (nuget.org second, for their dependencies), declare
/// networks, one with baked weights, train one and export it to ONNX, build with warnings as errors, run, and check what
/// it prints.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("netgen-package-");

    public void Dispose() => _folder.Delete(recursive: true);

    private const string ProtobufVersion = "3.36.2";

    [PackageFact]

    [Trait("Category", "Slow")]
    public void APackedNetGenBuildsAndRunsANewProject()
    {
        string repository = PackageFactAttribute.RepositoryRoot!;
        string feed = Directory.CreateDirectory(Path.Combine(_folder.FullName, "feed")).FullName;
        string app = Directory.CreateDirectory(Path.Combine(_folder.FullName, "app")).FullName;
        // A version no earlier run can have cached anywhere.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

        // The solution build has just built the package's contents: pack them as they are.
        Dotnet(repository, "pack", "src/NetGen/NetGen.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        Dotnet(repository, "pack", "src/NetGen.Onnx/NetGen.Onnx.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"NetGen.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/NetGen.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/NetGen.Generator.dll", entries);
            Assert.Contains("build/NetGen.targets", entries);
            Assert.Contains("buildTransitive/NetGen.targets", entries);
            Assert.Contains("README.md", entries);
            Assert.DoesNotContain(entries, e => e.Contains("Onnx", StringComparison.OrdinalIgnoreCase));
            // The core package drags nothing but tensor primitives into an app; ONNX's protobuf stays in NetGen.Onnx.
            Assert.Equal([("System.Numerics.Tensors", "10.0.0", "Build,Analyzers")], Dependencies(zip, "NetGen"));
        }

        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"NetGen.Onnx.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/NetGen.Onnx.dll", entries);
            Assert.Contains("lib/net10.0/NetGen.Onnx.xml", entries);
            Assert.Contains("README.md", entries);
            // protoc ran at build time: the package carries neither the tools nor their package as a dependency.
            Assert.DoesNotContain(entries, e => e.Contains("protoc", StringComparison.OrdinalIgnoreCase) || e.EndsWith(".proto", StringComparison.Ordinal));
            // NetGen with all its assets (no exclude), so referencing NetGen.Onnx alone brings the generator and targets too.
            Assert.Equal([("Google.Protobuf", ProtobufVersion, "Build,Analyzers"), ("NetGen", version, "")], Dependencies(zip, "NetGen.Onnx"));
        }

        WriteProject(app, feed, version);
        Dotnet(app, "build", "-c", "Release", "-warnaserror", "--disable-build-servers", "-nodeReuse:false");
        string printed = Dotnet(app, "run", "-c", "Release", "--no-build");

        Assert.Contains("baked: -1.625", printed, StringComparison.Ordinal);
        Assert.Contains("baked parameters: 13", printed, StringComparison.Ordinal);
        Assert.Contains("xor: 4/4", printed, StringComparison.Ordinal);
        Assert.Contains("onnx: 4 outputs of ONNX Runtime equal to NetGen's", printed, StringComparison.Ordinal);
    }

    // The package's dependencies (id, version, excluded assets), sorted, from its nuspec; one group (net10.0) is expected.
    private static (string Id, string Version, string Exclude)[] Dependencies(ZipArchive package, string id)
    {
        var entry = package.GetEntry(id + ".nuspec") ?? throw new InvalidOperationException($"{id}.nupkg has no {id}.nuspec.");
        using var stream = entry.Open();
        var nuspec = XDocument.Load(stream);
        var groups = nuspec.Descendants().Where(e => e.Name.LocalName == "group").ToArray();
        Assert.Equal(["net10.0"], groups.Select(g => (string?)g.Attribute("targetFramework")));
        return groups[0].Elements()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!, (string?)e.Attribute("exclude") ?? string.Empty))
            .OrderBy(d => d.Item1, StringComparer.Ordinal)
            .ToArray();
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
                <PackageReference Include="NetGen" Version="{version}" />
                <PackageReference Include="NetGen.Onnx" Version="{version}" />
                <!-- Reads the exported model back and runs it. -->
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />
                <AdditionalFiles Include="torch.safetensors" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.ML.OnnxRuntime;
            using NetGen;
            using NetGen.Onnx;

            // Weights baked in from torch.safetensors: nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)) as PyTorch saves it.
            var baked = new TorchNet();
            var y = new float[1];
            baked.Forward([1f, 2f], y);
            Console.WriteLine(FormattableString.Invariant($"baked: {y[0]}"));
            Console.WriteLine($"baked parameters: {TorchNet.BakedParameters.Length}");

            // A network trained here: plain gradient descent on XOR.
            float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
            float[] t = [0, 1, 1, 0];
            var xor = new XorNet();
            xor.InitializeParameters(seed: 1);
            var workspace = xor.CreateWorkspace(batchCapacity: 4);
            var gradient = new float[XorNet.ParameterCount];
            for (int epoch = 0; epoch < 2000; epoch++)
            {
                xor.ComputeLossAndGradient(x, t, gradient, workspace);
                for (int i = 0; i < gradient.Length; i++)
                {
                    xor.Parameters[i] -= 0.5f * gradient[i];
                }
            }

            int correct = 0;
            for (int row = 0; row < 4; row++)
            {
                xor.Forward(x.AsSpan(2 * row, 2), y);
                correct += (y[0] >= 0.5f) == (t[row] == 1) ? 1 : 0;
            }

            Console.WriteLine($"xor: {correct}/4");

            // The trained network as an ONNX model, read back and run by ONNX Runtime on the same four inputs.
            OnnxExporter.Export(xor, "xor.onnx");
            using var session = new InferenceSession("xor.onnx");
            using var input = OrtValue.CreateTensorValueFromMemory(x, [4, 2]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["input"], [input], ["output"]);
            var fromOnnx = results[0].GetTensorDataAsSpan<float>().ToArray();
            int equal = 0;
            for (int row = 0; row < 4; row++)
            {
                xor.Forward(x.AsSpan(2 * row, 2), y);
                equal += Math.Abs(fromOnnx[row] - y[0]) <= 1e-6f ? 1 : 0;
            }

            Console.WriteLine($"onnx: {equal} outputs of ONNX Runtime equal to NetGen's");

            [Network(Weights = "torch.safetensors")]
            [Input(2)]
            [Dense(3, Activation.ReLU)]
            [Dense(1, Activation.Identity)]
            public partial class TorchNet;

            [Network(Loss = Loss.BinaryCrossEntropy)]
            [Input(2)]
            [Dense(4, Activation.Tanh)]
            [Dense(1, Activation.Sigmoid)]
            public partial class XorNet;
            """);
        File.WriteAllBytes(Path.Combine(app, "torch.safetensors"), TorchStateDict());
    }

    // nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)) with known weights; for input (1, 2) it computes −1.625.
    private static byte[] TorchStateDict()
    {
        float[][] tensors = [[0.5f, -1f, 1.5f, 0.25f, -0.75f, 2f], [0.125f, -0.25f, 0.375f], [1f, -2f, 0.5f], [0.0625f]];
        string header = """{"__metadata__":{"format":"pt"},"0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"0.bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},"2.weight":{"dtype":"F32","shape":[1,3],"data_offsets":[36,48]},"2.bias":{"dtype":"F32","shape":[1],"data_offsets":[48,52]}}""";
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        var file = new byte[8 + headerBytes.Length + 52];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        int at = 8 + headerBytes.Length;
        foreach (float value in tensors.SelectMany(t => t))
        {
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at), value);
            at += 4;
        }

        return file;
    }

    private string Dotnet(string workingDirectory, params string[] arguments) => DotnetCommand.Run(output, workingDirectory, arguments);
}
