using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.IO;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generator parses a weights file's header with the runtime's own parser (SafeTensorsHeader.cs, compiled into both)
/// and checks it against the declaration as <c>WeightsFile.Load</c> does. Hundreds of damaged variants of a valid file
/// prove the two agree end to end: the generator reports an error exactly when <c>WeightsFile.Load</c> throws, with the
/// same words, bakes exactly what it loads otherwise, and never crashes.
/// </summary>
public sealed class WeightsFileAgreementTests : IDisposable
{
    private static readonly NetworkSpec Spec = new(3, [new DenseLayerSpec(2, Activation.Sigmoid), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError);

    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-agreement-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void DamagedFilesAreRejectedExactlyWhenWeightsFileLoadRejectsThem()
    {
        var valid = new InterpretedNetwork<float>(Spec);
        valid.InitializeParameters(seed: 8);
        byte[] original = TestWeights.Save(valid);
        var variants = Variants(original);

        var source = new StringBuilder("using NetGen;\n");
        var files = new List<AdditionalText>();
        var verdicts = new List<string?>();
        for (int i = 0; i < variants.Count; i++)
        {
            string path = Path.Combine(_folder, $"m{i}.safetensors");
            File.WriteAllBytes(path, variants[i]);
            verdicts.Add(RuntimeVerdict(path));
            files.Add(GeneratorHarness.WeightsFile($"/project/m{i}.safetensors", variants[i]));
            // One network per line, so a diagnostic's line says which file it is about.
            source.Append($"[Network(Loss = Loss.MeanSquaredError, Weights = \"m{i}.safetensors\")][Input(3)][Dense(2, Activation.Sigmoid)][Dense(1, Activation.Identity)] internal partial class M{i}; internal static class Probe_M{i} {{ public static float[] Baked() => M{i}.BakedParameters.ToArray(); }}\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());

        var byLine = outcome.NetGenDiagnostics.ToLookup(d => d.Location.GetLineSpan().StartLinePosition.Line - 1);
        var disagreements = new List<string>();
        var accepted = new List<int>();
        for (int i = 0; i < variants.Count; i++)
        {
            var diagnostic = byLine[i].SingleOrDefault();
            string? message = diagnostic?.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            if (diagnostic is not null && diagnostic.Id is not ("NG0024" or "NG0025"))
            {
                disagreements.Add($"variant {i}: unexpected {diagnostic.Id} {message}");
            }
            else if ((verdicts[i] is null) != (diagnostic is null))
            {
                disagreements.Add($"variant {i}: runtime {verdicts[i] ?? "accepts"}, generator {message ?? "accepts"}");
            }
            else if (verdicts[i] is { } problem && !message!.EndsWith(": " + problem, StringComparison.Ordinal))
            {
                disagreements.Add($"variant {i}: runtime says '{problem}', generator '{message}'");
            }
            else if (verdicts[i] is null)
            {
                accepted.Add(i);
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.InRange(accepted.Count, 10, variants.Count - 200);
        accepted = accepted.Take(12).ToList();

        // What both accept, the generator bakes bitwise as WeightsFile.Load loads it (the program around the rejected
        // ones does not compile, so a dozen accepted ones are compiled again on their own).
        var acceptedOnly = GeneratorHarness.Run(accepted.Select(i => files[i]), "using NetGen;\n" + string.Join("\n", source.ToString().Split('\n').Skip(1).Where((_, line) => accepted.Contains(line))));
        var assembly = GeneratorHarness.CompileAndLoad(acceptedOnly);
        foreach (int i in accepted)
        {
            var loaded = new InterpretedNetwork<float>(Spec);
            WeightsFile.Load(loaded, Path.Combine(_folder, $"m{i}.safetensors"));
            var baked = (float[])assembly.GetType($"Probe_M{i}")!.GetMethod("Baked")!.Invoke(null, null)!;
            Assert.Equal(MemoryMarshal.AsBytes(loaded.Parameters).ToArray(), MemoryMarshal.AsBytes(baked.AsSpan()).ToArray());
        }
    }

    /// <summary>The generator parses a header as the runtime does, within the same bound: 5 bytes per header byte.</summary>
    [Fact]
    public void ParsingAHeaderHeavyFileAllocatesAtMostASmallMultipleOfTheHeader()
    {
        string entries = string.Join(",", Enumerable.Range(0, 30_000).Select(i => $"\"t{i}\":{{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}"));
        byte[] file = TestWeights.Raw("{" + entries + ",\"t0\":{}}", []);
        Assert.Null(Weights.SafeTensorsContent.Parse(file, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var content = Weights.SafeTensorsContent.Parse(file, out string problem);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(content);
        Assert.Equal("tensor 't0': the header names this tensor more than once", problem);
        Assert.True(allocated <= (5L * file.Length) + (64 << 10), $"{allocated:N0} bytes allocated for a {file.Length:N0}-byte header");
    }

    private static string? RuntimeVerdict(string path)
    {
        try
        {
            WeightsFile.Load(new InterpretedNetwork<float>(Spec), path);
            return null;
        }
        catch (WeightsFileException error)
        {
            return error.TensorName is null ? error.Problem : $"tensor '{error.TensorName}': {error.Problem}";
        }
    }

    // Truncations, single-byte substitutions in the header and the data, hostile header sizes and a few edits by hand.
    private static List<byte[]> Variants(byte[] original)
    {
        var variants = new List<byte[]>();
        for (int length = 0; length < original.Length; length += length < 80 ? 1 : 9)
        {
            variants.Add(original[..length]);
        }

        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        byte[] replacements = [.. " \"{}[],:07-e.x\\"u8, 0x00, 0x80, 0xFF, 0x09];
        var random = new SeededRandom(31);
        for (int k = 0; k < 260; k++)
        {
            var variant = (byte[])original.Clone();
            int at = k < 220 ? 8 + random.NextInt32(headerEnd - 8) : headerEnd + random.NextInt32(original.Length - headerEnd);
            variant[at] = k < 220 ? replacements[random.NextInt32(replacements.Length)] : (byte)random.NextInt32(256);
            variants.Add(variant);
        }

        foreach (ulong size in new ulong[] { 0, 1, (ulong)(headerEnd - 7), (ulong)original.Length, 100UL << 20, (100UL << 20) + 1, long.MaxValue, ulong.MaxValue })
        {
            var variant = (byte[])original.Clone();
            BitConverter.TryWriteBytes(variant.AsSpan(0, 8), size);
            variants.Add(variant);
        }

        string header = Encoding.UTF8.GetString(original, 8, headerEnd - 8);
        foreach (var (from, to) in new[] { ("\"0.weight\"", "\"0.weight\",\"0.weight\""), ("\"F32\"", "\"I32\""), ("\"F32\"", "\"F8\""), ("[2,3]", "[3,2]"), ("[2,3]", "[2,3.0]"), ("[2,3]", "[2,-3]"), ("[2,3]", "[2,3,1]"), ("\"pt\"", "\"pt\",\"format\":\"pt\""), ("\"format\"", "\"\\u0066ormat\""), ("\"pt\"", "7"), ("{\"__metadata__\"", "{\"__metadata__\":null,\"x\"") })
        {
            string edited = header.Replace(from, to, StringComparison.Ordinal);
            variants.Add([.. BitConverter.GetBytes((ulong)Encoding.UTF8.GetByteCount(edited)), .. Encoding.UTF8.GetBytes(edited), .. original.AsSpan(headerEnd)]);
        }

        return variants;
    }
}
