// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Caps on what an imported ONNX model may declare, far above any MLP's needs. With them, and with every length checked
/// against the bytes that remain, reading a model allocates at most a small multiple of its size (tested by the fuzz
/// tests), whatever counts or sizes a hostile file claims.
/// </summary>
internal static class OnnxImportLimits
{
    /// <summary>The most nodes a graph may have.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>The most initializers a graph may have.</summary>
    public const int MaxInitializers = 100_000;

    /// <summary>The most inputs (initializers included, as older exporters list them) or outputs a graph may declare.</summary>
    public const int MaxGraphValues = 200_000;

    /// <summary>The most inputs or outputs one node may have.</summary>
    public const int MaxNodeValues = 10_000;

    /// <summary>The most attributes one node may have.</summary>
    public const int MaxAttributes = 1_000;

    /// <summary>The highest tensor rank.</summary>
    public const int MaxRank = 64;

    /// <summary>The most opset imports or metadata entries a model may have.</summary>
    public const int MaxModelEntries = 10_000;

    /// <summary>The most elements of one tensor (Int32.MaxValue: a .NET array's length).</summary>
    public const long MaxTensorElements = int.MaxValue;

    /// <summary>The lowest default-domain opset read (opset 9 settled the numpy-style broadcasting the folding relies on).</summary>
    public const int MinOpset = 9;

    /// <summary>The highest default-domain opset read.</summary>
    public const int MaxOpset = 21;
}
