using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace NetGen.Data;

/// <summary>
/// An in-memory data set: <see cref="Count"/> samples of <see cref="FeatureCount"/> features and
/// <see cref="TargetCount"/> targets each, stored sample-major (the layout a network's mini-batch spans use), with the
/// class label of each sample when the set is a classification set, and optionally a weight per sample.
/// </summary>
/// <typeparam name="T">The floating-point type of features and targets.</typeparam>
public sealed class Dataset<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _features;
    private readonly T[] _targets;
    private readonly int[]? _labels;
    private readonly T[]? _sampleWeights;

    /// <summary>Wraps sample-major arrays (not copied), checking that they agree and hold only finite numbers.</summary>
    /// <param name="features">Count × featureCount values.</param>
    /// <param name="targets">Count × targetCount values.</param>
    /// <param name="featureCount">Features per sample, at least 1.</param>
    /// <param name="targetCount">Targets per sample, at least 1.</param>
    /// <param name="labels">The class of each sample, or null for regression; each in [0, <see cref="ClassCount"/>).</param>
    /// <param name="classNames">Optional names of the classes.</param>
    /// <param name="classCount">
    /// The number of classes, for labels; by default the number of <paramref name="classNames"/>, else
    /// <paramref name="targetCount"/> (one-hot targets). A binary set for one sigmoid output has one target column and
    /// two classes; each of its targets must then equal its label, 0 or 1.
    /// </param>
    /// <param name="sampleWeights">
    /// Optional weight of each sample (not copied), finite and non-negative: the trainer minimises the weighted mean loss
    /// Σ_x w_x C_x / Σ_x w_x (scikit-learn's <c>sample_weight</c>), multiplied by the class weights when it has those.
    /// </param>
    /// <exception cref="ArgumentException">The arrays disagree, a value is NaN or infinite, a label is out of range, or a
    /// sample weight is negative.</exception>
    public Dataset(T[] features, T[] targets, int featureCount, int targetCount, int[]? labels = null, IReadOnlyList<string>? classNames = null, int? classCount = null, T[]? sampleWeights = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetCount, 1);
        if (features.Length % featureCount != 0)
        {
            throw new ArgumentException($"features has {features.Length} values, not a whole number of samples of {featureCount}.", nameof(features));
        }

        int count = features.Length / featureCount;
        if ((long)count * targetCount != targets.Length)
        {
            throw new ArgumentException($"targets has {targets.Length} values; {count} samples of {targetCount} targets need {(long)count * targetCount}.", nameof(targets));
        }

        RequireFinite(features, featureCount, "feature");
        RequireFinite(targets, targetCount, "target");
        if (classCount is < 1 || (classNames is not null && classCount is { } given && given != classNames.Count))
        {
            throw new ArgumentException($"classCount is {classCount}; it must be at least 1 and, with class names, their number ({classNames?.Count}).", nameof(classCount));
        }

        int classes = classCount ?? classNames?.Count ?? targetCount;
        bool binary = targetCount == 1 && classes == 2;
        if (labels is not null)
        {
            if (labels.Length != count)
            {
                throw new ArgumentException($"labels has {labels.Length} entries for {count} samples.", nameof(labels));
            }

            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    throw new ArgumentException($"Sample {i} has label {labels[i]}, outside [0, {classes}).", nameof(labels));
                }

                if (binary && targets[i] != T.CreateTruncating(labels[i]))
                {
                    throw new ArgumentException(
                        $"Sample {i} has label {labels[i]} but target {targets[i]}; a binary set's single target is its label, 0 or 1.", nameof(targets));
                }
            }
        }

        if (sampleWeights is not null)
        {
            if (sampleWeights.Length != count)
            {
                throw new ArgumentException($"sampleWeights has {sampleWeights.Length} entries for {count} samples.", nameof(sampleWeights));
            }

            for (int i = 0; i < sampleWeights.Length; i++)
            {
                if (!T.IsFinite(sampleWeights[i]) || sampleWeights[i] < T.Zero)
                {
                    throw new ArgumentException($"Sample {i} has weight {sampleWeights[i]}; sample weights must be finite and non-negative.", nameof(sampleWeights));
                }
            }
        }

        _features = features;
        _targets = targets;
        _labels = labels;
        _sampleWeights = sampleWeights;
        FeatureCount = featureCount;
        TargetCount = targetCount;
        Count = count;
        ClassNames = classNames;
        ClassCount = labels is null ? 0 : classes;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The number of features per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>The number of targets per sample (the network's output size).</summary>
    public int TargetCount { get; }

    /// <summary>Every sample's features, sample-major.</summary>
    public ReadOnlySpan<T> Features => _features;

    /// <summary>Every sample's targets, sample-major.</summary>
    public ReadOnlySpan<T> Targets => _targets;

    /// <summary>The class of each sample, or null for a regression set.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Whether the set carries class labels.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>
    /// The number of classes of a labelled set (2 for a binary set, whose one target is the label itself;
    /// <see cref="TargetCount"/> for one-hot targets); 0 without labels.
    /// </summary>
    public int ClassCount { get; }

    /// <summary>The names of the classes, when known.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The weight of each sample, or empty when the set has none (every sample counts once).</summary>
    public ReadOnlySpan<T> SampleWeights => _sampleWeights;

    /// <summary>Whether the set carries a weight per sample.</summary>
    public bool HasSampleWeights => _sampleWeights is not null;

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    /// <param name="index">The sample, in [0, Count).</param>
    public ReadOnlySpan<T> GetFeatures(int index) => _features.AsSpan(checked(index * FeatureCount), FeatureCount);

    /// <summary>The targets of sample <paramref name="index"/>.</summary>
    /// <param name="index">The sample, in [0, Count).</param>
    public ReadOnlySpan<T> GetTargets(int index) => _targets.AsSpan(checked(index * TargetCount), TargetCount);

    /// <summary>
    /// The same samples with <paramref name="sampleWeights"/> as their weights (null for none); features, targets and
    /// labels are shared with this set, not copied.
    /// </summary>
    /// <param name="sampleWeights">One finite, non-negative weight per sample (not copied), or null.</param>
    /// <exception cref="ArgumentException">The weights do not fit the set.</exception>
    public Dataset<T> WithSampleWeights(T[]? sampleWeights) =>
        new(_features, _targets, FeatureCount, TargetCount, _labels, ClassNames, _labels is null ? null : ClassCount, sampleWeights);

    /// <summary>A new set of the samples at <paramref name="indices"/>, in that order (copied, sample weights included).</summary>
    /// <param name="indices">Sample indices, each in [0, Count); repeats allowed.</param>
    public Dataset<T> Subset(ReadOnlySpan<int> indices)
    {
        var features = new T[indices.Length * FeatureCount];
        var targets = new T[indices.Length * TargetCount];
        int[]? labels = _labels is null ? null : new int[indices.Length];
        T[]? weights = _sampleWeights is null ? null : new T[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {source} at position {i} is outside [0, {Count}).");
            }

            GetFeatures(source).CopyTo(features.AsSpan(i * FeatureCount));
            GetTargets(source).CopyTo(targets.AsSpan(i * TargetCount));
            if (labels is not null)
            {
                labels[i] = _labels![source];
            }

            if (weights is not null)
            {
                weights[i] = _sampleWeights![source];
            }
        }

        return new Dataset<T>(features, targets, FeatureCount, TargetCount, labels, ClassNames, labels is null ? null : ClassCount, weights);
    }

    /// <summary>The same set in another floating-point type (values rounded to the nearest representable).</summary>
    /// <typeparam name="TOther">The new element type.</typeparam>
    public Dataset<TOther> Convert<TOther>()
        where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var features = new TOther[_features.Length];
        var targets = new TOther[_targets.Length];
        TOther[]? weights = null;
        if (_sampleWeights is not null)
        {
            weights = new TOther[_sampleWeights.Length];
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = TOther.CreateChecked(_sampleWeights[i]);
            }
        }

        for (int i = 0; i < features.Length; i++)
        {
            features[i] = TOther.CreateChecked(_features[i]);
        }

        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = TOther.CreateChecked(_targets[i]);
        }

        return new Dataset<TOther>(features, targets, FeatureCount, TargetCount, _labels?.ToArray(), ClassNames, _labels is null ? null : ClassCount, weights);
    }

    private static void RequireFinite(T[] values, int width, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException($"Sample {i / width}, {what} {i % width} is {values[i]}; data must be finite.");
            }
        }
    }
}
