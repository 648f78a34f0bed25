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

    /// <summary>Whether the prediction <paramref name="output"/> of sample <paramref name="sample"/> is correct.</summary>
    public static bool IsCorrect<T>(AccuracyMode mode, Dataset<T> data, int sample, ReadOnlySpan<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mode == AccuracyMode.Threshold)
        {
            T half = T.CreateChecked(0.5);
            return output[0] >= half == data.GetTargets(sample)[0] >= half;
        }

        int truth = data.HasLabels ? data.Labels[sample] : ArgMax(data.GetTargets(sample));
        return ArgMax(output) == truth;
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

    // The first index of the largest value, so ties go to the lower class as in most libraries.
    private static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
