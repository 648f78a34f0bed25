using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>The pipeline caches: unchanged input regenerates nothing, and its models hold no compiler objects.</summary>
public class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    [
        TrackingNames.Parse, TrackingNames.Model, TrackingNames.Diagnostics,
        TrackingNames.OrphanInput, TrackingNames.OrphanDense, TrackingNames.OrphanDropout,
        TrackingNames.WeightsFiles, TrackingNames.Weights, TrackingNames.HintNames, TrackingNames.Emission,
    ];

    private const string Source = """
        using NetGen;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(64)]
        [Dense(32, Activation.ReLU)]
        [Dropout(0.8)]
        [Dense(10, Activation.Softmax)]
        public partial class DigitsNet;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(2)]
        [Dense(3, Activation.ReLU, LeakySlope = 0.3)]
        [Dense(1, Activation.Identity)]
        public partial class WarnedNet;

        [Dense(3, Activation.ReLU)]
        public partial class Orphan;
        """;

    [Fact]
    public void SecondRunOnAClonedCompilationIsFullyCached()
    {
        var compilation = GeneratorHarness.Compilation(Source);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();
        Assert.NotEmpty(first.Results.Single().GeneratedSources);

        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (var step in second.TrackedSteps.Where(s => TrackedSteps.Contains(s.Key)).SelectMany(s => s.Value))
        {
            Assert.All(step.Outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {step.Name}: {output.Reason}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void AnUnrelatedEditRegeneratesNothing()
    {
        var compilation = GeneratorHarness.Compilation(Source);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.All(result.TrackedSteps[TrackingNames.Model].SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void EditingALayerRegeneratesThatNetworkOnly()
    {
        var compilation = GeneratorHarness.Compilation(Source);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var changed = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(Source.IndexOf("Dense(32", StringComparison.Ordinal) + 6, 2, "48")));

        var result = driver.RunGenerators(changed).GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TrackingNames.Model].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains(result.GeneratedSources, s => s.HintName == "DigitsNet.g.cs" && s.SourceText.ToString().Contains("Dense1Size = 48", StringComparison.Ordinal));
    }

    private const string BakedSource = """
        using NetGen;
        [Network(Weights = "small.safetensors")]
        [Input(2)]
        [Dense(1, Activation.Identity)]
        public partial class BakedNet;

        [Network]
        [Input(2)]
        [Dense(1, Activation.Identity)]
        public partial class PlainNet;
        """;

    private static AdditionalText SmallWeights(float bias) => GeneratorHarness.WeightsFile("/project/small.safetensors", TestWeights.TwoToOne(b: bias));

    [Fact]
    public void ChangingTheWeightsFileRegeneratesTheBakedNetworkOnly()
    {
        var compilation = GeneratorHarness.Compilation(BakedSource);
        var original = SmallWeights(0.125f);
        var driver = GeneratorHarness.Driver(trackSteps: true, additionalTexts: [original]).RunGenerators(compilation);
        string before = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "BakedNet.Weights.g.cs").SourceText.ToString();

        var result = driver.ReplaceAdditionalText(original, SmallWeights(0.375f)).RunGenerators(compilation).GetRunResult().Results.Single();

        var weights = result.TrackedSteps[TrackingNames.Weights].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, weights.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, weights.Count(r => r == IncrementalStepRunReason.Unchanged));
        string after = result.GeneratedSources.Single(s => s.HintName == "BakedNet.Weights.g.cs").SourceText.ToString();
        Assert.NotEqual(before, after);
        // 0.375f = 0x3EC00000 replaces 0.125f = 0x3E000000 in the second word.
        Assert.Contains("0x000000003EC00000", after, StringComparison.Ordinal);
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, outputs);
        Assert.Contains(IncrementalStepRunReason.Cached, outputs);
    }

    [Fact]
    public void UnrelatedCodeAndUnrelatedFilesLeaveABakedNetworkCached()
    {
        var compilation = GeneratorHarness.Compilation(BakedSource);
        var driver = GeneratorHarness.Driver(trackSteps: true, additionalTexts: [SmallWeights(0.125f)]).RunGenerators(compilation);
        Assert.Contains(driver.GetRunResult().Results.Single().GeneratedSources, s => s.HintName == "BakedNet.Weights.g.cs");

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var result = driver
            .AddAdditionalTexts([new GeneratorHarness.InMemoryAdditionalText("/project/notes.txt", "not weights")])
            .RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.All(result.TrackedSteps[TrackingNames.Weights].SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void PipelineModelsHoldNoCompilerObjects()
    {
        var compilation = GeneratorHarness.Compilation(Source, BakedSource);
        var result = GeneratorHarness.Driver(trackSteps: true, additionalTexts: [SmallWeights(0.125f)]).RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result.GeneratedSources, s => s.HintName == "BakedNet.Weights.g.cs");

        foreach (var stepName in TrackedSteps)
        {
            foreach (var step in result.TrackedSteps[stepName])
            {
                foreach (var (value, _) in step.Outputs)
                {
                    AssertNoCompilerObjects(value, $"{stepName} output", new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    /// <summary>
    /// Forty edits in a row (layers resized, networks added, renamed so that names collide ignoring case, deleted, broken
    /// and mended, the weights file changed, unrelated code added), and after each one the incremental driver's output is
    /// exactly what a new driver generates from scratch.
    /// </summary>
    [Fact]
    public void AfterEveryEditOfALongSequenceTheOutputIsWhatAFreshRunGenerates()
    {
        string[] declarations =
        [
            "[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(8)][Dense(6, Activation.ReLU)][Dense(3, Activation.Softmax)] public partial class Alpha;",
            "[Network(Weights = \"small.safetensors\")][Input(2)][Dense(1, Activation.Identity)] public partial class Baked;",
            "[Network][Input(3)][Dense(4, Activation.Tanh)][Dropout(0.5)][Dense(2, Activation.Sigmoid)] public partial class Gamma;",
        ];
        var weights = SmallWeights(0.125f);
        var compilation = GeneratorHarness.Compilation(Program(declarations));
        GeneratorDriver driver = GeneratorHarness.Driver(additionalTexts: [weights]);
        ImmutableArray<AdditionalText> texts = [weights];
        var random = new SeededRandom(17);
        var log = new List<string>();
        for (int step = 0; step < 40; step++)
        {
            int target = random.NextInt32(declarations.Length);
            string edit;
            switch (step % 8)
            {
                case 0:
                    edit = "resize";
                    declarations[target] = Regex.Replace(declarations[target], @"\[Input\(\d+", _ => $"[Input({1 + random.NextInt32(9)}");
                    break;
                case 1:
                    edit = "rename to collide ignoring case";
                    declarations[target] = Regex.Replace(declarations[target], @"class (\w+);", _ => $"class {Names[random.NextInt32(Names.Length)]};");
                    break;
                case 2:
                    edit = "break";
                    declarations[target] = declarations[target].Replace("[Dense(", "[Dense(, ", StringComparison.Ordinal);
                    break;
                case 3:
                    edit = "mend";
                    declarations[target] = declarations[target].Replace("[Dense(, ", "[Dense(", StringComparison.Ordinal);
                    break;
                case 4:
                    edit = "swap the weights file";
                    var next = SmallWeights(random.NextInt32(8) / 8f);
                    driver = driver.ReplaceAdditionalText(texts[0], next);
                    texts = [next];
                    break;
                case 5:
                    edit = "delete and add back in another namespace";
                    declarations[target] = declarations[target].StartsWith("namespace", StringComparison.Ordinal)
                        ? declarations[target][(declarations[target].IndexOf('{', StringComparison.Ordinal) + 1)..^1].Trim()
                        : "namespace Models { " + declarations[target] + " }";
                    break;
                case 6:
                    edit = "an undefined activation, or not any more";
                    declarations[target] = declarations[target].Contains(BadLayer, StringComparison.Ordinal)
                        ? declarations[target].Replace(BadLayer, string.Empty, StringComparison.Ordinal)
                        : declarations[target].Replace(" public partial", BadLayer + " public partial", StringComparison.Ordinal);
                    break;
                default:
                    edit = "unrelated code";
                    compilation = compilation.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
                        $"public static class Unrelated{step} {{ public static int Answer => {step}; }}", GeneratorHarness.ParseOptions, path: $"Unrelated{step}.cs"));
                    break;
            }

            var tree = compilation.SyntaxTrees.First();
            compilation = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Program(declarations))));
            driver = driver.RunGenerators(compilation);
            log.Add($"{step}: {edit}");

            string? difference = FromScratch.Difference(FromScratch.Outputs(driver.GetRunResult()), FromScratch.Run(compilation, texts));
            Assert.True(difference is null, $"after {string.Join(", ", log)}: {difference}");
        }

        static string Program(string[] declarations) => "using NetGen;\n" + string.Join("\n", declarations) + "\n";
    }

    private const string BadLayer = "[Dense(1, (Activation)42)]";

    // Names that collide ignoring case; the same name twice merges two declarations into one type, which is an error too.
    private static readonly string[] Names = ["Net", "NET", "nEt", "Net2"];

    private static void AssertNoCompilerObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is Compilation or ISymbol or SyntaxNode or SemanticModel or SyntaxTree || value is Location { Kind: LocationKind.SourceFile }, $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan)
        {
            return;
        }

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (var item in sequence)
            {
                AssertNoCompilerObjects(item, $"{path}[{i++}]", seen);
            }
        }

        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                AssertNoCompilerObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
            }
        }
    }
}
