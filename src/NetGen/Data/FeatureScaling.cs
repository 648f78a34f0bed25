using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>What the feature scalers share: the per-feature affine map (x − offset) / divisor and its checks.</summary>
internal static class FeatureScaling
{
    public static void RequireTrainingData<T>(Dataset<T> train)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty; a scaler needs at least one sample to fit.", nameof(train));
        }
    }

    public static Dataset<T> Transform<T>(Dataset<T> data, double[] offsets, double[] divisors, string scalerName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireFeatureCount(data.FeatureCount, offsets.Length, scalerName);
        var features = new T[data.Features.Length];
        Transform(data.Features, features, offsets, divisors);
        return new Dataset<T>(features, data.Targets.ToArray(), data.FeatureCount, data.TargetCount,
            data.HasLabels ? data.Labels.ToArray() : null, data.ClassNames, data.HasLabels ? data.ClassCount : null,
            data.HasSampleWeights ? data.SampleWeights.ToArray() : null);
    }

    public static void Transform<T>(ReadOnlySpan<T> features, Span<T> destination, double[] offsets, double[] divisors, string scalerName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int featureCount = offsets.Length;
        if (features.Length % featureCount != 0)
        {
            throw new ArgumentException(
                $"The {scalerName} was fitted on {featureCount} features; {features.Length} values are not a whole number of such samples.", nameof(features));
        }

        if (destination.Length != features.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} elements; it needs {features.Length}, as many as the features.", nameof(destination));
        }

        Transform(features, destination, offsets, divisors);
    }

    public static double[] ToDoubles<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateChecked(values[i]);
        }

        return result;
    }

    public static void RequireFeatureCount(int actual, int fitted, string scalerName)
    {
        if (actual != fitted)
        {
            throw new ArgumentException($"The {scalerName} was fitted on {fitted} features, but this data set has {actual}.", "data");
        }
    }

    // Computed in double from parameters that equal the exposed T values, so applying them by hand gives the same result.
    private static void Transform<T>(ReadOnlySpan<T> features, Span<T> destination, double[] offsets, double[] divisors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int featureCount = offsets.Length;
        for (int i = 0; i < features.Length; i++)
        {
            int j = i % featureCount;
            double scaled = (double.CreateChecked(features[i]) - offsets[j]) / divisors[j];
            destination[i] = T.CreateChecked(scaled);
        }
    }
}
