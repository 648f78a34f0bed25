using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NetGen.Generator.Weights;

/// <summary>One tensor of a safetensors header: its dtype name, shape and byte range in the data buffer.</summary>
internal sealed class TensorEntry
{
    public TensorEntry(string name, string dtype, long[] shape, long elementCount, long begin, long end)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        Begin = begin;
        End = end;
    }

    public string Name { get; }

    public string DType { get; }

    public long[] Shape { get; }

    public long ElementCount { get; }

    public long Begin { get; }

    public long End { get; }

    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(long[] shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }
}

/// <summary>
/// A validated safetensors file, held in memory. The checks are those of the runtime's <c>SafeTensorsReader</c>, so a
/// file the generator bakes is one <c>WeightsFile.Load</c> reads: the 8-byte header size is capped and must fit the
/// file, the header is UTF-8 JSON, one object with no duplicate names, tensor entries have exactly dtype, shape and
/// data_offsets, offsets match shape and dtype, and the tensors tile the data buffer with no overlaps and no holes.
/// Parsing never throws on bad input: it returns the problem, so a hostile file is a diagnostic, not a crash.
/// </summary>
internal sealed class SafeTensorsContent
{
    public const long MaxHeaderBytes = 100L << 20;
    public const string MetadataKey = "__metadata__";

    private readonly byte[] _bytes;

    private SafeTensorsContent(byte[] bytes, long dataStart, List<TensorEntry> tensors, Dictionary<string, string> metadata)
    {
        _bytes = bytes;
        DataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public long DataStart { get; }

    public IReadOnlyList<TensorEntry> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The bytes of <paramref name="tensor"/>'s data, exactly as stored.</summary>
    public ReadOnlySpan<byte> DataOf(TensorEntry tensor) =>
        _bytes.AsSpan(checked((int)(DataStart + tensor.Begin)), checked((int)(tensor.End - tensor.Begin)));

    public static int SizeOf(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "F64" or "I64" or "U64" => 8,
        _ => 0,
    };

    public static bool IsFloatingPoint(string dtype) => dtype is "F64" or "F32" or "F16" or "BF16";

    public static SafeTensorsContent? Parse(byte[] bytes, out string problem)
    {
        const int SizeLength = 8;
        if (bytes.Length < SizeLength)
        {
            problem = $"the file has {Int(bytes.Length)} bytes, too few for the 8-byte header size that starts a safetensors file";
            return null;
        }

        ulong headerSize = 0;
        for (int i = SizeLength - 1; i >= 0; i--)
        {
            headerSize = (headerSize << 8) | bytes[i];
        }

        if (headerSize > MaxHeaderBytes)
        {
            problem = $"the header size is {headerSize.ToString(CultureInfo.InvariantCulture)} bytes, more than the limit of {Int(MaxHeaderBytes)}";
            return null;
        }

        long available = bytes.Length - SizeLength;
        if ((long)headerSize > available)
        {
            problem = $"the header size is {headerSize.ToString(CultureInfo.InvariantCulture)} bytes but only {Int(available)} bytes follow the 8-byte size; the file is truncated or not safetensors";
            return null;
        }

        string header;
        try
        {
            header = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, SizeLength, (int)headerSize);
        }
        catch (DecoderFallbackException)
        {
            problem = "the header is not valid UTF-8";
            return null;
        }

        if (header.Length == 0 || header[0] != '{')
        {
            problem = "the header must be a JSON object, starting with '{'";
            return null;
        }

        long dataLength = available - (long)headerSize;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new HeaderReader(header, dataLength).Read(metadata, out problem);
        if (tensors is null || !CheckCoverage(tensors, dataLength, out problem))
        {
            return null;
        }

        return new SafeTensorsContent(bytes, SizeLength + (long)headerSize, tensors, metadata);
    }

    private static bool CheckCoverage(List<TensorEntry> tensors, long dataLength, out string problem)
    {
        var ordered = new List<TensorEntry>(tensors);
        ordered.Sort((a, b) =>
        {
            int byBegin = a.Begin.CompareTo(b.Begin);
            return byBegin != 0 ? byBegin : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name);
        });
        long covered = 0;
        TensorEntry? previous = null;
        foreach (var tensor in ordered)
        {
            if (tensor.Begin < covered)
            {
                problem = $"tensor '{tensor.Name}': data_offsets [{Int(tensor.Begin)}, {Int(tensor.End)}] overlap tensor '{previous!.Name}' at [{Int(previous.Begin)}, {Int(previous.End)}]";
                return false;
            }

            if (tensor.Begin > covered)
            {
                problem = $"tensor '{tensor.Name}': data_offsets [{Int(tensor.Begin)}, {Int(tensor.End)}] leave a hole: buffer bytes [{Int(covered)}, {Int(tensor.Begin)}) belong to no tensor";
                return false;
            }

            covered = tensor.End;
            previous = tensor;
        }

        if (covered != dataLength)
        {
            problem = $"the tensors cover {Int(covered)} bytes of the {Int(dataLength)}-byte data buffer; bytes [{Int(covered)}, {Int(dataLength)}) belong to no tensor";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A reader for exactly the JSON a safetensors header may hold, with no recursion: an object whose members are
    /// tensor entries or the string-to-string <c>__metadata__</c> object, then only whitespace.
    /// </summary>
    private sealed class HeaderReader
    {
        private readonly string _text;
        private readonly long _dataLength;
        private int _position;

        public HeaderReader(string text, long dataLength)
        {
            _text = text;
            _dataLength = dataLength;
        }

        private sealed class FormatProblem : Exception
        {
            public FormatProblem(string message)
                : base(message)
            {
            }
        }

        public List<TensorEntry>? Read(Dictionary<string, string> metadata, out string problem)
        {
            try
            {
                var tensors = ReadRoot(metadata);
                problem = string.Empty;
                return tensors;
            }
            catch (FormatProblem error)
            {
                problem = error.Message;
                return null;
            }
        }

        private List<TensorEntry> ReadRoot(Dictionary<string, string> metadata)
        {
            var tensors = new List<TensorEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            Expect('{');
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    string name = ReadString();
                    if (!names.Add(name))
                    {
                        throw new FormatProblem($"tensor '{name}': the header names this tensor more than once");
                    }

                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    if (name == MetadataKey)
                    {
                        ReadMetadata(metadata);
                    }
                    else
                    {
                        tensors.Add(ReadTensor(name));
                    }

                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            SkipWhitespace();
            if (_position != _text.Length)
            {
                throw Invalid($"unexpected '{_text[_position]}' after the header object");
            }

            return tensors;
        }

        private void ReadMetadata(Dictionary<string, string> metadata)
        {
            if (TryConsumeLiteral("null"))
            {
                return;
            }

            if (Peek() != '{')
            {
                throw new FormatProblem($"{MetadataKey} must be an object of strings, but it is {DescribeNext()}");
            }

            Expect('{');
            SkipWhitespace();
            if (TryConsume('}'))
            {
                return;
            }

            do
            {
                SkipWhitespace();
                string key = ReadString();
                SkipWhitespace();
                Expect(':');
                SkipWhitespace();
                if (Peek() != '"')
                {
                    throw new FormatProblem($"{MetadataKey} entry '{key}' must be a string, but it is {DescribeNext()}");
                }

                string value = ReadString();
                if (metadata.ContainsKey(key))
                {
                    throw new FormatProblem($"{MetadataKey} has the key '{key}' more than once");
                }

                metadata.Add(key, value);
                SkipWhitespace();
            }
            while (TryConsume(','));

            Expect('}');
        }

        private TensorEntry ReadTensor(string name)
        {
            if (Peek() != '{')
            {
                throw Error(name, $"the entry must be an object with dtype, shape and data_offsets, but it is {DescribeNext()}");
            }

            Expect('{');
            string? dtype = null;
            long[]? shape = null;
            long[]? offsets = null;
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    string key = ReadString();
                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    switch (key)
                    {
                        case "dtype" when dtype is null:
                            dtype = Peek() == '"' ? ReadString() : throw Error(name, $"dtype must be a string, but it is {DescribeNext()}");
                            break;
                        case "shape" when shape is null:
                            shape = ReadIntegers(name, "shape");
                            break;
                        case "data_offsets" when offsets is null:
                            offsets = ReadIntegers(name, "data_offsets");
                            break;
                        case "dtype" or "shape" or "data_offsets":
                            throw Error(name, $"the entry has '{key}' more than once");
                        default:
                            throw Error(name, $"unexpected key '{key}'; a tensor entry has only dtype, shape and data_offsets");
                    }

                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            if (dtype is null || shape is null || offsets is null)
            {
                string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
                throw Error(name, $"the entry has no {missing}");
            }

            int size = SizeOf(dtype);
            if (size == 0)
            {
                throw Error(name, $"unknown dtype '{dtype}'");
            }

            if (offsets.Length != 2)
            {
                throw Error(name, $"data_offsets must hold two numbers, [begin, end], but it holds {Int(offsets.Length)}");
            }

            long elements = 1;
            foreach (long dimension in shape)
            {
                if (dimension != 0 && elements > long.MaxValue / dimension)
                {
                    throw Error(name, $"the shape {TensorEntry.FormatShape(shape)} has more elements than a 64-bit count holds");
                }

                elements *= dimension;
            }

            long begin = offsets[0];
            long end = offsets[1];
            if (begin > end)
            {
                throw Error(name, $"data_offsets [{Int(begin)}, {Int(end)}] end before they begin");
            }

            if (end > _dataLength)
            {
                throw Error(name, $"data_offsets [{Int(begin)}, {Int(end)}] reach past the end of the {Int(_dataLength)}-byte data buffer");
            }

            // end − begin ≤ the data length, so an element count beyond it (times the size) can never match.
            if (elements > (end - begin) || elements * size != end - begin)
            {
                throw Error(name, $"shape {TensorEntry.FormatShape(shape)} of {dtype} needs {(elements > long.MaxValue / size ? "more" : Int(elements * size))} bytes, but data_offsets [{Int(begin)}, {Int(end)}] span {Int(end - begin)}");
            }

            return new TensorEntry(name, dtype, shape, elements, begin, end);
        }

        private long[] ReadIntegers(string name, string key)
        {
            if (Peek() != '[')
            {
                throw Error(name, $"{key} must be an array of non-negative integers, but it is {DescribeNext()}");
            }

            Expect('[');
            var values = new List<long>();
            SkipWhitespace();
            if (TryConsume(']'))
            {
                return values.ToArray();
            }

            do
            {
                SkipWhitespace();
                if (!TryReadNonNegativeInteger(out long value))
                {
                    throw Error(name, $"{key} must be an array of non-negative integers, but it holds {DescribeNext()} '{NextTokenText()}'");
                }

                values.Add(value);
                SkipWhitespace();
            }
            while (TryConsume(','));

            Expect(']');
            return values.ToArray();
        }

        // A JSON number token that is an integer in [0, long.MaxValue]; "-0" is zero, as Utf8JsonReader reads it.
        private bool TryReadNonNegativeInteger(out long value)
        {
            value = 0;
            int start = _position;
            int i = start;
            bool negative = i < _text.Length && _text[i] == '-';
            if (negative)
            {
                i++;
            }

            int digitsStart = i;
            while (i < _text.Length && _text[i] >= '0' && _text[i] <= '9')
            {
                i++;
            }

            int digits = i - digitsStart;
            bool fractionOrExponent = i < _text.Length && (_text[i] == '.' || _text[i] == 'e' || _text[i] == 'E');
            if (digits == 0 || fractionOrExponent || (digits > 1 && _text[digitsStart] == '0'))
            {
                return false;
            }

            if (!long.TryParse(_text.Substring(digitsStart, digits), NumberStyles.None, CultureInfo.InvariantCulture, out value)
                || (negative && value != 0))
            {
                return false;
            }

            _position = i;
            return true;
        }

        private string ReadString()
        {
            if (Peek() != '"')
            {
                throw Invalid($"expected a string but found {DescribeNext()}");
            }

            _position++;
            var text = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                {
                    throw Invalid("a string is not terminated");
                }

                char c = _text[_position++];
                if (c == '"')
                {
                    break;
                }

                if (c < ' ')
                {
                    throw Invalid("a string holds an unescaped control character");
                }

                if (c != '\\')
                {
                    text.Append(c);
                    continue;
                }

                if (_position >= _text.Length)
                {
                    throw Invalid("a string is not terminated");
                }

                char escape = _text[_position++];
                switch (escape)
                {
                    case '"': text.Append('"'); break;
                    case '\\': text.Append('\\'); break;
                    case '/': text.Append('/'); break;
                    case 'b': text.Append('\b'); break;
                    case 'f': text.Append('\f'); break;
                    case 'n': text.Append('\n'); break;
                    case 'r': text.Append('\r'); break;
                    case 't': text.Append('\t'); break;
                    case 'u': text.Append(ReadHexCodeUnit()); break;
                    default: throw Invalid($"a string holds the invalid escape '\\{escape}'");
                }
            }

            string result = text.ToString();
            for (int i = 0; i < result.Length; i++)
            {
                // Escaped lone surrogates would make a name that is not Unicode text.
                if (char.IsHighSurrogate(result[i]) ? i + 1 >= result.Length || !char.IsLowSurrogate(result[++i]) : char.IsLowSurrogate(result[i]))
                {
                    throw Invalid("a string holds an unpaired surrogate escape");
                }
            }

            return result;
        }

        private char ReadHexCodeUnit()
        {
            if (_position + 4 > _text.Length
                || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
            {
                throw Invalid("a string holds an invalid \\u escape");
            }

            _position += 4;
            return (char)code;
        }

        private void SkipWhitespace()
        {
            while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        private char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private bool TryConsume(char c)
        {
            if (Peek() == c && _position < _text.Length)
            {
                _position++;
                return true;
            }

            return false;
        }

        private bool TryConsumeLiteral(string literal)
        {
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) == 0)
            {
                _position += literal.Length;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Invalid(_position >= _text.Length ? $"it ends where '{c}' is expected" : $"expected '{c}' but found '{_text[_position]}'");
            }
        }

        // The token's text as Utf8JsonReader's ValueSpan holds it: a number or literal whole, a string without quotes
        // (still escaped), and only the opening bracket of an object or array.
        private string NextTokenText()
        {
            char first = Peek();
            int end = _position;
            if (first == '"')
            {
                end++;
                while (end < _text.Length && _text[end] != '"')
                {
                    end += _text[end] == '\\' ? 2 : 1;
                }

                return _text.Substring(_position + 1, Math.Min(end, _text.Length) - _position - 1);
            }

            if (first is '{' or '[')
            {
                return first.ToString();
            }

            while (end < _text.Length && (char.IsLetterOrDigit(_text[end]) || _text[end] is '-' or '+' or '.'))
            {
                end++;
            }

            return _text.Substring(_position, end - _position);
        }

        private string DescribeNext() => Peek() switch
        {
            '{' => "an object",
            '[' => "an array",
            '"' => "a string",
            't' or 'f' => "a boolean",
            'n' => "null",
            '-' or (>= '0' and <= '9') => "a number",
            _ => _position >= _text.Length ? "the end of the header" : $"'{_text[_position]}'",
        };

        private static FormatProblem Error(string tensor, string problem) => new($"tensor '{tensor}': {problem}");

        private FormatProblem Invalid(string problem) =>
            new($"the header is not valid JSON: {problem} (at character {Int(_position)})");
    }
}
