using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Generator.Tests;

/// <summary>Compiles test sources against .NET 10 reference assemblies and the NetGen runtime, and runs the generator.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    // The strictest settings a user might build with: every warning level, nullable, checked arithmetic.
    public static readonly CSharpCompilationOptions StrictOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithWarningLevel(9999)
        .WithOverflowChecks(true)
        .WithOptimizationLevel(OptimizationLevel.Release)
        .WithGeneralDiagnosticOption(ReportDiagnostic.Error);

    private static readonly ImmutableArray<MetadataReference> References =
        [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location)];

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "NetGenTestInput",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Input{i}.cs")),
            References,
            StrictOptions);

    public static GeneratorDriver Driver(bool trackSteps = false, IEnumerable<AdditionalText>? additionalTexts = null) =>
        CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator()],
            additionalTexts: additionalTexts,
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackSteps));

    /// <summary>
    /// A weights file as NetGen's build step hands it to the compiler: a text container with the source path and the
    /// bytes in base64, named after the file in a folder of its own, as build/NetGen.targets writes it.
    /// </summary>
    public static AdditionalText WeightsFile(string sourcePath, byte[] safetensors)
    {
        string folder = "/project/obj/netgen/" + ((uint)StringComparer.Ordinal.GetHashCode(sourcePath)).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        return new InMemoryAdditionalText(
            folder + "/" + Path.GetFileName(sourcePath) + Weights.WeightsContainer.Extension,
            Weights.WeightsContainer.Encode(sourcePath, safetensors));
    }

    /// <summary>An additional file with the given text, as the compiler would decode it from disk.</summary>
    public sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
    {
        private readonly Microsoft.CodeAnalysis.Text.SourceText _text = Microsoft.CodeAnalysis.Text.SourceText.From(text, System.Text.Encoding.UTF8);

        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => _text;
    }

    public sealed record Outcome(GeneratorDriverRunResult Run, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
    {
        public IEnumerable<Diagnostic> NetGenDiagnostics => GeneratorDiagnostics.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal));

        public IEnumerable<Diagnostic> CompilationProblems =>
            Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError);

        public string SourceOf(string hintName) =>
            Run.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

        /// <summary>The source text a diagnostic points at (generator locations carry a path and span, not a tree).</summary>
        public string TextAt(Location location)
        {
            string path = location.GetLineSpan().Path;
            var tree = Output.SyntaxTrees.Single(t => t.FilePath == path);
            return tree.GetText().ToString(location.SourceSpan);
        }

        public IEnumerable<string> GeneratedHintNames => Run.Results.Single().GeneratedSources.Select(s => s.HintName);
    }

    public static Outcome Run(params string[] sources) => Run([], sources);

    public static Outcome Run(IEnumerable<AdditionalText> additionalTexts, params string[] sources)
    {
        var input = Compilation(sources);
        var driver = Driver(additionalTexts: additionalTexts).RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var exception = run.Results.Single().Exception;
        if (exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", exception);
        }

        return new Outcome(run, output, diagnostics);
    }

    /// <summary>Compiles the generator's output and loads it into a collectible context that shares the NetGen runtime.</summary>
    public static Assembly CompileAndLoad(Outcome outcome)
    {
        using var stream = new MemoryStream();
        var emit = outcome.Output.Emit(stream);
        if (!emit.Success)
        {
            throw new InvalidOperationException("Generated code failed to compile:\n" + string.Join("\n", emit.Diagnostics.Take(20)));
        }

        stream.Position = 0;
        return new AssemblyLoadContext("NetGenTest", isCollectible: true).LoadFromStream(stream);
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => d.ToString()));
}
