using System;
using System.Globalization;
using System.Text;

namespace NetGen.Data;

/// <summary>
/// A data file's content is malformed: a ragged CSV row, a non-numeric or non-finite value, a label out of range, a bad
/// IDX header, a truncated file. The message names the file, the line (text) or byte offset (binary) and the problem,
/// for example <c>digits.csv, line 17: expected 65 columns but found 64</c>.
/// </summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception for one problem at one place in a file.</summary>
    /// <param name="problem">What is wrong, without the location, e.g. <c>expected 65 columns but found 64</c>.</param>
    /// <param name="path">The file (or the display name of the source), when known.</param>
    /// <param name="line">The 1-based line of a text file the problem is on, when it is on one.</param>
    /// <param name="offset">The byte offset in a binary file (in its decompressed content, for gzip) the problem is at.</param>
    /// <param name="innerException">The lower-level error that revealed the problem, if any.</param>
    public DataFormatException(string problem, string? path = null, long? line = null, long? offset = null, Exception? innerException = null)
        : base(ComposeMessage(problem, path, line, offset), innerException)
    {
        Problem = problem;
        Path = path;
        Line = line;
        Offset = offset;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The file (or the display name of the source) the problem is in, when known.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line of a text file the problem is on, when it is on one.</summary>
    public long? Line { get; }

    /// <summary>The byte offset in a binary file the problem is at; for a gzip file, an offset in the decompressed content.</summary>
    public long? Offset { get; }

    private static string ComposeMessage(string problem, string? path, long? line, long? offset)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var message = new StringBuilder();
        if (path is not null)
        {
            // The file name alone keeps the message short; Path keeps the full location for whoever needs it.
            string name = System.IO.Path.GetFileName(path);
            message.Append(name.Length > 0 ? name : path);
        }

        if (line is { } lineNumber)
        {
            AppendSeparator(message).Append("line ").Append(lineNumber.ToString(CultureInfo.InvariantCulture));
        }

        if (offset is { } byteOffset)
        {
            AppendSeparator(message).Append("offset ").Append(byteOffset.ToString(CultureInfo.InvariantCulture));
        }

        return message.Length == 0 ? problem : message.Append(": ").Append(problem).ToString();

        static StringBuilder AppendSeparator(StringBuilder text) => text.Length > 0 ? text.Append(", ") : text;
    }
}
