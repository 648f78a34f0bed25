using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

/// <summary>
/// Gzip files reach the loaders whole or not at all: every way of cutting, damaging or extending a compressed CSV or
/// IDX file is a <see cref="DataFormatException"/> that says what is wrong with the gzip data.
/// </summary>
public sealed class GzipTests : IDisposable
{
    private static readonly CsvOptions LastColumnLabel = new() { LabelColumn = -1 };

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A small CSV of 60 rows whose gzip copy has a few hundred cut points.</summary>
    internal static byte[] SmallCsv { get; } = Encoding.ASCII.GetBytes(
        string.Concat(Enumerable.Range(0, 60).Select(i => $"{i % 7}.{i % 10},{(i * 37) % 101},{i % 3}\n")));

    /// <summary>A small IDX file: 40 items of 3 × 2 ubytes.</summary>
    internal static byte[] SmallIdx { get; } = Bytes.Idx(0x08, [40, 3, 2], Enumerable.Range(0, 240).Select(i => (byte)(i * 13 % 251)).ToArray());

    [Fact]
    public void TheWholeSmallFilesLoad()
    {
        var csv = CsvLoader.Load<double>(_folder.Write("small.csv.gz", Bytes.Gzip(SmallCsv)), LastColumnLabel);
        var idx = IdxFile.Read(_folder.Write("small.idx.gz", Bytes.Gzip(SmallIdx)));

        Assert.Equal(60, csv.Count);
        Assert.Equal([0.0, 0.0, 1.1, 37.0], csv.Features[..4].ToArray());
        Assert.Equal(SmallIdx[16..], idx.RawData.ToArray());
    }

    [Fact]
    public void EveryCutPointOfACompressedCsvIsATruncationError()
    {
        byte[] gzip = Bytes.Gzip(SmallCsv);
        string path = _folder.File("cut.csv.gz");

        for (int cut = 2; cut < gzip.Length; cut++)
        {
            File.WriteAllBytes(path, gzip[..cut]);

            var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(path, LastColumnLabel));

            Assert.Equal(path, error.Path);
            Assert.StartsWith($"the gzip data is truncated: the file ends after {cut} bytes, ", error.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryCutPointOfACompressedIdxFileIsATruncationError()
    {
        byte[] gzip = Bytes.Gzip(SmallIdx);
        string path = _folder.File("cut.idx.gz");

        for (int cut = 2; cut < gzip.Length; cut++)
        {
            File.WriteAllBytes(path, gzip[..cut]);

            var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

            Assert.Equal(path, error.Path);
            Assert.StartsWith($"the gzip data is truncated: the file ends after {cut} bytes, ", error.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ACutBeforeTheMagicNumberIsCompleteIsNotGzipAndFailsAsText()
    {
        byte[] gzip = Bytes.Gzip(SmallCsv);

        var empty = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(_folder.Write("0.csv.gz", gzip[..0]), LastColumnLabel));
        var oneByte = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(_folder.Write("1.csv.gz", gzip[..1]), LastColumnLabel));
        var idx = Assert.Throws<DataFormatException>(() => IdxFile.Read(_folder.Write("1.idx.gz", gzip[..1])));

        Assert.Equal("the file has no data rows", empty.Problem);
        Assert.StartsWith("the row has only the label column", oneByte.Problem, StringComparison.Ordinal);
        Assert.StartsWith("the file has 1 bytes, too few", idx.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCutDigitsFileOfTheIssueIsRejectedNamingWhereTheDataEnds()
    {
        // Cut to 31,479 bytes, the digits used to load as 977 of 1,797 images without an error.
        string path = _folder.Write("digits.csv.gz", File.ReadAllBytes(RealData.Digits)[..31_479]);

        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, LastColumnLabel));

        Assert.Matches(@"^digits\.csv\.gz, line 9\d\d: the gzip data is truncated: the file ends after 31479 bytes, before the end of the compressed data$", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AWrongCrcInTheTrailerIsNamed(bool idx)
    {
        byte[] gzip = Bytes.Gzip(idx ? SmallIdx : SmallCsv);
        uint crc = BitConverter.ToUInt32(gzip, gzip.Length - 8);
        gzip[^8] ^= 0x01;

        var error = Load(idx, "crc.gz", gzip);

        Assert.Equal($"crc.gz: the gzip data is corrupt: the decompressed content has CRC-32 {crc:X8} but the trailer records {crc ^ 1:X8}", WithoutLine(error.Message));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AWrongLengthInTheTrailerIsNamed(bool idx)
    {
        byte[] content = idx ? SmallIdx : SmallCsv;
        byte[] gzip = Bytes.Gzip(content);
        gzip[^1] ^= 0x80;

        var error = Load(idx, "isize.gz", gzip);

        Assert.Equal(
            $"isize.gz: the gzip data is corrupt: it decompresses to {content.Length} bytes but the trailer records {content.Length + 0x8000_0000L} (the length modulo 2^32)",
            WithoutLine(error.Message));
    }

    [Theory]
    [InlineData(false, new byte[] { 1, 2, 3 })]
    [InlineData(true, new byte[] { 1, 2, 3 })]
    [InlineData(false, new byte[] { 0 })]
    [InlineData(true, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void BytesAfterTheGzipMemberAreRejected(bool idx, byte[] trailing)
    {
        byte[] gzip = Bytes.Concat(Bytes.Gzip(idx ? SmallIdx : SmallCsv), trailing);

        var error = Load(idx, "trailing.gz", gzip);

        Assert.StartsWith("the gzip data has bytes after its end", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFileOfTwoGzipMembersIsRejectedWithAWayToRecompressIt(bool idx)
    {
        // gzip itself would decompress this as the two contents one after the other; the loaders read one member.
        byte[] content = idx ? SmallIdx : SmallCsv;
        byte[] twoMembers = Bytes.Concat(Bytes.Gzip(content), Bytes.Gzip(content));

        var error = Load(idx, "two.gz", twoMembers);

        Assert.Contains("a second gzip member", error.Problem, StringComparison.Ordinal);
        Assert.Contains("gzip -dc in.gz | gzip > out.gz", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedDeflateDataIsCorrupt()
    {
        byte[] gzip = Bytes.Gzip(SmallCsv);
        for (int i = 10; i < gzip.Length - 8; i++)
        {
            gzip[i] = 0xFF;
        }

        var error = Load(idx: false, "damaged.gz", gzip);

        // FF starts a block of the reserved type 3: nothing can be decoded.
        Assert.Equal("the gzip data is corrupt: the compressed stream cannot be decoded past 0 bytes of content", error.Problem);
        Assert.IsType<InvalidDataException>(error.InnerException?.InnerException ?? error.InnerException);
    }

    [Fact]
    public void OptionalHeaderFieldsAreSkippedAndAHeaderCrcIsChecked()
    {
        byte[] extra = [4, 0, (byte)'A', (byte)'B', 0, 0];
        byte[] name = Encoding.Latin1.GetBytes("small.csv\0");
        byte[] comment = Encoding.Latin1.GetBytes("a comment\0");
        byte[] full = WithHeaderFields(Bytes.Gzip(SmallCsv), flags: 0x04 | 0x08 | 0x10 | 0x02, extra, name, comment);

        var loaded = CsvLoader.Load<double>(_folder.Write("fields.csv.gz", full), LastColumnLabel);
        full[10 + extra.Length + name.Length + comment.Length] ^= 0x01;
        var error = Load(idx: false, "badhcrc.gz", full);

        Assert.Equal(60, loaded.Count);
        Assert.StartsWith("the gzip header is corrupt: its CRC-16 is ", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 7, "the gzip header names compression method 7; only 8 (deflate) exists")]
    [InlineData(3, 0x20, "the gzip header sets reserved flag bits (20)")]
    [InlineData(3, 0x80, "the gzip header sets reserved flag bits (80)")]
    public void AnInvalidHeaderIsNamed(int index, byte value, string problem)
    {
        byte[] gzip = Bytes.Gzip(SmallIdx);
        gzip[index] = value;

        var error = Load(idx: true, "header.gz", gzip);

        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(12)]
    public void AHeaderFieldCutShortIsATruncation(int keep)
    {
        // FNAME announced, the name never terminated: the file ends in the header.
        byte[] header = [0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c'];

        var error = Load(idx: true, "name.gz", header[..Math.Max(keep, 2)]);

        Assert.Equal($"the gzip data is truncated: the file ends after {keep} bytes, in the gzip header", error.Problem);
    }

    [Fact]
    public void TheCrc32MatchesTheStandardCheckValueAndGzipsTrailers()
    {
        var random = new Random(5);
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        foreach (int length in new[] { 1, 7, 100, 4096, 65_537 })
        {
            byte[] content = new byte[length];
            random.NextBytes(content);
            byte[] gzip = Bytes.Gzip(content);
            int split = length / 3;

            Assert.Equal(BitConverter.ToUInt32(gzip, gzip.Length - 8), Crc32.Compute(content));
            Assert.Equal(Crc32.Compute(content), Crc32.Append(Crc32.Compute(content.AsSpan(0, split)), content.AsSpan(split)));
        }
    }

    [Fact]
    public void AGzipFileWrittenByTheGzipToolLoads()
    {
        // data/digits.csv.gz came from an ordinary gzip writer; its content is read to the last byte and checked.
        var digits = CsvLoader.Load<float>(RealData.Digits, LastColumnLabel);

        Assert.Equal(1797, digits.Count);
    }

    /// <summary>Inserts the optional fields after the fixed 10-byte header of <paramref name="gzip"/>, with a header CRC.</summary>
    internal static byte[] WithHeaderFields(byte[] gzip, byte flags, byte[] extra, byte[] name, byte[] comment)
    {
        byte[] header = Bytes.Concat(gzip[..10], extra, name, comment);
        header[3] = flags;
        uint crc = Crc32.Compute(header);
        return Bytes.Concat(header, [(byte)(crc & 0xFF), (byte)((crc >> 8) & 0xFF)], gzip[10..]);
    }

    private DataFormatException Load(bool idx, string name, byte[] content)
    {
        string path = _folder.Write(name, content);
        return idx
            ? Assert.Throws<DataFormatException>(() => IdxFile.Read(path))
            : Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(path, LastColumnLabel));
    }

    // CSV errors also name the line the text had reached; the gzip problem is the same.
    private static string WithoutLine(string message) => System.Text.RegularExpressions.Regex.Replace(message, ", line [0-9]+:", ":");
}
