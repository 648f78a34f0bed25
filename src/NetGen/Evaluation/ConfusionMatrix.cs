using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Evaluation;

/// <summary>
/// Counts of (actual class, predicted class) pairs, and the scores they give: accuracy, per-class precision, recall
/// and F1, and their macro and weighted averages, as scikit-learn defines them (<c>confusion_matrix</c>,
/// <c>precision_recall_fscore_support</c> with <c>zero_division=0</c>).
/// </summary>
/// <remarks>
/// Rows are actual classes, columns predicted ones, so row c sums to class c's support and the diagonal holds the
/// correct predictions. The macro average is the plain mean over the classes that occur, as actual or predicted class
/// (scikit-learn's default label set); a class that never occurs says nothing about the model and is left out. The
/// weighted average weighs each class by its support.
/// </remarks>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An empty matrix over <paramref name="classCount"/> classes.</summary>
    /// <param name="classCount">The number of classes, at least 1.</param>
    /// <param name="classNames">Optional names, one per class.</param>
    /// <exception cref="ArgumentException">The class count is below 1 or does not match the names.</exception>
    public ConfusionMatrix(int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, NetworkLimits.MaxLayerSize);
        if (classNames is not null && classNames.Count != classCount)
        {
            throw new ArgumentException($"{classNames.Count} class names for {classCount} classes.", nameof(classNames));
        }

        ClassCount = classCount;
        ClassNames = classNames;
        _counts = new int[checked(classCount * classCount)];
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The names of the classes, when known.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The number of samples counted.</summary>
    public int Total { get; private set; }

    /// <summary>The number of samples whose predicted class is the actual one (the diagonal's sum).</summary>
    public int Correct { get; private set; }

    /// <summary>The share of samples predicted correctly; NaN while the matrix is empty.</summary>
    public double Accuracy => Total == 0 ? double.NaN : Correct / (double)Total;

    /// <summary>The number of samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    /// <param name="actual">The actual class (row).</param>
    /// <param name="predicted">The predicted class (column).</param>
    public int this[int actual, int predicted]
    {
        get
        {
            CheckClass(actual, nameof(actual));
            CheckClass(predicted, nameof(predicted));
            return _counts[actual * ClassCount + predicted];
        }
    }

    /// <summary>A matrix of the pairs (actual[i], predicted[i]).</summary>
    /// <param name="actual">The actual classes.</param>
    /// <param name="predicted">The predicted classes, as many.</param>
    /// <param name="classCount">The number of classes; every class must be in [0, classCount).</param>
    /// <param name="classNames">Optional names, one per class.</param>
    /// <exception cref="ArgumentException">The spans differ in length or a class is out of range.</exception>
    public static ConfusionMatrix FromClasses(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classCount, IReadOnlyList<string>? classNames = null)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} actual classes but {predicted.Length} predicted ones.", nameof(predicted));
        }

        var matrix = new ConfusionMatrix(classCount, classNames);
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i}'s actual class {actual[i]} is outside [0, {classCount}).", nameof(actual));
            }

            if ((uint)predicted[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i}'s predicted class {predicted[i]} is outside [0, {classCount}).", nameof(predicted));
            }

            matrix.Add(actual[i], predicted[i]);
        }

        return matrix;
    }

    /// <summary>Counts one sample.</summary>
    /// <param name="actual">Its actual class.</param>
    /// <param name="predicted">Its predicted class.</param>
    /// <exception cref="ArgumentOutOfRangeException">A class is outside [0, <see cref="ClassCount"/>).</exception>
    public void Add(int actual, int predicted)
    {
        CheckClass(actual, nameof(actual));
        CheckClass(predicted, nameof(predicted));
        _counts[actual * ClassCount + predicted]++;
        Total++;
        if (actual == predicted)
        {
            Correct++;
        }
    }

    /// <summary>The number of samples of class <paramref name="c"/> (its row's sum).</summary>
    /// <param name="c">The class.</param>
    public int Support(int c)
    {
        CheckClass(c, nameof(c));
        int sum = 0;
        for (int p = 0; p < ClassCount; p++)
        {
            sum += _counts[c * ClassCount + p];
        }

        return sum;
    }

    /// <summary>The number of samples predicted as class <paramref name="c"/> (its column's sum).</summary>
    /// <param name="c">The class.</param>
    public int PredictedCount(int c)
    {
        CheckClass(c, nameof(c));
        int sum = 0;
        for (int a = 0; a < ClassCount; a++)
        {
            sum += _counts[a * ClassCount + c];
        }

        return sum;
    }

    /// <summary>Class <paramref name="c"/>'s precision, recall, F1 and support.</summary>
    /// <param name="c">The class.</param>
    public ClassMetrics GetClassMetrics(int c)
    {
        int truePositives = this[c, c];
        int support = Support(c);
        int predicted = PredictedCount(c);
        double precision = predicted == 0 ? 0.0 : truePositives / (double)predicted;
        double recall = support == 0 ? 0.0 : truePositives / (double)support;
        double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
        return new ClassMetrics(ClassName(c), precision, recall, f1, support);
    }

    /// <summary>Every class's metrics, in class order.</summary>
    public IReadOnlyList<ClassMetrics> GetClassMetrics() => Enumerable.Range(0, ClassCount).Select(GetClassMetrics).ToArray();

    /// <summary>The plain mean over the classes that occur as actual or predicted class; zeros while the matrix is empty.</summary>
    public AveragedMetrics MacroAverage
    {
        get
        {
            double precision = 0, recall = 0, f1 = 0;
            int classes = 0;
            for (int c = 0; c < ClassCount; c++)
            {
                if (Support(c) == 0 && PredictedCount(c) == 0)
                {
                    continue;
                }

                var metrics = GetClassMetrics(c);
                precision += metrics.Precision;
                recall += metrics.Recall;
                f1 += metrics.F1;
                classes++;
            }

            return classes == 0 ? default : new AveragedMetrics(precision / classes, recall / classes, f1 / classes);
        }
    }

    /// <summary>The mean over classes weighted by support; zeros while the matrix is empty.</summary>
    public AveragedMetrics WeightedAverage
    {
        get
        {
            double precision = 0, recall = 0, f1 = 0;
            for (int c = 0; c < ClassCount; c++)
            {
                var metrics = GetClassMetrics(c);
                precision += metrics.Precision * metrics.Support;
                recall += metrics.Recall * metrics.Support;
                f1 += metrics.F1 * metrics.Support;
            }

            return Total == 0 ? default : new AveragedMetrics(precision / Total, recall / Total, f1 / Total);
        }
    }

    /// <summary>The name of class <paramref name="c"/>: its name when the classes have names, otherwise its index.</summary>
    /// <param name="c">The class.</param>
    public string ClassName(int c)
    {
        CheckClass(c, nameof(c));
        return ClassNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The matrix as a text table: a row per actual class, a column per predicted class.</summary>
    public override string ToString()
    {
        var names = Enumerable.Range(0, ClassCount).Select(ClassName).ToArray();
        int labelWidth = Math.Max("actual \\ predicted".Length, names.Max(n => n.Length));
        int cellWidth = Math.Max(names.Max(n => n.Length), Total.ToString(CultureInfo.InvariantCulture).Length) + 1;
        var text = new StringBuilder("actual \\ predicted".PadLeft(labelWidth));
        foreach (string name in names)
        {
            text.Append(name.PadLeft(cellWidth));
        }

        text.Append('\n');
        for (int a = 0; a < ClassCount; a++)
        {
            text.Append(names[a].PadLeft(labelWidth));
            for (int p = 0; p < ClassCount; p++)
            {
                text.Append(_counts[a * ClassCount + p].ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private void CheckClass(int c, string parameterName)
    {
        if ((uint)c >= (uint)ClassCount)
        {
            throw new ArgumentOutOfRangeException(parameterName, c, $"Classes are in [0, {ClassCount}).");
        }
    }
}
