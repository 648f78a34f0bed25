using System;
using System.Numerics;

namespace NetGen.Pruning;

/// <summary>
/// Which of a network's weights are pruned (held at zero). Only dense layers' weights can be pruned; biases never are.
/// </summary>
public sealed class PruningMask
{
    private readonly bool[] _pruned;
    private readonly double[] _weights;

    /// <summary>Creates a mask for networks of <paramref name="spec"/>'s layout with nothing pruned.</summary>
    /// <param name="spec">The parameter layout.</param>
    public PruningMask(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        _pruned = new bool[spec.ParameterCount];
        _weights = Curvature.EffectiveParameters.WeightMask(spec);
        foreach (double w in _weights)
        {
            WeightCount += (int)w;
        }
    }

    /// <summary>The layout the mask is for.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The number of weights (prunable parameters).</summary>
    public int WeightCount { get; }

    /// <summary>The number of pruned weights.</summary>
    public int PrunedCount { get; private set; }

    /// <summary>The pruned share of the weights, from 0 to 1.</summary>
    public double Sparsity => PrunedCount / (double)WeightCount;

    /// <summary>Whether parameter <paramref name="index"/> is pruned.</summary>
    /// <param name="index">An index into the parameter layout.</param>
    public bool IsPruned(int index) => _pruned[index];

    /// <summary>Whether parameter <paramref name="index"/> is a weight (prunable) rather than a bias.</summary>
    /// <param name="index">An index into the parameter layout.</param>
    public bool IsWeight(int index) => _weights[index] != 0.0;

    /// <summary>Marks weight <paramref name="index"/> as pruned.</summary>
    /// <param name="index">The index of a weight.</param>
    /// <exception cref="ArgumentException">The parameter is a bias.</exception>
    public void Prune(int index)
    {
        if (!IsWeight(index))
        {
            throw new ArgumentException($"Parameter {index} is a bias; only weights are pruned.", nameof(index));
        }

        if (!_pruned[index])
        {
            _pruned[index] = true;
            PrunedCount++;
        }
    }

    /// <summary>Sets the pruned entries of <paramref name="values"/> (parameters or a gradient) to zero.</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="values">P values in the layout.</param>
    public void Apply<T>(Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.Length != _pruned.Length)
        {
            throw new ArgumentException($"The span has {values.Length} values; the layout has {_pruned.Length}.", nameof(values));
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (_pruned[i])
            {
                values[i] = T.Zero;
            }
        }
    }

    /// <summary>The pruned share of each dense layer's weights, input side first.</summary>
    public double[] LayerSparsity()
    {
        var result = new double[Spec.Layers.Count];
        for (int layer = 0; layer < result.Length; layer++)
        {
            var layout = Spec.GetLayout(layer);
            int pruned = 0;
            for (int i = 0; i < layout.WeightCount; i++)
            {
                pruned += _pruned[layout.WeightsOffset + i] ? 1 : 0;
            }

            result[layer] = pruned / (double)layout.WeightCount;
        }

        return result;
    }
}
