using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>One model of the import corpus and its reference outputs, as Corpus/make_corpus.py wrote them.</summary>
public sealed record CorpusModel(
    string Name,
    string File,
    string Source,
    int Opset,
    string[] Covers,
    string Spec,
    string Output,
    long[] InputShape,
    double[] Input,
    long[] OutputShape,
    double[] Expected)
{
    public string Path => System.IO.Path.Combine(Corpus.ModelsFolder, File);

    public int Batch => (int)InputShape[0];

    public bool IsDouble => Spec.EndsWith(", Double", StringComparison.Ordinal);

    /// <summary>What NetGen's imported network must return: PyTorch's outputs, or their exponentials for a LogSoftmax model.</summary>
    public double[] ExpectedNetworkOutputs => Output == "log-probabilities" ? Expected.Select(Math.Exp).ToArray() : Expected;
}

/// <summary>The committed corpus under Corpus/ (copied next to the tests).</summary>
public static class Corpus
{
    public static string ModelsFolder => Path.Combine(AppContext.BaseDirectory, "Corpus", "models");

    public static string NegativeFolder => Path.Combine(AppContext.BaseDirectory, "Corpus", "negative");

    private static readonly Lazy<IReadOnlyDictionary<string, CorpusModel>> Models = new(() =>
        Directory.GetFiles(ModelsFolder, "*.json")
            .Select(file => JsonSerializer.Deserialize<CorpusModel>(System.IO.File.ReadAllText(file), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!)
            .ToDictionary(m => m.Name));

    public static IReadOnlyDictionary<string, CorpusModel> All => Models.Value;

    public static CorpusModel Get(string name) => All[name];

    public static TheoryData<string> Names => new(All.Keys.Order(StringComparer.Ordinal));

    public static string Negative(string name) => Path.Combine(NegativeFolder, name + ".onnx");

    /// <summary>‖actual − expected‖₂ / ‖expected‖₂.</summary>
    public static double NormwiseRelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }

        return Math.Sqrt(difference) / Math.Sqrt(norm);
    }
}
