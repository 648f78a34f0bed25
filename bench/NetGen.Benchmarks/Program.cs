using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Microsoft.ML.OnnxRuntime;
using NetGen.Benchmarks;
using NetGen.Benchmarks.Peers;

// dotnet run -c Release --project bench/NetGen.Benchmarks                      everything (BenchmarkDotNet's default job)
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --short           everything, quick (ShortRun: 3 warm-ups, 3 iterations)
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --filter '*Inference*'   BenchmarkDotNet filters work as usual
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --accuracy        same accuracy after the same epochs (Fashion-MNIST)
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --peers           whether ONNX Runtime and TorchSharp load
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --both-widths     the quantized, batched and peak classes once more with AVX-512 and AVX-VNNI off (job "Vector256 only")
// dotnet run -c Release --project bench/NetGen.Benchmarks -- --job dry         a base job by name: dry, short, medium, long, default (this program sets the job itself)
if (args.Contains("--accuracy"))
{
    return AccuracyComparison.Run(args);
}

Console.WriteLine($"ONNX Runtime peer: {OrtEnv.Instance().GetVersionString()}");
Console.WriteLine(TorchPeer.Describe());
Console.WriteLine($"NetGen compressed-weight kernels: {NetGen.Numerics.QuantizedKernels.DescribePaths()}; Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
if (args.Contains("--peers"))
{
    return TorchPeer.Failure is null ? 0 : 1;
}

// The job is chosen here, not by BenchmarkDotNet's --job: a configuration that brings its own job makes BenchmarkDotNet
// ignore --job, and --both-widths needs two jobs built on the same base.
string jobName = args.Contains("--short") ? "short" : "default";
int jobAt = Array.FindIndex(args, a => a is "--job" or "-j");
if (jobAt >= 0)
{
    if (jobAt + 1 >= args.Length)
    {
        Console.Error.WriteLine("--job needs a name: dry, short, medium, long or default");
        return 1;
    }

    jobName = args[jobAt + 1].ToLowerInvariant();
    args = [.. args[..jobAt], .. args[(jobAt + 2)..]];
}

(Job Job, string Id)? baseJob = jobName switch
{
    "dry" => (Job.Dry, "Dry"),
    "short" or "shortrun" => (Job.ShortRun, "ShortRun"),
    "medium" or "mediumrun" => (Job.MediumRun, "MediumRun"),
    "long" or "longrun" => (Job.LongRun, "LongRun"),
    "default" => (Job.Default, "DefaultJob"),
    _ => null,
};
if (baseJob is null)
{
    Console.Error.WriteLine($"unknown job '{jobName}': dry, short, medium, long or default");
    return 1;
}

bool bothWidths = args.Contains("--both-widths");
args = args.Where(a => a is not ("--short" or "--both-widths")).ToArray();
if (!args.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h" or "--version" or "--info"))
{
    args = [.. args, "--filter", "*"];
}

var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, new MedianRatioColumn(), new SamplesPerSecondColumn(median: false), new SamplesPerSecondColumn(median: true), new GigaflopsColumn())
    .WithOrderer(new EngineOrderer())
    .WithOptions(ConfigOptions.DisableLogFile);
// The projects BenchmarkDotNet generates import no Directory.Build.* files; this hook patches their copy of TorchSharp's
// native library as the bench's own build does (TorchSharpShim/patch-libtorchsharp.sh).
string shimTargets = Path.Combine(AppContext.BaseDirectory, "TorchSharpShim", "TorchSharpShim.targets");
var job = baseJob.Value.Job.WithArguments([new MsBuildArgument($"/p:CustomAfterMicrosoftCommonTargets={shimTargets}")]);
if (bothWidths)
{
    // The kernels choose their vector width once per process from what the runtime reports, so a second job whose
    // processes start with AVX-512 and AVX-VNNI turned off (.NET 10 reads DOTNET_EnableAVX512; it ignores the older
    // DOTNET_EnableAVX512F) measures the 256-bit paths on the same host in the same run. Only the classes whose code
    // has 512-bit or VNNI paths get it.
    const string narrowId = "Vector256 only";
    string[] widthCategories = ["quantized", "batched"];
    config = config
        .AddJob(job.WithId(baseJob.Value.Id))
        .AddJob(job.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0"), new EnvironmentVariable("DOTNET_EnableAVXVNNI", "0")).WithId(narrowId))
        .AddFilter(new SimpleFilter(c => c.Job.Id != narrowId || c.Descriptor.Categories.Any(widthCategories.Contains)));
}
else
{
    config = config.AddJob(job.WithId(baseJob.Value.Id).AsDefault());
}

BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmark).Assembly).Run(args, config);
return 0;
