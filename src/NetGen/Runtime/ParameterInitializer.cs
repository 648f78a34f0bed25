using System;
using System.Numerics;

namespace NetGen;

/// <summary>Seeded initialisation of a network's parameters, identical for every engine with the same spec.</summary>
public static class ParameterInitializer
{
    /// <summary>
    /// Overwrites <paramref name="network"/>'s parameters with fresh random weights and zero biases. Weights are drawn
    /// layer by layer in the parameter layout's order, so equal seeds give bitwise-equal parameters.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to initialise.</param>
    /// <param name="seed">The seed of the draw.</param>
    /// <param name="scheme">The distribution the weights are drawn from.</param>
    public static void InitializeParameters<T>(this INetwork<T> network, ulong seed, WeightInitialization scheme = WeightInitialization.XavierUniform)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Initialize(network.Spec, network.Parameters, seed, scheme);
    }

    /// <summary>Fills a flat parameter vector laid out by <paramref name="spec"/> (see <see cref="InitializeParameters{T}"/>).</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="spec">The layout.</param>
    /// <param name="parameters">The vector to fill, <see cref="NetworkSpec.ParameterCount"/> long.</param>
    /// <param name="seed">The seed of the draw.</param>
    /// <param name="scheme">The distribution the weights are drawn from.</param>
    public static void Initialize<T>(NetworkSpec spec, Span<T> parameters, ulong seed, WeightInitialization scheme = WeightInitialization.XavierUniform)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        NetworkGuard.CheckLength(parameters.Length, spec.ParameterCount, nameof(parameters), "parameters");
        if (!Enum.IsDefined(scheme))
        {
            throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown weight initialization scheme.");
        }

        var random = new SeededRandom(seed);
        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            var layerScheme = scheme == WeightInitialization.ByActivation ? SchemeFor(spec.Layers[layer].Activation) : scheme;
            var weights = parameters.Slice(layout.WeightsOffset, layout.WeightCount);
            double fanIn = layout.InputSize;
            double fanOut = layout.OutputSize;
            for (int i = 0; i < weights.Length; i++)
            {
                double w = layerScheme switch
                {
                    WeightInitialization.XavierUniform => Math.Sqrt(6.0 / (fanIn + fanOut)) * (2.0 * random.NextDouble() - 1.0),
                    WeightInitialization.HeNormal => Math.Sqrt(2.0 / fanIn) * random.NextGaussian(),
                    _ => 0.01 * random.NextGaussian(),
                };
                weights[i] = T.CreateChecked(w);
            }

            parameters.Slice(layout.BiasesOffset, layout.OutputSize).Clear();
        }
    }

    /// <summary>
    /// The scheme <see cref="WeightInitialization.ByActivation"/> gives a layer: He for the ReLU family, whose halved
    /// variance He's factor 2 restores, Xavier for activations that are roughly linear around zero.
    /// </summary>
    /// <param name="activation">The layer's activation.</param>
    public static WeightInitialization SchemeFor(Activation activation) =>
        activation is Activation.ReLU or Activation.LeakyReLU ? WeightInitialization.HeNormal : WeightInitialization.XavierUniform;

    /// <summary>
    /// Whether every weight (every entry of every W^l; biases aside) is zero, as in a network just constructed. Such a
    /// network cannot learn through a hidden layer: all units of a layer compute the same value and receive the same
    /// gradient, so they stay identical (and with tanh or ReLU, whose value at 0 is 0, nothing reaches them at all).
    /// </summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="spec">The layout.</param>
    /// <param name="parameters">The parameter vector, <see cref="NetworkSpec.ParameterCount"/> long.</param>
    public static bool AreAllWeightsZero<T>(NetworkSpec spec, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        NetworkGuard.CheckLength(parameters.Length, spec.ParameterCount, nameof(parameters), "parameters");
        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            foreach (T w in parameters.Slice(layout.WeightsOffset, layout.WeightCount))
            {
                if (w != T.Zero)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
