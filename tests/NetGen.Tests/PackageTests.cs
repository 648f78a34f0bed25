using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests;

/// <summary>
/// The path a new user takes: pack NetGen into a local folder, create a console project outside the repository that
/// references the package from that folder (nuget.org second, for its dependencies), declare networks, one with baked
/// weights, build with warnings as errors, run, and check what it prints.
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

    [PackageFact]
    public void APackedNetGenBuildsAndRunsANewProject()
    {
        string repository = PackageFactAttribute.RepositoryRoot!;
        string feed = Directory.CreateDirectory(Path.Combine(_folder.FullName, "feed")).FullName;
        string app = Directory.CreateDirectory(Path.Combine(_folder.FullName, "app")).FullName;
        // A version no earlier run can have cached anywhere.
        string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

        // The solution build has just built the package's contents: pack them as they are.
        Dotnet(repository, "pack", "src/NetGen/NetGen.csproj", "-c", Configuration, "--no-build", "-o", feed, "-p:Version=" + version);
        string package = Path.Combine(feed, $"NetGen.{version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/NetGen.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/NetGen.Generator.dll", entries);
            Assert.Contains("build/NetGen.targets", entries);
            Assert.Contains("buildTransitive/NetGen.targets", entries);
            Assert.Contains("README.md", entries);
        }

        WriteProject(app, feed, version);
        Dotnet(app, "build", "-c", "Release", "-warnaserror", "--disable-build-servers", "-nodeReuse:false");
        string printed = Dotnet(app, "run", "-c", "Release", "--no-build");

        Assert.Contains("baked: -1.625", printed, StringComparison.Ordinal);
        Assert.Contains("baked parameters: 13", printed, StringComparison.Ordinal);
        Assert.Contains("xor: 4/4", printed, StringComparison.Ordinal);
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
                <AdditionalFiles Include="torch.safetensors" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using NetGen;

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

    private string Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(PackageFactAttribute.DotnetHost, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
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

        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}\n{result}");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{result}");
        return result;
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

    /// <summary>The repository holding these tests, when its runtime and generator have been built in this configuration.</summary>
    public static string? RepositoryRoot { get; } = FindRepository();

    private static string? FindRepository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NetGen.sln")))
            {
                bool built = File.Exists(Path.Combine(folder.FullName, "src", "NetGen", "bin", Configuration, "net10.0", "NetGen.dll"))
                    && File.Exists(Path.Combine(folder.FullName, "generator", "NetGen.Generator", "bin", Configuration, "netstandard2.0", "NetGen.Generator.dll"));
                return built ? folder.FullName : null;
            }
        }

        return null;
    }
}
