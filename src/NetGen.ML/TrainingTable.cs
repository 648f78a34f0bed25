using System;
using Microsoft.ML;
using Microsoft.ML.Data;
using NetGen.Data;

namespace NetGen.ML;

/// <summary>
/// Reads the feature and label columns of an <see cref="IDataView"/> into the <see cref="Dataset{T}"/> NetGen's trainer
/// takes: features as they are, labels as the targets the network's loss expects (one-hot rows for several outputs, the
/// class 0 or 1 for one sigmoid output, the value for regression).
/// </summary>
internal static class TrainingTable
{
    /// <summary>The label column of <paramref name="schema"/>, checked to have the type <paramref name="task"/> takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing or of another type (ML.NET's wording, with a hint).</exception>
    public static DataViewSchema.Column FindLabelColumn(DataViewSchema schema, NetGenTask task, int classCount, string labelColumnName, string paramName)
    {
        var label = SchemaErrors.Find(schema, paramName, "label", labelColumnName);
        var type = label.Type;
        switch (task)
        {
            case NetGenTask.MulticlassClassification:
                var expected = new KeyDataViewType(typeof(uint), classCount);
                if (type is not KeyDataViewType key || key.Count != (ulong)classCount)
                {
                    string hint = type is KeyDataViewType
                        ? $" (the network tells {classCount} classes apart)"
                        : " (map the label to keys first: mlContext.Transforms.Conversion.MapValueToKey)";
                    throw SchemaErrors.Mismatch(paramName, "label", labelColumnName, expected + hint, $"{type}");
                }

                break;
            case NetGenTask.BinaryClassification when type is not BooleanDataViewType:
                throw SchemaErrors.Mismatch(paramName, "label", labelColumnName, $"{BooleanDataViewType.Instance}", $"{type}");
            case NetGenTask.Regression when !type.Equals(NumberDataViewType.Single):
                throw SchemaErrors.Mismatch(paramName, "label", labelColumnName, $"{NumberDataViewType.Single}", $"{type}");
        }

        return label;
    }

    /// <summary>Reads every row of <paramref name="data"/>.</summary>
    /// <exception cref="InvalidOperationException">A row has a non-finite feature or a missing label, or there is no row.</exception>
    public static Dataset<float> Read(IDataView data, ScoringPlan plan, DataViewSchema.Column features, DataViewSchema.Column label)
    {
        var spec = plan.Spec;
        int inputSize = spec.InputSize;
        int outputSize = spec.OutputSize;
        bool classification = plan.Task != NetGenTask.Regression;
        // The row count when the view knows it (so the arrays are allocated once), else a start that doubles.
        int initialRows = (int)Math.Clamp(data.GetRowCount() ?? 1024, 1, Array.MaxLength / Math.Max(inputSize, outputSize));
        var featureValues = new float[initialRows * inputSize];
        var targets = new float[initialRows * outputSize];
        var labels = classification ? new int[initialRows] : null;
        int rows = 0;

        using var cursor = data.GetRowCursor([features, label]);
        var featureGetter = cursor.GetGetter<VBuffer<float>>(features);
        var readLabel = LabelReader(cursor, label, plan.Task);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            if (rows == featureValues.Length / inputSize)
            {
                int capacity = (int)Math.Min(2L * rows, Array.MaxLength / Math.Max(inputSize, outputSize));
                if (capacity == rows)
                {
                    throw new InvalidOperationException(
                        $"The training data has more than {rows} rows of {inputSize} features, more than one array holds; train on a sample of it.");
                }

                Array.Resize(ref featureValues, capacity * inputSize);
                Array.Resize(ref targets, capacity * outputSize);
                if (labels is not null)
                {
                    Array.Resize(ref labels, capacity);
                }
            }

            featureGetter(ref buffer);
            var sample = featureValues.AsSpan(rows * inputSize, inputSize);
            buffer.CopyTo(sample);
            int bad = IndexOfNonFinite(sample);
            if (bad >= 0)
            {
                throw new InvalidOperationException(
                    $"Row {cursor.Position} of the feature column '{features.Name}' holds {sample[bad]} at slot {bad}; NetGen trains on finite features. "
                    + "Drop or fill missing values first (mlContext.Data.FilterRowsByMissingValues, mlContext.Transforms.ReplaceMissingValues).");
            }

            double value = readLabel();
            var target = targets.AsSpan(rows * outputSize, outputSize);
            if (!classification)
            {
                if (!double.IsFinite(value))
                {
                    throw new InvalidOperationException(
                        $"Row {cursor.Position} of the label column '{label.Name}' holds {value}; a regression label must be finite (filter the row out first).");
                }

                target[0] = (float)value;
            }
            else
            {
                // Keys count from 1; 0 is a label MapValueToKey did not know (missing or unseen).
                if (!(value >= 0 && value < plan.ClassCount))
                {
                    throw new InvalidOperationException(
                        $"Row {cursor.Position} of the label column '{label.Name}' has no class (key 0: a missing label, or a value the key mapping did not see); filter such rows out first.");
                }

                int cls = (int)value;
                labels![rows] = cls;
                if (outputSize == 1)
                {
                    target[0] = cls;
                }
                else
                {
                    target.Clear();
                    target[cls] = 1;
                }
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new InvalidOperationException("The training data has no rows.");
        }

        Array.Resize(ref featureValues, rows * inputSize);
        Array.Resize(ref targets, rows * outputSize);
        if (labels is not null)
        {
            Array.Resize(ref labels, rows);
        }

        return new Dataset<float>(featureValues, targets, inputSize, outputSize, labels, classCount: classification ? plan.ClassCount : null);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // The label of the current row: for a classification, its class (key − 1, so −1 for a missing key; false 0, true 1),
    // for a regression its value.
    private static Func<double> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, NetGenTask task)
    {
        switch (task)
        {
            case NetGenTask.BinaryClassification:
                var flag = cursor.GetGetter<bool>(label);
                return () =>
                {
                    bool value = false;
                    flag(ref value);
                    return value ? 1 : 0;
                };
            case NetGenTask.Regression:
                var number = cursor.GetGetter<float>(label);
                return () =>
                {
                    float value = 0;
                    number(ref value);
                    return value;
                };
            default:
                return label.Type.RawType switch
                {
                    var t when t == typeof(byte) => Key<byte>(cursor, label, k => k),
                    var t when t == typeof(ushort) => Key<ushort>(cursor, label, k => k),
                    var t when t == typeof(uint) => Key<uint>(cursor, label, k => k),
                    _ => Key<ulong>(cursor, label, k => k),
                };
        }

        static Func<double> Key<TKey>(DataViewRowCursor cursor, DataViewSchema.Column label, Func<TKey, ulong> widen)
        {
            var key = cursor.GetGetter<TKey>(label);
            return () =>
            {
                TKey value = default!;
                key(ref value);
                ulong k = widen(value);
                return k == 0 ? -1 : k - 1;
            };
        }
    }
}
