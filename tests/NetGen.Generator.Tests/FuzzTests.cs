using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Text;
using System.Threading;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.IO;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// Property-based tests (CsCheck): random and token-mutated declarations, random edit sequences, and damaged weights
/// files. Each property runs a small number of cases by default; <c>NETGEN_FUZZ_SCALE=100</c> runs a hundred times as
/// many (README, "How it is proven"). A failure prints the seed that reproduces it (<c>CsCheck_Seed=…</c>), shrunk to
/// the smallest failing case CsCheck found.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("NETGEN_FUZZ_SCALE"), NumberStyles.None, CultureInfo.InvariantCulture, out int scale) && scale > 0 ? scale : 1;

    private static long Iterations(int ciCount) => (long)ciCount * Scale;

    /// <summary>
    /// Random programs of up to four declarations, valid or not: the generator never throws; a network gets code exactly
    /// when it gets no NG error; the program compiles without any warning; and each generated network's Forward equals
    /// the interpreted engine's on the same parameters.
    /// </summary>
    [Fact]
    public void RandomDeclarationsGetDiagnosticsOrCodeThatCompilesAndAgreesWithTheInterpreter()
    {
        int compared = 0;
        int rejected = 0;
        FuzzDeclarations.Program.Sample(
            networks =>
            {
                var outcome = GeneratorHarness.Run(FuzzDeclarations.Source(networks));
                AssertNoCrash(outcome);
                var problems = outcome.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
                Assert.True(problems.Count == 0, GeneratorHarness.Describe(problems));

                var errorLines = outcome.NetGenDiagnostics.Where(d => d.DefaultSeverity == DiagnosticSeverity.Error).Select(d => d.Location.GetLineSpan().StartLinePosition.Line).ToHashSet();
                var accepted = new List<FuzzNetwork>();
                for (int i = 0; i < networks.Length; i++)
                {
                    var type = outcome.Output.GetTypeByMetadataName(networks[i].MetadataName)!;
                    bool generated = type.AllInterfaces.Any(t => t.Name == "INetwork");
                    bool hasError = errorLines.Contains(i + 1);
                    Assert.True(generated != hasError, $"{networks[i].Source()}: {(generated ? "code and an error" : "neither code nor an error")}");
                    Interlocked.Add(ref rejected, hasError ? 1 : 0);
                    if (generated && networks[i].ParameterCount <= 200_000)
                    {
                        accepted.Add(networks[i]);
                    }
                }

                if (accepted.Count > 0)
                {
                    var assembly = GeneratorHarness.CompileAndLoad(outcome);
                    foreach (var network in accepted)
                    {
                        AssertForwardMatchesTheInterpreter(assembly.GetType(network.MetadataName)!, network);
                        Interlocked.Increment(ref compared);
                    }
                }
            },
            iter: Iterations(16),
            threads: 1,
            print: networks => FuzzDeclarations.Source(networks),
            writeLine: output.WriteLine);

        output.WriteLine($"{compared} generated networks compared with the interpreter, {rejected} declarations rejected");
        Assert.True(compared > 0 && rejected > 0, "the declarations are neither all valid nor all invalid");
    }

    /// <summary>
    /// Valid declarations with one to three tokens deleted, repeated, swapped or replaced: the generator never throws, and
    /// whatever the user's own errors, the generated files hold no error and no warning.
    /// </summary>
    [Fact]
    public void TokenMutatedDeclarationsNeverCrashTheGeneratorOrBreakTheGeneratedCode() =>
        Gen.Select(Gen.OneOf(MutationBases), Mutation.Array[1, 3]).Sample(
            (source, mutations) =>
            {
                string mutated = Mutate(source, mutations);
                var outcome = GeneratorHarness.Run(mutated);
                AssertNoCrash(outcome);
                var generatedTrees = outcome.Run.GeneratedTrees.ToHashSet();
                var inGenerated = outcome.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && generatedTrees.Contains(d.Location.SourceTree!)).ToList();
                Assert.True(inGenerated.Count == 0, mutated + "\n" + GeneratorHarness.Describe(inGenerated));
            },
            iter: Iterations(100),
            threads: 1,
            print: t => Mutate(t.Item1, t.Item2),
            writeLine: output.WriteLine);

    /// <summary>
    /// Random sequences of edits (a declaration replaced, mutated or removed, unrelated code added, the weights file
    /// changed), run through one ordinary incremental driver: after every edit its output is exactly what a new driver
    /// generates from scratch.
    /// </summary>
    [Fact]
    public void RandomEditSequencesGenerateWhatAFreshRunGenerates() =>
        Gen.Select(FuzzDeclarations.Program, Edit.Array[1, 10]).Sample(
            (start, edits) =>
            {
                var declarations = start.Select(n => n.Source()).ToList();
                declarations.Add(BakedDeclaration);
                var weights = GeneratorHarness.WeightsFile("/project/fuzz.safetensors", TestWeights.TwoToOne());
                ImmutableArray<AdditionalText> texts = [weights];
                Compilation compilation = GeneratorHarness.Compilation(Program(declarations));
                GeneratorDriver driver = GeneratorHarness.Driver(additionalTexts: texts).RunGenerators(compilation);
                for (int step = 0; step < edits.Length; step++)
                {
                    compilation = edits[step].Apply(declarations, compilation, ref driver, ref texts);
                    var tree = compilation.SyntaxTrees.First();
                    compilation = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Program(declarations))));
                    driver = driver.RunGenerators(compilation);
                    string? difference = FromScratch.Difference(FromScratch.Outputs(driver.GetRunResult()), FromScratch.Run(compilation, texts));
                    Assert.True(difference is null, $"after edit {step + 1} of {edits.Length}: {difference}");
                }
            },
            iter: Iterations(12),
            threads: 1,
            writeLine: output.WriteLine);

    /// <summary>
    /// Every truncation of a weights file: <c>WeightsFile.Load</c> throws <see cref="WeightsFileException"/>, the
    /// network is unchanged, and loading allocated at most 6 times the file (the header and 5 bytes per header byte); the
    /// generator reports the same problem for each.
    /// </summary>
    [Fact]
    public void EveryTruncationOfAWeightsFileIsRejectedByBothWithTheSameProblem()
    {
        byte[] file = SavedWeights(out var spec);
        var variants = Enumerable.Range(0, file.Length).Select(length => file[..length]).ToList();

        var verdicts = variants.Select(v => RuntimeVerdict(v, spec)).ToList();

        Assert.All(verdicts, v => Assert.NotNull(v));
        AssertGeneratorAgrees(variants, verdicts);
    }

    /// <summary>
    /// Random byte edits of a weights file (header and data alike): <c>WeightsFile.Load</c> loads it or throws
    /// <see cref="WeightsFileException"/> (and then leaves the network unchanged), within the allocation bound, and the
    /// generator accepts exactly the same files with the same problem for the others.
    /// </summary>
    [Fact]
    public void RandomByteEditsOfAWeightsFileGetTheSameVerdictFromBoth()
    {
        byte[] file = SavedWeights(out var spec);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(file, 0);
        var edit = Gen.Select(Gen.Frequency((4, Gen.Int[8, headerEnd - 1]), (1, Gen.Int[0, file.Length - 1])), Gen.Frequency((3, Gen.OneOf(JsonBytes)), (1, Gen.Byte)));
        var batches = new List<byte[]>();
        edit.Array[1, 4].Sample(
            edits =>
            {
                byte[] variant = (byte[])file.Clone();
                foreach (var (at, value) in edits)
                {
                    variant[at] = value;
                }

                RuntimeVerdict(variant, spec);
                lock (batches)
                {
                    batches.Add(variant);
                }
            },
            iter: Iterations(150),
            threads: 1,
            writeLine: output.WriteLine);

        // The generator's verdicts, a few hundred files to a run (one network per file).
        foreach (var chunk in batches.Chunk(300))
        {
            AssertGeneratorAgrees([.. chunk], chunk.Select(v => RuntimeVerdict(v, spec)).ToList());
        }
    }

    /// <summary>Random edits of a header's JSON text, aimed at strings, escapes and numbers: only WeightsFileException.</summary>
    [Fact]
    public void EditedHeadersAreReadOrRejectedWithAWeightsFileException()
    {
        byte[] file = SavedWeights(out var spec);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(file, 0);
        string header = Encoding.UTF8.GetString(file, 8, headerEnd - 8);
        var insertion = Gen.OneOf("\"", "\\", "\\u", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0041", "é", "😀", "{", "}", "[", "]", ",", ":", "0", "-", "1e5", "null", " ", "\u0001", "__metadata__");
        Gen.Select(Gen.Int[0, header.Length], Gen.Int[0, 3], insertion).Array[1, 3].Sample(
            edits =>
            {
                var text = new StringBuilder(header);
                foreach (var (at, delete, insert) in edits)
                {
                    int position = Math.Min(at, text.Length);
                    text.Remove(position, Math.Min(delete, text.Length - position)).Insert(position, insert);
                }

                byte[] headerBytes = Encoding.UTF8.GetBytes(text.ToString());
                RuntimeVerdict([.. BitConverter.GetBytes((ulong)headerBytes.Length), .. headerBytes, .. file.AsSpan(headerEnd)], spec);
            },
            iter: Iterations(500),
            threads: 1,
            writeLine: output.WriteLine);
    }

    /// <summary>The header parser's UTF-8 check is .NET's: the same verdict on random, mostly multi-byte, bytes.</summary>
    [Fact]
    public void TheHeadersUtf8CheckAgreesWithDotNet() =>
        Gen.Frequency((3, Gen.OneOf<byte>(0x41, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xA0, 0x9F, 0x90, 0x8F)), (1, Gen.Byte)).Array[0, 12].Sample(
            bytes => Assert.Equal(System.Text.Unicode.Utf8.IsValid(bytes), Shared.SafeTensorsHeader.IsValidUtf8(bytes, 0, bytes.Length)),
            iter: Iterations(20_000),
            threads: 1,
            writeLine: output.WriteLine);

    private static readonly byte[] JsonBytes = "\"\\{}[],:0123456789-.eEu \t\n"u8.ToArray();

    private const string BakedDeclaration = "[Network(Weights = \"fuzz.safetensors\")][Input(2)][Dense(1, Activation.Identity)] internal partial class BakedFuzz;";

    private static string Program(List<string> declarations) => "using NetGen;\n" + string.Join("\n", declarations) + "\n";

    private static void AssertNoCrash(GeneratorHarness.Outcome outcome)
    {
        var crashes = outcome.GeneratorDiagnostics.Concat(outcome.Output.GetDiagnostics()).Where(d => d.Id is "NG9999" or "CS8784" or "CS8785").ToList();
        Assert.True(crashes.Count == 0, GeneratorHarness.Describe(crashes));
    }

    private static void AssertForwardMatchesTheInterpreter(Type type, FuzzNetwork network)
    {
        object instance = Activator.CreateInstance(type)!;
        if (instance is INetwork<double> doubleNetwork)
        {
            AssertForwardMatches(doubleNetwork, network, tolerance: 1e-10);
        }
        else
        {
            AssertForwardMatches((INetwork<float>)instance, network, tolerance: 1e-4f);
        }
    }

    // Dyadic weights and inputs (multiples of 1/16 and 1/8) keep sums of products exact as long as no transcendental
    // activation intervenes, so a Step layer sees the same z in both engines whatever order they add in.
    private static void AssertForwardMatches<T>(INetwork<T> generated, FuzzNetwork network, T tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom((ulong)network.Source().Length);
        var parameters = generated.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = T.CreateChecked((random.NextInt32(17) - 8) / 16.0);
        }

        var interpreted = new InterpretedNetwork<T>(generated.Spec);
        parameters.CopyTo(interpreted.Parameters);
        var input = new T[generated.Spec.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = T.CreateChecked((random.NextInt32(17) - 8) / 8.0);
        }

        var expected = new T[generated.Spec.OutputSize];
        var actual = new T[expected.Length];
        interpreted.Forward(input, expected);
        generated.Forward(input, actual);

        T difference = T.Zero;
        T norm = T.Zero;
        for (int i = 0; i < expected.Length; i++)
        {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }

        Assert.True(T.Sqrt(difference) <= (tolerance * T.Sqrt(norm)) + tolerance, $"{network.Source()}: generated [{string.Join(", ", actual)}], interpreted [{string.Join(", ", expected)}]");
    }

    private static byte[] SavedWeights(out NetworkSpec spec)
    {
        spec = new NetworkSpec(3, [new DenseLayerSpec(4, Activation.Tanh) { KeepProbability = 0.5 }, new DenseLayerSpec(2, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        var network = new InterpretedNetwork<float>(spec);
        network.InitializeParameters(seed: 5);
        return TestWeights.Save(network);
    }

    private const string VariantLayers = "[Input(3)][Dense(4, Activation.Tanh)][Dropout(0.5)][Dense(2, Activation.Softmax)]";

    /// <summary>
    /// What <c>WeightsFile.Load</c> says of the bytes: null when it loads them. Asserts that nothing but a
    /// <see cref="WeightsFileException"/> escapes, that a failed load leaves the network unchanged, and that loading
    /// allocated at most 6 times the file plus the reader's fixed buffers.
    /// </summary>
    private static string? RuntimeVerdict(byte[] bytes, NetworkSpec spec)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-fuzz-{Environment.CurrentManagedThreadId}.safetensors");
        File.WriteAllBytes(path, bytes);
        var network = new InterpretedNetwork<float>(spec);
        network.InitializeParameters(seed: 9);
        float[] before = network.Parameters.ToArray();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            WeightsFile.Load(network, path);
            return null;
        }
        catch (WeightsFileException error)
        {
            Assert.Equal(before, network.Parameters.ToArray());
            return error.TensorName is null ? error.Problem : $"tensor '{error.TensorName}': {error.Problem}";
        }
        finally
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(allocated <= (6L * bytes.Length) + (256 << 10), $"{allocated:N0} bytes allocated loading a {bytes.Length:N0}-byte file");
            File.Delete(path);
        }
    }

    /// <summary>The generator, given each file as the weights of one network, accepts exactly those the runtime loads.</summary>
    private static void AssertGeneratorAgrees(List<byte[]> variants, List<string?> verdicts)
    {
        var source = new StringBuilder("using NetGen;\n");
        var files = new List<AdditionalText>();
        for (int i = 0; i < variants.Count; i++)
        {
            files.Add(GeneratorHarness.WeightsFile($"/project/v{i}.safetensors", variants[i]));
            source.Append($"[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = \"v{i}.safetensors\")]{VariantLayers} internal partial class V{i};\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        AssertNoCrash(outcome);
        var byLine = outcome.NetGenDiagnostics.ToLookup(d => d.Location.GetLineSpan().StartLinePosition.Line - 1);
        for (int i = 0; i < variants.Count; i++)
        {
            string? message = byLine[i].SingleOrDefault()?.GetMessage(CultureInfo.InvariantCulture);
            Assert.True(
                verdicts[i] is null ? message is null : message?.EndsWith(": " + verdicts[i], StringComparison.Ordinal) == true,
                $"file {i} ({variants[i].Length} bytes): runtime {verdicts[i] ?? "loads it"}, generator {message ?? "bakes it"}");
        }
    }

    // Token mutations: what to do at which token (taken modulo the token count), with which replacement.
    private sealed record TokenMutation(int Kind, int At, string Replacement);

    private static readonly string[] Replacements =
    [
        "[", "]", "(", ")", ",", "=", ";", "{", "}", ".", "Dense", "Input", "Dropout", "Network", "Activation.ReLU", "Activation.Softmax",
        "(Activation)42", "Loss.MeanSquaredError", "Loss = 1", "Precision.Double", "0", "-1", "1e-40", "1048577", "3", "0.5", "double.NaN",
        "\"x\"", "partial", "class", "record", "static", "abstract", "sealed", "@class", "Spec", "LeakySlope", "Alpha", "Weights", "namespace", "N",
        "System", "NetGen", "Workspace", "A1", "file", "ref", "struct", "interface", "<", ">", "T",
    ];

    private static readonly Gen<TokenMutation> Mutation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.OneOf(Replacements), (kind, at, replacement) => new TokenMutation(kind, at, replacement));

    private static readonly string[] MutationBases =
    [
        "using NetGen;\n[Network(Loss = Loss.SoftmaxCrossEntropy)][Input(64)][Dense(32, Activation.ReLU)][Dropout(0.8)][Dense(10, Activation.Softmax)] public partial class DigitsNet;",
        "using NetGen;\nnamespace Models;\n[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)][Input(2)][Dense(4, Activation.LeakyReLU, LeakySlope = 0.2)][Dense(1, Activation.Sigmoid)] internal partial class XorNet;",
        "using NetGen;\n[Network][Input(3)][Dropout(0.9)][Dense(5, Activation.Step)][Dense(1, Activation.Step)] public partial class Perceptron { }\n[Network][Input(2)][Dense(1, Activation.Tanh)] partial record Tiny;",
    ];

    private static string Mutate(string source, TokenMutation[] mutations)
    {
        var tokens = SyntaxFactory.ParseTokens(source).Select(t => t.ToFullString()).Where(t => t.Length > 0).ToList();
        foreach (var mutation in mutations)
        {
            int at = mutation.At % tokens.Count;
            switch (mutation.Kind)
            {
                case 0:
                    tokens.RemoveAt(at);
                    break;
                case 1:
                    tokens.Insert(at, tokens[at]);
                    break;
                case 2 when at + 1 < tokens.Count:
                    (tokens[at], tokens[at + 1]) = (tokens[at + 1], tokens[at]);
                    break;
                default:
                    tokens[at] = " " + mutation.Replacement + " ";
                    break;
            }

            if (tokens.Count == 0)
            {
                tokens.Add(";");
            }
        }

        return string.Concat(tokens);
    }

    /// <summary>One edit of a running program: replace, mutate or remove a declaration, add unrelated code, or change the weights.</summary>
    private sealed record EditStep(int Kind, int Target, FuzzNetwork Replacement, TokenMutation Mutation, float Bias)
    {
        public Compilation Apply(List<string> declarations, Compilation compilation, ref GeneratorDriver driver, ref ImmutableArray<AdditionalText> texts)
        {
            int target = Target % declarations.Count;
            switch (Kind)
            {
                case 0:
                    declarations[target] = Replacement.Source();
                    break;
                case 1:
                    declarations[target] = Mutate(declarations[target], [Mutation]);
                    break;
                case 2 when declarations.Count > 1:
                    declarations.RemoveAt(target);
                    break;
                case 3:
                    declarations.Add(Replacement.Source());
                    break;
                case 4:
                    var weights = GeneratorHarness.WeightsFile("/project/fuzz.safetensors", Bias > 0.9f ? [1, 2, 3] : TestWeights.TwoToOne(b: Bias));
                    driver = driver.ReplaceAdditionalText(texts[0], weights);
                    texts = [weights];
                    break;
                default:
                    return compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
                        $"internal static class Unrelated{compilation.SyntaxTrees.Count()} {{ public static int Answer => 42; }}",
                        GeneratorHarness.ParseOptions,
                        path: $"Unrelated{compilation.SyntaxTrees.Count()}.cs"));
            }

            return compilation;
        }
    }

    private static readonly Gen<EditStep> Edit = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 100], FuzzDeclarations.Network, Mutation, Gen.Single[0f, 1f], (kind, target, network, mutation, bias) => new EditStep(kind, target, network, mutation, bias));
}
