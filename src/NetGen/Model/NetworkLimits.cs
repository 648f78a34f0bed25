// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared so it never clashes with the runtime's type in a project that
// references both assemblies (the generator's tests).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>
/// The largest networks NetGen accepts. The source generator reports a diagnostic for a declaration beyond these and
/// <see cref="NetworkSpec"/> rejects them at run time: past them, unrolled fixed-size code stops being sensible and
/// flat parameter offsets would no longer fit an <see cref="int"/>.
/// </summary>
public static class NetworkLimits
{
    /// <summary>The widest layer (input or dense), in units.</summary>
    public const int MaxLayerSize = 1 << 20;

    /// <summary>The most dense layers a network may have.</summary>
    public const int MaxDenseLayers = 256;

    /// <summary>The most trainable parameters (weights and biases) a network may have.</summary>
    public const long MaxParameterCount = 100_000_000;
}
