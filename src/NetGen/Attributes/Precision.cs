// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared so it never clashes with the runtime's type in a project that
// references both assemblies (the generator's tests).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>The floating-point type a generated network computes in.</summary>
/// <remarks>The numeric values are part of the contract with the source generator; never renumber them.</remarks>
public enum Precision
{
    /// <summary>32-bit <see cref="float"/>: the default, twice the SIMD width of double.</summary>
    Single = 0,

    /// <summary>64-bit <see cref="double"/>: for gradient checks and numerically delicate problems.</summary>
    Double = 1,
}
