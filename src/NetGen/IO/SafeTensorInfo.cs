// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

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

    /// <summary>The shape written as <c>[10, 32]</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>A description such as <c>0.weight F32 [32, 64]</c>.</summary>
    public override string ToString() => $"{Name} {SafeTensorDataTypes.ToFormatName(DataType)} {ShapeText}";

    internal static string FormatShape(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
