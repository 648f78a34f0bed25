using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using NetGen.Data;
using NetGen.DataIO.Tests;

namespace NetGen.Tabular.Tests;

/// <summary>
/// Binary and multi-class tasks made from the real data sets in data/ (provenance: data/README.md): the class-label
/// CSV files a user would have, written by the tests from the embedded files.
/// </summary>
internal static class TabularData
{
    /// <summary>Iris as it is: 4 features and the class 0..2 last, with a header line.</summary>
    public static Dataset<float> Iris() =>
        CsvLoader.Load<float>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames });

    /// <summary>
    /// The digits 3 and 8 (the two most often confused), as a CSV with header whose last column is 0 for a 3 and 1 for
    /// an 8: 183 threes and 174 eights.
    /// </summary>
    public static string WriteThreeOrEightCsv(TemporaryFolder folder)
    {
        var text = new StringBuilder(string.Join(",", Enumerable.Range(0, 64).Select(i => "pixel" + i)) + ",is_eight\n");
        foreach (string line in ReadLines(RealData.Digits))
        {
            int comma = line.LastIndexOf(',');
            string label = line[(comma + 1)..];
            if (label is "3" or "8")
            {
                text.Append(line.AsSpan(0, comma)).Append(',').Append(label == "8" ? '1' : '0').Append('\n');
            }
        }

        return folder.WriteText("three-or-eight.csv", text.ToString());
    }

    /// <summary>
    /// The digits 3 against 8 as <see cref="WriteThreeOrEightCsv"/>, keeping only every <paramref name="eightsKept"/>-th
    /// 8: an imbalanced two-class set whose minority is class 1.
    /// </summary>
    public static string WriteImbalancedThreeOrEightCsv(TemporaryFolder folder, int eightsKept)
    {
        var text = new StringBuilder(string.Join(",", Enumerable.Range(0, 64).Select(i => "pixel" + i)) + ",is_eight\n");
        int eights = 0;
        foreach (string line in ReadLines(RealData.Digits))
        {
            int comma = line.LastIndexOf(',');
            string label = line[(comma + 1)..];
            if (label == "3" || (label == "8" && eights++ % eightsKept == 0))
            {
                text.Append(line.AsSpan(0, comma)).Append(',').Append(label == "8" ? '1' : '0').Append('\n');
            }
        }

        return folder.WriteText("imbalanced-three-or-eight.csv", text.ToString());
    }

    /// <summary>Iris as a CSV whose last column is 1 for setosa and 0 for the other two species.</summary>
    public static string WriteSetosaCsv(TemporaryFolder folder)
    {
        var text = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,is_setosa\n");
        foreach (string line in File.ReadLines(RealData.Iris).Skip(1))
        {
            int comma = line.LastIndexOf(',');
            text.Append(line.AsSpan(0, comma)).Append(',').Append(line[(comma + 1)..] == "0" ? '1' : '0').Append('\n');
        }

        return folder.WriteText("setosa.csv", text.ToString());
    }

    /// <summary>Iris as a regression CSV: sepal length, sepal width, petal length, then the target petal width.</summary>
    public static string WritePetalWidthCsv(TemporaryFolder folder)
    {
        var text = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width\n");
        foreach (string line in File.ReadLines(RealData.Iris).Skip(1))
        {
            text.Append(line.AsSpan(0, line.LastIndexOf(','))).Append('\n');
        }

        return folder.WriteText("petal-width.csv", text.ToString());
    }

    /// <summary>The fraction of the most frequent class: what always answering it scores.</summary>
    public static double MajorityShare(ReadOnlySpan<int> labels)
    {
        var counts = new int[labels.ToArray().Max() + 1];
        foreach (int label in labels)
        {
            counts[label]++;
        }

        return counts.Max() / (double)labels.Length;
    }

    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual)
    {
        int correct = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            correct += predicted[i] == actual[i] ? 1 : 0;
        }

        return correct / (double)actual.Length;
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string[] ReadLines(string gzipPath)
    {
        using var file = File.OpenRead(gzipPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
