using System;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

/// <summary>
/// The limits of <see cref="DataLimits"/>: class counts inferred from labels, line length, content size, and the
/// allocation bound k × content + overhead, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// </summary>
public sealed class LoaderLimitTests : IDisposable
{
    private static readonly CsvOptions LastColumnLabel = new() { LabelColumn = -1 };

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void OneHugeLabelInASmallFileIsRejectedOnItsLineWithoutAllocatingForIt()
    {
        // The case: one label of 1,048,575 in a 6 KB file made 4.2 GB of one-hot targets.
        string path = _folder.WriteText("label.csv", string.Concat(Enumerable.Repeat("0.5,1\n", 1000)) + "0.5,1048575\n");

        var (error, allocated) = Measure(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Equal(
            "label.csv, line 1001: the label in column 2 is 1048575; without CsvOptions.ClassCount the labels may make at most 1024 classes (CsvOptions.MaxInferredClassCount)",
            error.Message);
        AssertWithinBound(allocated, new FileInfo(path).Length);
    }

    [Fact]
    public void TheInferredClassCountLimitIsAnOptionAndAnExplicitClassCountLiftsIt()
    {
        const string Text = "1,0\n2,1500\n";

        var error = Assert.Throws<DataFormatException>(() => Load(Text, LastColumnLabel));
        var raised = Load(Text, new CsvOptions { LabelColumn = -1, MaxInferredClassCount = 1501 });
        var given = Load(Text, new CsvOptions { LabelColumn = -1, ClassCount = 1501 });
        var lowered = Assert.Throws<DataFormatException>(() => Load("1,0\n2,3\n", new CsvOptions { LabelColumn = -1, MaxInferredClassCount = 3 }));

        Assert.Equal(2, error.Line);
        Assert.Equal(1501, raised.TargetCount);
        Assert.Equal(1501, given.TargetCount);
        Assert.Contains("at most 3 classes", lowered.Message, StringComparison.Ordinal);
        Assert.Contains("MaxInferredClassCount is 0", Assert.Throws<ArgumentException>(() => Load(Text, new CsvOptions { LabelColumn = -1, MaxInferredClassCount = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("MaxInferredClassCount is 1048577", Assert.Throws<ArgumentException>(() => Load(Text, new CsvOptions { LabelColumn = -1, MaxInferredClassCount = NetworkLimits.MaxLayerSize + 1 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InferredOneHotTargetsMayHoldOneValuePerCharacterOfTheFile()
    {
        // 3,000 short rows with labels up to 999 would make 3,000,000 one-hot values from 17,670 characters.
        string text = string.Concat(Enumerable.Range(0, 3000).Select(i => $"0,{i % 1000}\n"));

        var (error, allocated) = Measure(() => Load(text, LastColumnLabel));
        var given = Load(text, new CsvOptions { LabelColumn = -1, ClassCount = 1000 });

        Assert.Equal(
            $"t.csv, line 1000: label 999 makes 1000 classes: one-hot targets for 3000 samples would hold 3000000 values, more than the 131072 a file of {text.Length} characters may make (one per character, or 131072); set CsvOptions.ClassCount to allow them",
            error.Message);
        AssertWithinBound(allocated, text.Length);
        Assert.Equal(1000, given.TargetCount);
    }

    [Fact]
    public void TheOneHotAllowanceGrowsWithTheFile()
    {
        // 200,004 values from 200,004 characters: past the fixed 131,072, within one per character.
        string text = string.Concat(Enumerable.Repeat("0,0\n", 50_000)) + "0,3\n";

        var data = Load(text, LastColumnLabel);

        Assert.Equal(4, data.TargetCount);
        Assert.Throws<DataFormatException>(() => Load(text + "0,4\n", LastColumnLabel));
    }

    [Fact]
    public void IdxLabelsMayNotMakeMoreOneHotValuesThanTheFilesHaveBytes()
    {
        // 1,000 one-pixel images whose labels reach 255: 256,000 one-hot values from about 2,000 bytes.
        string images = _folder.Write("images.idx", Bytes.Idx(0x08, [1000, 1], new byte[1000]));
        string labels = _folder.Write("labels.idx", Bytes.Idx(0x08, [1000], Enumerable.Range(0, 1000).Select(i => (byte)(i % 256)).ToArray()));

        var (error, allocated) = Measure(() => IdxLoader.LoadImagesAndLabels<double>(images, labels));
        var given = IdxLoader.LoadImagesAndLabels<double>(images, labels, classCount: 256);

        Assert.Equal(
            "labels.idx: the labels make 256 classes: one-hot targets for 1000 images would hold 256000 values, more than the 131072 files of this size may make (one per byte, or 131072); pass classCount to allow them",
            error.Message);
        AssertWithinBound(allocated, 1012 + 1008);
        Assert.Equal(256, given.TargetCount);
    }

    [Fact]
    public void AHundredMegabyteLineInASmallGzipFileIsRejectedAtTheLineLimit()
    {
        // The case: a 100 KB gzip holding one 100 MB line allocated 747 MB before failing.
        byte[] line = new byte[100_000_000];
        line.AsSpan().Fill((byte)'1');
        string path = _folder.Write("line.csv.gz", Bytes.Gzip(line, System.IO.Compression.CompressionLevel.SmallestSize));
        line = [];

        var (error, allocated) = Measure(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Equal("line.csv.gz, line 1: the line is longer than 1048576 characters, the limit (CsvOptions.MaxLineLength)", error.Message);
        Assert.True(allocated < 16 << 20, $"rejecting the line allocated {allocated} bytes");
        Assert.True(new FileInfo(path).Length < 200_000);
    }

    [Theory]
    [InlineData("1234567890,1\n", 12, 0)]
    [InlineData("1234567890,1\r\n", 12, 0)]
    [InlineData("1234567890,1", 12, 0)]
    [InlineData("1234567890,1\n", 11, 1)]
    [InlineData("1234567890,1\r", 11, 1)]
    [InlineData("1,1\n1234567890,1\n", 11, 2)]
    public void TheLineLengthLimitCountsCharactersWithoutTheLineBreak(string text, int limit, int rejectedLine)
    {
        var options = new CsvOptions { LabelColumn = -1, MaxLineLength = limit };

        if (rejectedLine == 0)
        {
            Assert.Equal(1234567890f, Load(text, options).Features[0]);
        }
        else
        {
            var error = Assert.Throws<DataFormatException>(() => Load(text, options));
            Assert.Equal($"the line is longer than {limit} characters, the limit (CsvOptions.MaxLineLength)", error.Problem);
            Assert.Equal(rejectedLine, error.Line);
        }
    }

    [Fact]
    public void APlainFileLargerThanTheContentLimitIsRejectedBeforeReading()
    {
        string path = _folder.WriteText("big.csv", "1,0\n2,1\n3,0\n");

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, new CsvOptions { LabelColumn = -1, MaxContentBytes = 11 }));
        var fits = CsvLoader.Load<float>(path, new CsvOptions { LabelColumn = -1, MaxContentBytes = 12 });

        Assert.Equal("big.csv: the file has 12 bytes, more than the limit of 11 (CsvOptions.MaxContentBytes)", error.Message);
        Assert.Equal(3, fits.Count);
    }

    [Fact]
    public void AGzipBombIsStoppedAtTheContentLimit()
    {
        // 64 MB of rows compress to about 64 KB; the limit of 4 MiB stops them early.
        byte[] rows = new byte[64 << 20];
        for (int i = 0; i < rows.Length; i += 4)
        {
            "0,0\n"u8.CopyTo(rows.AsSpan(i));
        }

        string path = _folder.Write("bomb.csv.gz", Bytes.Gzip(rows));
        rows = [];
        var options = new CsvOptions { TargetColumns = 1, MaxContentBytes = 4 << 20 };

        var (error, allocated) = Measure(() => CsvLoader.Load<double>(path, options));

        Assert.StartsWith("bomb.csv.gz, line ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(": the gzip data decompresses to more than 4194304 bytes, the limit (CsvOptions.MaxContentBytes)", error.Message, StringComparison.Ordinal);
        AssertWithinBound(allocated, 4 << 20);
    }

    [Fact]
    public void TheContentLimitCountsTheCharactersOfATextReader()
    {
        var error = Assert.Throws<DataFormatException>(() => Load("1,0\n2,1\n", new CsvOptions { LabelColumn = -1, MaxContentBytes = 7 }));

        Assert.Equal("the text has more than 7 characters, the limit (CsvOptions.MaxContentBytes)", error.Problem);
        Assert.Contains("MaxLineLength is 0", Assert.Throws<ArgumentException>(() => Load("1,0", new CsvOptions { LabelColumn = -1, MaxLineLength = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("MaxContentBytes is 0", Assert.Throws<ArgumentException>(() => Load("1,0", new CsvOptions { LabelColumn = -1, MaxContentBytes = 0 })).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheDensestCsvStaysWithinTheAllocationBound(bool asDouble)
    {
        // "0,0,0,…": one value per two characters, the most values text can hold; 2,000 rows of 400 columns, then one
        // line of 400,000 columns for the line buffer's growth.
        string row = string.Join(',', Enumerable.Repeat("0", 400)) + "\n";
        string text = string.Concat(Enumerable.Repeat(row, 2000));
        string longLine = string.Join(',', Enumerable.Repeat("0", 400_000)) + "\n";
        string dense = _folder.WriteText("dense.csv", text);
        string wide = _folder.WriteText("wide.csv.gz", string.Empty);
        File.WriteAllBytes(wide, Bytes.Gzip(Encoding.ASCII.GetBytes(longLine)));
        var options = new CsvOptions { TargetColumns = 1 };

        long denseAllocated = MeasureLoad(dense);
        long wideAllocated = MeasureLoad(wide);

        AssertWithinBound(denseAllocated, text.Length);
        AssertWithinBound(wideAllocated, longLine.Length);

        long MeasureLoad(string path)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int count = asDouble ? CsvLoader.Load<double>(path, options).Count : CsvLoader.Load<float>(path, options).Count;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(count > 0);
            return allocated;
        }
    }

    [Fact]
    public void OneHotTargetsAtTheirAllowanceStayWithinTheAllocationBound()
    {
        // Short rows, as many one-hot values as characters: the one-hot table's worst case.
        string text = string.Concat(Enumerable.Repeat("0,0\n", 100_000)) + "0,3\n";
        string path = _folder.WriteText("onehot.csv", text);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var data = CsvLoader.Load<double>(path, LastColumnLabel);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, data.TargetCount);
        AssertWithinBound(allocated, text.Length);
    }

    [Fact]
    public void AnIdxImageSetStaysWithinTheAllocationBound()
    {
        // One-pixel images, labels 0 and 1: nearly as many one-hot values as bytes, read from gzip (a growing buffer).
        const int Count = 60_000;
        byte[] pixels = Enumerable.Range(0, Count).Select(i => (byte)(i % 256)).ToArray();
        byte[] labelBytes = Enumerable.Range(0, Count).Select(i => (byte)(i % 2 == 0 ? 0 : 1)).ToArray();
        string images = _folder.Write("images.idx.gz", Bytes.Gzip(Bytes.Idx(0x08, [Count, 1], pixels)));
        string labels = _folder.Write("labels.idx.gz", Bytes.Gzip(Bytes.Idx(0x08, [Count], labelBytes)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var data = IdxLoader.LoadImagesAndLabels<double>(images, labels);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Count, data.Count);
        AssertWithinBound(allocated, 2 * Count + 24);
    }

    /// <summary>Requires <paramref name="allocated"/> ≤ k × <paramref name="contentBytes"/> + the fixed overhead.</summary>
    internal static void AssertWithinBound(long allocated, long contentBytes)
    {
        long bound = DataLimits.AllocationBytesPerContentByte * contentBytes + DataLimits.AllocationOverheadBytes;
        Assert.True(allocated <= bound, $"{allocated} bytes allocated for {contentBytes} bytes of content; the bound is {bound}");
    }

    private static Dataset<float> Load(string text, CsvOptions options) => CsvLoader.Load<float>(new StringReader(text), "t.csv", options);

    private static (DataFormatException Error, long Allocated) Measure(Action load)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException? error = null;
        try
        {
            load();
        }
        catch (DataFormatException e)
        {
            error = e;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(error);
        return (error, allocated);
    }
}
