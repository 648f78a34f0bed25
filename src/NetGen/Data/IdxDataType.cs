namespace NetGen.Data;

/// <summary>The element type of an IDX file, as its third header byte encodes it. Multi-byte types are big-endian.</summary>
/// <remarks>The numeric values are the IDX format's codes; never renumber them.</remarks>
public enum IdxDataType : byte
{
    /// <summary>Unsigned byte (0x08), as in MNIST images and labels.</summary>
    UnsignedByte = 0x08,

    /// <summary>Signed byte (0x09).</summary>
    SignedByte = 0x09,

    /// <summary>Big-endian 16-bit signed integer (0x0B).</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit signed integer (0x0C).</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single precision (0x0D).</summary>
    Single = 0x0D,

    /// <summary>Big-endian IEEE 754 double precision (0x0E).</summary>
    Double = 0x0E,
}
