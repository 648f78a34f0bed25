using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>
/// Rescales each feature linearly so the training set spans [0, 1], x′ = (x − min) / (max − min), with the range of
/// the training set only. Other sets may fall outside [0, 1]; they are not clipped.
/// </summary>
/// <typeparam name="T">The floating-point type of the features.</typeparam>
public sealed class MinMaxScaler<T> : IFeatureScaler<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Name = "min-max scaler";

    private readonly T[] _minimums;
    private readonly T[] _maximums;
    private readonly double[] _offsets;
    private readonly double[] _ranges;

    private MinMaxScaler(T[] minimums, T[] maximums, double[] ranges)
    {
        _minimums = minimums;
        _maximums = maximums;
        _offsets = FeatureScaling.ToDoubles(minimums);
        _ranges = ranges;
    }

    /// <summary>The number of features the scaler was fitted on.</summary>
    public int FeatureCount => _minimums.Length;

    /// <summary>Each feature's smallest value in the training set; it maps to 0.</summary>
    public ReadOnlySpan<T> Minimums => _minimums;

    /// <summary>Each feature's largest value in the training set; it maps to 1, unless the feature is constant.</summary>
    public ReadOnlySpan<T> Maximums => _maximums;

    /// <summary>
    /// Each feature's divisor: max − min, computed in double (the span of a float feature can exceed float's range), or 1
    /// for a constant feature; x′ = (x − min) / divisor. What an exported model divides by (NetGen.Onnx).
    /// </summary>
    public ReadOnlySpan<double> Divisors => _ranges;

    /// <summary>Computes each feature's range over <paramref name="train"/>.</summary>
    /// <param name="train">The training set, at least one sample.</param>
    /// <exception cref="ArgumentException">The training set is empty.</exception>
    public static MinMaxScaler<T> Fit(Dataset<T> train)
    {
        FeatureScaling.RequireTrainingData(train);
        int featureCount = train.FeatureCount;
        var minimums = train.GetFeatures(0).ToArray();
        var maximums = train.GetFeatures(0).ToArray();
        ReadOnlySpan<T> features = train.Features;
        for (int i = featureCount; i < features.Length; i++)
        {
            int j = i % featureCount;
            minimums[j] = T.Min(minimums[j], features[i]);
            maximums[j] = T.Max(maximums[j], features[i]);
        }

        return new MinMaxScaler<T>(minimums, maximums, Ranges(minimums, maximums));
    }

    /// <summary>
    /// A scaler with a known range, such as the one <c>WeightsFile</c> stored with a network; it transforms exactly as
    /// the fitted one it came from.
    /// </summary>
    /// <param name="minimums">Each feature's smallest training value, finite.</param>
    /// <param name="maximums">Each feature's largest training value, finite and at least its minimum; as many as the minimums.</param>
    /// <exception cref="ArgumentException">The spans are empty or differ in length, or a value is out of range (the message names it).</exception>
    public static MinMaxScaler<T> FromRange(ReadOnlySpan<T> minimums, ReadOnlySpan<T> maximums)
    {
        if (minimums.IsEmpty || minimums.Length != maximums.Length)
        {
            throw new ArgumentException($"{minimums.Length} minimums and {maximums.Length} maximums; a min-max scaler needs as many of each, at least one.", nameof(maximums));
        }

        for (int j = 0; j < minimums.Length; j++)
        {
            if (!T.IsFinite(minimums[j]) || !T.IsFinite(maximums[j]) || maximums[j] < minimums[j])
            {
                throw new ArgumentException($"Feature {j} has minimum {minimums[j]} and maximum {maximums[j]}; both must be finite, the maximum at least the minimum.", nameof(maximums));
            }

            if (!double.IsFinite(double.CreateChecked(maximums[j]) - double.CreateChecked(minimums[j])))
            {
                throw new ArgumentException($"Feature {j}'s range from {minimums[j]} to {maximums[j]} is too wide for a double.", nameof(maximums));
            }
        }

        var low = minimums.ToArray();
        var high = maximums.ToArray();
        return new MinMaxScaler<T>(low, high, Ranges(low, high));
    }

    // Ranges stay in double: the span of a float feature can exceed float's range.
    private static double[] Ranges(T[] minimums, T[] maximums)
    {
        var ranges = new double[minimums.Length];
        for (int j = 0; j < ranges.Length; j++)
        {
            double range = double.CreateChecked(maximums[j]) - double.CreateChecked(minimums[j]);
            // A constant feature gets range 1: it maps to 0 rather than dividing by zero, and other values keep their distance.
            ranges[j] = range == 0 ? 1 : range;
        }

        return ranges;
    }

    /// <summary>A new data set with every feature rescaled; targets, labels and class names are kept.</summary>
    /// <param name="data">Any set with the fitted number of features.</param>
    /// <exception cref="ArgumentException">The feature count differs from the training set's.</exception>
    public Dataset<T> Transform(Dataset<T> data) => FeatureScaling.Transform(data, _offsets, _ranges, Name);

    /// <summary>Rescales one or more samples' features, sample-major, e.g. a new input before inference.</summary>
    /// <param name="features">A whole number of samples of <see cref="FeatureCount"/> features.</param>
    /// <param name="destination">Receives the result; as long as <paramref name="features"/> (may be the same memory).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Transform(ReadOnlySpan<T> features, Span<T> destination) =>
        FeatureScaling.Transform(features, destination, _offsets, _ranges, Name);
}
