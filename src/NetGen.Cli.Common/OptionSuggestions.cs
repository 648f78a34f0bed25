using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Cli;

/// <summary>"Did you mean …?" for a mistyped command-line option or command.</summary>
public static class OptionSuggestions
{
    /// <summary>The largest edit distance at which a known name is still suggested.</summary>
    public const int MaxDistance = 2;

    /// <summary>
    /// The text <c> (did you mean --epochs?)</c> naming the known option or command closest to <paramref name="given"/>
    /// (leading dashes ignored, case-insensitive), or an empty string when none is within <see cref="MaxDistance"/> edits.
    /// </summary>
    /// <param name="given">What was typed.</param>
    /// <param name="known">The valid names, as they are written (such as <c>--epochs</c> or <c>train</c>).</param>
    public static string Suggest(string given, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(known);
        string bare = given.TrimStart('-');
        var best = known
            .Select(name => (name, distance: Distance(bare, name.TrimStart('-'))))
            .OrderBy(pair => pair.distance)
            .FirstOrDefault();
        return best.name is not null && best.distance <= MaxDistance ? $" (did you mean {best.name}?)" : string.Empty;
    }

    // Levenshtein distance, case-insensitive.
    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
