using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks;

// `dotnet run -c Release --project bench/NetGen.Benchmarks -- --filter *` runs everything;
// add `--short` for a quick pass (fewer iterations, same side-by-side layout).
bool isShort = System.Array.IndexOf(args, "--short") >= 0;
var config = DefaultConfig.Instance;
if (isShort)
{
    config = config.AddJob(Job.ShortRun);
    args = System.Array.FindAll(args, a => a != "--short");
}

BenchmarkSwitcher.FromAssembly(typeof(EngineBenchmarks).Assembly).Run(args, config);
