using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Cli;

namespace NetGen.Tool;

/// <summary>An option of a command: <c>--name VALUE</c>, or a flag <c>--name</c> when <see cref="ValueName"/> is null.</summary>
/// <param name="Name">The option, with its two dashes.</param>
/// <param name="ValueName">How the usage text names its value, such as <c>N</c>; null for a flag.</param>
/// <param name="Help">The usage text's description, which may span lines.</param>
internal sealed record OptionSpec(string Name, string? ValueName, string Help);

/// <summary>A command's arguments: its positional arguments in order and the options given.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _flags;

    private Arguments(IReadOnlyList<string> positionals, Dictionary<string, string> values, HashSet<string> flags)
    {
        Positionals = positionals;
        _values = values;
        _flags = flags;
    }

    /// <summary>The positional arguments, as many as the command declares.</summary>
    public IReadOnlyList<string> Positionals { get; }

    /// <summary>
    /// Parses a command's arguments (after the command name): <c>--name value</c>, <c>--name=value</c> or a flag, and the
    /// positional arguments, all of which must be present. A value may start with one dash (<c>--label-column -1</c>);
    /// after <c>--</c> everything is positional.
    /// </summary>
    /// <exception cref="UsageException">An option is unknown, given twice or without its value, or a positional argument is missing or extra.</exception>
    public static Arguments Parse(string command, IReadOnlyList<string> args, IReadOnlyList<string> positionalNames, IReadOnlyList<OptionSpec> options)
    {
        var positionals = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        bool onlyPositionals = false;
        for (int i = 0; i < args.Count; i++)
        {
            string argument = args[i];
            if (onlyPositionals || !argument.StartsWith('-') || IsNumber(argument) || argument == "-")
            {
                if (positionals.Count == positionalNames.Count)
                {
                    throw new UsageException($"unexpected argument '{argument}': 'netgen {command}' takes {Describe(positionalNames)}, and options start with --.");
                }

                positionals.Add(argument);
                continue;
            }

            if (argument == "--")
            {
                onlyPositionals = true;
                continue;
            }

            string name = argument;
            string? value = null;
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = argument[..equals];
                value = argument[(equals + 1)..];
            }

            var option = options.FirstOrDefault(o => o.Name == name);
            if (option is null || !name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown option '{name}' for 'netgen {command}'{OptionSuggestions.Suggest(name, options.Select(o => o.Name))}.");
            }

            if (values.ContainsKey(name) || flags.Contains(name))
            {
                throw new UsageException($"{name} is given twice.");
            }

            if (option.ValueName is null)
            {
                if (value is not null)
                {
                    throw new UsageException($"{name} is a switch and takes no value ('{argument}').");
                }

                flags.Add(name);
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    throw new UsageException($"{name} needs a value ({option.ValueName}).");
                }

                value = args[++i];
            }

            values[name] = value;
        }

        if (positionals.Count < positionalNames.Count)
        {
            throw new UsageException($"'netgen {command}' needs {Describe(positionalNames)}; {positionalNames[positionals.Count]} is missing.");
        }

        return new Arguments(positionals, values, flags);
    }

    /// <summary>Whether the option was given (with a value, or as a flag).</summary>
    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    /// <summary>The option's value, or null when it was not given.</summary>
    /// <exception cref="UsageException">The value is empty.</exception>
    public string? Text(string name)
    {
        if (!_values.TryGetValue(name, out string? value))
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{name}: the value is empty.") : value;
    }

    /// <summary>A whole number in [<paramref name="minimum"/>, <paramref name="maximum"/>], or null when not given.</summary>
    /// <exception cref="UsageException">The value is not a whole number or is out of range.</exception>
    public int? Int(string name, int minimum, int maximum = int.MaxValue)
    {
        string? value = Text(name);
        if (value is null)
        {
            return null;
        }

        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result))
        {
            throw new UsageException(IsInteger(value)
                ? Invariant($"{name}: {value} is out of range; it must be from {minimum} to {maximum}.")
                : $"{name}: '{value}' is not a whole number.");
        }

        return result < minimum || result > maximum
            ? throw new UsageException(Invariant($"{name}: {result} is out of range; it must be from {minimum} to {maximum}."))
            : result;
    }

    /// <summary>A seed: a whole number from 0 to <see cref="ulong.MaxValue"/>, or null when not given.</summary>
    /// <exception cref="UsageException">The value is not such a number.</exception>
    public ulong? Seed(string name)
    {
        string? value = Text(name);
        if (value is null)
        {
            return null;
        }

        return ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw new UsageException($"{name}: '{value}' is not a whole number from 0 to {ulong.MaxValue}.");
    }

    /// <summary>A finite number in the range <paramref name="range"/> describes and <paramref name="accept"/> checks, or null when not given.</summary>
    /// <exception cref="UsageException">The value is not a finite number in the range.</exception>
    public double? Number(string name, Func<double, bool> accept, string range)
    {
        string? value = Text(name);
        if (value is null)
        {
            return null;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) || !double.IsFinite(result))
        {
            throw new UsageException($"{name}: '{value}' is not a number; it must be {range}, written with a decimal point (such as 0.001 or 1e-3).");
        }

        return accept(result) ? result : throw new UsageException($"{name}: {value} is out of range; it must be {range}.");
    }

    /// <summary>One of <paramref name="choices"/> (compared ignoring case), or null when not given.</summary>
    /// <exception cref="UsageException">The value is none of them.</exception>
    public string? Choice(string name, params string[] choices)
    {
        string? value = Text(name);
        if (value is null)
        {
            return null;
        }

        string? match = choices.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new UsageException($"{name}: '{value}' is not one of {string.Join(", ", choices)}{OptionSuggestions.Suggest(value, choices)}.");
    }

    private static bool IsNumber(string argument) =>
        double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static bool IsInteger(string value)
    {
        string digits = value.StartsWith('-') || value.StartsWith('+') ? value[1..] : value;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }

    private static string Describe(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "no arguments",
        1 => names[0],
        _ => string.Join(" and ", names),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
