using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Generator.Benchmarks;

/// <summary>
/// How long the generator takes for a 784-256-128-10 network from scratch, and for a second run after an unrelated edit
/// (which must regenerate nothing: the run checks that every output step was cached).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const string Declaration = """
        using NetGen;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(256, Activation.ReLU)]
        [Dropout(0.8)]
        [Dense(128, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class FashionNet;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warmDriver = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compilation = CSharpCompilation.Create(
            "GeneratorBenchmark",
            [CSharpSyntaxTree.ParseText(Declaration, ParseOptions, path: "FashionNet.cs")],
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer => 42; }", ParseOptions, path: "Unrelated.cs"));
        _warmDriver = NewDriver().RunGenerators(_compilation);

        // The claim the second benchmark measures: an unrelated edit leaves every output cached.
        var rerun = _warmDriver.RunGenerators(_edited).GetRunResult().Results.Single();
        if (rerun.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Any(o => o.Reason != IncrementalStepRunReason.Cached))
        {
            throw new InvalidOperationException("An unrelated edit regenerated output.");
        }
    }

    /// <summary>A cold run: parse the declaration, build the model, emit the source.</summary>
    [Benchmark(Baseline = true)]
    public int GenerateFromScratch() =>
        NewDriver().RunGenerators(_compilation).GetRunResult().Results.Single().GeneratedSources.Length;

    /// <summary>A warm run after an unrelated edit: everything comes from the cache.</summary>
    [Benchmark]
    public int RerunAfterUnrelatedEdit() =>
        _warmDriver.RunGenerators(_edited).GetRunResult().Results.Single().GeneratedSources.Length;

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}
