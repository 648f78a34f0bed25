using System.Globalization;

namespace NetGen.Tool.Commands;

/// <summary>How predict and evaluate find a model's features in a CSV file: every column but the label, if there is one.</summary>
internal static class ModelInput
{
    /// <summary>
    /// The label column <c>--label-column</c> names, or null; checks that the other columns are as many as the
    /// network's inputs.
    /// </summary>
    /// <exception cref="UsageException">The column does not exist, or is missing where the file has one column too many.</exception>
    /// <exception cref="InputException">The file's columns do not fit the network's inputs.</exception>
    public static int? ResolveLabel(CsvLayout layout, string? labelReference, NetworkSpec spec, bool required)
    {
        int? label = labelReference is null ? null : CsvInput.ResolveColumn(layout, labelReference, "--label-column");
        int features = layout.ColumnCount - (label is null ? 0 : 1);
        if (label is null && layout.ColumnCount == spec.InputSize + 1)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{layout.Path} has {layout.ColumnCount} columns and the model takes {spec.InputSize} features: name the column to leave out with --label-column (its header name, or -1 for the last)."));
        }

        if (label is null && required)
        {
            throw new UsageException("--label-column is required: the column that holds the true classes or values, by header name or index (-1 for the last).");
        }

        return features == spec.InputSize
            ? label
            : throw new InputException(string.Create(CultureInfo.InvariantCulture,
                $"{layout.Path} has {features} feature columns{(label is null ? string.Empty : $" besides the label {layout.Describe(label.Value)}")}, but the model takes {spec.InputSize} features ({spec.DescribeArchitecture()})."));
    }
}
