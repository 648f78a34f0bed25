using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text;

namespace NetGen.Evaluation;

/// <summary>
/// How well a classifier did on a data set: the confusion matrix, accuracy, per-class precision, recall and F1 with
/// their macro and weighted averages, the log-loss when the network outputs probabilities, and for two classes the
/// ROC AUC. <see cref="ToString"/> prints it all as a table.
/// </summary>
public sealed class ClassificationReport
{
    private ClassificationReport(ConfusionMatrix matrix, double? logLoss, double? rocAuc)
    {
        ConfusionMatrix = matrix;
        Classes = matrix.GetClassMetrics();
        MacroAverage = matrix.MacroAverage;
        WeightedAverage = matrix.WeightedAverage;
        LogLoss = logLoss;
        RocAuc = rocAuc;
    }

    /// <summary>The counts of (actual, predicted) pairs.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>The number of samples evaluated.</summary>
    public int Count => ConfusionMatrix.Total;

    /// <summary>The share of samples classified correctly.</summary>
    public double Accuracy => ConfusionMatrix.Accuracy;

    /// <summary>Each class's precision, recall, F1 and support, in class order.</summary>
    public IReadOnlyList<ClassMetrics> Classes { get; }

    /// <summary>The plain mean of the per-class scores over the classes that occur (see <see cref="ConfusionMatrix"/>).</summary>
    public AveragedMetrics MacroAverage { get; }

    /// <summary>The mean of the per-class scores weighted by support.</summary>
    public AveragedMetrics WeightedAverage { get; }

    /// <summary>The mean negative log-likelihood of the actual classes (<see cref="BinaryMetrics.LogLoss{T}(ReadOnlySpan{int}, ReadOnlySpan{T}, int)"/>),
    /// or null when no probabilities were given.</summary>
    public double? LogLoss { get; }

    /// <summary>The ROC AUC of P(class 1) for a two-class problem whose samples hold both classes; otherwise null.</summary>
    public double? RocAuc { get; }

    /// <summary>Scores predictions against the actual classes.</summary>
    /// <typeparam name="T">The floating-point type of the probabilities.</typeparam>
    /// <param name="actual">Each sample's actual class, in [0, classCount).</param>
    /// <param name="predicted">Each sample's predicted class, as many.</param>
    /// <param name="probabilities">Optional class probabilities, n × classCount sample-major (empty when there are none).</param>
    /// <param name="classCount">The number of classes, at least 2.</param>
    /// <param name="classNames">Optional names of the classes.</param>
    /// <exception cref="ArgumentException">The lengths disagree, there are no samples, or a class or probability is out of range.</exception>
    public static ClassificationReport Create<T>(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, ReadOnlySpan<T> probabilities, int classCount, IReadOnlyList<string>? classNames = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (actual.IsEmpty)
        {
            throw new ArgumentException("There are no samples to evaluate.", nameof(actual));
        }

        var matrix = ConfusionMatrix.FromClasses(actual, predicted, classCount, classNames);
        double? logLoss = null;
        double? rocAuc = null;
        if (!probabilities.IsEmpty)
        {
            logLoss = BinaryMetrics.LogLoss(actual, probabilities, classCount);
            if (classCount == 2 && matrix.Support(0) > 0 && matrix.Support(1) > 0)
            {
                var positive = new T[actual.Length];
                for (int i = 0; i < positive.Length; i++)
                {
                    positive[i] = probabilities[2 * i + 1];
                }

                rocAuc = BinaryMetrics.RocAuc<T>(actual, positive);
            }
        }

        return new ClassificationReport(matrix, logLoss, rocAuc);
    }

    /// <summary>
    /// The report as text, laid out like scikit-learn's <c>classification_report</c>: a row per class, accuracy, the
    /// macro and weighted averages, the log-loss and ROC AUC when known, then the confusion matrix.
    /// </summary>
    public override string ToString()
    {
        int nameWidth = Math.Max("weighted avg".Length, Classes.Max(c => c.Name.Length));
        var text = new StringBuilder();
        text.Append(' ', nameWidth).Append("  precision     recall   f1-score    support\n");
        foreach (var c in Classes)
        {
            Row(c.Name, c.Precision, c.Recall, c.F1, c.Support);
        }

        text.Append('\n');
        text.Append("accuracy".PadLeft(nameWidth)).Append(' ', 24).Append(Format(Accuracy)).Append(Count.ToString(CultureInfo.InvariantCulture).PadLeft(11)).Append('\n');
        Row("macro avg", MacroAverage.Precision, MacroAverage.Recall, MacroAverage.F1, Count);
        Row("weighted avg", WeightedAverage.Precision, WeightedAverage.Recall, WeightedAverage.F1, Count);
        if (LogLoss is { } loss)
        {
            text.Append('\n').Append("log-loss".PadLeft(nameWidth)).Append(Format(loss)).Append('\n');
        }

        if (RocAuc is { } auc)
        {
            text.Append("ROC AUC".PadLeft(nameWidth)).Append(Format(auc)).Append('\n');
        }

        text.Append('\n').Append(ConfusionMatrix);
        return text.ToString();

        void Row(string name, double precision, double recall, double f1, int support) =>
            text.Append(name.PadLeft(nameWidth)).Append(Format(precision)).Append(Format(recall)).Append(Format(f1))
                .Append(support.ToString(CultureInfo.InvariantCulture).PadLeft(11)).Append('\n');

        static string Format(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(11);
    }
}
