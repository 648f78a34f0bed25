// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared, so a weights file's scaler entry is accepted at build time (baked
// weights) exactly when WeightsFile.Load accepts it, with the same message otherwise, and read to the same values. The
// part under !NETGEN_GENERATOR (writing an entry, and making the runtime's scaler from one) is the runtime's alone.
using System;
using System.Globalization;
using System.Numerics;
using System.Text;
#if !NETGEN_GENERATOR
using System.Buffers;
using System.Text.Json;
using NetGen.Data;
#endif

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen.IO;
#endif

/// <summary>The floating-point type a network reads values into: its name for messages, and the rounding of a double to it.</summary>
internal sealed class ScalarType
{
    public ScalarType(string name, Func<double, double> round)
    {
        Name = name;
        Round = round;
    }

    /// <summary>The type's .NET name, as messages say it: <c>Single</c>, <c>Double</c>, <c>Half</c>.</summary>
    public string Name { get; }

    /// <summary>A double converted to the type (rounding to nearest, infinity beyond its range) and widened back, exactly.</summary>
    public Func<double, double> Round { get; }

    public static ScalarType Single { get; } = new("Single", static value => (float)value);

    public static ScalarType Double { get; } = new("Double", static value => value);
}

/// <summary>
/// A checked <c>netgen.scaler</c> entry: which scaler, and its two arrays, one value per network input, each already
/// converted to the network's type (and held widened to double, exactly).
/// </summary>
internal sealed class ScalerEntry
{
    public ScalerEntry(bool isStandardizer, double[] first, double[] second)
    {
        IsStandardizer = isStandardizer;
        First = first;
        Second = second;
    }

    /// <summary>A standardizer (mean, std) rather than a min-max scaler (min, max).</summary>
    public bool IsStandardizer { get; }

    /// <summary>The means of a standardizer, the minimums of a min-max scaler.</summary>
    public double[] First { get; }

    /// <summary>The standard deviations of a standardizer, the maximums of a min-max scaler.</summary>
    public double[] Second { get; }
}

/// <summary>
/// Writes and reads a fitted feature scaler as the <c>netgen.scaler</c> entry of a safetensors header: one JSON object,
/// <c>{"kind":"standardizer","mean":[…],"std":[…]}</c> or <c>{"kind":"min-max","min":[…],"max":[…]}</c>, one number per
/// input feature, each the exact value as the shortest text that reads back to the same double.
/// </summary>
/// <remarks>
/// Reading is a strict JSON parser of exactly this shape (RFC 8259 syntax: no comments, no trailing commas, one value),
/// which never throws on bad input but returns the problem, and turns each number's text into the nearest double by exact
/// integer arithmetic, so the runtime and the generator, whatever host runs it, read the same bits. It allocates the
/// arrays of the network's input size and, per number, at most a few kilobytes however long its text: a hostile entry
/// costs no more than a valid one.
/// </remarks>
internal static class ScalerMetadata
{
    /// <summary>The metadata key of the entry.</summary>
    public const string Key = "netgen.scaler";

    public const string StandardizerKind = "standardizer";
    public const string MinMaxKind = "min-max";

    /// <summary>
    /// Parses and checks the entry for a network of <paramref name="featureCount"/> inputs of type <paramref name="type"/>:
    /// valid JSON, a known kind with exactly its two arrays, one number per input, each finite in the type, standard
    /// deviations positive, every minimum at most its maximum with a range finite in double.
    /// </summary>
    /// <returns>The entry, or null with the problem (starting <c>metadata 'netgen.scaler'</c>).</returns>
    public static ScalerEntry? Parse(string text, int featureCount, ScalarType type, out string problem)
    {
        try
        {
            var entry = new EntryParser(text, featureCount, type).Parse();
            problem = string.Empty;
            return entry;
        }
        catch (EntryException error)
        {
            problem = error.Message;
            return null;
        }
    }

#if !NETGEN_GENERATOR
    /// <summary>The precision of <typeparamref name="T"/>, for <see cref="Parse"/>.</summary>
    public static ScalarType TypeOf<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(typeof(T).Name, static value => double.CreateTruncating(T.CreateTruncating(value)));

    /// <summary>The runtime scaler a checked entry (read with <see cref="TypeOf{T}"/>) describes, with exactly its values.</summary>
    public static IFeatureScaler<T> Create<T>(ScalerEntry entry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] first = ToType<T>(entry.First);
        T[] second = ToType<T>(entry.Second);
        return entry.IsStandardizer ? Standardizer<T>.FromStatistics(first, second) : MinMaxScaler<T>.FromRange(first, second);

        static TValue[] ToType<TValue>(double[] values)
            where TValue : unmanaged, IFloatingPointIeee754<TValue>
        {
            var result = new TValue[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[i] = TValue.CreateTruncating(values[i]);
            }

            return result;
        }
    }

    public static string Write<T>(IFeatureScaler<T> scaler)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (scaler)
            {
                case Standardizer<T> standardizer:
                    json.WriteString("kind", StandardizerKind);
                    WriteArray(json, "mean", standardizer.Means);
                    WriteArray(json, "std", standardizer.StandardDeviations);
                    break;
                case MinMaxScaler<T> minMax:
                    json.WriteString("kind", MinMaxKind);
                    WriteArray(json, "min", minMax.Minimums);
                    WriteArray(json, "max", minMax.Maximums);
                    break;
                default:
                    throw new ArgumentException(
                        $"A {scaler.GetType().Name} cannot be stored in a weights file; Standardizer<T> and MinMaxScaler<T> can.", nameof(scaler));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteArray<T>(Utf8JsonWriter json, string name, ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        json.WriteStartArray(name);
        foreach (T value in values)
        {
            // Widening to double is exact for float and Half, and Utf8JsonWriter writes the shortest round-trip form.
            json.WriteNumberValue(double.CreateChecked(value));
        }

        json.WriteEndArray();
    }
#endif

    private static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 40 ? text : text.Substring(0, char.IsHighSurrogate(text[39]) ? 39 : 40) + "…";

    private sealed class EntryException(string message) : Exception(message);

    /// <summary>One pass over the entry's text, with no recursion: positions are character offsets into it.</summary>
    private sealed class EntryParser(string text, int featureCount, ScalarType type)
    {
        private static readonly string[] ArrayKeys = ["mean", "std", "min", "max"];

        // Per array key (in ArrayKeys order): the values as read, and rounded to the network's type.
        private readonly double[]?[] _read = new double[]?[ArrayKeys.Length];
        private readonly double[]?[] _rounded = new double[]?[ArrayKeys.Length];
        private int _position;

        public ScalerEntry Parse()
        {
            SkipWhitespace();
            if (Peek() != '{')
            {
                string? value = DescribeValueAhead();
                throw value is null ? Invalid($"expected '{{' but found {DescribeNext()}") : Problem($"it must be a JSON object, but it is {value}");
            }

            _position++;
            string? kind = null;
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    if (Peek() != '"')
                    {
                        throw Invalid($"expected a key in quotes but found {DescribeNext()}");
                    }

                    string key = ReadString();
                    int slot = Array.IndexOf(ArrayKeys, key);
                    if (key == "kind" ? kind is not null : slot >= 0 && _read[slot] is not null)
                    {
                        throw Problem($"it has the key '{key}' more than once");
                    }

                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    if (key == "kind")
                    {
                        kind = Peek() == '"' ? ReadString() : throw Problem("'kind' must be a string");
                    }
                    else if (slot >= 0)
                    {
                        ReadNumbers(slot);
                    }
                    else
                    {
                        throw Problem($"unexpected key '{Shorten(key)}'; a scaler has 'kind' and two arrays");
                    }

                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            SkipWhitespace();
            if (_position < text.Length)
            {
                throw Problem("text follows the object");
            }

            (int first, int second) = kind switch
            {
                StandardizerKind => (0, 1),
                MinMaxKind => (2, 3),
                null => throw Problem("it has no 'kind'"),
                _ => throw Problem($"unknown kind '{Shorten(kind)}'; '{StandardizerKind}' and '{MinMaxKind}' are known"),
            };
            int arrays = 0;
            foreach (var values in _read)
            {
                arrays += values is null ? 0 : 1;
            }

            if (_read[first] is null || _read[second] is null || arrays != 2)
            {
                throw Problem($"a '{kind}' scaler has exactly the arrays '{ArrayKeys[first]}' and '{ArrayKeys[second]}'");
            }

            double[] a = _rounded[first]!;
            double[] b = _rounded[second]!;
            for (int j = 0; j < featureCount; j++)
            {
                if (kind == StandardizerKind && !(b[j] > 0))
                {
                    string asType = b[j] != _read[second]![j] ? $", which is {Real(b[j])} as a {type.Name}" : string.Empty;
                    throw Problem($"the standard deviation of feature {Int(j)} is {Real(_read[second]![j])}{asType}; it must be positive");
                }

                if (kind == MinMaxKind && b[j] < a[j])
                {
                    throw Problem($"feature {Int(j)} has minimum {Real(a[j])} and maximum {Real(b[j])}; the maximum must be at least the minimum");
                }

                if (kind == MinMaxKind && double.IsInfinity(b[j] - a[j]))
                {
                    throw Problem($"feature {Int(j)}'s range from {Real(a[j])} to {Real(b[j])} is too wide for a double");
                }
            }

            return new ScalerEntry(kind == StandardizerKind, a, b);
        }

        // Reads one array into the slot, refusing to read past the network's input count, so a hostile entry costs no more.
        private void ReadNumbers(int slot)
        {
            string where = $"metadata '{Key}', array '{ArrayKeys[slot]}'";
            if (Peek() != '[')
            {
                throw new EntryException($"{where} must be an array of numbers");
            }

            _position++;
            var read = new double[featureCount];
            var rounded = new double[featureCount];
            int count = 0;
            SkipWhitespace();
            if (!TryConsume(']'))
            {
                do
                {
                    SkipWhitespace();
                    char c = Peek();
                    if (c != '-' && (c < '0' || c > '9'))
                    {
                        if (_position >= text.Length)
                        {
                            throw Invalid("it ends inside an array");
                        }

                        throw new EntryException($"{where}: element {Int(count)} is not a number");
                    }

                    int start = _position;
                    double value = ReadNumber();
                    if (count == featureCount)
                    {
                        throw new EntryException($"{where} has more than {Int(featureCount)} numbers, but the network has {Int(featureCount)} inputs");
                    }

                    double converted = type.Round(value);
                    if (double.IsInfinity(value) || double.IsInfinity(converted) || double.IsNaN(converted))
                    {
                        throw new EntryException($"{where}: element {Int(count)} is {Shorten(text.Substring(start, _position - start))}, not a finite {type.Name}");
                    }

                    read[count] = value;
                    rounded[count] = converted;
                    count++;
                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect(']');
            }

            if (count != featureCount)
            {
                throw new EntryException($"{where} has {Int(count)} numbers, but the network has {Int(featureCount)} inputs");
            }

            _read[slot] = read;
            _rounded[slot] = rounded;
        }

        // A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, converted to the nearest double.
        private double ReadNumber()
        {
            bool negative = TryConsume('-');
            int integerStart = _position;
            if (!IsDigit(Peek()))
            {
                throw Invalid($"expected a digit after '-' but found {DescribeNext()}");
            }

            if (text[_position] == '0')
            {
                _position++;
                if (IsDigit(Peek()))
                {
                    throw Invalid("a number may not start with the digit 0 followed by more digits");
                }
            }
            else
            {
                SkipDigits();
            }

            int integerEnd = _position;
            int fractionStart = _position;
            int fractionEnd = _position;
            if (TryConsume('.'))
            {
                fractionStart = _position;
                if (!IsDigit(Peek()))
                {
                    throw Invalid($"expected a digit after '.' but found {DescribeNext()}");
                }

                SkipDigits();
                fractionEnd = _position;
            }

            long exponent = 0;
            if (Peek() is 'e' or 'E')
            {
                _position++;
                bool negativeExponent = Peek() == '-';
                if (Peek() is '-' or '+')
                {
                    _position++;
                }

                if (!IsDigit(Peek()))
                {
                    throw Invalid($"expected a digit in the exponent but found {DescribeNext()}");
                }

                while (IsDigit(Peek()))
                {
                    // Saturates far beyond any exponent that could matter: 10^±(10^12) is infinity or zero in any case.
                    exponent = Math.Min((exponent * 10) + (text[_position] - '0'), 1_000_000_000_000L);
                    _position++;
                }

                exponent = negativeExponent ? -exponent : exponent;
            }

            return ExactDecimal.ToDouble(negative, text, integerStart, integerEnd, fractionStart, fractionEnd, exponent);
        }

        private string ReadString()
        {
            int open = _position;
            _position++;
            var value = new StringBuilder();
            while (true)
            {
                if (_position >= text.Length)
                {
                    throw InvalidAt(open, "a string is not closed");
                }

                char c = text[_position];
                if (c == '"')
                {
                    _position++;
                    return value.ToString();
                }

                if (c < ' ')
                {
                    throw Invalid("a control character must be escaped in a string");
                }

                if (c != '\\')
                {
                    value.Append(c);
                    _position++;
                    continue;
                }

                _position++;
                char escape = Peek();
                _position++;
                switch (escape)
                {
                    case '"' or '\\' or '/':
                        value.Append(escape);
                        break;
                    case 'b':
                        value.Append('\b');
                        break;
                    case 'f':
                        value.Append('\f');
                        break;
                    case 'n':
                        value.Append('\n');
                        break;
                    case 'r':
                        value.Append('\r');
                        break;
                    case 't':
                        value.Append('\t');
                        break;
                    case 'u':
                        char unit = ReadHex4();
                        if (char.IsHighSurrogate(unit) && Peek() == '\\' && _position + 1 < text.Length && text[_position + 1] == 'u')
                        {
                            _position += 2;
                            char low = ReadHex4();
                            if (!char.IsLowSurrogate(low))
                            {
                                throw InvalidAt(_position - 12, "a \\u escape is half of a surrogate pair");
                            }

                            value.Append(unit).Append(low);
                        }
                        else if (char.IsSurrogate(unit))
                        {
                            throw InvalidAt(_position - 6, "a \\u escape is half of a surrogate pair");
                        }
                        else
                        {
                            value.Append(unit);
                        }

                        break;
                    default:
                        throw InvalidAt(_position - 2, "a backslash in a string must start one of the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
            }
        }

        private char ReadHex4()
        {
            int unit = 0;
            for (int i = 0; i < 4; i++)
            {
                char c = Peek();
                int digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0)
                {
                    throw Invalid($"a \\u escape needs four hexadecimal digits but found {DescribeNext()}");
                }

                unit = (unit << 4) | digit;
                _position++;
            }

            return (char)unit;
        }

        private void SkipDigits()
        {
            while (IsDigit(Peek()))
            {
                _position++;
            }
        }

        private static bool IsDigit(char c) => c is >= '0' and <= '9';

        private void SkipWhitespace()
        {
            while (Peek() is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        private char Peek() => _position < text.Length ? text[_position] : '\0';

        private bool TryConsume(char c)
        {
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Invalid($"expected '{c}' but found {DescribeNext()}");
            }
        }

        // What a JSON value starting here is, if it is one other than an object; null when the text is not JSON here.
        private string? DescribeValueAhead() => Peek() switch
        {
            '[' => "an array",
            '"' => "a string",
            '-' or (>= '0' and <= '9') => "a number",
            't' when Ahead("true") => "a boolean",
            'f' when Ahead("false") => "a boolean",
            'n' when Ahead("null") => "null",
            _ => null,
        };

        private bool Ahead(string literal) => string.CompareOrdinal(text, _position, literal, 0, literal.Length) == 0;

        private string DescribeNext() =>
            _position >= text.Length ? "the end of the entry"
            : char.IsHighSurrogate(text[_position]) && _position + 1 < text.Length ? "'" + text.Substring(_position, 2) + "'"
            : text[_position] < ' ' ? "the control character U+" + ((int)text[_position]).ToString("X4", CultureInfo.InvariantCulture)
            : "'" + text[_position] + "'";

        private static EntryException Problem(string problem) => new($"metadata '{Key}': {problem}");

        private EntryException Invalid(string problem) => InvalidAt(_position, problem);

        private static EntryException InvalidAt(int at, string problem) => new($"metadata '{Key}' is not valid JSON: {problem} (at character {Int(at)})");
    }
}

/// <summary>
/// The double nearest a decimal number (ties to even), by exact integer arithmetic: the same bits on every host, which
/// <c>double.Parse</c> on .NET Framework (where Visual Studio may run the generator) does not promise.
/// </summary>
internal static class ExactDecimal
{
    // Enough significant digits to decide any rounding: each halfway point between two doubles has at most 767, so the
    // digits beyond these only say whether the number lies above the point the kept ones reach, which one more 1 keeps.
    private const int MaxSignificantDigits = 780;

    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private static readonly BigInteger TwoTo52 = BigInteger.One << 52;
    private static readonly BigInteger TwoTo53 = BigInteger.One << 53;

    /// <summary>
    /// The number whose integer digits are <c>text[integerStart .. integerEnd)</c>, fraction digits
    /// <c>text[fractionStart .. fractionEnd)</c> and decimal exponent <paramref name="exponent"/>; ±infinity beyond the
    /// range of double, ±0 below half its smallest subnormal.
    /// </summary>
    public static double ToDouble(bool negative, string text, int integerStart, int integerEnd, int fractionStart, int fractionEnd, long exponent)
    {
        // value = digits × 10^scale, digits without leading or trailing zeros.
        var digits = new StringBuilder();
        long scale = exponent - (fractionEnd - fractionStart);
        bool truncated = false;
        for (int i = integerStart; i < fractionEnd; i++)
        {
            if (i == integerEnd)
            {
                i = fractionStart - 1;
                continue;
            }

            char c = text[i];
            if (digits.Length == 0 && c == '0')
            {
                continue;
            }

            if (digits.Length == MaxSignificantDigits)
            {
                truncated |= c != '0';
                scale++;
                continue;
            }

            digits.Append(c);
        }

        if (truncated)
        {
            digits.Append('1');
            scale--;
        }

        while (digits.Length > 0 && digits[digits.Length - 1] == '0')
        {
            digits.Length--;
            scale++;
        }

        double magnitude = Magnitude(digits.ToString(), scale);
        return negative ? -magnitude : magnitude;
    }

    private static double Magnitude(string digits, long scale)
    {
        if (digits.Length == 0)
        {
            return 0;
        }

        // The number lies in [10^(decade − 1), 10^decade).
        long decade = digits.Length + scale;
        if (decade > 309)
        {
            return double.PositiveInfinity;
        }

        if (decade <= -324)
        {
            return 0;
        }

        if (digits.Length <= 15 && scale >= -22 && scale <= 22)
        {
            // Both factors are exact doubles, so the one rounding of the product or quotient is the correct one.
            double exact = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            return scale >= 0 ? exact * PowersOfTen[scale] : exact / PowersOfTen[-scale];
        }

        var numerator = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        var denominator = BigInteger.One;
        if (scale >= 0)
        {
            numerator *= BigInteger.Pow(10, (int)scale);
        }
        else
        {
            denominator = BigInteger.Pow(10, (int)-scale);
        }

        // Find k with 2^52 <= numerator / (denominator · 2^k) < 2^53 (k = −1074 at least: subnormals have fewer bits).
        int k = BitLength(numerator) - BitLength(denominator) - 53;
        BigInteger quotient;
        BigInteger remainder;
        BigInteger divisor;
        while (true)
        {
            k = Math.Max(k, -1074);
            divisor = k >= 0 ? denominator << k : denominator;
            quotient = BigInteger.DivRem(k >= 0 ? numerator : numerator << -k, divisor, out remainder);
            if (quotient >= TwoTo53)
            {
                k++;
            }
            else if (quotient < TwoTo52 && k > -1074)
            {
                k--;
            }
            else
            {
                break;
            }
        }

        int half = (remainder << 1).CompareTo(divisor);
        if (half > 0 || (half == 0 && !quotient.IsEven))
        {
            quotient += 1;
            if (quotient == TwoTo53)
            {
                quotient = TwoTo52;
                k++;
            }
        }

        if (k > 971)
        {
            return double.PositiveInfinity;
        }

        long mantissa = (long)quotient;
        long bits = mantissa >= 1L << 52 ? ((long)(k + 1075) << 52) | (mantissa - (1L << 52)) : mantissa;
        return BitConverter.Int64BitsToDouble(bits);
    }

    private static int BitLength(BigInteger value)
    {
        byte[] bytes = value.ToByteArray();
        int top = bytes.Length - 1;
        while (top > 0 && bytes[top] == 0)
        {
            top--;
        }

        int bits = 8 * top;
        for (int b = bytes[top]; b != 0; b >>= 1)
        {
            bits++;
        }

        return bits;
    }
}
