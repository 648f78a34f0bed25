using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using NetGen.IO;
using Xunit;
using static NetGen.DataIO.Tests.Bytes;

namespace NetGen.DataIO.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ReadsAHandWrittenFileWithMetadataAndSpacePadding()
    {
        string header = "{" + TensorEntry("a", "F32", "[2,2]", 0, 16) + "," + TensorEntry("b", "F64", "[]", 16, 24)
            + ",\"__metadata__\":{\"format\":\"pt\",\"note\":\"x → y\"}}    ";
        string path = _folder.Write("hand.safetensors", SafeTensors(header, Concat(F32(1, -2, 3.5f, 0), F64(0.25))));

        using var reader = SafeTensorsReader.Open(path);

        Assert.Equal(["a", "b"], reader.Tensors.Select(t => t.Name));
        var a = reader.Tensors[0];
        Assert.Equal(SafeTensorDataType.Float32, a.DataType);
        Assert.Equal([2L, 2L], a.Shape);
        Assert.Equal((0L, 16L, 4L), (a.DataBegin, a.DataEnd, a.ElementCount));
        Assert.Equal("a F32 [2, 2]", a.ToString());
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal("x → y", reader.Metadata["note"]);
        Assert.Equal(24, reader.DataLength);
        var values = new double[4];
        reader.ReadFloatingPoint<double>(a, values);
        Assert.Equal([1.0, -2.0, 3.5, 0.0], values);
        Assert.True(reader.TryGetTensor("b", out var b));
        var scalar = new float[1];
        reader.ReadFloatingPoint<float>(b, scalar);
        Assert.Equal(0.25f, scalar[0]);
        var raw = new byte[8];
        reader.ReadBytes(b, raw);
        Assert.Equal(F64(0.25), raw);
    }

    [Fact]
    public void ReadsHalfAndBFloat16()
    {
        string header = "{" + TensorEntry("h", "F16", "[3]", 0, 6) + "," + TensorEntry("bf", "BF16", "[3]", 6, 12) + "}";
        using var reader = SafeTensorsReader.Open(new MemoryStream(SafeTensors(header, Concat(F16(0.5, -1.25, 65504), BF16(1.5f, -0.375f, 3.0f)))), "mem");
        var half = new double[3];
        var bfloat = new float[3];

        reader.ReadFloatingPoint<double>(reader.Tensors[0], half);
        reader.ReadFloatingPoint<float>(reader.Tensors[1], bfloat);

        Assert.Equal([0.5, -1.25, 65504.0], half);
        Assert.Equal([1.5f, -0.375f, 3.0f], bfloat);
    }

    [Fact]
    public void WriterProducesASpecConformingFile()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.AddTensor<float>("0.weight", [1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        writer.AddTensor<double>("0.bias", [-1.0, 0.5], 2);
        writer.AddTensor("flags", SafeTensorDataType.UInt8, [3], [1, 0, 1]);
        using var stream = new MemoryStream();

        writer.WriteTo(stream);

        byte[] file = stream.ToArray();
        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, headerSize % 8);
        string header = Encoding.UTF8.GetString(file, 8, (int)headerSize);
        Assert.StartsWith("{", header, StringComparison.Ordinal);
        Assert.Matches(@"^\{.*\} *$", header);
        using var json = JsonDocument.Parse(header);
        Assert.Equal("pt", json.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        var weight = json.RootElement.GetProperty("0.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([2, 3], weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal([0, 24], weight.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal([24, 40], json.RootElement.GetProperty("0.bias").GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal("F64", json.RootElement.GetProperty("0.bias").GetProperty("dtype").GetString());
        Assert.Equal([40, 43], json.RootElement.GetProperty("flags").GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(Concat(F32(1, 2, 3, 4, 5, 6), F64(-1, 0.5), [1, 0, 1]), file[(8 + (int)headerSize)..]);
    }

    [Fact]
    public void WriterRejectsDuplicateOrReservedNamesAndMismatchedShapes()
    {
        var writer = new SafeTensorsWriter();
        writer.AddTensor<float>("w", [1f, 2f], 2);

        Assert.Throws<ArgumentException>(() => writer.AddTensor<float>("w", [1f], 1));
        Assert.Throws<ArgumentException>(() => writer.AddTensor<float>("__metadata__", [1f], 1));
        Assert.Throws<ArgumentException>(() => writer.AddTensor<float>("", [1f], 1));
        Assert.Throws<ArgumentException>(() => writer.AddTensor<float>("x", [1f, 2f, 3f], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddTensor("y", SafeTensorDataType.Float32, [-1], []));
        Assert.Equal(1, writer.TensorCount);
    }

    [Fact]
    public void SavingReplacesTheFileAndLeavesNoTemporaryFiles()
    {
        string path = _folder.WriteText("model.safetensors", "old content");
        var writer = new SafeTensorsWriter();
        writer.AddTensor<float>("t", [7f], 1);

        writer.Save(path);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal("t", reader.Tensors.Single().Name);
    }

    [Fact]
    public void ReadsAnEmptyTensorAndAFileWithNoTensors()
    {
        using var empty = SafeTensorsReader.Open(new MemoryStream(SafeTensors("{}", [])), "none");
        using var zero = SafeTensorsReader.Open(new MemoryStream(SafeTensors("{" + TensorEntry("z", "F32", "[0,3]", 0, 0) + "}", [])), "zero");

        Assert.Empty(empty.Tensors);
        Assert.Equal(0, zero.Tensors.Single().ElementCount);
    }

    public static TheoryData<string, byte[], string?, string> HostileFiles() => new()
    {
        {
            "huge header size", SafeTensors("{}", [], declaredHeaderSize: 1UL << 40), null,
            "the header size is 1099511627776 bytes, more than the limit of 104857600"
        },
        {
            "header size past the end", SafeTensors("{}", [], declaredHeaderSize: 1000), null,
            "the header size is 1000 bytes but only 2 bytes follow the 8-byte size; the file is truncated or not safetensors"
        },
        { "too short", [1, 0, 0], null, "the file has 3 bytes, too few for the 8-byte header size that starts a safetensors file" },
        {
            "truncated data", SafeTensors("{" + TensorEntry("w", "F32", "[6]", 0, 24) + "}", new byte[20]), "w",
            "data_offsets [0, 24] reach past the end of the 20-byte data buffer"
        },
        {
            "overlapping", SafeTensors("{" + TensorEntry("a", "F32", "[2]", 0, 8) + "," + TensorEntry("b", "F32", "[2]", 4, 12) + "}", new byte[12]), "b",
            "data_offsets [4, 12] overlap tensor 'a' at [0, 8]"
        },
        {
            "hole between tensors", SafeTensors("{" + TensorEntry("a", "F32", "[2]", 0, 8) + "," + TensorEntry("b", "F32", "[2]", 12, 20) + "}", new byte[20]), "b",
            "data_offsets [12, 20] leave a hole: buffer bytes [8, 12) belong to no tensor"
        },
        {
            "hole at the start", SafeTensors("{" + TensorEntry("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "a",
            "data_offsets [4, 8] leave a hole: buffer bytes [0, 4) belong to no tensor"
        },
        {
            "uncovered tail", SafeTensors("{" + TensorEntry("a", "F32", "[2]", 0, 8) + "}", new byte[11]), null,
            "the tensors cover 8 bytes of the 11-byte data buffer; bytes [8, 11) belong to no tensor"
        },
        {
            "duplicate tensor names", SafeTensors("{" + TensorEntry("w", "F32", "[1]", 0, 4) + "," + TensorEntry("w", "F32", "[1]", 4, 8) + "}", new byte[8]), "w",
            "the header names this tensor more than once"
        },
        {
            "byte length does not match the shape", SafeTensors("{" + TensorEntry("w", "F32", "[2,2]", 0, 12) + "}", new byte[12]), "w",
            "shape [2, 2] of F32 needs 16 bytes, but data_offsets [0, 12] span 12"
        },
        { "unknown dtype", SafeTensors("{" + TensorEntry("w", "F99", "[1]", 0, 4) + "}", new byte[4]), "w", "unknown dtype 'F99'" },
        { "lower-case dtype", SafeTensors("{" + TensorEntry("w", "f32", "[1]", 0, 4) + "}", new byte[4]), "w", "unknown dtype 'f32'" },
        {
            "offsets backwards", SafeTensors("{" + TensorEntry("w", "F32", "[1]", 4, 0) + "}", new byte[4]), "w",
            "data_offsets [4, 0] end before they begin"
        },
        {
            "three offsets", SafeTensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[4]), "w",
            "data_offsets must hold two numbers, [begin, end], but it holds 3"
        },
        {
            "negative dimension", SafeTensors("{" + TensorEntry("w", "F32", "[-1]", 0, 4) + "}", new byte[4]), "w",
            "shape must be an array of non-negative integers, but it holds a number '-1'"
        },
        {
            "fractional dimension", SafeTensors("{" + TensorEntry("w", "F32", "[1.5]", 0, 4) + "}", new byte[4]), "w",
            "shape must be an array of non-negative integers, but it holds a number '1.5'"
        },
        {
            "shape overflows", SafeTensors("{" + TensorEntry("w", "F32", "[4294967296,4294967296]", 0, 4) + "}", new byte[4]), "w",
            "the shape [4294967296, 4294967296] has more elements than a 64-bit count holds"
        },
        {
            "missing offsets", SafeTensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "w", "the entry has no data_offsets"
        },
        {
            "unexpected key", SafeTensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new byte[4]), "w",
            "unexpected key 'x'; a tensor entry has only dtype, shape and data_offsets"
        },
        {
            "repeated key", SafeTensors("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "w",
            "the entry has 'dtype' more than once"
        },
        { "entry not an object", SafeTensors("{\"w\":[1,2]}", []), "w", "the entry must be an object with dtype, shape and data_offsets, but it is an array" },
        { "not an object", SafeTensors("[1,2]", []), null, "the header must be a JSON object, starting with '{'" },
        { "invalid JSON", SafeTensors("{\"w\":{\"dtype\":\"F32\",}", []), null, "the header is not valid JSON: expected a string but found '}' (at byte 20 of the header)" },
        { "dtype not a string", SafeTensors("{\"w\":{\"dtype\":}", []), "w", "dtype must be a string, but it is '}'" },
        // A lone UTF-16 surrogate escape makes a name that is not Unicode text (the JSON reader threw InvalidOperationException).
        { "lone surrogate in a name", SafeTensors("{\"\\ud800\":{}}", []), null, "the header is not valid JSON: a string holds an unpaired surrogate escape (at byte 2 of the header)" },
        { "lone low surrogate in a name", SafeTensors("{\"a\\udc00\":{}}", []), null, "the header is not valid JSON: a string holds an unpaired surrogate escape" },
        { "high surrogate before another escape", SafeTensors("{\"\\ud800\\n\":{}}", []), null, "the header is not valid JSON: a string holds an unpaired surrogate escape" },
        {
            "lone surrogate in a dtype", SafeTensors("{\"w\":{\"dtype\":\"F3\\ud8002\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]), null,
            "the header is not valid JSON: a string holds an unpaired surrogate escape"
        },
        { "lone surrogate in a metadata key", SafeTensors("{\"__metadata__\":{\"\\udfff\":\"1\"}}", []), null, "the header is not valid JSON: a string holds an unpaired surrogate escape" },
        { "lone surrogate in a metadata value", SafeTensors("{\"__metadata__\":{\"a\":\"x\\ud800\"}}", []), null, "the header is not valid JSON: a string holds an unpaired surrogate escape" },
        { "metadata key twice, once escaped", SafeTensors("{\"__metadata__\":{\"format\":\"pt\",\"\\u0066ormat\":\"pt\"}}", []), null, "__metadata__ has the key 'format' more than once" },
        { "tensor name twice, once escaped", SafeTensors("{" + TensorEntry("w", "F32", "[1]", 0, 4) + "," + TensorEntry("\\u0077", "F32", "[1]", 4, 8) + "}", new byte[8]), "w", "the header names this tensor more than once" },
        { "metadata twice", SafeTensors("{\"__metadata__\":null,\"__metadata__\":{}}", []), "__metadata__", "the header names this tensor more than once" },
        { "garbage after the object", SafeTensors("{}  x", []), null, "the header is not valid JSON: " },
        { "invalid UTF-8", SafeTensors(Concat("{\""u8.ToArray(), [0xC3, 0x28], "\":\"1\"}"u8.ToArray()), []), null, "the header is not valid UTF-8" },
        {
            "metadata value not a string", SafeTensors("{\"__metadata__\":{\"epochs\":10}}", []), null,
            "__metadata__ entry 'epochs' must be a string, but it is a number"
        },
        {
            "metadata key twice", SafeTensors("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", []), null, "__metadata__ has the key 'a' more than once"
        },
        { "metadata not an object", SafeTensors("{\"__metadata__\":\"pt\"}", []), null, "__metadata__ must be an object of strings, but it is a string" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void RejectsHostileFilesWithASpecificError(string description, byte[] content, string? tensor, string problem)
    {
        string path = _folder.Write("hostile.safetensors", content);

        var error = Assert.Throws<WeightsFileException>(() => SafeTensorsReader.Open(path).Dispose());

        Assert.True(error.Problem.StartsWith(problem, StringComparison.Ordinal), $"{description}: {error.Message}");
        Assert.Equal(tensor, error.TensorName);
        Assert.Equal(path, error.Path);
        Assert.StartsWith(tensor is null ? "hostile.safetensors: " : $"hostile.safetensors, tensor '{tensor}': ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodesEscapedNamesAndMetadataOnce()
    {
        byte[] content = SafeTensors("{" + TensorEntry("\\u0030.w\\u00e9ight\\ud83d\\ude00", "F32", "[1]", 0, 4) + ",\"__metadata__\":{\"\\ud83d\\ude00\":\"ok\\n\",\"b\":\"\\\"\\\\\\/\\b\\f\\r\\t\"}}", new byte[4]);

        using var reader = SafeTensorsReader.Open(new MemoryStream(content), "escaped");

        Assert.Equal("0.wéight😀", reader.Tensors.Single().Name);
        Assert.Equal("ok\n", reader.Metadata["😀"]);
        Assert.Equal("\"\\/\b\f\r\t", reader.Metadata["b"]);
        Assert.Equal(2, reader.Metadata.Count);
        Assert.False(reader.Metadata.ContainsKey("\ud83d"));
        Assert.Equal(["b", "😀"], reader.Metadata.Keys.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string> HeaderHeavyFiles => new(HeaderHeavy.Keys);

    /// <summary>
    /// Headers written to cost the most per byte (thousands of tiny tensors, long shapes, many metadata keys, long escaped
    /// names) cost at most 5 bytes of allocation per header byte beyond the header's own copy, whether they are accepted
    /// or rejected at their very end.
    /// </summary>
    [Theory]
    [MemberData(nameof(HeaderHeavyFiles))]
    public void OpeningAllocatesAtMostASmallMultipleOfTheHeader(string name)
    {
        var (header, valid) = HeaderHeavy[name]();
        byte[] content = SafeTensors(header, []);
        Open();

        long before = GC.GetAllocatedBytesForCurrentThread();
        Open();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long bound = (header.Length * (1L + SafeTensorsHeader.MaxAllocationPerHeaderByte)) + (64 << 10);
        Assert.True(allocated <= bound, $"{name}: {allocated:N0} bytes allocated for a {header.Length:N0}-byte header ({(double)allocated / header.Length:F2} per byte), more than {bound:N0}");
        Assert.True(header.Length > 1 << 20, "the header is large enough for the bound to mean something");

        void Open()
        {
            using var stream = new MemoryStream(content);
            if (valid)
            {
                SafeTensorsReader.Open(stream, name).Dispose();
            }
            else
            {
                Assert.Throws<WeightsFileException>(() => SafeTensorsReader.Open(stream, name));
            }
        }
    }

    private static readonly System.Collections.Generic.Dictionary<string, Func<(byte[] Header, bool Valid)>> HeaderHeavy = new()
    {
        ["many tiny tensors"] = () => (Join(Enumerable.Range(0, 40_000).Select(i => TensorEntry(ShortName(i), "U8", "[0]", 0, 0)), string.Empty), true),
        ["many tiny tensors, the last a duplicate"] = () => (Join(Enumerable.Range(0, 40_000).Select(i => TensorEntry(ShortName(i), "U8", "[0]", 0, 0)), "," + TensorEntry(ShortName(0), "U8", "[0]", 0, 0)), false),
        ["a long shape"] = () => (Join([TensorEntry("w", "U8", "[" + string.Join(",", Enumerable.Repeat("0", 600_000)) + "]", 0, 0)], string.Empty), true),
        ["long shapes, the last negative"] = () => (Join(Enumerable.Range(0, 100).Select(i => TensorEntry(ShortName(i), "U8", "[" + string.Join(",", Enumerable.Repeat("0", 6_000)) + "]", 0, 0)), "," + TensorEntry("x", "U8", "[-1]", 0, 0)), false),
        ["many metadata keys"] = () => (Encoding.UTF8.GetBytes("{\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, 150_000).Select(i => $"\"{ShortName(i)}\":\"\"")) + "}}"), true),
        ["many metadata keys, the last a duplicate"] = () => (Encoding.UTF8.GetBytes("{\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, 150_000).Select(i => $"\"{ShortName(i)}\":\"\"")) + ",\"a\":\"\"}}"), false),
        ["a long escaped name"] = () => (Join([TensorEntry(string.Concat(Enumerable.Repeat("\\u00e9", 200_000)), "U8", "[0]", 0, 0)], string.Empty), true),
        ["a long name of astral characters"] = () => (Join([TensorEntry(string.Concat(Enumerable.Repeat("😀", 300_000)), "U8", "[0]", 0, 0)], string.Empty), true),
        ["a long name ending in a lone surrogate"] = () => (Join([TensorEntry(string.Concat(Enumerable.Repeat("a", 1_200_000)) + "\\ud800", "U8", "[0]", 0, 0)], string.Empty), false),
        ["padding"] = () => (Encoding.UTF8.GetBytes("{}" + new string(' ', 1_500_000)), true),
        ["a million colons"] = () => (Encoding.UTF8.GetBytes("{" + new string(':', 1_500_000) + "}"), false),
        ["a long name with an unknown dtype"] = () => (Join([TensorEntry(new string('n', 1_200_000), "F99", "[0]", 0, 0)], string.Empty), false),
        ["a long shape whose product overflows"] = () => (Join([TensorEntry("w", "U8", "[" + string.Join(",", Enumerable.Repeat("2", 600_000)) + "]", 0, 0)], string.Empty), false),
    };

    private static byte[] Join(System.Collections.Generic.IEnumerable<string> entries, string tail) =>
        Encoding.UTF8.GetBytes("{" + string.Join(",", entries) + tail + "}");

    // Distinct names of one to four characters: the shortest entries a header can hold.
    private static string ShortName(int i)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var name = new StringBuilder();
        do
        {
            name.Append(alphabet[i % alphabet.Length]);
            i /= alphabet.Length;
        }
        while (i > 0);

        return name.ToString();
    }

    [Fact]
    public void AppliesACustomHeaderLimitBeforeAllocating()
    {
        byte[] content = SafeTensors("{" + TensorEntry("w", "F32", "[1]", 0, 4) + "}", new byte[4]);

        var error = Assert.Throws<WeightsFileException>(() => SafeTensorsReader.Open(new MemoryStream(content), "small", maxHeaderBytes: 16));

        Assert.Contains("more than the limit of 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesToReadIntegerTensorsAsFloatingPoint()
    {
        using var reader = SafeTensorsReader.Open(new MemoryStream(SafeTensors("{" + TensorEntry("i", "I32", "[1]", 0, 4) + "}", new byte[4])), "ints");

        var error = Assert.Throws<WeightsFileException>(() => reader.ReadFloatingPoint<float>(reader.Tensors[0], new float[1]));

        Assert.Equal("ints, tensor 'i': dtype I32 is not a floating-point type; F32, F64, F16 and BF16 can be read", error.Message);
    }

    [Fact]
    public void ClosesTheFileWhenOpeningFails()
    {
        string path = _folder.Write("bad.safetensors", SafeTensors("[]", []));

        Assert.Throws<WeightsFileException>(() => SafeTensorsReader.Open(path));

        File.Delete(path);
        Assert.False(File.Exists(path));
    }
}
