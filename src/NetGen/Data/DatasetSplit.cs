using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetGen.Data;

/// <summary>A data set divided into disjoint training, validation and test parts.</summary>
/// <typeparam name="T">The floating-point type of features and targets.</typeparam>
/// <param name="Train">The samples to fit parameters (and any feature scaling) on.</param>
/// <param name="Validation">The samples to choose hyper-parameters and stop training on; may be empty.</param>
/// <param name="Test">The remaining samples, for the final, untouched estimate; may be empty.</param>
public sealed record DatasetSplit<T>(Dataset<T> Train, Dataset<T> Validation, Dataset<T> Test)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Divides a data set into training, validation and test parts with a seeded shuffle.</summary>
public static class DatasetSplit
{
    // Lets fractions such as 0.7 + 0.2 + 0.1, which do not add up to exactly 1 in binary, through.
    private const double FractionTolerance = 1e-9;

    /// <summary>
    /// Shuffles the samples with <see cref="SeededRandom"/> and divides them: round(n × trainFraction) for training,
    /// round(n × validationFraction) for validation, the rest for test. With <paramref name="stratify"/>, each class
    /// is divided on its own, so every part keeps (up to rounding) the class proportions of the whole; each part is
    /// then shuffled so its classes are interleaved. The same data, fractions and seed always give the same split.
    /// </summary>
    /// <typeparam name="T">The floating-point type of features and targets.</typeparam>
    /// <param name="data">The samples to divide, at least one.</param>
    /// <param name="trainFraction">The share for training, in (0, 1].</param>
    /// <param name="validationFraction">The share for validation, in [0, 1); together with the training share at most 1.</param>
    /// <param name="seed">The shuffle's seed.</param>
    /// <param name="stratify">
    /// Whether to keep class proportions in every part. The classes are the labels; a set without labels (loaded as
    /// regression) can be stratified when its targets are classes anyway: one column of 0s and 1s, or one-hot rows.
    /// </param>
    /// <returns>The three parts, each a copy.</returns>
    /// <exception cref="ArgumentException">A fraction is out of range, the training part would be empty, or stratifying a set whose targets are not classes.</exception>
    public static DatasetSplit<T> Split<T>(Dataset<T> data, double trainFraction, double validationFraction, ulong seed, bool stratify = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(trainFraction > 0 && trainFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The training fraction must be in (0, 1].");
        }

        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        }

        if (trainFraction + validationFraction > 1 + FractionTolerance)
        {
            throw new ArgumentException(
                $"The training ({trainFraction}) and validation ({validationFraction}) fractions add up to more than 1.", nameof(validationFraction));
        }

        int[]? strata = stratify ? ClassLabels.Of(data, "A stratified split", nameof(stratify)) : null;

        var random = new SeededRandom(seed);
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        if (strata is not null)
        {
            foreach (int[] members in GroupByClass(strata))
            {
                random.Shuffle<int>(members);
                Divide(members, trainFraction, validationFraction, train, validation, test);
            }

            random.Shuffle(CollectionsMarshal.AsSpan(train));
            random.Shuffle(CollectionsMarshal.AsSpan(validation));
            random.Shuffle(CollectionsMarshal.AsSpan(test));
        }
        else
        {
            var order = new int[data.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            random.Shuffle<int>(order);
            Divide(order, trainFraction, validationFraction, train, validation, test);
        }

        if (train.Count == 0)
        {
            throw new ArgumentException(
                $"A training fraction of {trainFraction} of {data.Count} samples leaves no training samples.", nameof(trainFraction));
        }

        return new DatasetSplit<T>(data.Subset(train.ToArray()), data.Subset(validation.ToArray()), data.Subset(test.ToArray()));
    }

    private static void Divide(int[] indices, double trainFraction, double validationFraction, List<int> train, List<int> validation, List<int> test)
    {
        int n = indices.Length;
        int trainCount = Math.Min(n, (int)Math.Round(n * trainFraction, MidpointRounding.AwayFromZero));
        int validationCount = Math.Min(n - trainCount, (int)Math.Round(n * validationFraction, MidpointRounding.AwayFromZero));
        train.AddRange(indices.AsSpan(0, trainCount));
        validation.AddRange(indices.AsSpan(trainCount, validationCount));
        test.AddRange(indices.AsSpan(trainCount + validationCount));
    }

    // Each class's sample indices in ascending order, classes in label order, so the grouping itself is deterministic.
    private static List<int[]> GroupByClass(ReadOnlySpan<int> labels)
    {
        var groups = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!groups.TryGetValue(labels[i], out var members))
            {
                groups[labels[i]] = members = [];
            }

            members.Add(i);
        }

        var result = new List<int[]>(groups.Count);
        foreach (var members in groups.Values)
        {
            result.Add(members.ToArray());
        }

        return result;
    }
}
