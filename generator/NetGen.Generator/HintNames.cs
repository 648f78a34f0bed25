using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator;

/// <summary>The name one generated file is added under: the network it belongs to, which of its files, and the name.</summary>
internal readonly record struct HintName(string Owner, bool IsWeights, string Name);

/// <summary>What a network's source output needs: its model and the hint names of its files.</summary>
internal sealed record EmissionRequest(NetworkModel Model, string HintName, string? WeightsHintName);

/// <summary>
/// Hint names for the generated files. Roslyn requires them to be unique ignoring case and made of a restricted set of
/// characters, while C# type names are case-sensitive and may hold any identifier character, so the natural name,
/// <c>Models.DigitsNet.g.cs</c>, is not always usable: <c>Net</c> and <c>NET</c>, or a class <c>Net</c> with baked weights
/// next to a class <c>net.Weights</c>, would collide. Names are therefore assigned over all networks at once: each gets its
/// natural name (characters outside ASCII letters, digits, '_' and '.' written as '-' and four hex digits, which no
/// identifier produces), and where names collide, the first by ordinal order of the networks' full names keeps it and the
/// others get a number before the extension (<c>Net.2.g.cs</c>), a segment no namespace or type name can have.
/// </summary>
internal static class HintNames
{
    private const string Extension = ".g.cs";
    private const string WeightsInfix = ".Weights";

    /// <summary>The names every network's files are added under, as one equatable table sorted by owner.</summary>
    public static EquatableArray<HintName> Assign(ImmutableArray<NetworkModel?> models)
    {
        var wanted = new List<(string Owner, bool IsWeights, string Stem)>();
        foreach (var model in models)
        {
            if (model is null)
            {
                continue;
            }

            string stem = Sanitize(model.DisplayName);
            wanted.Add((model.DisplayName, false, stem));
            if (model.Weights is not null)
            {
                wanted.Add((model.DisplayName, true, stem + WeightsInfix));
            }
        }

        wanted.Sort((a, b) => CompareOwners(a.Owner, a.IsWeights, b.Owner, b.IsWeights));
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new string?[wanted.Count];

        // Natural names first, so that a network whose name collides with nothing keeps it whatever else is declared.
        for (int i = 0; i < wanted.Count; i++)
        {
            if (taken.Add(wanted[i].Stem + Extension))
            {
                names[i] = wanted[i].Stem + Extension;
            }
        }

        var result = new HintName[wanted.Count];
        for (int i = 0; i < wanted.Count; i++)
        {
            string? name = names[i];
            for (int n = 2; name is null; n++)
            {
                string candidate = wanted[i].Stem + "." + n.ToString(CultureInfo.InvariantCulture) + Extension;
                if (taken.Add(candidate))
                {
                    name = candidate;
                }
            }

            result[i] = new HintName(wanted[i].Owner, wanted[i].IsWeights, name);
        }

        return new EquatableArray<HintName>(result);
    }

    /// <summary>The names of <paramref name="model"/>'s files in <paramref name="table"/>.</summary>
    public static EmissionRequest For(NetworkModel model, EquatableArray<HintName> table)
    {
        string? main = null;
        string? weights = null;
        int first = LowerBound(table, model.DisplayName);
        for (int i = first; i < table.Count && table[i].Owner == model.DisplayName; i++)
        {
            if (table[i].IsWeights)
            {
                weights = table[i].Name;
            }
            else
            {
                main = table[i].Name;
            }
        }

        // The table is built from the same models, so both are found; the fallbacks only keep a bug from throwing here.
        return new EmissionRequest(model, main ?? Sanitize(model.DisplayName) + Extension, model.Weights is null ? null : weights ?? Sanitize(model.DisplayName) + WeightsInfix + Extension);
    }

    /// <summary>The text with every character other than an ASCII letter, digit, '_' or '.' written as '-' and 4 hex digits.</summary>
    public static string Sanitize(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.')
            {
                result.Append(c);
            }
            else
            {
                result.Append('-').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return result.ToString();
    }

    private static int CompareOwners(string ownerA, bool weightsA, string ownerB, bool weightsB)
    {
        int byOwner = string.CompareOrdinal(ownerA, ownerB);
        return byOwner != 0 ? byOwner : weightsA.CompareTo(weightsB);
    }

    private static int LowerBound(EquatableArray<HintName> table, string owner)
    {
        int low = 0;
        int high = table.Count;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (string.CompareOrdinal(table[middle].Owner, owner) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
