using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using NetGen.Data;

namespace NetGen.Tool;

/// <summary>What the first line of a CSV file says about it: the number of columns and, for a header, their names.</summary>
/// <param name="Path">The file.</param>
/// <param name="Separator">The character between fields.</param>
/// <param name="HasHeader">Whether the first line is a header rather than data.</param>
/// <param name="HeaderDetected">Whether <paramref name="HasHeader"/> was decided from the content (no --header or --no-header).</param>
/// <param name="ColumnCount">The number of fields of the first line.</param>
/// <param name="Names">The header's column names; null without a header.</param>
internal sealed record CsvLayout(string Path, char Separator, bool HasHeader, bool HeaderDetected, int ColumnCount, IReadOnlyList<string>? Names)
{
    /// <summary>A column as a message names it: <c>column 5 ('species')</c>, 1-based as editors count.</summary>
    public string Describe(int column) =>
        Names is null
            ? string.Create(CultureInfo.InvariantCulture, $"column {column + 1}")
            : string.Create(CultureInfo.InvariantCulture, $"column {column + 1} ('{Names[column]}')");

    /// <summary>How the header was decided, for the data summary.</summary>
    public string HeaderText => (HasHeader, HeaderDetected) switch
    {
        (true, true) => "a header line (detected: its first line has fields that are not numbers)",
        (false, true) => "no header line (detected: its first line is all numbers)",
        (true, false) => "a header line (--header)",
        _ => "no header line (--no-header)",
    };
}

/// <summary>
/// Reads the CSV files the tool is given: detects a header from the first line, finds columns by name or index, and
/// loads the numbers through <see cref="CsvLoader"/>, which checks every field (and a gzip file's integrity).
/// </summary>
internal static class CsvInput
{
    // The first line is read only to count and name the columns; a longer one is not a CSV header anyone wrote.
    private const int MaxFirstLineLength = 1 << 20;

    /// <summary>Reads the first line of <paramref name="path"/> (plain or gzip) and decides whether it is a header.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="header">True or false to decide, null to detect: a first line with a field that is not a number is a header.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is empty or its first line cannot be read.</exception>
    public static CsvLayout Inspect(string path, char separator, bool? header)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path} is a folder, not a CSV file.", path);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file.", path);
        }

        string first = ReadFirstLine(path);
        string[] fields = first.Split(separator);
        bool hasHeader = header ?? fields.Any(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        var names = hasHeader ? fields.Select(f => f.Trim().Trim('"').Trim()).ToArray() : null;
        return new CsvLayout(path, separator, hasHeader, header is null, fields.Length, names);
    }

    /// <summary>
    /// The 0-based index of the column <paramref name="reference"/> names: a whole number is an index (0 is the first
    /// column, −1 the last), anything else a header name (exact, else ignoring case when that is unique).
    /// </summary>
    /// <exception cref="UsageException">The column does not exist; the message lists what does.</exception>
    public static int ResolveColumn(CsvLayout layout, string reference, string optionName)
    {
        int count = layout.ColumnCount;
        if (int.TryParse(reference, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index))
        {
            int resolved = index < 0 ? count + index : index;
            return resolved >= 0 && resolved < count
                ? resolved
                : throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"{optionName}: column index {index} is outside the {count} columns of {layout.Path} (0 to {count - 1}, or -1 to -{count} counting from the end)."));
        }

        if (layout.Names is not { } names)
        {
            throw new UsageException(
                $"{optionName}: '{reference}' is not a column index, and {layout.Path} has no header line to find it by name ({layout.HeaderText}); give the column's index (0 is the first, -1 the last), or --header if the first line is a header.");
        }

        int exact = IndexOf(names, reference, StringComparison.Ordinal);
        if (exact >= 0)
        {
            return exact;
        }

        var ignoringCase = Enumerable.Range(0, names.Count).Where(i => string.Equals(names[i], reference, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (ignoringCase.Length == 1)
        {
            return ignoringCase[0];
        }

        const int listed = 12;
        string available = string.Join(", ", names.Take(listed).Select(n => $"'{n}'")) + (names.Count > listed ? string.Create(CultureInfo.InvariantCulture, $", … ({names.Count} in all)") : string.Empty);
        throw new UsageException($"{optionName}: {layout.Path} has no column named '{reference}'; its header names {available}.");
    }

    /// <summary>
    /// Loads a classification set: the label column's whole numbers 0, 1, … become one-hot targets and the labels.
    /// </summary>
    /// <param name="layout">The file.</param>
    /// <param name="labelColumn">The 0-based label column.</param>
    /// <param name="classCount">The number of classes when known (a model's), or null to take the largest label + 1.</param>
    /// <exception cref="DataFormatException">A field is malformed, a label is not a whole number in range, or the rows do not have the header's column count.</exception>
    public static Dataset<float> LoadClassification(CsvLayout layout, int labelColumn, int? classCount)
    {
        var data = CsvLoader.Load<float>(layout.Path, new CsvOptions
        {
            HasHeader = layout.HasHeader,
            Separator = layout.Separator,
            LabelColumn = labelColumn,
            ClassCount = classCount,
        });
        RequireColumnCount(layout, data.FeatureCount + 1);
        return data;
    }

    /// <summary>Loads a regression set: one column is the target, every other column a feature, in file order.</summary>
    /// <exception cref="DataFormatException">A field is malformed or the rows do not have the header's column count.</exception>
    /// <exception cref="InputException">The file has one column only.</exception>
    public static Dataset<float> LoadRegression(CsvLayout layout, int targetColumn)
    {
        var (features, target, _) = LoadColumns(layout, targetColumn);
        return new Dataset<float>(features, target!, layout.ColumnCount - 1, 1);
    }

    /// <summary>Loads the features of every row: all columns but <paramref name="excludedColumn"/> (a label, if the file has one).</summary>
    /// <returns>The features, sample-major, and the number of rows.</returns>
    /// <exception cref="DataFormatException">A field is malformed or the rows do not have the header's column count.</exception>
    /// <exception cref="InputException">The file has one column only.</exception>
    public static (float[] Features, int Rows) LoadFeatures(CsvLayout layout, int? excludedColumn)
    {
        var (features, _, rows) = LoadColumns(layout, excludedColumn);
        return (features, rows);
    }

    // CsvLoader reads a label column anywhere but regression targets only at the end; loading every column but the first
    // as a "target" reads the whole table through its checks, and the columns are then taken apart here.
    private static (float[] Features, float[]? Column, int Rows) LoadColumns(CsvLayout layout, int? column)
    {
        int columns = layout.ColumnCount;
        if (columns < 2)
        {
            throw new InputException($"{layout.Path} has a single column; the tool reads files of at least two columns (add an index column and leave it out with --label-column).");
        }

        var table = CsvLoader.Load<float>(layout.Path, new CsvOptions { HasHeader = layout.HasHeader, Separator = layout.Separator, TargetColumns = columns - 1 });
        RequireColumnCount(layout, table.FeatureCount + table.TargetCount);
        int rows = table.Count;
        int kept = column is null ? columns : columns - 1;
        var features = new float[checked(rows * kept)];
        float[]? selected = column is null ? null : new float[rows];
        ReadOnlySpan<float> first = table.Features;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> rest = table.GetTargets(i);
            int at = i * kept;
            for (int j = 0; j < columns; j++)
            {
                float value = j == 0 ? first[i] : rest[j - 1];
                if (j == column)
                {
                    selected![i] = value;
                }
                else
                {
                    features[at++] = value;
                }
            }
        }

        return (features, selected, rows);
    }

    private static void RequireColumnCount(CsvLayout layout, int rowColumns)
    {
        if (rowColumns != layout.ColumnCount)
        {
            throw new DataFormatException(
                string.Create(CultureInfo.InvariantCulture, $"the first line has {layout.ColumnCount} fields but the data rows have {rowColumns}"),
                layout.Path,
                line: layout.HasHeader ? 2 : 1);
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name, StringComparison comparison)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, comparison))
            {
                return i;
            }
        }

        return -1;
    }

    private static string ReadFirstLine(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            // Only the first line is read here; CsvLoader then reads the whole file, checking a gzip file's integrity.
            using Stream content = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var line = new StringBuilder();
            int c;
            while ((c = reader.Read()) >= 0 && c != '\n')
            {
                if (line.Length == MaxFirstLineLength)
                {
                    throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"the first line is longer than {MaxFirstLineLength} characters"), path, line: 1);
                }

                line.Append((char)c);
            }

            string text = line.ToString().TrimEnd('\r');
            if (c < 0 && text.Length == 0)
            {
                throw new DataFormatException("the file is empty", path);
            }

            return string.IsNullOrWhiteSpace(text) ? throw new DataFormatException("the first line is blank; it must be a header or the first data row", path, line: 1) : text;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"the file cannot be read: {e.Message}", path, line: 1, innerException: e);
        }
    }
}
