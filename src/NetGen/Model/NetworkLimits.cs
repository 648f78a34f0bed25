namespace NetGen;

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
