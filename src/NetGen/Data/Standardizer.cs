using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>
/// Standardises each feature to zero mean and unit variance, x′ = (x − mean) / standard deviation, with the statistics
/// of the training set only, so no information from validation or test data leaks into training.
/// </summary>
/// <typeparam name="T">The floating-point type of the features.</typeparam>
/// <example><code>
/// var scaler = Standardizer&lt;float&gt;.Fit(split.Train);
/// var train = scaler.Transform(split.Train);
/// var test = scaler.Transform(split.Test);
/// </code></example>
public sealed class Standardizer<T> : IFeatureScaler<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Name = "standardizer";

    private readonly T[] _means;
    private readonly T[] _standardDeviations;
    private readonly double[] _offsets;
    private readonly double[] _divisors;

    private Standardizer(T[] means, T[] standardDeviations)
    {
        _means = means;
        _standardDeviations = standardDeviations;
        _offsets = FeatureScaling.ToDoubles(means);
        _divisors = FeatureScaling.ToDoubles(standardDeviations);
    }

    /// <summary>The number of features the scaler was fitted on.</summary>
    public int FeatureCount => _means.Length;

    /// <summary>Each feature's mean over the training set.</summary>
    public ReadOnlySpan<T> Means => _means;

    /// <summary>
    /// Each feature's population standard deviation over the training set, the divisor of the transform; 1 for a
    /// feature that is constant in the training set, so it maps to 0 instead of dividing by zero.
    /// </summary>
    public ReadOnlySpan<T> StandardDeviations => _standardDeviations;

    /// <summary>
    /// A standardiser with known statistics, such as those <c>WeightsFile</c> stored with a network; it transforms
    /// exactly as the fitted one they came from.
    /// </summary>
    /// <param name="means">Each feature's mean, finite.</param>
    /// <param name="standardDeviations">Each feature's divisor, finite and positive; as many as the means.</param>
    /// <exception cref="ArgumentException">The spans are empty or differ in length, or a value is out of range (the message names it).</exception>
    public static Standardizer<T> FromStatistics(ReadOnlySpan<T> means, ReadOnlySpan<T> standardDeviations)
    {
        if (means.IsEmpty || means.Length != standardDeviations.Length)
        {
            throw new ArgumentException($"{means.Length} means and {standardDeviations.Length} standard deviations; a standardizer needs as many of each, at least one.", nameof(standardDeviations));
        }

        for (int j = 0; j < means.Length; j++)
        {
            if (!T.IsFinite(means[j]))
            {
                throw new ArgumentException($"The mean of feature {j} is {means[j]}; it must be finite.", nameof(means));
            }

            if (!T.IsFinite(standardDeviations[j]) || standardDeviations[j] <= T.Zero)
            {
                throw new ArgumentException($"The standard deviation of feature {j} is {standardDeviations[j]}; it must be finite and positive.", nameof(standardDeviations));
            }
        }

        return new Standardizer<T>(means.ToArray(), standardDeviations.ToArray());
    }

    /// <summary>Computes each feature's mean and standard deviation over <paramref name="train"/>.</summary>
    /// <param name="train">The training set, at least one sample.</param>
    /// <exception cref="ArgumentException">The training set is empty.</exception>
    public static Standardizer<T> Fit(Dataset<T> train)
    {
        FeatureScaling.RequireTrainingData(train);
        int featureCount = train.FeatureCount;
        var sums = new double[featureCount];
        var minimums = new double[featureCount];
        var maximums = new double[featureCount];
        minimums.AsSpan().Fill(double.PositiveInfinity);
        maximums.AsSpan().Fill(double.NegativeInfinity);
        ReadOnlySpan<T> features = train.Features;
        for (int i = 0; i < features.Length; i++)
        {
            int j = i % featureCount;
            double x = double.CreateChecked(features[i]);
            sums[j] += x;
            minimums[j] = Math.Min(minimums[j], x);
            maximums[j] = Math.Max(maximums[j], x);
        }

        var means = new double[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            means[j] = sums[j] / train.Count;
        }

        // Two passes: the sum of squared deviations from the mean, unlike Σx² − n·mean², does not cancel catastrophically.
        var squares = new double[featureCount];
        for (int i = 0; i < features.Length; i++)
        {
            int j = i % featureCount;
            double deviation = double.CreateChecked(features[i]) - means[j];
            squares[j] += deviation * deviation;
        }

        var meansOut = new T[featureCount];
        var deviationsOut = new T[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            meansOut[j] = T.CreateChecked(means[j]);
            // Constancy is decided on the exact values: a rounded variance of a constant column can come out tiny but non-zero.
            T deviation = T.CreateChecked(Math.Sqrt(squares[j] / train.Count));
            deviationsOut[j] = minimums[j] == maximums[j] || deviation == T.Zero ? T.One : deviation;
        }

        return new Standardizer<T>(meansOut, deviationsOut);
    }

    /// <summary>A new data set with every feature standardised; targets, labels and class names are kept.</summary>
    /// <param name="data">Any set with the fitted number of features.</param>
    /// <exception cref="ArgumentException">The feature count differs from the training set's.</exception>
    public Dataset<T> Transform(Dataset<T> data) => FeatureScaling.Transform(data, _offsets, _divisors, Name);

    /// <summary>Standardises one or more samples' features, sample-major, e.g. a new input before inference.</summary>
    /// <param name="features">A whole number of samples of <see cref="FeatureCount"/> features.</param>
    /// <param name="destination">Receives the result; as long as <paramref name="features"/> (may be the same memory).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Transform(ReadOnlySpan<T> features, Span<T> destination) =>
        FeatureScaling.Transform(features, destination, _offsets, _divisors, Name);
}
