using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>
/// BenchmarkDotNet's default order, except that within each parameter set the engines come in a fixed order: NetGen
/// generated (the baseline), generated on two threads (update inside the pass, then after it), interpreted, ONNX Runtime, TorchSharp.
/// </summary>
public sealed class EngineOrderer : IOrderer
{
    private static readonly string[] Engines = ["Generated", "GeneratedTwoThreads", "GeneratedTwoThreadsUpdateAfter", "Interpreted", "OnnxRuntime", "TorchSharpCpu"];
    private readonly IOrderer _default = DefaultOrderer.Instance;

    /// <inheritdoc/>
    public bool SeparateLogicalGroups => _default.SeparateLogicalGroups;

    /// <inheritdoc/>
    public IEnumerable<BenchmarkCase> GetExecutionOrder(ImmutableArray<BenchmarkCase> benchmarksCase, IEnumerable<BenchmarkLogicalGroupRule>? order = null) =>
        Arrange(_default.GetExecutionOrder(benchmarksCase, order));

    /// <inheritdoc/>
    public IEnumerable<BenchmarkCase> GetSummaryOrder(ImmutableArray<BenchmarkCase> benchmarksCases, Summary summary) =>
        Arrange(_default.GetSummaryOrder(benchmarksCases, summary));

    /// <inheritdoc/>
    public string? GetHighlightGroupKey(BenchmarkCase benchmarkCase) => _default.GetHighlightGroupKey(benchmarkCase);

    /// <inheritdoc/>
    public string? GetLogicalGroupKey(ImmutableArray<BenchmarkCase> allBenchmarksCases, BenchmarkCase benchmarkCase) =>
        _default.GetLogicalGroupKey(allBenchmarksCases, benchmarkCase);

    /// <inheritdoc/>
    public IEnumerable<IGrouping<string, BenchmarkCase>> GetLogicalGroupOrder(IEnumerable<IGrouping<string, BenchmarkCase>> logicalGroups, IEnumerable<BenchmarkLogicalGroupRule>? order = null) =>
        _default.GetLogicalGroupOrder(logicalGroups, order);

    private static IEnumerable<BenchmarkCase> Arrange(IEnumerable<BenchmarkCase> cases)
    {
        var list = cases.ToList();
        // Keep the default order of the type/parameter groups; sort engines inside each.
        return list
            .GroupBy(c => (c.Descriptor.Type, c.Job.ResolvedId, c.Parameters.FolderInfo))
            .SelectMany(group => group.OrderBy(c => Rank(c.Descriptor.WorkloadMethod.Name)));
    }

    private static int Rank(string method)
    {
        int index = Array.IndexOf(Engines, method);
        return index < 0 ? Engines.Length : index;
    }
}
