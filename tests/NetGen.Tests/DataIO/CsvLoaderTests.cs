using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

public sealed class CsvLoaderTests : IDisposable
{
    private static readonly CsvOptions LastColumnLabel = new() { LabelColumn = -1 };

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void LoadsTheGzippedDigitsSet()
    {
        var digits = CsvLoader.Load<float>(RealData.Digits, LastColumnLabel);

        Assert.Equal(1797, digits.Count);
        Assert.Equal(64, digits.FeatureCount);
        Assert.Equal(10, digits.TargetCount);
        Assert.True(digits.HasLabels);
        // Line 1: 0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,... class 0.
        Assert.Equal([0f, 0f, 5f, 13f, 9f, 1f, 0f, 0f, 0f, 0f, 13f, 15f, 10f, 15f, 5f, 0f], digits.GetFeatures(0)[..16].ToArray());
        Assert.Equal(0, digits.Labels[0]);
        Assert.Equal([1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f], digits.GetTargets(0).ToArray());
        // Line 17 is a 6; the last line is an 8 whose pixels end 12,14,12,1,0.
        Assert.Equal(6, digits.Labels[16]);
        Assert.Equal(1f, digits.GetTargets(16)[6]);
        Assert.Equal(8, digits.Labels[1796]);
        Assert.Equal([12f, 14f, 12f, 1f, 0f], digits.GetFeatures(1796)[^5..].ToArray());
        Assert.Equal(183, digits.Labels.ToArray().Count(label => label == 3));
        Assert.Equal(174, digits.Labels.ToArray().Count(label => label == 8));
    }

    [Fact]
    public void LoadsIrisWithItsHeaderAndClassNames()
    {
        var iris = CsvLoader.Load<double>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames });

        Assert.Equal(150, iris.Count);
        Assert.Equal(4, iris.FeatureCount);
        Assert.Equal(3, iris.TargetCount);
        Assert.Equal(RealData.IrisClassNames, iris.ClassNames);
        Assert.Equal([5.1, 3.5, 1.4, 0.2], iris.GetFeatures(0).ToArray());
        Assert.Equal(0, iris.Labels[0]);
        Assert.Equal([7.0, 3.2, 4.7, 1.4], iris.GetFeatures(50).ToArray());
        Assert.Equal(1, iris.Labels[50]);
        Assert.Equal([0.0, 1.0, 0.0], iris.GetTargets(50).ToArray());
        Assert.Equal([5.9, 3.0, 5.1, 1.8], iris.GetFeatures(149).ToArray());
        Assert.Equal(2, iris.Labels[149]);
        Assert.All(Enumerable.Range(0, 3), c => Assert.Equal(50, iris.Labels.ToArray().Count(label => label == c)));
    }

    [Fact]
    public void DetectsGzipByItsMagicBytesNotTheExtension()
    {
        string misnamedGzip = _folder.Write("digits.data", File.ReadAllBytes(RealData.Digits));
        string plainNamedGz = _folder.WriteText("plain.csv.gz", "1,2,0\n3,4,1\n");

        var digits = CsvLoader.Load<float>(misnamedGzip, LastColumnLabel);
        var plain = CsvLoader.Load<float>(plainNamedGz, LastColumnLabel);

        Assert.Equal(1797, digits.Count);
        Assert.Equal([1f, 2f, 3f, 4f], plain.Features.ToArray());
    }

    [Fact]
    public void ReadsRegressionTargetsFromTheTrailingColumns()
    {
        var data = CsvLoader.Load<double>(new StringReader("1,2,3,4\n5,6,7,8\n"), "r.csv", new CsvOptions { TargetColumns = 2 });

        Assert.False(data.HasLabels);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(2, data.TargetCount);
        Assert.Equal([1.0, 2.0, 5.0, 6.0], data.Features.ToArray());
        Assert.Equal([3.0, 4.0, 7.0, 8.0], data.Targets.ToArray());
    }

    [Fact]
    public void TakesTheLabelFromAnyColumnAndTheOtherColumnsAsFeaturesInOrder()
    {
        var data = CsvLoader.Load<double>(new StringReader("0.5,2,1.5\n-1e-3,0,2.5E2\n"), "l.csv", new CsvOptions { LabelColumn = 1 });

        Assert.Equal([0.5, 1.5, -0.001, 250.0], data.Features.ToArray());
        Assert.Equal([2, 0], data.Labels.ToArray());
        Assert.Equal(3, data.TargetCount);
    }

    [Fact]
    public void HonoursTheSeparatorSurroundingSpacesCrLfAndTrailingBlankLines()
    {
        var data = CsvLoader.Load<float>(new StringReader(" 1.5 ; 2 ;1\r\n3;4; 0 \r\n\r\n   \n"), "s.csv", new CsvOptions { Separator = ';', LabelColumn = -1 });

        Assert.Equal(2, data.Count);
        Assert.Equal([1.5f, 2f, 3f, 4f], data.Features.ToArray());
        Assert.Equal([1, 0], data.Labels.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void ReadsLinesWhoseBreaksFallOnAnyReadBoundary(int charactersPerRead)
    {
        // \n, \r\n and a lone \r, as TextReader.ReadLine splits them, with the \r\n pairs split across reads.
        const string Text = "1,2,0\r\n3,4,1\r5,6,2\n7,8,1\r\n\r\n";

        var trickled = CsvLoader.Load<float>(new TrickleReader(Text, charactersPerRead), "t.csv", LastColumnLabel);

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], trickled.Features.ToArray());
        Assert.Equal([0, 1, 2, 1], trickled.Labels.ToArray());
    }

    [Fact]
    public void AcceptsLabelsWrittenAsWholeDecimals()
    {
        var data = CsvLoader.Load<float>(new StringReader("1,2.0\n2,0\n"), "d.csv", LastColumnLabel);

        Assert.Equal([2, 0], data.Labels.ToArray());
    }

    [Fact]
    public void InfersTheClassCountFromTheLargestLabelUnlessGiven()
    {
        const string Text = "1,0\n2,3\n";

        var inferred = CsvLoader.Load<float>(new StringReader(Text), "c.csv", LastColumnLabel);
        var given = CsvLoader.Load<float>(new StringReader(Text), "c.csv", new CsvOptions { LabelColumn = -1, ClassCount = 6 });

        Assert.Equal(4, inferred.TargetCount);
        Assert.Equal(6, given.TargetCount);
        Assert.Equal([0f, 0f, 0f, 1f, 0f, 0f], given.GetTargets(1).ToArray());
    }

    [Fact]
    public void NamesTheFileAndLineOfARaggedDigitsRow()
    {
        var lines = ReadGzipLines(RealData.Digits).Take(20).ToArray();
        lines[16] = lines[16][..lines[16].LastIndexOf(',')];
        string path = _folder.WriteText("digits.csv", string.Join('\n', lines));

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Equal("digits.csv, line 17: expected 65 columns but found 64", error.Message);
        Assert.Equal(path, error.Path);
        Assert.Equal(17, error.Line);
        Assert.Null(error.Offset);
    }

    [Theory]
    [InlineData("1,2,0\n1,2\n", 2, "expected 3 columns but found 2")]
    [InlineData("1,2,0\n1,2,0,5\n", 2, "expected 3 columns but found 4")]
    [InlineData("1,2,0\n1,,0\n", 2, "column 2 is empty")]
    [InlineData("1, ,0\n", 1, "column 2 is empty")]
    [InlineData("1,2,0\n3,abc,1\n", 2, "column 2 holds 'abc', which is not a number")]
    [InlineData("1,2,0\n3,4,1\n5,6;7,1\n", 3, "column 2 holds '6;7', which is not a number")]
    [InlineData("1,1.5,0\n1,NaN,0\n", 2, "column 2 holds 'NaN', which is not a finite Double; data must be finite")]
    [InlineData("Infinity,2,0\n", 1, "column 1 holds 'Infinity', which is not a finite Double")]
    [InlineData("-Infinity,2,0\n", 1, "column 1 holds '-Infinity', which is not a finite Double")]
    [InlineData("1e999,2,0\n", 1, "column 1 holds '1e999', which is not a finite Double")]
    [InlineData("1,2,0\n1,2,0.5\n", 2, "the label in column 3 is '0.5', which is not an integer")]
    [InlineData("1,2,cat\n", 1, "the label in column 3 is 'cat', which is not an integer")]
    [InlineData("1,2,0\n1,2,-1\n", 2, "the label in column 3 is -1; labels are class indices 0, 1, 2, …")]
    [InlineData("1,2,0\n\n1,2,1\n", 2, "the line is blank but data rows follow it (line 3)")]
    [InlineData("0\n1\n", 1, "the row has only the label column; at least one feature column is needed")]
    public void RejectsMalformedRowsNamingTheLineAndProblem(string text, long line, string problem)
    {
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(new StringReader(text), "bad.csv", LastColumnLabel));

        Assert.Equal(line, error.Line);
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"bad.csv, line {line}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAFloatOverflowWhenLoadingAsFloat()
    {
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(new StringReader("1,2,0\n1e39,2,0\n"), "f.csv", LastColumnLabel));

        Assert.Equal(2, error.Line);
        Assert.Contains("'1e39', which is not a finite Single", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsLabelsOutsideTheGivenClassCount()
    {
        var options = new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames };

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(new StringReader("h\n1,2\n1,3\n"), "iris.csv", options));

        Assert.Equal("iris.csv, line 3: the label in column 2 is 3, outside [0, 3)", error.Message);
    }

    [Fact]
    public void RejectsATargetColumnCountThatLeavesNoFeatures()
    {
        var error = Assert.Throws<DataFormatException>(
            () => CsvLoader.Load<float>(new StringReader("1,2\n"), "t.csv", new CsvOptions { TargetColumns = 2 }));

        Assert.Equal("t.csv, line 1: the row has 2 columns; 2 target columns leave no feature column", error.Message);
    }

    [Theory]
    [InlineData("", false, "the file has no data rows")]
    [InlineData("\n\n  \n", false, "the file has no data rows")]
    [InlineData("150,4,setosa,versicolor,virginica\n", true, "the file has a header but no data rows")]
    public void RejectsAFileWithoutDataRows(string text, bool hasHeader, string message)
    {
        var error = Assert.Throws<DataFormatException>(
            () => CsvLoader.Load<float>(new StringReader(text), "empty.csv", new CsvOptions { HasHeader = hasHeader, LabelColumn = -1 }));

        Assert.Equal($"empty.csv: {message}", error.Message);
        Assert.Null(error.Line);
    }

    [Fact]
    public void RejectsAnEmptyFileOnDisk()
    {
        string path = _folder.WriteText("nothing.csv", string.Empty);

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Equal("nothing.csv: the file has no data rows", error.Message);
    }

    [Fact]
    public void RejectsACorruptGzipFile()
    {
        byte[] content = File.ReadAllBytes(RealData.Digits);
        for (int i = content.Length / 2; i < content.Length / 2 + 64; i++)
        {
            content[i] ^= 0x5A;
        }

        string path = _folder.Write("corrupt.csv.gz", content);

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Equal(path, error.Path);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void RejectsAGzipFileWhoseChecksumDoesNotMatch()
    {
        byte[] content = File.ReadAllBytes(RealData.Digits);
        content[^8] ^= 0xFF;
        string path = _folder.Write("checksum.csv.gz", content);

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.StartsWith("the gzip data is corrupt: the decompressed content has CRC-32 ", error.Problem, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void RejectsInconsistentOptions()
    {
        static void Load(CsvOptions options) => CsvLoader.Load<float>(new StringReader("1,2\n"), "o.csv", options);

        Assert.Contains("exactly one", Assert.Throws<ArgumentException>(() => Load(new CsvOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("exactly one", Assert.Throws<ArgumentException>(() => Load(new CsvOptions { LabelColumn = -1, TargetColumns = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("3 names", Assert.Throws<ArgumentException>(() => Load(new CsvOptions { LabelColumn = -1, ClassCount = 2, ClassNames = RealData.IrisClassNames })).Message, StringComparison.Ordinal);
        Assert.Contains("separator", Assert.Throws<ArgumentException>(() => Load(new CsvOptions { LabelColumn = -1, Separator = '.' })).Message, StringComparison.Ordinal);
        Assert.Contains("ClassCount is 0", Assert.Throws<ArgumentException>(() => Load(new CsvOptions { LabelColumn = -1, ClassCount = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("describe a label column", Assert.Throws<ArgumentException>(() => Load(new CsvOptions { TargetColumns = 1, ClassCount = 2 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsALabelColumnOutsideTheRow()
    {
        var error = Assert.Throws<DataFormatException>(
            () => CsvLoader.Load<float>(new StringReader("1,2,0\n"), "c.csv", new CsvOptions { LabelColumn = -4 }));

        Assert.Equal("c.csv, line 1: the label column -4 does not exist in a row of 3 columns", error.Message);
    }

    private static string[] ReadGzipLines(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
