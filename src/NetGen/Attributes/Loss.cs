// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared so it never clashes with the runtime's type in a project that
// references both assemblies (the generator's tests).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>The per-sample cost C_x a network is trained to minimise; training minimises its mean over a mini-batch.</summary>
/// <remarks>The numeric values are part of the contract with the source generator; never renumber them.</remarks>
public enum Loss
{
    /// <summary>The quadratic cost C_x = ½‖y − a‖², summed over the outputs. Fits any trainable output activation.</summary>
    MeanSquaredError = 0,

    /// <summary>Binary cross-entropy C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]. Needs a sigmoid output layer.</summary>
    BinaryCrossEntropy = 1,

    /// <summary>Log-likelihood of a softmax output, C_x = −Σ_j y_j ln a_j. Needs a softmax output layer.</summary>
    SoftmaxCrossEntropy = 2,
}
