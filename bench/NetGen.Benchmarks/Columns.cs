using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>The number of samples one operation of the benchmarks of a class processes, when no BatchSize parameter says so.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SamplesPerOperationAttribute(int samples) : Attribute
{
    /// <summary>Samples per operation.</summary>
    public int Samples { get; } = samples;
}

/// <summary>Training throughput: samples per operation (the BatchSize parameter or [SamplesPerOperation]) over a statistic of the time per operation.</summary>
public sealed class SamplesPerSecondColumn(bool median) : IColumn
{
    /// <inheritdoc/>
    public string Id => median ? "SamplesPerSecondMedian" : "SamplesPerSecondMean";

    /// <inheritdoc/>
    public string ColumnName => median ? "Samples/s (median)" : "Samples/s (mean)";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => median ? 1 : 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => $"Samples processed per second, from the {(median ? "median" : "mean")} time per step";

    /// <summary>The samples one operation of <paramref name="benchmarkCase"/> processes, or null if unknown.</summary>
    public static int? SamplesPerOperation(BenchmarkCase benchmarkCase)
    {
        var batch = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "BatchSize");
        if (batch?.Value is int size)
        {
            return size;
        }

        return benchmarkCase.Descriptor.Type.GetCustomAttributes(typeof(SamplesPerOperationAttribute), inherit: true)
            .OfType<SamplesPerOperationAttribute>().FirstOrDefault()?.Samples;
    }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || SamplesPerOperation(benchmarkCase) is not { } samples)
        {
            return "NA";
        }

        double nanoseconds = median ? statistics.Median : statistics.Mean;
        return (samples / (nanoseconds * 1e-9)).ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => SamplesPerOperation(c) is not null);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}

/// <summary>This case's median time over its group baseline's median time (BenchmarkDotNet's Ratio uses means).</summary>
public sealed class MedianRatioColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => "MedianRatio";

    /// <inheritdoc/>
    public string ColumnName => "Median ratio";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Baseline;

    /// <inheritdoc/>
    public int PriorityInCategory => 10;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Median time over the baseline's median time (NetGen generated = 1): how many times slower than the generated code";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string? key = summary.GetLogicalGroupKey(benchmarkCase);
        var baseline = key is null ? null : summary.GetBaseline(key);
        var mine = summary[benchmarkCase]?.ResultStatistics;
        var theirs = baseline is null ? null : summary[baseline]?.ResultStatistics;
        if (mine is null || theirs is null || theirs.Median <= 0)
        {
            return "NA";
        }

        double ratio = mine.Median / theirs.Median;
        return ratio.ToString(ratio >= 100 ? "N0" : ratio >= 10 ? "N1" : "N2", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(summary.IsBaseline);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}

/// <summary>The floating-point operations one sample costs (two per weight: a multiply and an add), for <see cref="GigaflopsColumn"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FlopsPerSampleAttribute(long flops) : Attribute
{
    /// <summary>Operations per sample.</summary>
    public long Flops { get; } = flops;
}

/// <summary>The floating-point operations one benchmark operation performs, for classes whose work is not counted in samples (<see cref="FmaPeak"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FlopsPerOperationAttribute(long flops) : Attribute
{
    /// <summary>Operations per benchmark operation.</summary>
    public long Flops { get; } = flops;
}

/// <summary>Arithmetic throughput: [FlopsPerOperation], or [FlopsPerSample] × samples per operation, over the median time per operation.</summary>
public sealed class GigaflopsColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => "Gigaflops";

    /// <inheritdoc/>
    public string ColumnName => "GFLOP/s (median)";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 2;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Billions of multiply and add operations per second (two per weight per sample; two per lane of a fused multiply-add), from the median time";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || FlopsPerOperation(benchmarkCase) is not { } flops)
        {
            return "NA";
        }

        return (flops / statistics.Median).ToString("N1", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => FlopsPerOperation(c) is not null);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    private static double? FlopsPerOperation(BenchmarkCase benchmarkCase)
    {
        var type = benchmarkCase.Descriptor.Type;
        if (type.GetCustomAttributes(typeof(FlopsPerOperationAttribute), inherit: true).OfType<FlopsPerOperationAttribute>().FirstOrDefault() is { } perOperation)
        {
            return perOperation.Flops;
        }

        var perSample = type.GetCustomAttributes(typeof(FlopsPerSampleAttribute), inherit: true).OfType<FlopsPerSampleAttribute>().FirstOrDefault();
        return perSample is not null && SamplesPerSecondColumn.SamplesPerOperation(benchmarkCase) is { } samples
            ? (double)perSample.Flops * samples
            : null;
    }
}
