using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
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

bool isShort = args.Contains("--short");
args = args.Where(a => a != "--short").ToArray();
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
var job = (isShort ? Job.ShortRun : Job.Default)
    .WithArguments([new MsBuildArgument($"/p:CustomAfterMicrosoftCommonTargets={shimTargets}")])
    .WithId(isShort ? "ShortRun" : "DefaultJob");
config = config.AddJob(job.AsDefault());

BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmark).Assembly).Run(args, config);
return 0;
