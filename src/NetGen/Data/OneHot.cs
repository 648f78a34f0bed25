using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Data;

/// <summary>Converts between class labels and one-hot target vectors.</summary>
public static class OneHot
{
    /// <summary>
    /// Encodes labels as one-hot vectors, sample-major: sample i's vector is 1 at its label and 0 elsewhere.
    /// </summary>
    /// <typeparam name="T">The floating-point type of the targets.</typeparam>
    /// <param name="labels">The class of each sample.</param>
    /// <param name="classCount">The number of classes, the length of each vector.</param>
    /// <returns><c>labels.Length × classCount</c> values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">A label is outside [0, classCount); the message names its sample index.</exception>
    public static T[] Encode<T>(ReadOnlySpan<int> labels, int classCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        long length = (long)labels.Length * classCount;
        if (length > Array.MaxLength)
        {
            throw new ArgumentException($"{labels.Length} samples × {classCount} classes is too many values for one array.", nameof(classCount));
        }

        var targets = new T[length];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i} has label {label}, outside [0, {classCount}).", nameof(labels));
            }

            targets[i * classCount + label] = T.One;
        }

        return targets;
    }

    /// <summary>
    /// The index of the largest value: the predicted class of an output vector. Ties go to the lowest index; a NaN wins,
    /// so a broken output is not mistaken for a confident one.
    /// </summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="values">The scores, at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("There is no largest value of an empty span.", nameof(values));
        }

        return TensorPrimitives.IndexOfMax(values);
    }
}
