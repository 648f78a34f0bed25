using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>
/// The numbers of a <c>netgen.scaler</c> entry are read by NetGen's own exact decimal conversion (shared with the source
/// generator, whose host may be .NET Framework, whose <c>double.Parse</c> is not correctly rounded): every text must give
/// the bits .NET's correctly rounded <c>double.Parse</c> gives, and every saved scaler must load back bitwise.
/// </summary>
public sealed class ScalerNumberTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EveryNumberTextReadsAsTheCorrectlyRoundedDouble()
    {
        var texts = new List<string>
        {
            "0", "-0", "0.0", "-0.0e5", "1", "-1", "0.1", "1e-3", "1E+0", "10e-1", "123456789012345678901234567890",
            "9007199254740993", "9007199254740995", "9007199254740993.00000000000000000001",
            "4.9406564584124654e-324", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.47032822920623272e-324",
            "1e-324", "1e-400", "2.2250738585072011e-308", "2.2250738585072012e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623158079e308", "1.7976931348623159e308", "1e309", "-1e400",
            "3.4028234663852886e38", "3.4028235677973366e38", "1e23", "8.589973e9", "0.000000000000000000000000000000000001e36",
            // The halfway point between 1 and the next double, exactly, rounds to even; anything above it rounds up.
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203125" + new string('0', 900),
            "1.00000000000000011102230246251565404236316680908203125" + new string('0', 900) + "1",
            "1.00000000000000011102230246251565404236316680908203124" + new string('9', 900),
            new string('9', 400) + "e-400",
            "0." + new string('0', 330) + "49406564584124654",
            "1" + new string('0', 308),
            "1" + new string('0', 309),
        };

        var random = new SeededRandom(12);
        for (int i = 0; i < 4000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(unchecked((long)random.NextUInt64()));
            if (!double.IsFinite(value))
            {
                continue;
            }

            texts.Add(value.ToString("R", CultureInfo.InvariantCulture));
            texts.Add(value.ToString("E25", CultureInfo.InvariantCulture));
            float single = (float)value;
            if (float.IsFinite(single))
            {
                texts.Add(((double)single).ToString("R", CultureInfo.InvariantCulture));
            }
        }

        for (int i = 0; i < 4000; i++)
        {
            int digits = i % 10 == 0 ? 1 + random.NextInt32(800) : 1 + random.NextInt32(30);
            var text = new System.Text.StringBuilder(random.NextInt32(2) == 0 ? "-" : string.Empty);
            text.Append((char)('1' + random.NextInt32(9)));
            int point = random.NextInt32(digits + 1);
            for (int d = 1; d < digits; d++)
            {
                text.Append(d == point ? "." : string.Empty).Append((char)('0' + random.NextInt32(10)));
            }

            text.Append(CultureInfo.InvariantCulture, $"e{random.NextInt32(700) - 360 - (digits / 2)}");
            texts.Add(text.ToString());
        }

        var wrong = new List<string>();
        foreach (string text in texts)
        {
            double expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            var entry = ScalerMetadata.Parse($"{{\"kind\":\"min-max\",\"min\":[{text}],\"max\":[{text}]}}", 1, ScalarType.Double, out string problem);
            if (entry is null ? double.IsFinite(expected) || !problem.Contains("not a finite Double", StringComparison.Ordinal)
                : BitConverter.DoubleToInt64Bits(entry.First[0]) != BitConverter.DoubleToInt64Bits(expected))
            {
                wrong.Add($"{(text.Length > 80 ? text[..80] + "…" : text)}: expected {expected:R}, read {(entry is null ? problem : entry.First[0].ToString("R", CultureInfo.InvariantCulture))}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(20)));
        Assert.True(texts.Count > 12_000, $"{texts.Count} texts");
    }

    [Fact]
    public void SavedScalersOfAnyFiniteValuesLoadBackBitwise()
    {
        var random = new SeededRandom(5);
        var network = new InterpretedNetwork<double>(new NetworkSpec(64, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        var singleNetwork = new InterpretedNetwork<float>(new NetworkSpec(64, [new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError));
        string path = _folder.File("bits.safetensors");
        for (int round = 0; round < 20; round++)
        {
            var means = new double[64];
            var deviations = new double[64];
            var minimums = new double[64];
            var maximums = new double[64];
            for (int j = 0; j < 64; j++)
            {
                means[j] = Finite(random, 1e300);
                deviations[j] = Math.Abs(Finite(random, 1e300)) is var s && s > 0 ? s : double.Epsilon;
                double a = Finite(random, 1e300);
                double b = Finite(random, 1e300);
                (minimums[j], maximums[j]) = (Math.Min(a, b), Math.Max(a, b));
            }

            IFeatureScaler<double> scaler = round % 2 == 0 ? Standardizer<double>.FromStatistics(means, deviations) : MinMaxScaler<double>.FromRange(minimums, maximums);
            WeightsFile.Save(network, path, scaler);
            WeightsFile.Load(network, path, out var loaded);
            Assert.Equal(Describe(scaler), Describe(loaded!));

            var singles = means.Select(m => (float)(m / 1e262)).ToArray();
            var singleDeviations = deviations.Select(d => Math.Max((float)(d / 1e262), float.Epsilon)).ToArray();
            var singleScaler = Standardizer<float>.FromStatistics(singles, singleDeviations);
            WeightsFile.Save(singleNetwork, path, singleScaler);
            WeightsFile.Load(singleNetwork, path, out var singleLoaded);
            Assert.Equal(Describe(singleScaler), Describe(singleLoaded!));
        }
    }

    // A finite double of any exponent up to the limit, from random bits.
    private static double Finite(SeededRandom random, double limit)
    {
        while (true)
        {
            double value = BitConverter.Int64BitsToDouble(unchecked((long)random.NextUInt64()));
            if (double.IsFinite(value) && Math.Abs(value) <= limit)
            {
                return value;
            }
        }
    }

    private static string Describe<T>(IFeatureScaler<T> scaler)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => scaler switch
    {
        Standardizer<T> s => "standardizer " + Convert.ToHexString(MemoryMarshal.AsBytes(s.Means)) + " " + Convert.ToHexString(MemoryMarshal.AsBytes(s.StandardDeviations)),
        MinMaxScaler<T> s => "min-max " + Convert.ToHexString(MemoryMarshal.AsBytes(s.Minimums)) + " " + Convert.ToHexString(MemoryMarshal.AsBytes(s.Maximums)),
        _ => scaler.GetType().Name,
    };
}
