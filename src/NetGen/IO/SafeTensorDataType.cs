// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System.Diagnostics.CodeAnalysis;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen.IO;
#endif

/// <summary>
/// The element types of the safetensors format, each stored little-endian. The format writes them as the strings in
/// the member docs (<c>"F32"</c>, <c>"BF16"</c>, …).
/// </summary>
public enum SafeTensorDataType
{
    /// <summary><c>"BOOL"</c>: one byte, 0 or 1.</summary>
    Bool,

    /// <summary><c>"U8"</c>: unsigned 8-bit integer.</summary>
    UInt8,

    /// <summary><c>"I8"</c>: signed 8-bit integer.</summary>
    Int8,

    /// <summary><c>"F8_E5M2"</c>: 8-bit float, 5 exponent and 2 mantissa bits.</summary>
    Float8E5M2,

    /// <summary><c>"F8_E4M3"</c>: 8-bit float, 4 exponent and 3 mantissa bits.</summary>
    Float8E4M3,

    /// <summary><c>"I16"</c>: signed 16-bit integer.</summary>
    Int16,

    /// <summary><c>"U16"</c>: unsigned 16-bit integer.</summary>
    UInt16,

    /// <summary><c>"F16"</c>: IEEE 754 half precision.</summary>
    Float16,

    /// <summary><c>"BF16"</c>: bfloat16, the upper half of an IEEE 754 single.</summary>
    BFloat16,

    /// <summary><c>"I32"</c>: signed 32-bit integer.</summary>
    Int32,

    /// <summary><c>"U32"</c>: unsigned 32-bit integer.</summary>
    UInt32,

    /// <summary><c>"F32"</c>: IEEE 754 single precision.</summary>
    Float32,

    /// <summary><c>"F64"</c>: IEEE 754 double precision.</summary>
    Float64,

    /// <summary><c>"I64"</c>: signed 64-bit integer.</summary>
    Int64,

    /// <summary><c>"U64"</c>: unsigned 64-bit integer.</summary>
    UInt64,
}

/// <summary>The format's names and the sizes of <see cref="SafeTensorDataType"/> values.</summary>
public static class SafeTensorDataTypes
{
    /// <summary>The size of one element in bytes.</summary>
    /// <param name="dataType">The element type.</param>
    public static int SizeOf(SafeTensorDataType dataType) => dataType switch
    {
        SafeTensorDataType.Bool or SafeTensorDataType.UInt8 or SafeTensorDataType.Int8
            or SafeTensorDataType.Float8E5M2 or SafeTensorDataType.Float8E4M3 => 1,
        SafeTensorDataType.Int16 or SafeTensorDataType.UInt16 or SafeTensorDataType.Float16 or SafeTensorDataType.BFloat16 => 2,
        SafeTensorDataType.Int32 or SafeTensorDataType.UInt32 or SafeTensorDataType.Float32 => 4,
        SafeTensorDataType.Float64 or SafeTensorDataType.Int64 or SafeTensorDataType.UInt64 => 8,
        _ => throw new System.ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown safetensors data type."),
    };

    /// <summary>The name the format's header uses, such as <c>"F32"</c>.</summary>
    /// <param name="dataType">The element type.</param>
    public static string ToFormatName(SafeTensorDataType dataType) => dataType switch
    {
        SafeTensorDataType.Bool => "BOOL",
        SafeTensorDataType.UInt8 => "U8",
        SafeTensorDataType.Int8 => "I8",
        SafeTensorDataType.Float8E5M2 => "F8_E5M2",
        SafeTensorDataType.Float8E4M3 => "F8_E4M3",
        SafeTensorDataType.Int16 => "I16",
        SafeTensorDataType.UInt16 => "U16",
        SafeTensorDataType.Float16 => "F16",
        SafeTensorDataType.BFloat16 => "BF16",
        SafeTensorDataType.Int32 => "I32",
        SafeTensorDataType.UInt32 => "U32",
        SafeTensorDataType.Float32 => "F32",
        SafeTensorDataType.Float64 => "F64",
        SafeTensorDataType.Int64 => "I64",
        SafeTensorDataType.UInt64 => "U64",
        _ => throw new System.ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown safetensors data type."),
    };

    /// <summary>Parses a header's dtype name, exactly and case-sensitively as the format writes it.</summary>
    /// <param name="name">The name, such as <c>"F32"</c>.</param>
    /// <param name="dataType">The element type, when the name is known.</param>
    /// <returns>Whether the name is one of the format's types.</returns>
    public static bool TryParse([NotNullWhen(true)] string? name, out SafeTensorDataType dataType)
    {
        // An explicit table, not Enum.TryParse, which would also accept "11" or "float32".
        (bool known, dataType) = name switch
        {
            "BOOL" => (true, SafeTensorDataType.Bool),
            "U8" => (true, SafeTensorDataType.UInt8),
            "I8" => (true, SafeTensorDataType.Int8),
            "F8_E5M2" => (true, SafeTensorDataType.Float8E5M2),
            "F8_E4M3" => (true, SafeTensorDataType.Float8E4M3),
            "I16" => (true, SafeTensorDataType.Int16),
            "U16" => (true, SafeTensorDataType.UInt16),
            "F16" => (true, SafeTensorDataType.Float16),
            "BF16" => (true, SafeTensorDataType.BFloat16),
            "I32" => (true, SafeTensorDataType.Int32),
            "U32" => (true, SafeTensorDataType.UInt32),
            "F32" => (true, SafeTensorDataType.Float32),
            "F64" => (true, SafeTensorDataType.Float64),
            "I64" => (true, SafeTensorDataType.Int64),
            "U64" => (true, SafeTensorDataType.UInt64),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>Every data type, in the order of the enum.</summary>
    internal static SafeTensorDataType[] All { get; } =
    [
        SafeTensorDataType.Bool, SafeTensorDataType.UInt8, SafeTensorDataType.Int8, SafeTensorDataType.Float8E5M2, SafeTensorDataType.Float8E4M3,
        SafeTensorDataType.Int16, SafeTensorDataType.UInt16, SafeTensorDataType.Float16, SafeTensorDataType.BFloat16, SafeTensorDataType.Int32,
        SafeTensorDataType.UInt32, SafeTensorDataType.Float32, SafeTensorDataType.Float64, SafeTensorDataType.Int64, SafeTensorDataType.UInt64,
    ];

    /// <summary>Whether the type is one NetGen reads as weights: F64, F32, F16 or BF16.</summary>
    /// <param name="dataType">The element type.</param>
    public static bool IsReadableAsFloatingPoint(SafeTensorDataType dataType) =>
        dataType is SafeTensorDataType.Float64 or SafeTensorDataType.Float32 or SafeTensorDataType.Float16 or SafeTensorDataType.BFloat16;
}
