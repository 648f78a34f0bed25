using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using NetGen.IO;

namespace NetGen.Training;

/// <summary>The per-epoch record of a training run, in order, with CSV export for plotting.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = [];

    /// <summary>Creates an empty history for a network of <paramref name="layerCount"/> dense layers.</summary>
    /// <param name="layerCount">The number of dense layers, so the number of gradient norms in each record.</param>
    public TrainingHistory(int layerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        LayerCount = layerCount;
    }

    /// <summary>The number of dense layers of the trained network (gradient norms per record).</summary>
    public int LayerCount { get; }

    /// <summary>The completed epochs, first to last.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>Appends a record; its epoch number must follow the last one and it must have one norm per layer.</summary>
    /// <param name="record">The record of the epoch just completed.</param>
    public void Add(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Epoch != _epochs.Count + 1)
        {
            throw new ArgumentException($"The record is for epoch {record.Epoch}, but the history expects epoch {_epochs.Count + 1} next.", nameof(record));
        }

        if (record.LayerGradientNorms is null || record.LayerGradientNorms.Count != LayerCount)
        {
            throw new ArgumentException($"The record has {record.LayerGradientNorms?.Count ?? 0} layer gradient norms; the network has {LayerCount} dense layers.", nameof(record));
        }

        _epochs.Add(record);
    }

    /// <summary>
    /// The history as CSV (invariant culture, round-trip precision, "\n" line ends), one row per epoch with the columns
    /// <c>epoch, steps, training_loss, training_objective, training_accuracy, validation_loss, validation_accuracy,
    /// learning_rate, rejected_steps, elapsed_seconds, grad_norm_layer1 … grad_norm_layerL</c>, then one column per
    /// name in the records' <see cref="EpochRecord.Measurements"/> (in the order the names first appear). A missing
    /// value is an empty field.
    /// </summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        csv.Append("epoch,steps,training_loss,training_objective,training_accuracy,validation_loss,validation_accuracy,learning_rate,rejected_steps,elapsed_seconds");
        for (int layer = 1; layer <= LayerCount; layer++)
        {
            csv.Append(",grad_norm_layer").Append(layer.ToString(CultureInfo.InvariantCulture));
        }

        var measurementNames = new List<string>();
        foreach (var record in _epochs)
        {
            foreach (string name in record.Measurements.Keys)
            {
                if (!measurementNames.Contains(name))
                {
                    measurementNames.Add(name);
                }
            }
        }

        foreach (string name in measurementNames)
        {
            csv.Append(',').Append(name);
        }

        csv.Append('\n');
        foreach (var record in _epochs)
        {
            csv.Append(record.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(record.Steps.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Format(record.TrainingLoss)).Append(',')
                .Append(Format(record.TrainingObjective)).Append(',')
                .Append(Format(record.TrainingAccuracy)).Append(',')
                .Append(Format(record.ValidationLoss)).Append(',')
                .Append(Format(record.ValidationAccuracy)).Append(',')
                .Append(Format(record.LearningRate)).Append(',')
                .Append(record.RejectedSteps.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Format(record.Elapsed.TotalSeconds));
            foreach (double norm in record.LayerGradientNorms)
            {
                csv.Append(',').Append(Format(norm));
            }

            foreach (string name in measurementNames)
            {
                csv.Append(',').Append(Format(record.Measurements.TryGetValue(name, out double value) ? value : null));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>
    /// Writes <see cref="ToCsv"/> to a file (UTF-8 without a byte-order mark), replacing it if it exists; like the weights
    /// files, it is written to a temporary name and renamed, so it is never left half-written.
    /// </summary>
    /// <param name="path">The file to write.</param>
    public void WriteCsv(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] content = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToCsv());
        AtomicFile.Write(path, stream => stream.Write(content));
    }

    private static string Format(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
}
