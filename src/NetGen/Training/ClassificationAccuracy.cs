using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>How a data set's predictions are scored for accuracy.</summary>
internal enum AccuracyMode
{
    /// <summary>A regression set: no accuracy.</summary>
    None = 0,

    /// <summary>The predicted class is the largest output; the true class is the sample's label, or else its largest target.</summary>
    ArgMax = 1,

    /// <summary>One sigmoid output read as P(class 1): predicted class 1 when the output is at least ½, likewise the target.</summary>
    Threshold = 2,
}

/// <summary>Decides whether a data set is a classification set for a network, and scores predictions.</summary>
internal static class ClassificationAccuracy
{
    /// <summary>
    /// The accuracy rule for <paramref name="data"/> on a network of <paramref name="spec"/>: a single sigmoid output
    /// with binary (or, for cross-entropy, probability) targets is thresholded at ½; several outputs are compared by
    /// argmax under softmax cross-entropy, when the set carries labels, or when every target row is one-hot. Anything
    /// else is regression.
    /// </summary>
    public static AccuracyMode Detect<T>(NetworkSpec spec, Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> targets = data.Targets;
        if (spec.OutputSize == 1)
        {
            if (spec.Layers[^1].Activation != Activation.Sigmoid)
            {
                return AccuracyMode.None;
            }

            if (spec.Loss == Loss.BinaryCrossEntropy)
            {
                return AccuracyMode.Threshold;
            }

            foreach (T y in targets)
            {
                if (y != T.Zero && y != T.One)
                {
                    return AccuracyMode.None;
                }
            }

            return AccuracyMode.Threshold;
        }

        if (spec.Loss == Loss.SoftmaxCrossEntropy || data.HasLabels)
        {
            return AccuracyMode.ArgMax;
        }

        return AllRowsOneHot(targets, spec.OutputSize) ? AccuracyMode.ArgMax : AccuracyMode.None;
    }

    /// <summary>Whether the prediction <paramref name="output"/> of sample <paramref name="sample"/> is correct, by the
    /// class rule the prediction helpers use (<see cref="ClassifierOutput"/>).</summary>
    public static bool IsCorrect<T>(AccuracyMode mode, Dataset<T> data, int sample, ReadOnlySpan<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mode == AccuracyMode.Threshold)
        {
            return ClassifierOutput.ClassOf(ClassifierKind.Binary, output) == ClassifierOutput.ClassOf(ClassifierKind.Binary, data.GetTargets(sample));
        }

        int truth = data.HasLabels ? data.Labels[sample] : OneHot.ArgMax(data.GetTargets(sample));
        return ClassifierOutput.ClassOf(ClassifierKind.MultiClass, output) == truth;
    }

    private static bool AllRowsOneHot<T>(ReadOnlySpan<T> targets, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < targets.Length; row += width)
        {
            int ones = 0;
            foreach (T y in targets.Slice(row, width))
            {
                if (y == T.One)
                {
                    ones++;
                }
                else if (y != T.Zero)
                {
                    return false;
                }
            }

            if (ones != 1)
            {
                return false;
            }
        }

        return true;
    }
}
