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
        var accepted = AcceptedWhereTheRuntimeAccepts(outcome, verdicts);
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

    /// <summary>
    /// The scaler entry (<c>netgen.scaler</c>) is read at build time by the runtime's own reader (ScalerMetadata.cs,
    /// compiled into both): hand-written hostile entries and hundreds of edits of a valid one, into float and double
    /// networks, are rejected by the generator exactly when <c>WeightsFile.Load</c> rejects them, with its words, and what
    /// both accept becomes an <c>InputScaler</c> bitwise equal to the scaler <c>WeightsFile.Load</c> restores.
    /// </summary>
    [Fact]
    public void ScalerEntriesAreRejectedExactlyWhenWeightsFileLoadRejectsThem()
    {
        const string valid = "{\"kind\":\"standardizer\",\"mean\":[1.5,-2.25,0.1],\"std\":[0.5,3,1e-3]}";
        var entries = new List<(string Entry, bool IsDouble)>();
        foreach (string entry in HostileScalerEntries)
        {
            entries.Add((entry, false));
            entries.Add((entry, true));
        }

        for (int length = 0; length < valid.Length; length += 2)
        {
            entries.Add((valid[..length], false));
        }

        const string replacements = " \"{}[],:.-+eE019\\uxt";
        var random = new SeededRandom(41);
        for (int k = 0; k < 160; k++)
        {
            int at = random.NextInt32(valid.Length);
            char c = replacements[random.NextInt32(replacements.Length)];
            entries.Add((k % 2 == 0 ? valid[..at] + c + valid[(at + 1)..] : valid[..at] + c + valid[at..], k % 4 == 1));
        }

        var network = new InterpretedNetwork<float>(Spec);
        network.InitializeParameters(seed: 8);
        var files = new List<AdditionalText>();
        var verdicts = new List<string?>();
        var source = new StringBuilder("using NetGen;\n");
        for (int i = 0; i < entries.Count; i++)
        {
            var (entry, isDouble) = entries[i];
            byte[] bytes = TestWeights.Write(writer =>
            {
                writer.AddMetadata(WeightsFile.ScalerMetadataKey, entry);
                writer.AddTensor<float>("0.weight", network.Parameters[..6], 2, 3);
                writer.AddTensor<float>("0.bias", network.Parameters[6..8], 2);
                writer.AddTensor<float>("2.weight", network.Parameters[8..10], 1, 2);
                writer.AddTensor<float>("2.bias", network.Parameters[10..11], 1);
            });
            string path = Path.Combine(_folder, $"s{i}.safetensors");
            File.WriteAllBytes(path, bytes);
            verdicts.Add(isDouble ? RuntimeVerdict<double>(path) : RuntimeVerdict<float>(path));
            files.Add(GeneratorHarness.WeightsFile($"/project/s{i}.safetensors", bytes));
            string precision = isDouble ? "Double" : "Single";
            source.Append($"[Network(Loss = Loss.MeanSquaredError, Precision = Precision.{precision}, Weights = \"s{i}.safetensors\")][Input(3)][Dense(2, Activation.Sigmoid)][Dense(1, Activation.Identity)] internal partial class S{i};\n");
        }

        var outcome = GeneratorHarness.Run(files, source.ToString());
        var accepted = AcceptedWhereTheRuntimeAccepts(outcome, verdicts);
        Assert.InRange(accepted.Count, 20, entries.Count - 150);
        Assert.InRange(verdicts.Count(v => v is not null && v.Contains("is not valid JSON", StringComparison.Ordinal)), 40, entries.Count);

        // What both accept becomes InputScaler with exactly the values WeightsFile.Load restores.
        accepted = accepted.Take(16).ToList();
        var acceptedOnly = GeneratorHarness.Run(accepted.Select(i => files[i]), "using NetGen;\n" + string.Join("\n", source.ToString().Split('\n').Skip(1).Where((_, line) => accepted.Contains(line))));
        var assembly = GeneratorHarness.CompileAndLoad(acceptedOnly);
        foreach (int i in accepted)
        {
            string path = Path.Combine(_folder, $"s{i}.safetensors");
            object generated = assembly.GetType($"S{i}")!.GetProperty("InputScaler")!.GetValue(null)!;
            Assert.Equal(ScalerBits(LoadedScaler(path, entries[i].IsDouble)), ScalerBits(generated));
        }
    }

    /// <summary>Scaler entries each malformed in its own way, or valid at a limit of one precision (noted).</summary>
    private static readonly string[] HostileScalerEntries =
    [
        "",
        "   ",
        "not json",
        "nul",
        "null",
        "true",
        "[1, 2]",
        "\"standardizer\"",
        "3",
        "{",
        "{}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        " \t\r\n{ \"kind\" : \"standardizer\" , \"mean\" : [ 0 , -0 , 0.0 ] , \"std\" : [ 1E0 , 1e+0 , 10e-1 ] } \n",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0,],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]} {}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}x",
        "{\"kind\":\"standardizer\" \"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\" \"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{kind:\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{'kind':'standardizer','mean':[0,0,0],'std':[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]/* comment */}",
        "{\"kind\":\"stand\\u0061rdizer\",\"m\\u0065an\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"\\uD800\":1}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"\\uDC00\\uD800\":1}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"\\uD83D\\uDE00\":1}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"\\x\":1}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"\\u12G4\":1}",
        "{\"kind\":\"standard\tizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer,\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":standardizer,\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":7,\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"robust\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"Standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"min\":[0,0,0]}",
        "{\"kind\":\"min-max\",\"mean\":[0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1,1],\"scale\":2}",
        "{\"kind\":\"standardizer\",\"mean\":{\"a\":1},\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":\"0,0,0\",\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,[0],0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,null,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,NaN,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,Infinity,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,+1,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,01,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,1.,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,.5,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,1e,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,-,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0x10,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,1e999,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,-1e309,0],\"std\":[1,1,1]}",
        // Finite in double, infinite in float.
        "{\"kind\":\"standardizer\",\"mean\":[0,1e39,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,3.4028235677973366e38,0],\"std\":[1,1,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,3.4028234663852886e38,0],\"std\":[1,1,1]}",
        // Positive in double, zero in float; the smallest doubles.
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1e-46,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,4.9e-324,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,2.4703282292062327e-324,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,0,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,-0,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,-2,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,1.00000000000000000000000000000000000000000000000000000000000000000000000000000000001,1]}",
        "{\"kind\":\"standardizer\",\"mean\":[0,0,0],\"std\":[1,100000000000000000000000000000000000000000000000e-47,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,0,0],\"max\":[1,1,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,5,0],\"max\":[1,5,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,5,0],\"max\":[1,1,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,-1e308,0],\"max\":[1,1e308,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,-3e38,0],\"max\":[1,3e38,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,1.0000000001,0],\"max\":[1,1.0000000000999999,1]}",
        "{\"kind\":\"min-max\",\"min\":[0,0,0],\"max\":[1,1,1],\"max\":[1,1,1]}",
    ];

    // The generator's verdict on each declaration (one per line, after the first) against the runtime's: an NG0024 or
    // NG0025 exactly when the runtime throws, ending with the runtime's problem. Returns the indices both accept.
    private static List<int> AcceptedWhereTheRuntimeAccepts(GeneratorHarness.Outcome outcome, IReadOnlyList<string?> verdicts)
    {
        var byLine = outcome.NetGenDiagnostics.ToLookup(d => d.Location.GetLineSpan().StartLinePosition.Line - 1);
        var disagreements = new List<string>();
        var accepted = new List<int>();
        for (int i = 0; i < verdicts.Count; i++)
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
        return accepted;
    }

    private static string? RuntimeVerdict(string path) => RuntimeVerdict<float>(path);

    private static string? RuntimeVerdict<T>(string path)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        try
        {
            WeightsFile.Load(new InterpretedNetwork<T>(Spec), path, out _);
            return null;
        }
        catch (WeightsFileException error)
        {
            return error.TensorName is null ? error.Problem : $"tensor '{error.TensorName}': {error.Problem}";
        }
    }

    private static object LoadedScaler(string path, bool isDouble)
    {
        if (isDouble)
        {
            WeightsFile.Load(new InterpretedNetwork<double>(Spec), path, out var scaler);
            return scaler!;
        }

        WeightsFile.Load(new InterpretedNetwork<float>(Spec), path, out var single);
        return single!;
    }

    // The scaler's type and the bits of its two arrays.
    private static string ScalerBits(object scaler) => scaler switch
    {
        NetGen.Data.Standardizer<float> s => "standardizer float " + Hex(s.Means) + " " + Hex(s.StandardDeviations),
        NetGen.Data.Standardizer<double> s => "standardizer double " + Hex(s.Means) + " " + Hex(s.StandardDeviations),
        NetGen.Data.MinMaxScaler<float> s => "min-max float " + Hex(s.Minimums) + " " + Hex(s.Maximums),
        NetGen.Data.MinMaxScaler<double> s => "min-max double " + Hex(s.Minimums) + " " + Hex(s.Maximums),
        _ => throw new ArgumentException(scaler.GetType().Name),
    };

    private static string Hex<T>(ReadOnlySpan<T> values)
        where T : unmanaged => Convert.ToHexString(MemoryMarshal.AsBytes(values));

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
