namespace NetGen.Generator.Emit;

/// <summary>
/// Every type the generated code names, fully qualified once here: generated code must mean the same whatever the
/// user's usings, aliases or type names, so each name is written <c>global::…</c>.
/// </summary>
internal static class TypeNames
{
    public const string Vector128 = "global::System.Runtime.Intrinsics.Vector128";
    public const string Vector128Float = Vector128 + "<float>";
    public const string Vector256 = "global::System.Runtime.Intrinsics.Vector256";
    public const string Vector256Float = Vector256 + "<float>";
    public const string Vector512 = "global::System.Runtime.Intrinsics.Vector512";
    public const string Vector512Float = Vector512 + "<float>";

    /// <summary>System.Numerics.Vector: the hardware-width vectors of the double-precision kernels.</summary>
    public const string Vector = "global::System.Numerics.Vector";

    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string MemoryExtensions = "global::System.MemoryExtensions";
    public const string Span = "global::System.Span";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan";
    public const string Array = "global::System.Array";
    public const string ArrayPool = "global::System.Buffers.ArrayPool";
    public const string BitConverter = "global::System.BitConverter";
    public const string BinaryPrimitives = "global::System.Buffers.Binary.BinaryPrimitives";
    public const string ArgumentException = "global::System.ArgumentException";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";

    public const string MethodImpl = "global::System.Runtime.CompilerServices.MethodImpl";
    public const string MethodImplOptions = "global::System.Runtime.CompilerServices.MethodImplOptions";
    public const string AggressiveInlining = "[" + MethodImpl + "(" + MethodImplOptions + ".AggressiveInlining)]";
    public const string NoInlining = "[" + MethodImpl + "(" + MethodImplOptions + ".NoInlining)]";

    public const string VectorMath = "global::NetGen.Numerics.VectorMath";
    public const string SpanMath = "global::NetGen.Numerics.SpanMath";
    public const string NetworkGuard = "global::NetGen.NetworkGuard";
    public const string NetworkSpec = "global::NetGen.NetworkSpec";
    public const string DenseLayerSpec = "global::NetGen.DenseLayerSpec";
    public const string Activation = "global::NetGen.Activation";
    public const string Loss = "global::NetGen.Loss";
    public const string Precision = "global::NetGen.Precision";
    public const string SeededRandom = "global::NetGen.SeededRandom";
    public const string NetworkWorkspace = "global::NetGen.NetworkWorkspace";
    public const string CurvatureKind = "global::NetGen.CurvatureKind";
    public const string INetwork = "global::NetGen.INetwork";
    public const string ISecondOrderNetwork = "global::NetGen.ISecondOrderNetwork";
    public const string ParameterBuffer = "global::NetGen.ParameterBuffer";
    public const string Standardizer = "global::NetGen.Data.Standardizer";
    public const string MinMaxScaler = "global::NetGen.Data.MinMaxScaler";
    public const string IBatchForward = "global::NetGen.IBatchForward";
    public const string QuantizedKernels = "global::NetGen.Numerics.QuantizedKernels";
    public const string Lock = "global::System.Threading.Lock";
}
