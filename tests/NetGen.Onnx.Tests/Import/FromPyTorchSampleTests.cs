using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.DataIO.Tests;
using Xunit;

namespace NetGen.Onnx.Tests.Import;

/// <summary>The PyTorch model of samples/FromPyTorch (made by its train.py), compiled here as the sample compiles it.</summary>
[Network(Onnx = "FromPyTorch/digits.onnx")]
internal sealed partial class SampleDigitsFromTorch;

/// <summary>
/// samples/FromPyTorch's model compiled through the build step: bitwise the importer's parameters, and on every one of
/// the 1,797 embedded UCI digits (enlarged to 28×28 as train.py enlarged them) the importer's prediction, its outputs
/// within 1e-5 normwise relative, and the accuracy PyTorch trained it to.
/// </summary>
public sealed class FromPyTorchSampleTests
{
    private const int Small = 8;
    private const int Large = 28;

    private static string ModelPath => Path.Combine(AppContext.BaseDirectory, "Samples", "digits.onnx");

    [Fact]
    public void TheSamplesCompiledModelIsTheImportedOneOnEveryDigit()
    {
        var imported = OnnxImporter.Import(ModelPath);
        var interpreted = imported.CreateInterpreted<float>();
        var compiled = new SampleDigitsFromTorch();
        Assert.Equal(imported.Spec, SampleDigitsFromTorch.Spec);
        Assert.Equal(784, SampleDigitsFromTorch.InputSize);
        Assert.Equal(MemoryMarshal.AsBytes(interpreted.Parameters).ToArray(), MemoryMarshal.AsBytes(SampleDigitsFromTorch.BakedParameters).ToArray());

        var x = new float[Large * Large];
        float[] actual = new float[10], expected = new float[10];
        int samples = 0, correct = 0;
        foreach (var (pixels, label) in Digits())
        {
            for (int r = 0; r < Large; r++)
            {
                for (int c = 0; c < Large; c++)
                {
                    x[(r * Large) + c] = pixels[((r + 2) / 4 * Small) + ((c + 2) / 4)];
                }
            }

            compiled.Forward(x, actual);
            interpreted.Forward(x, expected);
            Assert.True(Corpus.NormwiseRelativeError(actual.Select(v => (double)v).ToArray(), expected.Select(v => (double)v).ToArray()) <= 1e-5, $"digit {samples}: the compiled and imported outputs differ");
            Assert.Equal(ArgMax(expected), ArgMax(actual));
            correct += ArgMax(actual) == label ? 1 : 0;
            samples++;
        }

        Assert.Equal(1797, samples);
        Assert.True(correct >= 0.99 * samples, $"{correct} of {samples} digits classified correctly");
    }

    private static IEnumerable<(float[] Pixels, int Label)> Digits()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(RealData.Digits), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            var values = line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            yield return (values[..(Small * Small)], (int)values[Small * Small]);
        }
    }

    private static int ArgMax(float[] y)
    {
        int best = 0;
        for (int k = 1; k < y.Length; k++)
        {
            best = y[k] > y[best] ? k : best;
        }

        return best;
    }
}
