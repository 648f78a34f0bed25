using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetGen.Onnx;
using NetGen.Onnx.Tests.Import;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Generator.Tests;

/// <summary>
/// The damaged models of the ONNX reader's fuzz tests (<see cref="OnnxDamage"/>: every prefix of real models, random byte
/// changes and hostile lengths, the same cases from the same seeds) fed through <c>[Network(Onnx = "…")]</c>: the
/// generator never throws; each model is exactly one NG error with the run-time importer's words when the importer
/// refuses it, and otherwise code that compiles into the network the importer reads, bitwise.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private const int ByteChangeCases = 150;
    private const int HostileLengthCases = 100;
    private const int Batch = 500;

    private static readonly byte[][] Models = OnnxDamage.BaseModels.Select(name => File.ReadAllBytes(Corpus.Get(name).Path)).ToArray();

    [Fact]
    public void EveryPrefixOfARealModelIsOneDiagnosticAndNoCrash()
    {
        // The two smallest base models, cut at every offset.
        var cases = new List<byte[]>();
        foreach (var model in Models.OrderBy(m => m.Length).Take(2))
        {
            for (int length = 0; length < model.Length; length++)
            {
                cases.Add(model[..length]);
            }
        }

        var (accepted, refused) = Check(cases);
        Assert.Equal(0, accepted);
        Assert.Equal(cases.Count, refused);
    }

    [Fact]
    public void RandomByteChangesAreDiagnosticsOrCodeThatCompilesToTheImportedNetwork()
    {
        var gen = OnnxDamage.ByteChanges(Models.Length);
        var cases = Enumerable.Range(0, ByteChangeCases * OnnxDamage.Scale)
            .Select(i => OnnxDamage.Case(gen, stream: 1, (ulong)i))
            .Select(c => OnnxDamage.WithChanges(Models[c.Model], c.Changes))
            .ToList();
        var (accepted, refused) = Check(cases);

        // Most changes land in weight data, and a NaN or a changed constant is still a model: both outcomes occur.
        Assert.True(accepted > 0 && refused > 0, $"{accepted} accepted, {refused} refused");
    }

    [Fact]
    public void HostileLengthsAreDiagnosticsOrCodeThatCompilesToTheImportedNetwork()
    {
        var gen = OnnxDamage.HostileLength(Models.Length);
        var cases = Enumerable.Range(0, HostileLengthCases * OnnxDamage.Scale)
            .Select(i => OnnxDamage.Case(gen, stream: 2, (ulong)i))
            .Select(c => OnnxDamage.WithHostileLength(Models[c.Model], c.Position, c.Length, c.Insert))
            .ToList();
        var (_, refused) = Check(cases);
        Assert.True(refused > 0);
    }

    // Runs the generator over the cases, in batches of one compilation each, and checks every case against the run-time
    // importer. Returns how many compiled and how many were refused.
    private (int Accepted, int Refused) Check(List<byte[]> cases)
    {
        int accepted = 0, refused = 0;
        for (int start = 0; start < cases.Count; start += Batch)
        {
            var batch = cases.Skip(start).Take(Batch).ToList();
            var (a, r) = CheckBatch(batch, start);
            accepted += a;
            refused += r;
        }

        output.WriteLine($"{cases.Count} damaged models: {accepted} compiled, {refused} refused");
        return (accepted, refused);
    }

    private static (int Accepted, int Refused) CheckBatch(List<byte[]> cases, int first)
    {
        var source = new StringBuilder("using NetGen;\nnamespace Damaged;\n");
        var files = new List<AdditionalText>();
        for (int i = 0; i < cases.Count; i++)
        {
            files.Add(OnnxSources.Container($"/project/cases/case{first + i}.onnx", cases[i]));
            source.Append($"[Network(Onnx = \"case{first + i}.onnx\")] internal partial class Case{first + i};\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id is "NG9999" or "CS8784" or "CS8785");
        var byCase = new Dictionary<int, Diagnostic>();
        foreach (var diagnostic in outcome.NetGenDiagnostics)
        {
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            var match = Regex.Match(outcome.TextAt(diagnostic.Location), "^Onnx = \"case([0-9]+)\\.onnx\"$");
            Assert.True(match.Success, $"{diagnostic} is not on an Onnx argument");
            Assert.True(byCase.TryAdd(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), diagnostic), $"two diagnostics for one model: {diagnostic}");
        }

        var generated = outcome.GeneratedHintNames.ToHashSet();
        var expectations = new List<(int Index, ImportedModel Model)>();
        int refused = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            int index = first + i;
            var (model, error) = ImportAsTheRuntimeDoes(cases[i]);
            if (error is not null)
            {
                refused++;
                Assert.True(byCase.TryGetValue(index, out var diagnostic), $"case {index}: the importer refuses it ({error.Problem}: {error.Detail}), the generator does not");
                string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
                if (error.InnerException is not ArgumentException)
                {
                    // Rules NetworkSpec checks at run time are worded as a declaration's; everything else in the importer's words.
                    Assert.Contains(error.Detail, message, StringComparison.Ordinal);
                }

                Assert.DoesNotContain($"Damaged.Case{index}.g.cs", generated);
            }
            else
            {
                Assert.False(byCase.ContainsKey(index), $"case {index}: the importer reads it, the generator reports {(byCase.TryGetValue(index, out var d) ? d : null)}");
                Assert.Contains($"Damaged.Case{index}.g.cs", generated);
                expectations.Add((index, model!));
            }
        }

        if (expectations.Count > 0)
        {
            var assembly = GeneratorHarness.CompileAndLoad(outcome);
            foreach (var (index, model) in expectations)
            {
                var type = assembly.GetType($"Damaged.Case{index}", throwOnError: true)!;
                if (model.Spec.Precision == Precision.Double)
                {
                    AssertImported<double>(index, model, type);
                }
                else
                {
                    AssertImported<float>(index, model, type);
                }
            }
        }

        return (expectations.Count, refused);
    }

    private static void AssertImported<T>(int index, ImportedModel model, Type type)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var network = (INetwork<T>)Activator.CreateInstance(type)!;
        Assert.Equal(model.Spec, network.Spec);
        Assert.True(
            MemoryMarshal.AsBytes(model.CreateInterpreted<T>().Parameters).SequenceEqual(MemoryMarshal.AsBytes(network.Parameters)),
            $"case {index}: the compiled parameters are not the importer's");
    }

    // What OnnxImporter.Import and an interpreted network in the model's precision make of the bytes.
    private static (ImportedModel? Model, OnnxImportException? Error) ImportAsTheRuntimeDoes(byte[] bytes)
    {
        try
        {
            var model = OnnxImporter.Import(bytes);
            if (model.Spec.Precision == Precision.Double)
            {
                model.CreateInterpreted<double>();
            }
            else
            {
                model.CreateInterpreted<float>();
            }

            return (model, null);
        }
        catch (OnnxImportException error)
        {
            return (null, error);
        }
    }
}
