using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>
/// Compares what an incremental driver produced after a sequence of edits with what a new driver produces from scratch on
/// the same input. Both are ordinary drivers, without step tracking: Roslyn's step-tracking driver is itself known to drop
/// outputs in some edit sequences, so cache-reason assertions alone cannot show that incremental output is right.
/// </summary>
internal static class FromScratch
{
    /// <summary>A run's generated files and diagnostics as comparable text, one entry per file and per diagnostic.</summary>
    public static IReadOnlyList<string> Outputs(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        return result.GeneratedSources
            .Select(s => "file " + s.HintName + "\n" + s.SourceText)
            .Concat(result.Diagnostics.Select(Describe))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>What a new driver generates for <paramref name="compilation"/> and <paramref name="additionalTexts"/>.</summary>
    public static IReadOnlyList<string> Run(Compilation compilation, ImmutableArray<AdditionalText> additionalTexts) =>
        Outputs(GeneratorHarness.Driver(additionalTexts: additionalTexts).RunGenerators(compilation).GetRunResult());

    /// <summary>Null when the two agree, otherwise the first difference.</summary>
    public static string? Difference(IReadOnlyList<string> incremental, IReadOnlyList<string> scratch)
    {
        var missing = scratch.Except(incremental).ToList();
        var extra = incremental.Except(scratch).ToList();
        return missing.Count == 0 && extra.Count == 0
            ? null
            : $"incremental run lacks {missing.Count} and adds {extra.Count} outputs; first lacking: {Head(missing)}; first added: {Head(extra)}";

        static string Head(List<string> items) => items.Count == 0 ? "none" : items[0].Split('\n')[0];
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return string.Create(CultureInfo.InvariantCulture, $"diagnostic {diagnostic.Id} {span.Path}({span.StartLinePosition}) {diagnostic.GetMessage(CultureInfo.InvariantCulture)}");
    }
}
