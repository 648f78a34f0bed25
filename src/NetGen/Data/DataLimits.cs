using System;

namespace NetGen.Data;

/// <summary>
/// The limits <see cref="CsvLoader"/> and <see cref="IdxLoader"/> enforce so that a small or hostile file cannot make
/// them allocate without bound. Each is a <see cref="DataFormatException"/> naming the limit when a file passes it.
/// </summary>
/// <remarks>
/// Together they bound memory by the content: a loader allocates at most
/// <see cref="AllocationBytesPerContentByte"/> bytes per byte of its (decompressed) content plus
/// <see cref="AllocationOverheadBytes"/>, whether it returns a data set or rejects the file. For a gzip file the content
/// is what it decompresses to, itself capped by <see cref="CsvOptions.MaxContentBytes"/> (CSV) or by the data size an
/// IDX header may declare (<see cref="IdxFile.DefaultMaxDataBytes"/>).
/// </remarks>
public static class DataLimits
{
    /// <summary>The default of <see cref="CsvOptions.MaxContentBytes"/>: 1 GiB of CSV text, after decompression.</summary>
    public const long DefaultMaxContentBytes = 1L << 30;

    /// <summary>The default of <see cref="CsvOptions.MaxLineLength"/>: 1,048,576 characters (2²⁰).</summary>
    public const int DefaultMaxLineLength = 1 << 20;

    /// <summary>The largest <see cref="CsvOptions.MaxLineLength"/> allowed: 2³⁰ characters.</summary>
    public const int MaxLineLengthCap = 1 << 30;

    /// <summary>
    /// The default of <see cref="CsvOptions.MaxInferredClassCount"/>: 1,024 classes when the count is inferred from the
    /// largest label rather than given. The cap of that option is <see cref="NetworkLimits.MaxLayerSize"/>, the widest
    /// output layer a network can have.
    /// </summary>
    public const int DefaultMaxInferredClassCount = 1024;

    /// <summary>
    /// The one-hot targets of a class count inferred from the labels may hold one value per character (CSV) or byte
    /// (IDX) of the content, or this many values in all if that is more: 131,072 (2¹⁷). A larger table, such as one
    /// label of 1,000 among a few thousand short rows, needs the class count given explicitly.
    /// </summary>
    public const long OneHotValueAllowance = 1L << 17;

    /// <summary>
    /// k: a loader allocates at most this many bytes per byte of content (20), plus <see cref="AllocationOverheadBytes"/>,
    /// for features and targets of type <see cref="double"/> (about half for <see cref="float"/>). The densest files
    /// come closest. In a CSV such as <c>0,0,0,…</c> each value costs 2 bytes of text and, as a double, 8 bytes while the
    /// rows are collected plus 8 in the final array; a long line also costs its buffer (at most 8 bytes per character
    /// in all, the buffer doubling as it grows), and the one-hot targets of an inferred class count up to 8 bytes per
    /// byte of content, but only where rows are short and hold few values. An IDX image file of bytes costs 8 per byte
    /// as doubles, up to 2 while a gzip file is read, and the one-hot targets up to 8 again.
    /// </summary>
    public const int AllocationBytesPerContentByte = 20;

    /// <summary>The fixed part of the allocation bound: 4 MiB of buffers, chunk slack and the one-hot allowance.</summary>
    public const long AllocationOverheadBytes = 4L << 20;

    /// <summary>
    /// Whether one-hot targets of <paramref name="classCount"/> classes for <paramref name="sampleCount"/> samples fit
    /// the allowance of content of <paramref name="contentSize"/> characters or bytes, when the class count was inferred.
    /// </summary>
    internal static bool OneHotFits(long sampleCount, int classCount, long contentSize, out long values, out long allowance)
    {
        values = sampleCount * classCount;
        allowance = Math.Max(contentSize, OneHotValueAllowance);
        return values <= allowance;
    }
}
