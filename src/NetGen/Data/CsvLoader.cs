using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;

namespace NetGen.Data;

/// <summary>
/// Loads numeric CSV files (plain or gzip) into a <see cref="Dataset{T}"/>: one sample per line, every field a number
/// in the invariant culture. Malformed content is a <see cref="DataFormatException"/> naming the line and the problem;
/// no data set is built until the whole file has parsed. A gzip file must be whole: a truncated or damaged file, or
/// bytes after its gzip member, is an error, never a shorter data set.
/// </summary>
/// <remarks>
/// Memory is bounded by the content (see <see cref="DataLimits"/>): the text is read line by line without keeping it,
/// a line may have at most <see cref="CsvOptions.MaxLineLength"/> characters and the content at most
/// <see cref="CsvOptions.MaxContentBytes"/> bytes after decompression, and a class count inferred from the labels is
/// limited by <see cref="CsvOptions.MaxInferredClassCount"/> and by the size of the one-hot targets it would need.
/// </remarks>
public static class CsvLoader
{
    // Long fields are shortened in messages so a corrupt line cannot produce a megabyte-long exception message.
    private const int MaxQuotedFieldLength = 40;

    // Large enough that decompression runs in sizeable pieces, small next to the line buffer.
    private const int ReadBufferBytes = 16 * 1024;

    /// <summary>Loads a CSV file; gzip is recognised by its magic bytes, whatever the extension.</summary>
    /// <typeparam name="T">The floating-point type of features and targets.</typeparam>
    /// <param name="path">The file.</param>
    /// <param name="options">The layout of the columns.</param>
    /// <returns>The data set, with labels and their one-hot (or, with <see cref="LabelEncoding.Binary"/>, 0/1) targets when
    /// <see cref="CsvOptions.LabelColumn"/> is set.</returns>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    /// <exception cref="DataFormatException">The content is malformed.</exception>
    public static Dataset<T> Load<T>(string path, CsvOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var stream = DataFile.OpenRead(path, options.MaxContentBytes, $"{nameof(CsvOptions)}.{nameof(CsvOptions.MaxContentBytes)}", out _);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, ReadBufferBytes);
        return Load<T>(reader, path, options);
    }

    /// <summary>Loads CSV text from a reader.</summary>
    /// <typeparam name="T">The floating-point type of features and targets.</typeparam>
    /// <param name="reader">The text, read to its end (not disposed). <see cref="CsvOptions.MaxContentBytes"/> limits the
    /// number of characters it may have.</param>
    /// <param name="displayName">The name errors give the source, such as its file name.</param>
    /// <param name="options">The layout of the columns.</param>
    /// <returns>The data set, with labels and their one-hot (or, with <see cref="LabelEncoding.Binary"/>, 0/1) targets when
    /// <see cref="CsvOptions.LabelColumn"/> is set.</returns>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    /// <exception cref="DataFormatException">The content is malformed.</exception>
    public static Dataset<T> Load<T>(TextReader reader, string displayName, CsvOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(displayName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new Parser<T>(reader, displayName, options).Parse();
    }

    private sealed class Parser<T>(TextReader reader, string displayName, CsvOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ChunkedList<T> _features = new();
        private readonly ChunkedList<T> _targets = new();
        private readonly ChunkedList<int>? _labels = options.LabelColumn is null ? null : new();
        private readonly ChunkedList<T>? _weights = options.WeightColumn is null ? null : new();
        private readonly int? _classCount = options.ClassCount ?? options.ClassNames?.Count ?? (options.LabelEncoding == LabelEncoding.Binary ? 2 : null);
        private readonly LineReader _lines = new(
            reader,
            displayName,
            options.MaxLineLength,
            $"{nameof(CsvOptions)}.{nameof(CsvOptions.MaxLineLength)}",
            options.MaxContentBytes,
            $"{nameof(CsvOptions)}.{nameof(CsvOptions.MaxContentBytes)}");
        private int _columnCount = -1;
        private int _labelIndex = -1;
        private int _weightIndex = -1;
        private int _firstTargetIndex = int.MaxValue;
        private int _largestLabel = -1;
        private long _largestLabelLine;

        public Dataset<T> Parse()
        {
            long blankLine = 0;
            while (_lines.TryReadLine(out ReadOnlySpan<char> line))
            {
                if (_lines.LineNumber == 1 && options.HasHeader)
                {
                    continue;
                }

                if (line.IsWhiteSpace())
                {
                    // Blank lines are tolerated only at the end, where editors and exporters leave them; one between
                    // rows more likely means a damaged file than a deliberate gap.
                    if (blankLine == 0)
                    {
                        blankLine = _lines.LineNumber;
                    }

                    continue;
                }

                if (blankLine != 0)
                {
                    throw Error($"the line is blank but data rows follow it (line {_lines.LineNumber})", blankLine);
                }

                ParseRow(line);
            }

            if (_columnCount < 0)
            {
                throw new DataFormatException(
                    options.HasHeader ? "the file has a header but no data rows" : "the file has no data rows", displayName);
            }

            return Build();
        }

        private void ParseRow(ReadOnlySpan<char> line)
        {
            ReadOnlySpan<char> rest = line;
            int columns = rest.Count(options.Separator) + 1;
            if (_columnCount < 0)
            {
                DecideLayout(columns);
            }
            else if (columns != _columnCount)
            {
                throw Error($"expected {_columnCount} columns but found {columns}");
            }

            for (int column = 0; column < columns; column++)
            {
                int end = rest.IndexOf(options.Separator);
                ReadOnlySpan<char> field = end < 0 ? rest : rest[..end];
                rest = end < 0 ? default : rest[(end + 1)..];
                if (field.IsWhiteSpace())
                {
                    throw Error($"column {column + 1} is empty");
                }

                if (column == _labelIndex)
                {
                    _labels!.Add(ParseLabel(field, column));
                }
                else if (column == _weightIndex)
                {
                    _weights!.Add(ParseWeight(field, column));
                }
                else if (column >= _firstTargetIndex)
                {
                    _targets.Add(ParseNumber(field, column));
                }
                else
                {
                    _features.Add(ParseNumber(field, column));
                }
            }
        }

        // The first data row fixes the column count and, from it, which columns are labels, targets and features.
        private void DecideLayout(int columns)
        {
            if (options.LabelColumn is { } labelColumn)
            {
                int index = labelColumn < 0 ? columns + labelColumn : labelColumn;
                if (index < 0 || index >= columns)
                {
                    throw Error($"the label column {labelColumn} does not exist in a row of {columns} columns");
                }

                if (columns < 2)
                {
                    throw Error("the row has only the label column; at least one feature column is needed");
                }

                _labelIndex = index;
            }
            else
            {
                int targetColumns = options.TargetColumns!.Value;
                if (targetColumns >= columns)
                {
                    throw Error($"the row has {columns} columns; {targetColumns} target columns leave no feature column");
                }

                _firstTargetIndex = columns - targetColumns;
            }

            if (options.WeightColumn is { } weightColumn)
            {
                int index = weightColumn < 0 ? columns + weightColumn : weightColumn;
                if (index < 0 || index >= columns)
                {
                    throw Error($"the weight column {weightColumn} does not exist in a row of {columns} columns");
                }

                if (index == _labelIndex)
                {
                    throw Error($"the weight column {weightColumn} is the label column");
                }

                if (index >= _firstTargetIndex)
                {
                    throw Error($"the weight column {weightColumn} is one of the {options.TargetColumns} target columns");
                }

                if (columns - (_labelIndex >= 0 ? 1 : options.TargetColumns!.Value) < 2)
                {
                    throw Error("the row has no column left for features besides the weight column");
                }

                _weightIndex = index;
            }

            _columnCount = columns;
        }

        private T ParseNumber(ReadOnlySpan<char> field, int column)
        {
            if (!T.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out T value))
            {
                throw Error($"column {column + 1} holds '{Quote(field)}', which is not a number");
            }

            if (!T.IsFinite(value))
            {
                throw Error($"column {column + 1} holds '{Quote(field)}', which is not a finite {typeof(T).Name}; data must be finite");
            }

            return value;
        }

        private T ParseWeight(ReadOnlySpan<char> field, int column)
        {
            T weight = ParseNumber(field, column);
            if (weight < T.Zero)
            {
                throw Error($"the weight in column {column + 1} is '{Quote(field)}'; sample weights must be non-negative");
            }

            return weight;
        }

        private int ParseLabel(ReadOnlySpan<char> field, int column)
        {
            // Labels are parsed as numbers first so "3.0", as some exporters write integers, is accepted; "3.5" is not.
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || !double.IsInteger(value))
            {
                throw Error($"the label in column {column + 1} is '{Quote(field)}', which is not an integer");
            }

            if (_classCount is { } count)
            {
                if (value < 0 || value >= count)
                {
                    throw Error($"the label in column {column + 1} is {Quote(field)}, outside [0, {count})");
                }
            }
            else if (value < 0)
            {
                throw Error($"the label in column {column + 1} is {Quote(field)}; labels are class indices 0, 1, 2, …");
            }
            else if (value >= options.MaxInferredClassCount)
            {
                // Checked here, on the line that holds it, rather than when the one-hot targets are sized.
                throw Error(
                    $"the label in column {column + 1} is {Quote(field)}; without CsvOptions.ClassCount the labels may make at most "
                    + $"{options.MaxInferredClassCount} classes ({nameof(CsvOptions)}.{nameof(CsvOptions.MaxInferredClassCount)})");
            }

            int label = (int)value;
            if (label > _largestLabel)
            {
                _largestLabel = label;
                _largestLabelLine = _lines.LineNumber;
            }

            return label;
        }

        private Dataset<T> Build()
        {
            int featureCount = (_labelIndex >= 0 ? _columnCount - 1 : _firstTargetIndex) - (_weightIndex >= 0 ? 1 : 0);
            if (_features.Count > Array.MaxLength || _targets.Count > Array.MaxLength)
            {
                throw new DataFormatException($"the file holds {Math.Max(_features.Count, _targets.Count)} values of one kind, more than an array can hold", displayName);
            }

            int sampleCount = (int)(_features.Count / featureCount);
            T[] targets;
            int targetCount;
            int[]? labels = null;
            if (_labels is not null)
            {
                targetCount = _classCount ?? _largestLabel + 1;
                if (_classCount is null
                    && !DataLimits.OneHotFits(sampleCount, targetCount, _lines.CharactersRead, out long values, out long allowance))
                {
                    throw Error(
                        $"label {_largestLabel} makes {targetCount} classes: one-hot targets for {sampleCount} samples would hold {values} values, "
                        + $"more than the {allowance} a file of {_lines.CharactersRead} characters may make (one per character, or {DataLimits.OneHotValueAllowance}); "
                        + "set CsvOptions.ClassCount to allow them",
                        _largestLabelLine);
                }

                if ((long)sampleCount * targetCount > Array.MaxLength)
                {
                    throw Error(
                        $"label {_largestLabel} makes {targetCount} classes; one-hot targets for {sampleCount} samples would not fit in an array",
                        _largestLabelLine);
                }

                labels = _labels.ToArray();
                if (options.LabelEncoding == LabelEncoding.Binary)
                {
                    // The label is the target: P(class 1) for one sigmoid output.
                    targetCount = 1;
                    targets = new T[labels.Length];
                    for (int i = 0; i < labels.Length; i++)
                    {
                        targets[i] = T.CreateTruncating(labels[i]);
                    }
                }
                else
                {
                    targets = OneHot.Encode<T>(labels, targetCount);
                }
            }
            else
            {
                targetCount = options.TargetColumns!.Value;
                targets = _targets.ToArray();
            }

            int? classCount = options.LabelEncoding == LabelEncoding.Binary ? 2 : null;
            return new Dataset<T>(_features.ToArray(), targets, featureCount, targetCount, labels, options.ClassNames, classCount, _weights?.ToArray());
        }

        private DataFormatException Error(string problem, long? line = null) =>
            new(problem, displayName, line ?? _lines.LineNumber);

        private static string Quote(ReadOnlySpan<char> field)
        {
            field = field.Trim();
            return field.Length <= MaxQuotedFieldLength ? field.ToString() : string.Concat(field[..MaxQuotedFieldLength], "…");
        }
    }
}
