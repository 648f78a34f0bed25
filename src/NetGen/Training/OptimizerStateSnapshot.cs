using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// A saved optimizer state (<see cref="ICheckpointableOptimizerState{T}"/>): named arrays of numbers, such as Adam's
/// <c>first-moment</c> or RPROP's <c>step-size</c>. Values of the network's type are kept as doubles, which hold every
/// float and double exactly; counters are kept as whole doubles.
/// </summary>
public sealed class OptimizerStateSnapshot
{
    /// <summary>The longest entry name a checkpoint accepts.</summary>
    public const int MaximumNameLength = 256;

    private readonly Dictionary<string, double[]> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    /// <summary>Bundles entries; the arrays are kept, not copied.</summary>
    /// <param name="entries">Name and values of each entry; names unique, non-empty, at most
    /// <see cref="MaximumNameLength"/> characters.</param>
    /// <exception cref="ArgumentException">A name is empty, too long or repeated.</exception>
    public OptimizerStateSnapshot(IEnumerable<KeyValuePair<string, double[]>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (name, values) in entries)
        {
            if (string.IsNullOrEmpty(name) || name.Length > MaximumNameLength)
            {
                throw new ArgumentException($"An optimizer state entry name must have 1 to {MaximumNameLength} characters; got '{name}'.", nameof(entries));
            }

            ArgumentNullException.ThrowIfNull(values, nameof(entries));
            if (!_entries.TryAdd(name, values))
            {
                throw new ArgumentException($"The optimizer state entry '{name}' is given twice.", nameof(entries));
            }

            _names.Add(name);
        }
    }

    /// <summary>A snapshot with no entries (an optimizer without state, such as plain SGD).</summary>
    public static OptimizerStateSnapshot Empty { get; } = new([]);

    /// <summary>The entry names, in the order they were given.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The values of entry <paramref name="name"/>.</summary>
    /// <param name="name">An entry name.</param>
    /// <exception cref="KeyNotFoundException">There is no such entry.</exception>
    public ReadOnlySpan<double> this[string name] => _entries[name];

    /// <summary>Whether an entry <paramref name="name"/> exists.</summary>
    /// <param name="name">An entry name.</param>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The values of entry <paramref name="name"/>, which must hold exactly <paramref name="length"/> finite
    /// numbers.</summary>
    /// <param name="name">The entry.</param>
    /// <param name="length">The number of values the restoring state needs.</param>
    /// <exception cref="ArgumentException">The entry is missing, has another length or a value that is not finite.</exception>
    public ReadOnlySpan<double> Require(string name, int length)
    {
        if (!_entries.TryGetValue(name, out double[]? values))
        {
            throw new ArgumentException($"The optimizer state has no entry '{name}' (it has: {(_names.Count == 0 ? "none" : string.Join(", ", _names))}).", "snapshot");
        }

        if (values.Length != length)
        {
            throw new ArgumentException($"The optimizer state entry '{name}' holds {values.Length} values; this optimizer needs {length}.", "snapshot");
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"The optimizer state entry '{name}' has the value {values[i]} at index {i}; every value must be finite.", "snapshot");
            }
        }

        return values;
    }

    /// <summary>
    /// <see cref="Require"/> for values of the network's type: each must also stay finite when rounded to
    /// <typeparamref name="T"/> (a double beyond float's range would not).
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="name">The entry.</param>
    /// <param name="length">The number of values the restoring state needs.</param>
    /// <exception cref="ArgumentException">The entry is missing, has another length or a value that is not finite in
    /// <typeparamref name="T"/>.</exception>
    public ReadOnlySpan<double> RequireValues<T>(string name, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<double> values = Require(name, length);
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(T.CreateTruncating(values[i])))
            {
                throw new ArgumentException($"The optimizer state entry '{name}' has the value {values[i]} at index {i}, beyond the range of {typeof(T).Name}.", "snapshot");
            }
        }

        return values;
    }

    /// <summary>Checks that the snapshot holds exactly the entries <paramref name="names"/>, no more and no fewer: a
    /// snapshot of another optimizer fails here, naming what differs.</summary>
    /// <param name="names">The entries the restoring state saves.</param>
    /// <exception cref="ArgumentException">An entry is missing or one is not expected.</exception>
    public void RequireExactly(params ReadOnlySpan<string> names)
    {
        foreach (string name in names)
        {
            if (!_entries.ContainsKey(name))
            {
                throw new ArgumentException($"The optimizer state has no entry '{name}' (it has: {(_names.Count == 0 ? "none" : string.Join(", ", _names))}); it was saved by another optimizer.", "snapshot");
            }
        }

        if (_names.Count != names.Length)
        {
            foreach (string name in _names)
            {
                if (!names.Contains(name))
                {
                    throw new ArgumentException($"The optimizer state has an entry '{name}' this optimizer does not keep; it was saved by another optimizer.", "snapshot");
                }
            }
        }
    }

    /// <summary>The single value of entry <paramref name="name"/>, which must lie in [<paramref name="minimum"/>,
    /// <paramref name="maximum"/>] and, with <paramref name="wholeNumber"/>, be a whole number.</summary>
    /// <param name="name">The entry.</param>
    /// <param name="minimum">The least valid value.</param>
    /// <param name="maximum">The largest valid value.</param>
    /// <param name="wholeNumber">Whether the value is a counter.</param>
    /// <exception cref="ArgumentException">The entry is missing, not a single value, or out of range.</exception>
    public double RequireScalar(string name, double minimum, double maximum, bool wholeNumber = false)
    {
        double value = Require(name, 1)[0];
        if (!(value >= minimum && value <= maximum) || (wholeNumber && value != Math.Floor(value)))
        {
            string kind = wholeNumber ? "a whole number" : "a number";
            throw new ArgumentException(FormattableString.Invariant($"The optimizer state entry '{name}' is {value}; it must be {kind} from {minimum} to {maximum}."), "snapshot");
        }

        return value;
    }

    /// <summary>Copies values of the network's type into a new array of doubles (exact for float and double).</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="values">The values.</param>
    public static double[] ToDoubles<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }

    /// <summary>Copies saved doubles back into values of the network's type.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="source">The saved values.</param>
    /// <param name="destination">As long as <paramref name="source"/>.</param>
    public static void CopyTo<T>(ReadOnlySpan<double> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkGuard.CheckLength(destination.Length, source.Length, nameof(destination), "values");
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = T.CreateTruncating(source[i]);
        }
    }
}
