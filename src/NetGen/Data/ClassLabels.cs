using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>The class of every sample of a data set, from its labels or, without them, from targets that are classes.</summary>
internal static class ClassLabels
{
    /// <summary>
    /// The labels; for a set without labels (loaded as regression), the classes its targets spell: one column of 0s
    /// and 1s (the class is the value) or one-hot rows (the class is the index of the 1).
    /// </summary>
    /// <exception cref="ArgumentException">The set has no labels and a sample's targets are neither; the message names it and <paramref name="purpose"/>.</exception>
    public static int[] Of<T>(Dataset<T> data, string purpose, string parameterName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data.HasLabels)
        {
            return data.Labels.ToArray();
        }

        var classes = new int[data.Count];
        for (int i = 0; i < classes.Length; i++)
        {
            int? found = ClassOf(data.GetTargets(i));
            classes[i] = found ?? throw new ArgumentException(
                $"{purpose} needs class labels or targets that are classes; this data set has no labels, and sample {i}'s targets are neither a single 0 or 1 nor one-hot (it is a regression set).",
                parameterName);
        }

        return classes;
    }

    private static int? ClassOf<T>(ReadOnlySpan<T> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (targets.Length == 1)
        {
            return targets[0] == T.Zero ? 0 : targets[0] == T.One ? 1 : null;
        }

        int hot = -1;
        for (int j = 0; j < targets.Length; j++)
        {
            if (targets[j] == T.One && hot < 0)
            {
                hot = j;
            }
            else if (targets[j] != T.Zero)
            {
                return null;
            }
        }

        return hot < 0 ? null : hot;
    }
}
