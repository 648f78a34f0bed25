// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared so it never clashes with the runtime's type in a project that
// references both assemblies (the generator's tests).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>
/// How inference stores a network's weights W (biases always stay in single precision). Chosen for a generated network
/// with <c>[Network(InferenceWeights = …)]</c>, or at run time with <c>QuantizedNetwork.Create</c>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Int8"/> and <see cref="BFloat16"/> are weight-only formats: inputs and activations stay
/// <see cref="float"/>, each weight is widened to <see cref="float"/> as it is read and multiplied in single precision.
/// They make the weights 4× and 2× smaller, and inference faster where reading the weights bounds it (wide layers).
/// Full 8-bit inference, activations included, is <c>QuantizedNetwork.CreateFullInt8</c>.
/// </para>
/// <para>The numeric values are part of the contract with the source generator; never renumber them.</para>
/// </remarks>
public enum WeightFormat
{
    /// <summary>32-bit floats: the parameters exactly as trained.</summary>
    Float = 0,

    /// <summary>
    /// bfloat16: the upper 16 bits of each float weight, rounded to nearest, ties to even (8 exponent bits as float,
    /// 8 significant bits): a relative error of at most 2⁻⁹ per weight.
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// Symmetric 8-bit integers with one scale per output neuron (row of W): s_j = max_k |W[j, k]| / 127 and
    /// q[j, k] = round(W[j, k] / s_j) in [−127, 127] (ties to even), so W[j, k] ≈ s_j · q[j, k] within s_j / 2.
    /// </summary>
    Int8 = 2,
}
