using BenchmarkDotNet.Running;
using NetGen.Generator.Benchmarks;

// `dotnet run -c Release --project bench/NetGen.Generator.Benchmarks`
BenchmarkSwitcher.FromAssembly(typeof(GeneratorBenchmarks).Assembly).Run(args);
