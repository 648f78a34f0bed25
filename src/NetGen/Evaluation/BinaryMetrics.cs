using System;
using System.Numerics;

namespace NetGen.Evaluation;

/// <summary>Scores of probabilistic predictions: ROC AUC of a binary classifier, and log-loss (cross-entropy).</summary>
public static class BinaryMetrics
{
    /// <summary>
    /// The ε that probabilities of type <typeparamref name="T"/> are clipped to [ε, 1 − ε] with before the logarithm: its
    /// machine epsilon (the gap between 1 and the next larger value: 2⁻²³ for float, 2⁻⁵² for double), as scikit-learn's
    /// <c>log_loss</c> does. A confident wrong prediction then costs −ln ε (about 15.9 in float, 36.0 in double) rather
    /// than infinity.
    /// </summary>
    /// <typeparam name="T">The floating-point type of the probabilities.</typeparam>
    public static double LogLossEpsilon<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => double.CreateTruncating(T.BitIncrement(T.One) - T.One);

    /// <summary>
    /// The area under the ROC curve: the probability that a random positive (class 1) sample scores above a random
    /// negative one, ties counting one half (the Mann–Whitney U statistic over P · N pairs), which is what
    /// scikit-learn's <c>roc_auc_score</c> computes from the curve's trapezoids.
    /// </summary>
    /// <typeparam name="T">The floating-point type of the scores.</typeparam>
    /// <param name="actual">Each sample's class, 0 or 1; both must occur.</param>
    /// <param name="scores">Each sample's score for class 1 (a probability or any monotone score), finite.</param>
    /// <returns>The AUC in [0, 1]; ½ is chance.</returns>
    /// <exception cref="ArgumentException">The lengths differ, a class is not 0 or 1, only one class occurs, or a score is not finite.</exception>
    public static double RocAuc<T>(ReadOnlySpan<int> actual, ReadOnlySpan<T> scores)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireBinary(actual, scores.Length, nameof(scores), out int positives);
        int negatives = actual.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException($"ROC AUC needs samples of both classes; these {actual.Length} are all of class {(positives == 0 ? 0 : 1)}.", nameof(actual));
        }

        var values = new double[scores.Length];
        var order = new int[scores.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = double.CreateTruncating(scores[i]);
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"Sample {i}'s score is {scores[i]}; scores must be finite.", nameof(scores));
            }

            order[i] = i;
        }

        Array.Sort((double[])values.Clone(), order);

        // Ranks 1…n by ascending score, each run of equal scores sharing the mean of its ranks; the positives' rank sum,
        // less the smallest it could be, counts the (positive, negative) pairs ordered correctly, ties as one half.
        double positiveRankSum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]])
            {
                end++;
            }

            double meanRank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++)
            {
                if (actual[order[k]] == 1)
                {
                    positiveRankSum += meanRank;
                }
            }

            start = end;
        }

        double pairsOrdered = positiveRankSum - positives * (positives + 1.0) / 2.0;
        return pairsOrdered / ((double)positives * negatives);
    }

    /// <summary>
    /// The mean negative log-likelihood of binary predictions, −(1/n) Σ [y ln p + (1 − y) ln(1 − p)], with p clipped to
    /// [ε, 1 − ε] (<see cref="LogLossEpsilon{T}"/>).
    /// </summary>
    /// <typeparam name="T">The floating-point type of the probabilities.</typeparam>
    /// <param name="actual">Each sample's class, 0 or 1.</param>
    /// <param name="probabilities">Each sample's predicted P(class 1), in [0, 1].</param>
    /// <exception cref="ArgumentException">The lengths differ, there are no samples, a class is not 0 or 1, or a probability is outside [0, 1].</exception>
    public static double LogLoss<T>(ReadOnlySpan<int> actual, ReadOnlySpan<T> probabilities)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireBinary(actual, probabilities.Length, nameof(probabilities), out _);
        double epsilon = LogLossEpsilon<T>();
        double sum = 0;
        Span<double> row = stackalloc double[2];
        for (int i = 0; i < actual.Length; i++)
        {
            double p = Probability(probabilities[i], i);
            row[0] = 1 - p;
            row[1] = p;
            sum += SampleLoss(row, actual[i], epsilon);
        }

        return sum / actual.Length;
    }

    /// <summary>
    /// The mean negative log-likelihood of class-probability rows, −(1/n) Σ ln p(actual class), as scikit-learn's
    /// <c>log_loss</c> computes it: each probability clipped to [ε, 1 − ε] (<see cref="LogLossEpsilon{T}"/>), each row
    /// then divided by its sum.
    /// </summary>
    /// <typeparam name="T">The floating-point type of the probabilities.</typeparam>
    /// <param name="actual">Each sample's class, in [0, classCount).</param>
    /// <param name="probabilities">n rows of classCount probabilities, sample-major, each in [0, 1].</param>
    /// <param name="classCount">The number of classes, at least 2.</param>
    /// <exception cref="ArgumentException">The lengths disagree, there are no samples, a class is out of range, or a probability is outside [0, 1].</exception>
    public static double LogLoss<T>(ReadOnlySpan<int> actual, ReadOnlySpan<T> probabilities, int classCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (actual.IsEmpty)
        {
            throw new ArgumentException("Log-loss needs at least one sample.", nameof(actual));
        }

        if (probabilities.Length != (long)actual.Length * classCount)
        {
            throw new ArgumentException($"probabilities has {probabilities.Length} values; {actual.Length} samples of {classCount} classes need {(long)actual.Length * classCount}.", nameof(probabilities));
        }

        double epsilon = LogLossEpsilon<T>();
        double sum = 0;
        var row = new double[classCount];
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Sample {i}'s class {actual[i]} is outside [0, {classCount}).", nameof(actual));
            }

            for (int c = 0; c < classCount; c++)
            {
                row[c] = Probability(probabilities[i * classCount + c], i);
            }

            sum += SampleLoss(row, actual[i], epsilon);
        }

        return sum / actual.Length;
    }

    // −ln of the actual class's share of the clipped row.
    private static double SampleLoss(Span<double> row, int actual, double epsilon)
    {
        double total = 0;
        for (int c = 0; c < row.Length; c++)
        {
            row[c] = Math.Clamp(row[c], epsilon, 1 - epsilon);
            total += row[c];
        }

        return -Math.Log(row[actual] / total);
    }

    private static double Probability<T>(T value, int sample)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double p = double.CreateTruncating(value);
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentException($"Sample {sample}'s probability is {value}, outside [0, 1].", "probabilities");
        }

        return p;
    }

    private static void RequireBinary(ReadOnlySpan<int> actual, int length, string parameterName, out int positives)
    {
        if (actual.Length != length)
        {
            throw new ArgumentException($"{actual.Length} classes but {length} {parameterName}.", parameterName);
        }

        if (actual.IsEmpty)
        {
            throw new ArgumentException("There are no samples.", nameof(actual));
        }

        positives = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] is not (0 or 1))
            {
                throw new ArgumentException($"Sample {i}'s class is {actual[i]}; a binary class is 0 or 1.", nameof(actual));
            }

            positives += actual[i];
        }
    }
}
