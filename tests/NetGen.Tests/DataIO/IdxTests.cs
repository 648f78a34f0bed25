using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Tests;
using Xunit;

namespace NetGen.DataIO.Tests;

public sealed class IdxTests : IDisposable
{
    private const byte UByte = 0x08;
    private const byte SByte = 0x09;
    private const byte Int16 = 0x0B;
    private const byte Int32 = 0x0C;
    private const byte Float32 = 0x0D;
    private const byte Float64 = 0x0E;

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsAThreeDimensionalUByteFile(bool gzip)
    {
        byte[] pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        string path = Write("images.idx", Bytes.Idx(UByte, [2, 3, 4], pixels), gzip);

        var file = IdxFile.Read(path);

        Assert.Equal(IdxDataType.UnsignedByte, file.DataType);
        Assert.Equal([2, 3, 4], file.Dimensions);
        Assert.Equal(2, file.ItemCount);
        Assert.Equal(12, file.ItemLength);
        Assert.Equal(24, file.ElementCount);
        Assert.Equal(16, file.HeaderLength);
        Assert.Equal(pixels, file.RawData.ToArray());
        Assert.Equal(230.0, file.GetValue(23));
        Assert.Equal("2 × 3 × 4 ubyte", file.ToString());
    }

    [Fact]
    public void DecodesEveryElementTypeBigEndian()
    {
        Assert.Equal([-128.0, 127.0], ReadValues(SByte, [0x80, 0x7F]));
        Assert.Equal([-2.0, 258.0], ReadValues(Int16, [0xFF, 0xFE, 0x01, 0x02]));
        Assert.Equal([-1.0, 16909060.0], ReadValues(Int32, [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04]));
        Assert.Equal([1.0, -2.5], ReadValues(Float32, [0x3F, 0x80, 0x00, 0x00, 0xC0, 0x20, 0x00, 0x00]));
        Assert.Equal([0.5], ReadValues(Float64, [0x3F, 0xE0, 0, 0, 0, 0, 0, 0]));

        double[] ReadValues(byte type, byte[] data)
        {
            int size = type switch { SByte => 1, Int16 => 2, Int32 or Float32 => 4, _ => 8 };
            var file = IdxFile.Read(new MemoryStream(Bytes.Idx(type, [data.Length / size], data)), "values.idx");
            return Enumerable.Range(0, file.ElementCount).Select(file.GetValue).ToArray();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadsImagesAndLabelsAsAClassificationSet(bool gzip)
    {
        string images = Write("images.idx3", Bytes.Idx(UByte, [3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0]), gzip);
        string labels = Write("labels.idx1", Bytes.Idx(UByte, [3], [2, 0, 1]), gzip);

        var data = IdxLoader.LoadImagesAndLabels<float>(images, labels);

        Assert.Equal(3, data.Count);
        Assert.Equal(4, data.FeatureCount);
        Assert.Equal(3, data.TargetCount);
        Assert.Equal([0f, 1f, 0.2f, 0.4f], data.GetFeatures(0).ToArray());
        Assert.Equal((float)(3 / 255.0), data.GetFeatures(1)[2]);
        Assert.Equal([2, 0, 1], data.Labels.ToArray());
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f, 0f], data.Targets.ToArray());
    }

    [Fact]
    public void UsesTheGivenClassCountAndScale()
    {
        string images = Write("images.idx", Bytes.Idx(UByte, [2, 2], [4, 8, 12, 16]), gzip: false);
        string labels = Write("labels.idx", Bytes.Idx(UByte, [2], [1, 0]), gzip: false);

        var data = IdxLoader.LoadImagesAndLabels<double>(images, labels, classCount: 10, scale: 0.25);

        Assert.Equal(10, data.TargetCount);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], data.Features.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsAHeaderClaimingTwoToThe31ItemsInA100ByteFile(bool gzip)
    {
        byte[] content = Bytes.Concat(Bytes.IdxHeader(UByte, 32768, 256, 256), new byte[100 - 16]);
        string path = Write("huge.idx", content, gzip);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("huge.idx, offset 4: the header declares 32768 × 256 × 256 ubyte = 2147483648 data bytes, more than the limit of 1073741824", error.Message);
        Assert.True(allocated < 4 << 20, $"reading the header allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsAHeaderClaimingMoreDataThanArrivesWithoutAllocatingForTheClaim(bool gzip)
    {
        // 1,000,000,000 bytes is under the 1 GiB cap, so only the bytes actually present can stop the allocation.
        byte[] content = Bytes.Concat(Bytes.IdxHeader(UByte, 1000, 1000, 1000), new byte[84]);
        string path = Write("claims.idx", content, gzip);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(
            "claims.idx, offset 100: the file is truncated: the header declares 1000 × 1000 × 1000 ubyte = 1000000000 data bytes after the 16-byte header, but only 84 follow",
            error.Message);
        Assert.Equal(100, error.Offset);
        Assert.True(allocated < 4 << 20, $"reading a 100-byte file allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsATruncatedFile(bool gzip)
    {
        string path = Write("short.idx", Bytes.Idx(Int16, [10], new byte[15]), gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.Equal("short.idx, offset 23: the file is truncated: the header declares 10 int16 = 20 data bytes after the 8-byte header, but only 15 follow", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsTrailingBytes(bool gzip)
    {
        string path = Write("long.idx", Bytes.Idx(UByte, [10], new byte[13]), gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.Equal("long.idx, offset 18: the file has trailing bytes: the header declares 10 ubyte = 10 data bytes after the 8-byte header, but 13 follow (3 extra)", error.Message);
        Assert.Equal(18, error.Offset);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x08, 0x01, 0, 0, 0, 0 }, 0, "bad magic number: an IDX file starts with bytes 00 00 but this one starts with 01 00")]
    [InlineData(new byte[] { 0x00, 0x00, 0x0A, 0x01, 0, 0, 0, 0 }, 2, "unknown element type 0x0A")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x00 }, 3, "the header declares 0 dimensions; between 1 and 4 are supported")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x05, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, "the header declares 5 dimensions")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x02, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE }, 8, "dimension 1 is -2; dimensions cannot be negative")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x03, 0, 0, 0, 1, 0 }, 9, "the header is cut short: 3 dimensions need 12 bytes after the magic number but only 5 follow")]
    [InlineData(new byte[] { 0x00, 0x00 }, 0, "the file has 2 bytes, too few for the 4-byte IDX magic number")]
    [InlineData(new byte[] { }, 0, "the file has 0 bytes")]
    public void RejectsABadHeaderNamingTheOffset(byte[] content, long offset, string problem)
    {
        foreach (bool gzip in new[] { false, true })
        {
            string path = Write("bad.idx", content, gzip);

            var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

            Assert.Equal(offset, error.Offset);
            Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
            Assert.StartsWith($"bad.idx, offset {offset}: ", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RejectsDimensionsWhoseProductOverflows()
    {
        byte[] content = Bytes.IdxHeader(Float64, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(new MemoryStream(content), "overflow.idx"));

        Assert.Contains("multiply past the range of a 64-bit byte count", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAnAbsurdItemShapeEvenWithZeroItems()
    {
        byte[] content = Bytes.IdxHeader(UByte, 0, 65536, 65536);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(new MemoryStream(content), "zero.idx"));

        Assert.Contains("items of 4294967296 elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AppliesACustomDataLimit()
    {
        var error = Assert.Throws<DataFormatException>(
            () => IdxFile.Read(new MemoryStream(Bytes.Idx(UByte, [100], new byte[100])), "limit.idx", maxDataBytes: 99));

        Assert.Contains("100 data bytes, more than the limit of 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsImageAndLabelCountsThatDiffer()
    {
        string images = Write("images.idx", Bytes.Idx(UByte, [3, 2], new byte[6]), gzip: false);
        string labels = Write("labels.idx", Bytes.Idx(UByte, [2], [0, 1]), gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxLoader.LoadImagesAndLabels<float>(images, labels));

        Assert.Equal("images.idx: 3 images (3 × 2 ubyte) but 2 labels in labels.idx", error.Message);
    }

    [Fact]
    public void RejectsALabelOutsideTheClassCountNamingItsOffset()
    {
        string images = Write("images.idx", Bytes.Idx(UByte, [3, 2], new byte[6]), gzip: false);
        string labels = Write("labels.idx", Bytes.Idx(UByte, [3], [0, 9, 10]), gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxLoader.LoadImagesAndLabels<float>(images, labels, classCount: 10));

        Assert.Equal("labels.idx, offset 10: item 2 has label 10, outside [0, 10)", error.Message);
    }

    [Theory]
    [InlineData(UByte, new[] { 3, 1 }, "a label file must be a 1-D ubyte array, but this one is 3 × 1 ubyte")]
    [InlineData(Int32, new[] { 3 }, "a label file must be a 1-D ubyte array, but this one is 3 int32")]
    public void RejectsALabelFileThatIsNotOneDimensionalUBytes(byte type, int[] dimensions, string problem)
    {
        int size = type == Int32 ? 4 : 1;
        string images = Write("images.idx", Bytes.Idx(UByte, [3, 2], new byte[6]), gzip: false);
        string labels = Write("labels.idx", Bytes.Idx(type, dimensions, new byte[3 * size]), gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxLoader.LoadImagesAndLabels<float>(images, labels));

        Assert.Equal($"labels.idx: {problem}", error.Message);
    }

    [Fact]
    public void RejectsANonFiniteFloatPixelNamingItsOffset()
    {
        byte[] pixels = [0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0];
        string images = Write("images.idx", Bytes.Idx(Float32, [2, 1], pixels), gzip: false);
        string labels = Write("labels.idx", Bytes.Idx(UByte, [2], [0, 1]), gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxLoader.LoadImagesAndLabels<float>(images, labels, scale: 1.0));

        Assert.Equal(16, error.Offset);
        Assert.Contains("element 1 is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAGzipStreamWhoseDeflateDataIsDamaged()
    {
        byte[] gzip = Bytes.Gzip(Bytes.Idx(UByte, [4096], Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256)).ToArray()));
        for (int i = 12; i < gzip.Length - 8; i++)
        {
            gzip[i] = 0xFF;
        }

        string path = _folder.Write("corrupt.idx.gz", gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void RejectsAGzipStreamWhoseChecksumDoesNotMatch()
    {
        byte[] gzip = Bytes.Gzip(Bytes.Idx(UByte, [4096], Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256)).ToArray()));
        gzip[^8] ^= 0xFF;
        string path = _folder.Write("checksum.idx.gz", gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));

        Assert.StartsWith("the gzip data is corrupt: the decompressed content has CRC-32 ", error.Problem, StringComparison.Ordinal);
    }

    [FashionFact]
    public void LoadsFashionMnistWhenInstalled()
    {
        const string Folder = FashionFactAttribute.Folder;
        var test = IdxLoader.LoadImagesAndLabels<float>(
            Path.Combine(Folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(Folder, "t10k-labels-idx1-ubyte.gz"));

        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, test.FeatureCount);
        Assert.Equal(10, test.TargetCount);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.ToArray().Count(label => label == c)));
        Assert.InRange(test.Features.ToArray().Max(), 0.9f, 1f);
    }

    private string Write(string name, byte[] content, bool gzip) =>
        _folder.Write(name, gzip ? Bytes.Gzip(content) : content);
}
