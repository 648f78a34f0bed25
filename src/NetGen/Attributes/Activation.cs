// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared so it never clashes with the runtime's type in a project that
// references both assemblies (the generator's tests).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>The non-linearity σ a dense layer applies to its weighted input z = W·a + b.</summary>
/// <remarks>The numeric values are part of the contract with the source generator; never renumber them.</remarks>
public enum Activation
{
    /// <summary>σ(z) = z.</summary>
    Identity = 0,

    /// <summary>The logistic function σ(z) = 1 / (1 + e^(−z)).</summary>
    Sigmoid = 1,

    /// <summary>σ(z) = tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).</summary>
    Tanh = 2,

    /// <summary>Rectified linear unit: σ(z) = max(0, z).</summary>
    ReLU = 3,

    /// <summary>Leaky rectified linear unit: σ(z) = z for z ≥ 0, αz otherwise (α is <see cref="DenseAttribute.LeakySlope"/>).</summary>
    LeakyReLU = 4,

    /// <summary>σ(z)_j = e^(z_j) / Σ_k e^(z_k). Output layer only.</summary>
    Softmax = 5,

    /// <summary>The perceptron's threshold: 1 if z &gt; 0, else 0. Its derivative is zero almost everywhere, so a network
    /// that uses it is forward-only and cannot be trained.</summary>
    Step = 6,

    /// <summary>
    /// Exponential linear unit: σ(z) = z for z &gt; 0, α(e^z − 1) otherwise (α is <see cref="DenseAttribute.Alpha"/>, 1 by
    /// default); σ′(z) = 1 for z &gt; 0, αe^z otherwise. PyTorch's <c>nn.ELU(alpha=α)</c>.
    /// </summary>
    ELU = 7,

    /// <summary>
    /// Gaussian error linear unit, exact form: σ(z) = z·Φ(z) = ½z(1 + erf(z/√2)), Φ the standard normal distribution
    /// function; σ′(z) = Φ(z) + z·φ(z), φ its density. PyTorch's <c>nn.GELU()</c> (not the tanh approximation).
    /// </summary>
    GELU = 8,

    /// <summary>
    /// Sigmoid linear unit (Swish): σ(z) = z·s(z) with s(z) = 1 / (1 + e^(−z)); σ′(z) = s(z)(1 + z(1 − s(z))).
    /// PyTorch's <c>nn.SiLU()</c>.
    /// </summary>
    SiLU = 9,

    /// <summary>
    /// σ(z) = ln(1 + e^z), computed as max(z, 0) + ln(1 + e^(−|z|)) so it never overflows; σ′(z) = 1 / (1 + e^(−z)).
    /// PyTorch's <c>nn.Softplus()</c> (β = 1).
    /// </summary>
    Softplus = 10,
}
