// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen.IO;
#endif

/// <summary>Why some bytes are not a valid safetensors file: the problem, and the tensor it is about when there is one.</summary>
internal sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException(string problem, string? tensorName = null)
        : base(problem)
    {
        Problem = problem;
        TensorName = tensorName;
    }

    public string Problem { get; }

    public string? TensorName { get; }

    /// <summary>The problem with the tensor named first: <c>tensor '0.weight': …</c>.</summary>
    public string Describe() => TensorName is null ? Problem : $"tensor '{TensorName}': {Problem}";
}

/// <summary>
/// The validated header of a safetensors file: an 8-byte little-endian size N, then N bytes of UTF-8 JSON, one object
/// whose members are tensor entries (<c>{"dtype": …, "shape": […], "data_offsets": [begin, end]}</c>) or the
/// string-to-string <c>__metadata__</c>, then the data buffer. The runtime's <c>SafeTensorsReader</c> and the source
/// generator (for weights baked at build time) both parse headers here, so they accept the same files and give the same
/// reason for rejecting one.
/// </summary>
/// <remarks>
/// The whole header is checked before anything is read: the size against a cap and the file, UTF-8, JSON of exactly this
/// shape (no recursion), no duplicate names or metadata keys (compared after unescaping), no lone surrogate escapes,
/// offsets that match each shape and dtype, and tensors that tile the data buffer with no overlap and no hole. Parsing
/// allocates in proportion to what the header describes and never more than <see cref="MaxAllocationPerHeaderByte"/>
/// bytes per header byte beyond the header itself (the most is a long shape: 8 bytes per number of at least 2 header
/// bytes): names are decoded once, shapes are counted before they are stored, the tensor list and index are sized from
/// a count of the header's members, and metadata stays in the header bytes until a key is asked for.
/// </remarks>
internal sealed class SafeTensorsHeader
{
    /// <summary>The length of the little-endian header size that starts a file.</summary>
    public const int SizeLength = 8;

    /// <summary>The default cap on the header's size: 100 MiB.</summary>
    public const long DefaultMaxHeaderBytes = 100L << 20;

    /// <summary>The header key of the optional string-to-string metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The most a header costs to parse, in bytes allocated per header byte (the header's own copy not counted).</summary>
    public const int MaxAllocationPerHeaderByte = 5;

    private SafeTensorsHeader(List<SafeTensorInfo> tensors, Dictionary<string, SafeTensorInfo> tensorsByName, long dataLength, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        TensorsByName = tensorsByName;
        DataLength = dataLength;
        Metadata = metadata;
    }

    /// <summary>The tensors, in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    public Dictionary<string, SafeTensorInfo> TensorsByName { get; }

    /// <summary>The size of the data buffer after the header, in bytes.</summary>
    public long DataLength { get; }

    /// <summary>The <c>__metadata__</c> entries, decoded from the header's bytes when they are asked for.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads the header size from the first 8 bytes of a file of <paramref name="fileLength"/> bytes and checks it.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is too short, or the size is over the cap or past the end.</exception>
    public static long ReadHeaderSize(byte[] prefix, long fileLength, long maxHeaderBytes)
    {
        if (fileLength < SizeLength)
        {
            throw new SafeTensorsFormatException($"the file has {Int(fileLength)} bytes, too few for the 8-byte header size that starts a safetensors file");
        }

        ulong size = 0;
        for (int i = SizeLength - 1; i >= 0; i--)
        {
            size = (size << 8) | prefix[i];
        }

        if (size > (ulong)maxHeaderBytes)
        {
            throw new SafeTensorsFormatException($"the header size is {size.ToString(CultureInfo.InvariantCulture)} bytes, more than the limit of {Int(maxHeaderBytes)}");
        }

        long available = fileLength - SizeLength;
        if ((long)size > available)
        {
            throw new SafeTensorsFormatException($"the header size is {size.ToString(CultureInfo.InvariantCulture)} bytes but only {Int(available)} bytes follow the 8-byte size; the file is truncated or not safetensors");
        }

        return (long)size;
    }

    /// <summary>Parses and validates the header <c>bytes[start .. start + length)</c> of a file whose data buffer has <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="SafeTensorsFormatException">The header is not valid; the exception says why and, when it can, which tensor.</exception>
    public static SafeTensorsHeader Parse(byte[] bytes, int start, int length, long dataLength)
    {
        int end = start + length;
        if (!IsValidUtf8(bytes, start, end))
        {
            throw new SafeTensorsFormatException("the header is not valid UTF-8");
        }

        if (length == 0 || bytes[start] != (byte)'{')
        {
            throw new SafeTensorsFormatException("the header must be a JSON object, starting with '{'");
        }

        var reader = new HeaderReader(bytes, start, end, dataLength);
        var tensors = reader.ReadRoot(out var byName, out var metadata);
        CheckCoverage(tensors, dataLength);
        return new SafeTensorsHeader(tensors, byName, dataLength, metadata);
    }

    /// <summary>Whether <c>bytes[start .. end)</c> is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.</summary>
    public static bool IsValidUtf8(byte[] bytes, int start, int end)
    {
        int i = start;
        while (i < end)
        {
            byte lead = bytes[i];
            if (lead < 0x80)
            {
                i++;
                continue;
            }

            int continuation;
            byte low = 0x80;
            byte high = 0xBF;
            if (lead is >= 0xC2 and <= 0xDF)
            {
                continuation = 1;
            }
            else if (lead is >= 0xE0 and <= 0xEF)
            {
                continuation = 2;
                (low, high) = lead == 0xE0 ? ((byte)0xA0, (byte)0xBF) : lead == 0xED ? ((byte)0x80, (byte)0x9F) : (low, high);
            }
            else if (lead is >= 0xF0 and <= 0xF4)
            {
                continuation = 3;
                (low, high) = lead == 0xF0 ? ((byte)0x90, (byte)0xBF) : lead == 0xF4 ? ((byte)0x80, (byte)0x8F) : (low, high);
            }
            else
            {
                return false;
            }

            if (end - i <= continuation || bytes[i + 1] < low || bytes[i + 1] > high)
            {
                return false;
            }

            for (int k = 2; k <= continuation; k++)
            {
                if ((bytes[i + k] & 0xC0) != 0x80)
                {
                    return false;
                }
            }

            i += continuation + 1;
        }

        return true;
    }

    // Sorted by offset, each tensor must start exactly where the previous one ended: the format forbids both overlaps
    // (two tensors aliasing bytes) and holes (bytes that belong to nothing, a sign of a damaged or doctored file).
    private static void CheckCoverage(List<SafeTensorInfo> tensors, long dataLength)
    {
        var ordered = tensors.ToArray();
        Array.Sort(ordered, static (a, b) =>
        {
            int byBegin = a.DataBegin.CompareTo(b.DataBegin);
            return byBegin != 0 ? byBegin : a.DataEnd != b.DataEnd ? a.DataEnd.CompareTo(b.DataEnd) : string.CompareOrdinal(a.Name, b.Name);
        });
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (var tensor in ordered)
        {
            if (tensor.DataBegin < covered)
            {
                throw new SafeTensorsFormatException(
                    $"data_offsets [{Int(tensor.DataBegin)}, {Int(tensor.DataEnd)}] overlap tensor '{Shorten(previous!.Name)}' at [{Int(previous.DataBegin)}, {Int(previous.DataEnd)}]", Shorten(tensor.Name));
            }

            if (tensor.DataBegin > covered)
            {
                throw new SafeTensorsFormatException(
                    $"data_offsets [{Int(tensor.DataBegin)}, {Int(tensor.DataEnd)}] leave a hole: buffer bytes [{Int(covered)}, {Int(tensor.DataBegin)}) belong to no tensor", Shorten(tensor.Name));
            }

            covered = tensor.DataEnd;
            previous = tensor;
        }

        if (covered != dataLength)
        {
            throw new SafeTensorsFormatException(
                $"the tensors cover {Int(covered)} bytes of the {Int(dataLength)}-byte data buffer; bytes [{Int(covered)}, {Int(dataLength)}) belong to no tensor");
        }
    }

    /// <summary>
    /// A name or key from a header as messages quote it: whole up to 256 characters, else its first 256 and "…" (a header
    /// may hold a name of megabytes, which must not cost more to report than to read).
    /// </summary>
    public static string Shorten(string text)
    {
        const int Kept = 256;
        if (text.Length <= Kept)
        {
            return text;
        }

        int cut = char.IsHighSurrogate(text[Kept - 1]) ? Kept - 1 : Kept;
        return text.Substring(0, cut) + "…";
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A reader for exactly the JSON a safetensors header may hold, straight from its UTF-8 bytes, with no recursion. Its
    /// positions are byte offsets into the file; messages count them from the start of the header.
    /// </summary>
    private sealed class HeaderReader
    {
        private const int MaxTokenTextLength = 64;

        // The shortest tensor entry, "":{"dtype":"U8","shape":[],"data_offsets":[0,0]}, has 49 bytes.
        private const int MinimumEntryBytes = 49;

        private readonly byte[] _bytes;
        private readonly int _start;
        private readonly int _end;
        private readonly long _dataLength;

        // data_offsets are read into this rather than a new array per tensor.
        private readonly long[] _offsets = new long[2];
        private int _position;

        public HeaderReader(byte[] bytes, int start, int end, long dataLength)
        {
            _bytes = bytes;
            _start = start;
            _end = end;
            _dataLength = dataLength;
            _position = start;
        }

        public List<SafeTensorInfo> ReadRoot(out Dictionary<string, SafeTensorInfo> byName, out IReadOnlyDictionary<string, string> metadata)
        {
            // Sized from a count of the root's members, so that neither grows (growth would allocate about twice over), but
            // never beyond the members the header could hold if it were valid: a header of colons must not buy capacity.
            int members = Math.Min(CountMembers(_start), ((_end - _start) / MinimumEntryBytes) + 1);
            var tensors = new List<SafeTensorInfo>(members);
            byName = new Dictionary<string, SafeTensorInfo>(members, StringComparer.Ordinal);
            metadata = MetadataView.Empty;
            bool metadataSeen = false;
            Expect('{');
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    int keyStart = _position;
                    _position = SkipString(keyStart);
                    bool isMetadata = StringEquals(keyStart, MetadataKey);
                    string name = isMetadata ? MetadataKey : Decode(keyStart);

                    if ((isMetadata && metadataSeen) || (!isMetadata && byName.ContainsKey(name)))
                    {
                        throw new SafeTensorsFormatException("the header names this tensor more than once", Shorten(name));
                    }

                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    if (isMetadata)
                    {
                        metadataSeen = true;
                        metadata = ReadMetadata();
                    }
                    else
                    {
                        var tensor = ReadTensor(name);
                        tensors.Add(tensor);
                        byName.Add(name, tensor);
                    }

                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            SkipWhitespace();
            if (_position != _end)
            {
                throw Invalid($"unexpected {Quote(_position)} after the header object");
            }

            return tensors;
        }

        /// <summary>
        /// The number of members of the object that opens at <paramref name="open"/>: its colons outside strings and
        /// nested brackets. Only a capacity hint (the object is checked as it is read), so it never throws.
        /// </summary>
        public int CountMembers(int open)
        {
            int depth = 0;
            int members = 0;
            for (int p = open; p < _end; p++)
            {
                switch (_bytes[p])
                {
                    case (byte)'"':
                        for (p++; p < _end && _bytes[p] != (byte)'"'; p++)
                        {
                            p += _bytes[p] == (byte)'\\' ? 1 : 0;
                        }

                        break;
                    case (byte)'{' or (byte)'[':
                        depth++;
                        break;
                    case (byte)'}' or (byte)']':
                        if (--depth == 0)
                        {
                            return members;
                        }

                        break;
                    case (byte)':' when depth == 1:
                        members++;
                        break;
                }
            }

            return members;
        }

        private MetadataView ReadMetadata()
        {
            if (TryConsumeLiteral("null"))
            {
                return MetadataView.Empty;
            }

            if (Peek() != '{')
            {
                throw new SafeTensorsFormatException($"{MetadataKey} must be an object of strings, but it is {DescribeNext()}");
            }

            int open = _position;
            Expect('{');
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    int key = _position;
                    _position = SkipString(key);
                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    if (Peek() != '"')
                    {
                        throw new SafeTensorsFormatException($"{MetadataKey} entry '{Shorten(Decode(key))}' must be a string, but it is {DescribeNext()}");
                    }

                    _position = SkipString(_position);
                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            var view = new MetadataView(this, open, CountMembers(open));
            if (view.FindDuplicateKey() is { } duplicate)
            {
                throw new SafeTensorsFormatException($"{MetadataKey} has the key '{Shorten(Decode(duplicate))}' more than once");
            }

            return view;
        }

        private SafeTensorInfo ReadTensor(string name)
        {
            if (Peek() != '{')
            {
                throw Error(name, $"the entry must be an object with dtype, shape and data_offsets, but it is {DescribeNext()}");
            }

            Expect('{');
            SafeTensorDataType? dataType = null;
            long[]? shape = null;
            long[]? offsets = null;
            SkipWhitespace();
            if (!TryConsume('}'))
            {
                do
                {
                    SkipWhitespace();
                    int key = _position;
                    _position = SkipString(key);
                    SkipWhitespace();
                    Expect(':');
                    SkipWhitespace();
                    if (StringEquals(key, "dtype"))
                    {
                        dataType = dataType is null ? ReadDataType(name) : throw Error(name, "the entry has 'dtype' more than once");
                    }
                    else if (StringEquals(key, "shape"))
                    {
                        shape = shape is null ? ReadIntegers(name, "shape", null) : throw Error(name, "the entry has 'shape' more than once");
                    }
                    else if (StringEquals(key, "data_offsets"))
                    {
                        offsets = offsets is null ? ReadIntegers(name, "data_offsets", _offsets) : throw Error(name, "the entry has 'data_offsets' more than once");
                    }
                    else
                    {
                        throw Error(name, $"unexpected key '{Shorten(Decode(key))}'; a tensor entry has only dtype, shape and data_offsets");
                    }

                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect('}');
            }

            if (dataType is not { } type || shape is null || offsets is null)
            {
                string missing = dataType is null ? "dtype" : shape is null ? "shape" : "data_offsets";
                throw Error(name, $"the entry has no {missing}");
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
                    throw Error(name, $"the shape {SafeTensorInfo.FormatShape(shape)} has more elements than a 64-bit count holds");
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
            int size = SafeTensorDataTypes.SizeOf(type);
            if (elements > end - begin || elements * size != end - begin)
            {
                string needed = elements > long.MaxValue / size ? "more" : Int(elements * size);
                throw Error(name, $"shape {SafeTensorInfo.FormatShape(shape)} of {SafeTensorDataTypes.ToFormatName(type)} needs {needed} bytes, but data_offsets [{Int(begin)}, {Int(end)}] span {Int(end - begin)}");
            }

            return new SafeTensorInfo(name, type, shape, elements, begin, end);
        }

        private SafeTensorDataType ReadDataType(string name)
        {
            if (Peek() != '"')
            {
                throw Error(name, $"dtype must be a string, but it is {DescribeNext()}");
            }

            // Matched without decoding: a file of many tensors then costs no string per dtype.
            int token = _position;
            _position = SkipString(token);
            foreach (var candidate in SafeTensorDataTypes.All)
            {
                if (StringEquals(token, SafeTensorDataTypes.ToFormatName(candidate)))
                {
                    return candidate;
                }
            }

            throw Error(name, $"unknown dtype '{Shorten(Decode(token))}'");
        }

        // Counted first and then read into an array of exactly that length (or into reuse, when it has that length), so a
        // long shape costs 8 bytes per number (each at least 2 header bytes) and nothing in growing a list.
        private long[] ReadIntegers(string name, string key, long[]? reuse)
        {
            if (Peek() != '[')
            {
                throw Error(name, $"{key} must be an array of non-negative integers, but it is {DescribeNext()}");
            }

            Expect('[');
            int first = _position;
            int count = 0;
            SkipWhitespace();
            if (!TryConsume(']'))
            {
                do
                {
                    SkipWhitespace();
                    if (!TryReadNonNegativeInteger(out _))
                    {
                        throw Error(name, $"{key} must be an array of non-negative integers, but it holds {DescribeNext()} '{NextTokenText()}'");
                    }

                    count++;
                    SkipWhitespace();
                }
                while (TryConsume(','));

                Expect(']');
            }

            if (count == 0)
            {
                return Array.Empty<long>();
            }

            var values = reuse?.Length == count ? reuse : new long[count];
            int last = _position;
            _position = first;
            for (int i = 0; i < count; i++)
            {
                SkipWhitespace();
                TryReadNonNegativeInteger(out values[i]);
                SkipWhitespace();
                TryConsume(',');
            }

            _position = last;
            return values;
        }

        // A JSON number token that is an integer in [0, long.MaxValue]; "-0" is zero, as Utf8JsonReader reads it.
        private bool TryReadNonNegativeInteger(out long value)
        {
            value = 0;
            int i = _position;
            bool negative = i < _end && _bytes[i] == (byte)'-';
            if (negative)
            {
                i++;
            }

            int digitsStart = i;
            while (i < _end && _bytes[i] >= (byte)'0' && _bytes[i] <= (byte)'9')
            {
                if (value > (long.MaxValue - (_bytes[i] - '0')) / 10)
                {
                    return false;
                }

                value = (value * 10) + (_bytes[i] - '0');
                i++;
            }

            int digits = i - digitsStart;
            bool fractionOrExponent = i < _end && _bytes[i] is (byte)'.' or (byte)'e' or (byte)'E';
            if (digits == 0 || fractionOrExponent || (digits > 1 && _bytes[digitsStart] == (byte)'0') || (negative && value != 0))
            {
                value = 0;
                return false;
            }

            _position = i;
            return true;
        }

        /// <summary>Checks the string token at <paramref name="quote"/> and returns the position after its closing quote.</summary>
        public int SkipString(int quote)
        {
            if (quote >= _end || _bytes[quote] != (byte)'"')
            {
                _position = quote;
                throw Invalid($"expected a string but found {DescribeNext()}");
            }

            int p = quote + 1;
            bool pendingHighSurrogate = false;
            int pendingAt = 0;
            while (true)
            {
                if (p >= _end)
                {
                    throw InvalidAt(p, "a string is not terminated");
                }

                byte b = _bytes[p];
                if (b == (byte)'"')
                {
                    if (pendingHighSurrogate)
                    {
                        throw InvalidAt(pendingAt, "a string holds an unpaired surrogate escape");
                    }

                    return p + 1;
                }

                if (b < 0x20)
                {
                    throw InvalidAt(p, "a string holds an unescaped control character");
                }

                if (b != (byte)'\\')
                {
                    if (pendingHighSurrogate)
                    {
                        throw InvalidAt(pendingAt, "a string holds an unpaired surrogate escape");
                    }

                    p++;
                    continue;
                }

                if (p + 1 >= _end)
                {
                    throw InvalidAt(p + 1, "a string is not terminated");
                }

                byte escape = _bytes[p + 1];
                if (escape != (byte)'u')
                {
                    if (pendingHighSurrogate)
                    {
                        throw InvalidAt(pendingAt, "a string holds an unpaired surrogate escape");
                    }

                    if (escape is not ((byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'))
                    {
                        throw InvalidAt(p, $"a string holds the invalid escape '\\{(char)escape}'");
                    }

                    p += 2;
                    continue;
                }

                int unit = HexUnit(p + 2);
                if (unit < 0)
                {
                    throw InvalidAt(p, "a string holds an invalid \\u escape");
                }

                bool isLow = unit is >= 0xDC00 and <= 0xDFFF;
                if (pendingHighSurrogate != isLow)
                {
                    throw InvalidAt(pendingHighSurrogate ? pendingAt : p, "a string holds an unpaired surrogate escape");
                }

                pendingHighSurrogate = unit is >= 0xD800 and <= 0xDBFF;
                pendingAt = p;
                p += 6;
            }
        }

        /// <summary>The string token at <paramref name="quote"/> (already checked by <see cref="SkipString"/>), decoded.</summary>
        public string Decode(int quote)
        {
            // Without escapes the UTF-8 between the quotes is the text; otherwise count it, then fill an exact buffer.
            int p = quote + 1;
            while (_bytes[p] != (byte)'"' && _bytes[p] != (byte)'\\')
            {
                p++;
            }

            if (_bytes[p] == (byte)'"')
            {
                return p == quote + 1 ? string.Empty : Encoding.UTF8.GetString(_bytes, quote + 1, p - quote - 1);
            }

            int length = 0;
            p = quote + 1;
            for (int codePoint = NextCodePoint(ref p); codePoint >= 0; codePoint = NextCodePoint(ref p))
            {
                length += codePoint > 0xFFFF ? 2 : 1;
            }

            var chars = new char[length];
            int n = 0;
            p = quote + 1;
            for (int codePoint = NextCodePoint(ref p); codePoint >= 0; codePoint = NextCodePoint(ref p))
            {
                if (codePoint > 0xFFFF)
                {
                    chars[n++] = (char)(0xD800 + ((codePoint - 0x10000) >> 10));
                    chars[n++] = (char)(0xDC00 + ((codePoint - 0x10000) & 0x3FF));
                }
                else
                {
                    chars[n++] = (char)codePoint;
                }
            }

            return new string(chars);
        }

        /// <summary>Whether the checked string token at <paramref name="quote"/> decodes to <paramref name="text"/>, without decoding it.</summary>
        public bool StringEquals(int quote, string text)
        {
            if (quote >= _end || _bytes[quote] != (byte)'"')
            {
                return false;
            }

            int p = quote + 1;
            int i = 0;
            while (true)
            {
                int codePoint = NextCodePoint(ref p);
                if (codePoint < 0)
                {
                    return i == text.Length;
                }

                if (i >= text.Length || codePoint != CodePointAt(text, i))
                {
                    return false;
                }

                i += codePoint > 0xFFFF ? 2 : 1;
            }
        }

        // A lone surrogate stands for itself: it then equals nothing a checked header holds.
        private static int CodePointAt(string text, int i) =>
            char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];

        /// <summary>Whether two checked string tokens decode to the same text.</summary>
        public bool StringsEqual(int a, int b)
        {
            int p = a + 1;
            int q = b + 1;
            while (true)
            {
                int x = NextCodePoint(ref p);
                if (x != NextCodePoint(ref q))
                {
                    return false;
                }

                if (x < 0)
                {
                    return true;
                }
            }
        }

        /// <summary>A hash of what the checked string token at <paramref name="quote"/> decodes to.</summary>
        public int StringHash(int quote)
        {
            unchecked
            {
                uint hash = 2166136261;
                int p = quote + 1;
                for (int codePoint = NextCodePoint(ref p); codePoint >= 0; codePoint = NextCodePoint(ref p))
                {
                    hash = (hash ^ (uint)codePoint) * 16777619;
                }

                return (int)hash;
            }
        }

        /// <summary>The position of the value that follows the key at <paramref name="key"/> and its colon.</summary>
        public int ValueAfterKey(int key)
        {
            int p = SkipString(key);
            while (_bytes[p] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)':')
            {
                p++;
            }

            return p;
        }

        // The next code point of a checked string, or −1 at its closing quote (then p is past it).
        private int NextCodePoint(ref int p)
        {
            byte b = _bytes[p];
            if (b == (byte)'"')
            {
                p++;
                return -1;
            }

            if (b == (byte)'\\')
            {
                byte escape = _bytes[p + 1];
                p += 2;
                switch (escape)
                {
                    case (byte)'b': return '\b';
                    case (byte)'f': return '\f';
                    case (byte)'n': return '\n';
                    case (byte)'r': return '\r';
                    case (byte)'t': return '\t';
                    case (byte)'u':
                        int unit = HexUnit(p);
                        p += 4;
                        if (unit is >= 0xD800 and <= 0xDBFF)
                        {
                            int low = HexUnit(p + 2);
                            p += 6;
                            return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        }

                        return unit;
                    default: return escape;
                }
            }

            if (b < 0x80)
            {
                p++;
                return b;
            }

            int continuation = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
            int value = b & (0x3F >> continuation);
            for (int k = 1; k <= continuation; k++)
            {
                value = (value << 6) | (_bytes[p + k] & 0x3F);
            }

            p += continuation + 1;
            return value;
        }

        private int HexUnit(int at)
        {
            if (at + 4 > _end)
            {
                return -1;
            }

            int value = 0;
            for (int i = at; i < at + 4; i++)
            {
                int digit = _bytes[i] switch
                {
                    >= (byte)'0' and <= (byte)'9' => _bytes[i] - '0',
                    >= (byte)'a' and <= (byte)'f' => _bytes[i] - 'a' + 10,
                    >= (byte)'A' and <= (byte)'F' => _bytes[i] - 'A' + 10,
                    _ => -1,
                };
                if (digit < 0)
                {
                    return -1;
                }

                value = (value << 4) | digit;
            }

            return value;
        }

        public byte ByteAt(int p) => _bytes[p];

        public int SkipWhitespaceFrom(int p)
        {
            while (p < _end && _bytes[p] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                p++;
            }

            return p;
        }

        private void SkipWhitespace()
        {
            while (_position < _end && _bytes[_position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                _position++;
            }
        }

        private char Peek() => _position < _end ? (char)_bytes[_position] : '\0';

        private bool TryConsume(char c)
        {
            if (_position < _end && _bytes[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private bool TryConsumeLiteral(string literal)
        {
            if (_end - _position < literal.Length)
            {
                return false;
            }

            for (int i = 0; i < literal.Length; i++)
            {
                if (_bytes[_position + i] != literal[i])
                {
                    return false;
                }
            }

            _position += literal.Length;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Invalid(_position >= _end ? $"it ends where '{c}' is expected" : $"expected '{c}' but found {Quote(_position)}");
            }
        }

        // The token's text as a JSON reader's value would hold it: a number or literal whole, a string without quotes
        // (still escaped), and only the opening bracket of an object or array; cut short if it is long.
        private string NextTokenText()
        {
            int start = _position;
            int end = start;
            char first = Peek();
            if (first == '"')
            {
                start++;
                end = start;
                while (end < _end && _bytes[end] != (byte)'"')
                {
                    end += _bytes[end] == (byte)'\\' ? 2 : 1;
                }
            }
            else if (first is '{' or '[')
            {
                end = start + 1;
            }
            else
            {
                while (end < _end && (_bytes[end] >= 0x80 || char.IsLetterOrDigit((char)_bytes[end]) || _bytes[end] is (byte)'-' or (byte)'+' or (byte)'.'))
                {
                    end++;
                }
            }

            return Excerpt(start, Math.Min(end, _end));
        }

        // The text of bytes[start .. end), whole code points only, at most MaxTokenTextLength bytes of it.
        private string Excerpt(int start, int end)
        {
            int cut = Math.Min(end, start + MaxTokenTextLength);
            while (cut < end && cut > start && (_bytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            return Encoding.UTF8.GetString(_bytes, start, cut - start) + (cut < end ? "…" : string.Empty);
        }

        private string Quote(int at)
        {
            int length = _bytes[at] < 0x80 ? 1 : _bytes[at] >= 0xF0 ? 4 : _bytes[at] >= 0xE0 ? 3 : 2;
            return "'" + Encoding.UTF8.GetString(_bytes, at, length) + "'";
        }

        private string DescribeNext() => Peek() switch
        {
            '{' => "an object",
            '[' => "an array",
            '"' => "a string",
            't' or 'f' => "a boolean",
            'n' => "null",
            '-' or (>= '0' and <= '9') => "a number",
            _ => _position >= _end ? "the end of the header" : Quote(_position),
        };

        private static SafeTensorsFormatException Error(string tensor, string problem) => new(problem, Shorten(tensor));

        private SafeTensorsFormatException Invalid(string problem) => InvalidAt(_position, problem);

        private SafeTensorsFormatException InvalidAt(int at, string problem) =>
            new($"the header is not valid JSON: {problem} (at byte {Int(at - _start)} of the header)");

        /// <summary>The metadata object, kept as its place in the header: a key or value is decoded only when asked for.</summary>
        internal sealed class MetadataView : IReadOnlyDictionary<string, string>
        {
            private readonly HeaderReader? _reader;
            private readonly int _open;
            private Dictionary<string, string>? _decoded;

            public MetadataView(HeaderReader? reader, int open, int count)
            {
                _reader = reader;
                _open = open;
                Count = count;
            }

            public static MetadataView Empty { get; } = new(null, 0, 0);

            public int Count { get; }

            public IEnumerable<string> Keys => Decoded.Keys;

            public IEnumerable<string> Values => Decoded.Values;

            private Dictionary<string, string> Decoded
            {
                get
                {
                    if (_decoded is null)
                    {
                        var decoded = new Dictionary<string, string>(Count, StringComparer.Ordinal);
                        foreach (int key in KeyPositions())
                        {
                            decoded.Add(_reader!.Decode(key), _reader.Decode(_reader.ValueAfterKey(key)));
                        }

                        _decoded = decoded;
                    }

                    return _decoded;
                }
            }

            public string this[string key] => TryGetValue(key, out string? value) ? value : throw new KeyNotFoundException($"The metadata has no key '{key}'.");

            public bool ContainsKey(string key) => TryGetValue(key, out _);

            public bool TryGetValue(string key, out string value)
            {
                if (_decoded is not null)
                {
                    return _decoded.TryGetValue(key, out value!);
                }

                foreach (int at in KeyPositions())
                {
                    if (_reader!.StringEquals(at, key))
                    {
                        value = _reader.Decode(_reader.ValueAfterKey(at));
                        return true;
                    }
                }

                value = null!;
                return false;
            }

            public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Decoded.GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

            // Keys hash by what they decode to, so "\u0066ormat" and "format" are the same key, as they are in JSON.
            // Open addressing over key positions + 1 (0 is an empty slot) at a load of at most 2/3: 6 bytes per key, each
            // at least 7 header bytes ("a":"" and a comma).
            public int? FindDuplicateKey()
            {
                if (Count < 2)
                {
                    return null;
                }

                var slots = new int[Count + (Count / 2) + 1];
                foreach (int key in KeyPositions())
                {
                    int slot = (int)((uint)_reader!.StringHash(key) % (uint)slots.Length);
                    while (slots[slot] != 0)
                    {
                        if (_reader.StringsEqual(slots[slot] - 1, key))
                        {
                            return key;
                        }

                        slot = slot + 1 == slots.Length ? 0 : slot + 1;
                    }

                    slots[slot] = key + 1;
                }

                return null;
            }

            // The positions of the keys' opening quotes, walking the checked object.
            private IEnumerable<int> KeyPositions()
            {
                if (_reader is null)
                {
                    yield break;
                }

                int p = _open + 1;
                for (int i = 0; i < Count; i++)
                {
                    p = _reader.SkipWhitespaceFrom(p);
                    if (_reader.ByteAt(p) == (byte)',')
                    {
                        p = _reader.SkipWhitespaceFrom(p + 1);
                    }

                    yield return p;
                    p = _reader.SkipString(_reader.ValueAfterKey(p));
                }
            }
        }
    }
}
