// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen.IO;
#endif

/// <summary>One tensor's entry in a safetensors header: its name, element type, shape and where its bytes are.</summary>
public sealed class SafeTensorInfo
{
    private readonly long[] _shape;

    internal SafeTensorInfo(string name, SafeTensorDataType dataType, long[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DataType = dataType;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's name, such as <c>0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafeTensorDataType DataType { get; }

    /// <summary>The dimensions, outermost first (C order); empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements: the product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>Where the tensor's bytes start, relative to the start of the data buffer after the header.</summary>
    public long DataBegin { get; }

    /// <summary>Where the tensor's bytes end (exclusive), relative to the start of the data buffer.</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes: <c>DataEnd − DataBegin</c>, which equals ElementCount × the element size.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape written as <c>[10, 32]</c>; past 16 dimensions, the first 16 and the count.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>A description such as <c>0.weight F32 [32, 64]</c>.</summary>
    public override string ToString() => $"{Name} {SafeTensorDataTypes.ToFormatName(DataType)} {ShapeText}";

    /// <summary>
    /// <c>[10, 32]</c>, or for a shape of more than 16 dimensions <c>[2, 2, …, 2, … (600000 dimensions)]</c>: messages
    /// quote shapes from untrusted headers, and a hostile one must not cost more to describe than to reject.
    /// </summary>
    internal static string FormatShape(IReadOnlyList<long> shape)
    {
        const int Shown = 16;
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Count && i < Shown; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        if (shape.Count > Shown)
        {
            text.Append(", … (").Append(shape.Count.ToString(CultureInfo.InvariantCulture)).Append(" dimensions)");
        }

        return text.Append(']').ToString();
    }
}
