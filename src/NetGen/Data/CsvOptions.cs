using System;
using System.Collections.Generic;

namespace NetGen.Data;

/// <summary>
/// How <see cref="CsvLoader"/> reads a numeric CSV file: whether it has a header, the separator, and which columns are
/// targets. Set exactly one of <see cref="LabelColumn"/> (classification) and <see cref="TargetColumns"/> (regression);
/// optionally a <see cref="WeightColumn"/>; every other column is a feature.
/// </summary>
/// <example><code>
/// var digits = CsvLoader.Load&lt;float&gt;("digits.csv.gz", new CsvOptions { LabelColumn = -1 });
/// var houses = CsvLoader.Load&lt;double&gt;("houses.csv", new CsvOptions { HasHeader = true, TargetColumns = 1 });
/// var tumours = CsvLoader.Load&lt;float&gt;("cancer.csv", new CsvOptions { HasHeader = true, LabelColumn = 0, LabelEncoding = LabelEncoding.Binary });
/// </code></example>
public sealed class CsvOptions
{
    /// <summary>Whether the first line is a header to skip rather than data. Default <see langword="false"/>.</summary>
    public bool HasHeader { get; init; }

    /// <summary>The character between fields. Default <c>','</c>.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>
    /// The 0-based index of the column that holds integer class labels 0, 1, …, which become one-hot targets and the
    /// data set's labels; a negative index counts from the end (-1 is the last column). Null for regression.
    /// </summary>
    public int? LabelColumn { get; init; }

    /// <summary>
    /// The number of classes, for <see cref="LabelColumn"/>; a label outside [0, ClassCount) is an error. When null, it is
    /// the number of <see cref="ClassNames"/> if given, otherwise the largest label + 1.
    /// </summary>
    public int? ClassCount { get; init; }

    /// <summary>The names of the classes, in label order, for <see cref="LabelColumn"/>; optional.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// How the label column becomes targets: <see cref="LabelEncoding.OneHot"/> (the default) for a softmax output,
    /// <see cref="LabelEncoding.Binary"/> for one sigmoid output (a single 0/1 target; two classes). Either way the data
    /// set keeps the labels, for stratified splits and evaluation.
    /// </summary>
    public LabelEncoding LabelEncoding { get; init; }

    /// <summary>For regression: the number of trailing columns that are raw targets. Null for classification.</summary>
    public int? TargetColumns { get; init; }

    /// <summary>
    /// The 0-based index of a column that holds each sample's weight (finite, non-negative), which becomes the data set's
    /// <see cref="Dataset{T}.SampleWeights"/> rather than a feature; a negative index counts from the end. It may not be
    /// the label column or one of the <see cref="TargetColumns"/>. Null (the default) for none.
    /// </summary>
    public int? WeightColumn { get; init; }

    /// <summary>
    /// The most classes the labels may make when the class count is inferred from them (neither
    /// <see cref="ClassCount"/> nor <see cref="ClassNames"/> given): a label of this value or more is an error on its
    /// line. Default <see cref="DataLimits.DefaultMaxInferredClassCount"/> (1,024); at most
    /// <see cref="NetworkLimits.MaxLayerSize"/>. An inferred count must also keep the one-hot targets within
    /// <see cref="DataLimits.OneHotValueAllowance"/>; an explicit <see cref="ClassCount"/> lifts both checks.
    /// </summary>
    public int MaxInferredClassCount { get; init; } = DataLimits.DefaultMaxInferredClassCount;

    /// <summary>
    /// The most characters a line may have (not counting its line break): a longer line is an error before more of it
    /// is held in memory. Default <see cref="DataLimits.DefaultMaxLineLength"/> (2²⁰); at most
    /// <see cref="DataLimits.MaxLineLengthCap"/>.
    /// </summary>
    public int MaxLineLength { get; init; } = DataLimits.DefaultMaxLineLength;

    /// <summary>
    /// The most bytes of content a file may have, counted after gzip decompression (characters, for a
    /// <see cref="System.IO.TextReader"/>): a larger file, or a gzip file that decompresses to more, is an error as
    /// soon as the limit is passed. Default <see cref="DataLimits.DefaultMaxContentBytes"/> (1 GiB).
    /// </summary>
    public long MaxContentBytes { get; init; } = DataLimits.DefaultMaxContentBytes;

    /// <summary>Throws when the options contradict each other.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent; the message says how.</exception>
    public void Validate()
    {
        if (LabelColumn is null == TargetColumns is null)
        {
            throw new ArgumentException("Set exactly one of CsvOptions.LabelColumn (classification) and CsvOptions.TargetColumns (regression).");
        }

        if (Separator is '\r' or '\n' or '"' or '.' or '+' or '-' or 'e' or 'E' || char.IsAsciiDigit(Separator))
        {
            throw new ArgumentException($"The separator '{Separator}' cannot separate numbers: it is a line break, a quote or part of a number.");
        }

        if (TargetColumns is { } targetColumns && targetColumns < 1)
        {
            throw new ArgumentException($"TargetColumns is {targetColumns}; regression needs at least one target column.");
        }

        if (WeightColumn is { } weightColumn && weightColumn == LabelColumn)
        {
            throw new ArgumentException($"WeightColumn and LabelColumn are both {weightColumn}; the weights need a column of their own.");
        }

        if (LabelColumn is null && (ClassCount is not null || ClassNames is not null))
        {
            throw new ArgumentException("ClassCount and ClassNames describe a label column; set LabelColumn too, or leave them null for regression.");
        }

        if (!Enum.IsDefined(LabelEncoding))
        {
            throw new ArgumentException($"LabelEncoding {(int)LabelEncoding} is not a known LabelEncoding.");
        }

        if (LabelEncoding == LabelEncoding.Binary)
        {
            if (LabelColumn is null)
            {
                throw new ArgumentException("LabelEncoding.Binary encodes a label column; set LabelColumn too (a regression file's 0/1 target column needs no encoding).");
            }

            if ((ClassCount ?? ClassNames?.Count ?? 2) != 2)
            {
                throw new ArgumentException($"LabelEncoding.Binary needs two classes, but ClassCount or ClassNames gives {ClassCount ?? ClassNames!.Count}.");
            }
        }

        if (ClassCount is { } classCount && (classCount < 1 || classCount > NetworkLimits.MaxLayerSize))
        {
            throw new ArgumentException($"ClassCount is {classCount}; it must be between 1 and {NetworkLimits.MaxLayerSize}.");
        }

        if (MaxInferredClassCount < 1 || MaxInferredClassCount > NetworkLimits.MaxLayerSize)
        {
            throw new ArgumentException($"MaxInferredClassCount is {MaxInferredClassCount}; it must be between 1 and {NetworkLimits.MaxLayerSize}.");
        }

        if (MaxLineLength < 1 || MaxLineLength > DataLimits.MaxLineLengthCap)
        {
            throw new ArgumentException($"MaxLineLength is {MaxLineLength}; it must be between 1 and {DataLimits.MaxLineLengthCap}.");
        }

        if (MaxContentBytes < 1)
        {
            throw new ArgumentException($"MaxContentBytes is {MaxContentBytes}; it must be at least 1.");
        }

        if (ClassNames is { } names)
        {
            if (names.Count == 0)
            {
                throw new ArgumentException("ClassNames is empty; leave it null when the classes have no names.");
            }

            if (ClassCount is { } count && count != names.Count)
            {
                throw new ArgumentException($"ClassCount is {count} but ClassNames has {names.Count} names.");
            }
        }
    }
}
