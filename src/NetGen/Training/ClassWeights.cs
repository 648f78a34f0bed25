using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// Per-class weights for <see cref="TrainerOptions.ClassWeights"/>: every sample of class c counts w_c times in the loss,
/// which becomes the weighted mean Σ_x w_(y_x) C_x / Σ_x w_(y_x) (PyTorch's <c>CrossEntropyLoss(weight=…)</c> with
/// reduction 'mean'; scikit-learn's <c>class_weight</c>). Either given per class (<see cref="FromValues"/>, or an array
/// converted implicitly) or <see cref="Balanced"/>, computed from the training labels.
/// </summary>
/// <example><code>
/// new TrainerOptions { ClassWeights = ClassWeights.Balanced };           // n / (k · n_c), from the training set
/// new TrainerOptions { ClassWeights = new[] { 1.0, 9.0 } };             // class 1 counts nine times
/// </code></example>
public sealed class ClassWeights : IEquatable<ClassWeights>
{
    private readonly double[] _values;

    private ClassWeights(double[] values, bool balanced)
    {
        _values = values;
        IsBalanced = balanced;
    }

    /// <summary>
    /// Weights that give every class the same total weight: w_c = n / (k · n_c) for n training samples, k classes and n_c
    /// samples of class c (scikit-learn's <c>class_weight='balanced'</c>), so the weights average 1 over the training set.
    /// Computed at the start of each <see cref="Trainer{T}.Fit"/> from the training set's labels (or its one-hot or 0/1
    /// targets); every class must occur in it.
    /// </summary>
    public static ClassWeights Balanced { get; } = new([], balanced: true);

    /// <summary>Whether the weights are <see cref="Balanced"/>, computed from the training labels.</summary>
    public bool IsBalanced { get; }

    /// <summary>The weight of each class, in class order; empty for <see cref="Balanced"/>.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>Explicit weights, one per class in class order (copied).</summary>
    /// <param name="weights">Finite, non-negative weights, at least one of them positive.</param>
    /// <exception cref="ArgumentException">The array is empty, a weight is negative or not finite, or all are 0.</exception>
    public static ClassWeights FromValues(params double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
        {
            throw new ArgumentException("No class weights were given; give one per class, or use ClassWeights.Balanced.", nameof(weights));
        }

        for (int c = 0; c < weights.Length; c++)
        {
            if (!double.IsFinite(weights[c]) || weights[c] < 0.0)
            {
                throw new ArgumentException($"The weight of class {c} is {weights[c]}; class weights must be finite and non-negative.", nameof(weights));
            }
        }

        if (weights.All(w => w == 0.0))
        {
            throw new ArgumentException("Every class weight is 0, which leaves nothing to train on; at least one must be positive.", nameof(weights));
        }

        return new ClassWeights((double[])weights.Clone(), balanced: false);
    }

    /// <summary>Explicit weights, one per class in class order (see <see cref="FromValues"/>).</summary>
    /// <param name="weights">The weights.</param>
    public static implicit operator ClassWeights(double[] weights) => FromValues(weights);

    /// <summary>
    /// The balanced weights n / (k · n_c) of the given class labels: n labels, k classes, n_c labels of class c.
    /// </summary>
    /// <param name="labels">The class of every sample.</param>
    /// <param name="classCount">k, the number of classes; each label must be in [0, k).</param>
    /// <returns>One weight per class.</returns>
    /// <exception cref="ArgumentException">There are no labels, a label is out of range, or a class has no sample.</exception>
    public static double[] ComputeBalanced(ReadOnlySpan<int> labels, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (labels.IsEmpty)
        {
            throw new ArgumentException("Balanced class weights need at least one labelled sample.", nameof(labels));
        }

        var counts = new long[classCount];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i} has class {labels[i]}, outside [0, {classCount}).", nameof(labels));
            }

            counts[labels[i]]++;
        }

        var weights = new double[classCount];
        for (int c = 0; c < classCount; c++)
        {
            if (counts[c] == 0)
            {
                throw new ArgumentException(
                    $"Balanced class weights n / (k · n_c) are undefined for class {c}, which has no sample among the {labels.Length} training samples; give explicit weights or a training set with every class.",
                    nameof(labels));
            }

            weights[c] = labels.Length / ((double)classCount * counts[c]);
        }

        return weights;
    }

    /// <inheritdoc/>
    public bool Equals(ClassWeights? other) =>
        other is not null && IsBalanced == other.IsBalanced && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ClassWeights);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsBalanced);
        foreach (double value in _values)
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>balanced</c>, or the weights in class order, e.g. <c>[1, 9]</c> (round-trippable numbers).</summary>
    public override string ToString() =>
        IsBalanced ? "balanced" : "[" + string.Join(", ", _values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// The weight of every class of <paramref name="train"/>'s classification: the explicit values, or the balanced
    /// weights of its labels.
    /// </summary>
    internal double[] Resolve<T>(Dataset<T> train)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classCount = ClassCountOf(train);
        if (!IsBalanced)
        {
            if (_values.Length != classCount)
            {
                throw new ArgumentException(
                    $"TrainerOptions.ClassWeights has {_values.Length} weights, but the training set has {classCount} classes; give one weight per class.",
                    "options");
            }

            return _values;
        }

        return ComputeBalanced(ClassLabels.Of(train, "ClassWeights.Balanced", "train"), classCount);
    }

    /// <summary>
    /// Every sample's weight: its class's weight (when <paramref name="classWeights"/> is given) times its own sample
    /// weight (when the set has them); null when neither applies.
    /// </summary>
    internal static T[]? SampleWeightsOf<T>(Dataset<T> data, double[]? classWeights, string parameterName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (classWeights is null)
        {
            return data.HasSampleWeights ? data.SampleWeights.ToArray() : null;
        }

        int classCount = ClassCountOf(data);
        if (classCount != classWeights.Length)
        {
            throw new ArgumentException($"The set has {classCount} classes, but the class weights are for {classWeights.Length}.", parameterName);
        }

        int[] classes = ClassLabels.Of(data, "TrainerOptions.ClassWeights", parameterName);
        var weights = new T[data.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            T weight = T.CreateChecked(classWeights[classes[i]]);
            weights[i] = data.HasSampleWeights ? weight * data.SampleWeights[i] : weight;
            if (!T.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Sample {i}'s weight (its class's weight times its sample weight) is {weights[i]} in {typeof(T).Name}; weights must be finite.", parameterName);
            }
        }

        return weights;
    }

    // The classes of a set: its ClassCount with labels, else those of one-hot rows (one per target) or of one 0/1 column.
    private static int ClassCountOf<T>(Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        data.HasLabels ? data.ClassCount : data.TargetCount == 1 ? 2 : data.TargetCount;
}
