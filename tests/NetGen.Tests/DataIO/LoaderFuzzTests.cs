using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using NetGen.Data;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.DataIO.Tests;

/// <summary>
/// Property-based tests of the loaders (CsCheck: a failure is shrunk to the smallest input and printed with a seed
/// that replays it). Random valid CSV files load back exactly; every truncation and random byte edits of CSV and IDX
/// files, plain and gzip, either load or throw <see cref="DataFormatException"/>, never another exception, and
/// allocate within <see cref="DataLimits"/>' bound. A damaged gzip file that loads must give the original content.
/// </summary>
/// <remarks>
/// The default sizes keep the class short enough for every test run. <c>NETGEN_FUZZ_SCALE=N</c> (a whole number, default 1)
/// multiplies every iteration count, for long runs: <c>TMPDIR=/dev/shm NETGEN_FUZZ_SCALE=300 dotnet test … --filter
/// LoaderFuzzTests</c> (a tmpfs, because every case writes its files).
/// </remarks>
public sealed class LoaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private int _fileCounter;

    public void Dispose() => _folder.Dispose();

    /// <summary>The multiplier of every iteration count, from NETGEN_FUZZ_SCALE.</summary>
    public static int Scale { get; } = ReadScale();

    [Fact]
    public void RandomValidCsvFilesLoadBackExactly()
    {
        // Trickle 0 loads the file from disk; 1 to 7 hand the text to the loader that many characters at a time, so
        // line breaks (\r\n too) fall on every buffer boundary.
        Gen.Select(CsvGen.Case, Gen.Int[0, 7]).Sample(
            (csv, trickle) =>
            {
                string path = WriteFile(csv.Encode(), csv.Gzip ? ".csv.gz" : ".csv");
                if (csv.Double)
                {
                    AssertLoads(trickle == 0 ? CsvLoader.Load<double>(path, csv.Options) : CsvLoader.Load<double>(new TrickleReader(csv.Text, trickle), "t.csv", csv.Options), csv, v => v);
                }
                else
                {
                    AssertLoads(trickle == 0 ? CsvLoader.Load<float>(path, csv.Options) : CsvLoader.Load<float>(new TrickleReader(csv.Text, trickle), "t.csv", csv.Options), csv, v => (float)v);
                }

                File.Delete(path);
            },
            iter: 400L * Scale,
            print: t => $"{t.Item1} trickle={t.Item2}",
            writeLine: output.WriteLine);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void EveryTruncationOfACompressedCsvIsRejectedAndOfAPlainOneLoadsARowPrefixOrIsRejected()
    {
        CsvGen.Case.Sample(
            csv =>
            {
                byte[] encoded = csv.Encode();
                byte[] plain = csv.Gzip ? Decompress(encoded) : encoded;
                byte[] gzip = Bytes.Gzip(plain);
                for (int cut = 2; cut < gzip.Length; cut++)
                {
                    var error = LoadCsv(gzip[..cut], ".csv.gz", csv).Error;
                    Assert.NotNull(error);
                    Assert.StartsWith("the gzip data is truncated", error.Problem, StringComparison.Ordinal);
                }

                for (int cut = 0; cut < plain.Length; cut++)
                {
                    if (LoadCsv(plain[..cut], ".csv", csv).Data is { } loaded)
                    {
                        // Whole rows before the cut are exact; the last row may have lost digits of its last field.
                        Assert.InRange(loaded.Count, 1, csv.Rows);
                        int exactValues = (loaded.Count - 1) * loaded.FeatureCount;
                        Assert.Equal(csv.Features.Take(exactValues), loaded.Features[..exactValues].ToArray());
                    }
                }
            },
            iter: 25L * Scale,
            print: csv => csv.ToString(),
            writeLine: output.WriteLine);
    }

    [Fact]
    public void RandomEditsOfCsvFilesLoadOrThrowDataFormatException()
    {
        Gen.Select(CsvGen.Case, Mutation.Gen).Sample(
            (csv, mutation) =>
            {
                byte[] original = csv.Encode();
                byte[] edited = mutation.Apply(original);
                var loaded = LoadCsv(edited, csv.Gzip ? ".csv.gz" : ".csv", csv).Data;
                if (loaded is not null && csv.Gzip && edited.Length >= 2 && edited[0] == 0x1F && edited[1] == 0x8B)
                {
                    // The trailer's CRC-32 and length vouch for the content: damage that loads changed nothing that matters.
                    Assert.Equal(csv.Features, loaded.Features.ToArray());
                }
            },
            iter: 1500L * Scale,
            print: t => $"{t.Item1} {t.Item2}",
            writeLine: output.WriteLine);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void EveryTruncationOfAnIdxFileIsRejected()
    {
        IdxGen.File.Sample(
            idx =>
            {
                byte[] gzip = Bytes.Gzip(idx.Content);
                for (int cut = 2; cut < gzip.Length; cut++)
                {
                    var error = ReadIdx(gzip[..cut]).Error;
                    Assert.NotNull(error);
                    Assert.StartsWith("the gzip data is truncated", error.Problem, StringComparison.Ordinal);
                }

                for (int cut = 0; cut < idx.Content.Length; cut++)
                {
                    Assert.NotNull(ReadIdx(idx.Content[..cut]).Error);
                }
            },
            iter: 60L * Scale,
            print: idx => idx.ToString(),
            writeLine: output.WriteLine);
    }

    [Fact]
    public void RandomEditsOfIdxFilesLoadOrThrowDataFormatException()
    {
        Gen.Select(IdxGen.File, Gen.Bool, Mutation.Gen).Sample(
            (idx, gzip, mutation) =>
            {
                byte[] original = gzip ? Bytes.Gzip(idx.Content) : idx.Content;
                byte[] edited = mutation.Apply(original);
                if (ReadIdx(edited).Data is { } file)
                {
                    Assert.Equal(file.ElementCount * (long)file.ElementSize, file.RawData.Length);
                    if (gzip && edited.Length >= 2 && edited[0] == 0x1F && edited[1] == 0x8B)
                    {
                        Assert.Equal(idx.Content[file.HeaderLength..], file.RawData.ToArray());
                    }
                }
            },
            iter: 1500L * Scale,
            print: t => $"{t.Item1} gzip={t.Item2} {t.Item3}",
            writeLine: output.WriteLine);
    }

    [Fact]
    public void RandomEditsOfImageAndLabelPairsLoadOrThrowDataFormatException()
    {
        Gen.Select(Gen.Int[1, 12], Gen.Int[1, 6], Gen.Bool, Mutation.Gen, Gen.Bool).Sample(
            (count, pixels, gzip, mutation, editLabels) =>
            {
                byte[] images = Bytes.Idx(0x08, [count, pixels], Enumerable.Range(0, count * pixels).Select(i => (byte)(i * 31 % 256)).ToArray());
                byte[] labels = Bytes.Idx(0x08, [count], Enumerable.Range(0, count).Select(i => (byte)(i % 4)).ToArray());
                if (gzip)
                {
                    (images, labels) = (Bytes.Gzip(images), Bytes.Gzip(labels));
                }

                (images, labels) = editLabels ? (images, mutation.Apply(labels)) : (mutation.Apply(images), labels);
                string imagesPath = WriteFile(images, ".idx3");
                string labelsPath = WriteFile(labels, ".idx1");
                long content = DecodedLength(images) + DecodedLength(labels);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    var data = IdxLoader.LoadImagesAndLabels<double>(imagesPath, labelsPath);
                    Assert.Equal(data.Count * data.FeatureCount, data.Features.Length);
                }
                catch (DataFormatException)
                {
                }

                LoaderLimitTests.AssertWithinBound(GC.GetAllocatedBytesForCurrentThread() - before, content);
                File.Delete(imagesPath);
                File.Delete(labelsPath);
            },
            iter: 800L * Scale,
            print: t => $"count={t.Item1} pixels={t.Item2} gzip={t.Item3} {t.Item4} labels={t.Item5}",
            writeLine: output.WriteLine);
    }

    private static int ReadScale()
    {
        string? text = Environment.GetEnvironmentVariable("NETGEN_FUZZ_SCALE");
        if (string.IsNullOrEmpty(text))
        {
            return 1;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int scale) && scale >= 1
            ? scale
            : throw new InvalidOperationException($"NETGEN_FUZZ_SCALE is '{text}'; it must be a whole number of at least 1.");
    }

    private static void AssertLoads<T>(Dataset<T> data, CsvCase csv, Func<double, T> convert)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(csv.Rows, data.Count);
        Assert.Equal(csv.FeatureCount, data.FeatureCount);
        Assert.Equal(csv.Features.Select(convert), data.Features.ToArray());
        if (csv.Labels is { } labels)
        {
            Assert.Equal(labels, data.Labels.ToArray());
            Assert.Equal(csv.Options.ClassCount ?? labels.Max() + 1, data.TargetCount);
        }
        else
        {
            Assert.Equal(csv.Targets.Select(convert), data.Targets.ToArray());
        }
    }

    private static byte[] Decompress(byte[] gzip)
    {
        using var stream = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var content = new MemoryStream();
        stream.CopyTo(content);
        return content.ToArray();
    }

    // How many bytes of content a loader could have read from the file: all of a plain file, or as much as an
    // independent decoder gets out of a damaged gzip file before it stops.
    private static long DecodedLength(byte[] file)
    {
        if (file.Length < 2 || file[0] != 0x1F || file[1] != 0x8B)
        {
            return file.Length;
        }

        long length = 0;
        var buffer = new byte[64 * 1024];
        try
        {
            using var stream = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                length += read;
            }
        }
        catch (InvalidDataException)
        {
        }

        return Math.Max(length, file.Length);
    }

    private string WriteFile(byte[] content, string extension) =>
        _folder.Write($"f{Interlocked.Increment(ref _fileCounter)}{extension}", content);

    // Loads the bytes as a CSV file with the case's options: the data set or the DataFormatException; any other
    // exception fails the property. Either way the allocation must be within the bound.
    private Outcome<Dataset<double>> LoadCsv(byte[] content, string extension, CsvCase csv)
    {
        string path = WriteFile(content, extension);
        long bound = DecodedLength(content);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (csv.Double)
            {
                return new(CsvLoader.Load<double>(path, csv.Options), null);
            }

            var single = CsvLoader.Load<float>(path, csv.Options);
            return new(new Dataset<double>(
                single.Features.ToArray().Select(v => (double)v).ToArray(),
                single.Targets.ToArray().Select(v => (double)v).ToArray(),
                single.FeatureCount,
                single.TargetCount,
                single.HasLabels ? single.Labels.ToArray() : null), null);
        }
        catch (DataFormatException e)
        {
            return new(null, e);
        }
        finally
        {
            LoaderLimitTests.AssertWithinBound(GC.GetAllocatedBytesForCurrentThread() - before, bound);
            File.Delete(path);
        }
    }

    private Outcome<IdxFile> ReadIdx(byte[] content)
    {
        string path = WriteFile(content, ".idx");
        long bound = DecodedLength(content);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            return new(IdxFile.Read(path), null);
        }
        catch (DataFormatException e)
        {
            return new(null, e);
        }
        finally
        {
            LoaderLimitTests.AssertWithinBound(GC.GetAllocatedBytesForCurrentThread() - before, bound);
            File.Delete(path);
        }
    }
}

/// <summary>A reader that returns at most a few characters per call, as a slow source would.</summary>
public sealed class TrickleReader(string text, int charactersPerRead) : TextReader
{
    private int _position;

    public override int Read(Span<char> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, charactersPerRead), text.Length - _position);
        text.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));
}

/// <summary>What a loader did with a file: the result, or the <see cref="DataFormatException"/> it threw.</summary>
public sealed record Outcome<T>(T? Data, DataFormatException? Error)
    where T : class;

/// <summary>A generated CSV file with the values it must load as.</summary>
public sealed record CsvCase(
    string Text,
    bool Gzip,
    bool ByteOrderMark,
    bool Double,
    CsvOptions Options,
    int Rows,
    int FeatureCount,
    double[] Features,
    double[] Targets,
    int[]? Labels)
{
    public byte[] Encode()
    {
        byte[] text = Encoding.UTF8.GetBytes(Text);
        byte[] file = ByteOrderMark ? Bytes.Concat([0xEF, 0xBB, 0xBF], text) : text;
        return Gzip ? Bytes.Gzip(file) : file;
    }

    public override string ToString() =>
        $"{(Double ? "double" : "float")} {(Gzip ? "gzip" : "plain")}{(ByteOrderMark ? " BOM" : string.Empty)} label={Options.LabelColumn?.ToString(CultureInfo.InvariantCulture) ?? "-"} "
        + $"targets={Options.TargetColumns?.ToString(CultureInfo.InvariantCulture) ?? "-"} header={Options.HasHeader} separator='{Options.Separator}' text=\"{Text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"";
}

/// <summary>Generators of valid CSV files of every layout the loader accepts.</summary>
public static class CsvGen
{
    private static readonly char[] Separators = [',', ';', '\t', '|'];
    private static readonly string[] LineBreaks = ["\n", "\r\n", "\r"];

    // Doubles of every kind: small integers, values in a unit range, large and tiny magnitudes, arbitrary bit patterns.
    private static readonly Gen<double> Value = Gen.OneOf(
        Gen.Int[-1000, 1000].Select(i => (double)i),
        Gen.Double.Unit,
        Gen.Double[-1e6, 1e6],
        Gen.Long.Select(BitConverter.Int64BitsToDouble).Select(v => double.IsFinite(v) ? v : 0.5));

    public static Gen<CsvCase> Case { get; } =
        from shape in Gen.Select(Gen.Int[1, 12], Gen.Int[1, 5], Gen.Bool, Gen.Int[1, 3])
        from layout in Gen.Select(Gen.Int[0, 6], Gen.Bool, Gen.Int[0, 5], Gen.Bool)
        from text in Gen.Select(Gen.Int[0, Separators.Length - 1], Gen.Int[0, LineBreaks.Length - 1], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2])
        from file in Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool)
        from values in Value.Array[shape.Item1 * (shape.Item2 + shape.Item4)]
        from labels in Gen.Int[0, 5].Array[shape.Item1]
        from padding in Gen.Int[0, 2].Array[shape.Item1 * (shape.Item2 + shape.Item4)]
        select Build(shape, layout, text, file, values, labels, padding);

    private static CsvCase Build(
        (int Rows, int Features, bool Classification, int TargetColumns) shape,
        (int LabelPosition, bool NegativeIndex, int ExtraClasses, bool GiveClassCount) layout,
        (int Separator, int LineBreak, bool FinalBreak, int BlankLines, int Format) text,
        (bool Header, bool Gzip, bool Bom, bool Double) file,
        double[] values,
        int[] labelDraws,
        int[] padding)
    {
        char separator = Separators[text.Separator];
        string lineBreak = LineBreaks[text.LineBreak];
        int extraColumns = shape.Classification ? 1 : shape.TargetColumns;
        int columns = shape.Features + extraColumns;
        int labelColumn = Math.Min(layout.LabelPosition, shape.Features);
        var features = new List<double>();
        var targets = new List<double>();
        var labels = new int[shape.Rows];
        var builder = new StringBuilder();
        if (file.Header)
        {
            builder.Append(string.Join(separator, Enumerable.Range(0, columns).Select(c => $"column {c}"))).Append(lineBreak);
        }

        for (int row = 0; row < shape.Rows; row++)
        {
            var fields = new List<string>();
            for (int column = 0, value = 0; column < columns; column++)
            {
                if (shape.Classification && column == labelColumn)
                {
                    labels[row] = labelDraws[row];
                    fields.Add(text.Format == 1 ? labels[row].ToString("F1", CultureInfo.InvariantCulture) : labels[row].ToString(CultureInfo.InvariantCulture));
                    continue;
                }

                int index = row * (shape.Features + shape.TargetColumns) + value++;
                double v = values[index];
                if (!file.Double)
                {
                    float single = (float)v;
                    v = float.IsFinite(single) ? single : 0.25;
                }

                string written = Format(v, file.Double, text.Format);
                fields.Add(new string(' ', padding[index]) + written + new string(' ', padding[index] / 2));
                bool isTarget = !shape.Classification && column >= shape.Features;
                (isTarget ? targets : features).Add(v);
            }

            builder.Append(string.Join(separator, fields));
            if (row < shape.Rows - 1 || text.FinalBreak || text.BlankLines > 0)
            {
                builder.Append(lineBreak);
            }
        }

        for (int i = 0; i < text.BlankLines; i++)
        {
            builder.Append(i == 0 ? "  " : string.Empty).Append(lineBreak);
        }

        int? classCount = shape.Classification && layout.GiveClassCount ? labels.Max() + 1 + layout.ExtraClasses : null;
        var options = shape.Classification
            ? new CsvOptions
            {
                HasHeader = file.Header,
                Separator = separator,
                LabelColumn = layout.NegativeIndex ? labelColumn - columns : labelColumn,
                ClassCount = classCount,
            }
            : new CsvOptions { HasHeader = file.Header, Separator = separator, TargetColumns = shape.TargetColumns };
        return new CsvCase(
            builder.ToString(), file.Gzip, file.Bom, file.Double, options, shape.Rows, shape.Features,
            [.. features], [.. targets], shape.Classification ? labels : null);
    }

    // Every format writes the value so that it parses back to exactly the same double (or float).
    private static string Format(double value, bool asDouble, int format)
    {
        if (asDouble)
        {
            return format switch
            {
                0 => value.ToString("R", CultureInfo.InvariantCulture),
                1 => value.ToString("E16", CultureInfo.InvariantCulture),
                _ => value.ToString("G17", CultureInfo.InvariantCulture),
            };
        }

        float single = (float)value;
        return format switch
        {
            0 => single.ToString("R", CultureInfo.InvariantCulture),
            1 => single.ToString("E8", CultureInfo.InvariantCulture),
            _ => single.ToString("G9", CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>A generated IDX file.</summary>
public sealed record IdxCase(byte Type, int[] Dimensions, byte[] Content)
{
    public override string ToString() => $"type {Type:X2} [{string.Join(" × ", Dimensions)}] {Convert.ToHexString(Content)}";
}

/// <summary>Generators of valid IDX files of every element type.</summary>
public static class IdxGen
{
    private static readonly byte[] Types = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E];

    public static Gen<IdxCase> File { get; } =
        from type in Gen.Int[0, Types.Length - 1].Select(i => Types[i])
        from dimensions in Gen.Int[0, 5].Array[1, 3]
        from data in Gen.Byte.Array[dimensions.Aggregate(1, (a, b) => a * b) * Size(type)]
        select new IdxCase(type, dimensions, Bytes.Idx(type, dimensions, data));

    private static int Size(byte type) => type switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, _ => 8 };
}

/// <summary>Random damage to a file: a truncation, byte substitutions, insertions and deletions.</summary>
public sealed record Mutation((int Kind, int Position, byte Value)[] Edits)
{
    public static Gen<Mutation> Gen { get; } =
        CsCheck.Gen.Select(CsCheck.Gen.Int[0, 4], CsCheck.Gen.Int[0, int.MaxValue], CsCheck.Gen.Byte).Array[1, 4].Select(edits => new Mutation(edits));

    public byte[] Apply(byte[] content)
    {
        var bytes = new List<byte>(content);
        foreach (var (kind, position, value) in Edits)
        {
            int at = bytes.Count == 0 ? 0 : position % bytes.Count;
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = value;
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << (value % 8));
                    break;
                case 2:
                    bytes.Insert(at, value);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }

    public override string ToString() => string.Join(", ", Edits.Select(e => $"{"set,flip,insert,delete,cut".Split(',')[e.Kind]}@{e.Position}:{e.Value:X2}"));
}
