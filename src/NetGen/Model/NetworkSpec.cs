using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen;

/// <summary>
/// The runtime description of a feed-forward network that both engines share: the input size, the dense layers in order,
/// the loss and the precision, and the flat parameter layout (per dense layer: W row-major <c>[out, in]</c>, then b).
/// A generated network exposes its own as the static <c>Spec</c> property, so
/// <c>new InterpretedNetwork&lt;float&gt;(DigitsNet.Spec)</c> builds its interpreted twin.
/// </summary>
/// <remarks>
/// A spec is immutable and validated on construction against the same rules the source generator enforces with its
/// diagnostics, so an invalid network is rejected at compile time when declared, and at run time when built by hand.
/// </remarks>
public sealed class NetworkSpec : IEquatable<NetworkSpec>
{
    private readonly DenseLayerSpec[] _layers;
    private readonly DenseLayerLayout[] _layouts;

    /// <summary>Builds and validates a network description.</summary>
    /// <param name="inputSize">The number of input features.</param>
    /// <param name="layers">The dense layers, input side first; the last is the output layer.</param>
    /// <param name="loss">The training cost, or <see langword="null"/> for a forward-only network.</param>
    /// <param name="precision">The floating-point type of a generated network with this spec.</param>
    /// <param name="inputKeepProbability">The dropout keep probability applied to the inputs while training; 1 for none.</param>
    /// <exception cref="ArgumentException">The description breaks a rule; the message says which and where.</exception>
    public NetworkSpec(
        int inputSize,
        IEnumerable<DenseLayerSpec> layers,
        Loss? loss = NetGen.Loss.MeanSquaredError,
        Precision precision = Precision.Single,
        double inputKeepProbability = 1.0)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers.ToArray();
        InputSize = inputSize;
        Loss = loss;
        Precision = precision;
        InputKeepProbability = inputKeepProbability;
        Validate();

        _layouts = new DenseLayerLayout[_layers.Length];
        int offset = 0;
        int previous = inputSize;
        for (int i = 0; i < _layers.Length; i++)
        {
            int size = _layers[i].Size;
            _layouts[i] = new DenseLayerLayout(previous, size, offset, offset + previous * size);
            offset += (previous + 1) * size;
            previous = size;
        }

        ParameterCount = offset;

        // Cached because engines consult them on every call, which must not allocate.
        IsTrainable = Loss is not null && !_layers.Any(l => l.Activation == Activation.Step);
        HasDropout = InputKeepProbability < 1.0 || _layers.Any(l => l.HasDropout);
        MaxLayerSize = Math.Max(InputSize, _layers.Max(l => l.Size));
    }

    /// <summary>The number of input features.</summary>
    public int InputSize { get; }

    /// <summary>The number of outputs: the size of the last dense layer.</summary>
    public int OutputSize => _layers[^1].Size;

    /// <summary>The number of trainable parameters, weights and biases of every layer.</summary>
    public int ParameterCount { get; }

    /// <summary>The dense layers, input side first.</summary>
    public IReadOnlyList<DenseLayerSpec> Layers => _layers;

    /// <summary>The training cost, or <see langword="null"/> for a forward-only network.</summary>
    public Loss? Loss { get; }

    /// <summary>The floating-point type of a generated network with this spec.</summary>
    public Precision Precision { get; }

    /// <summary>The probability that each input is kept during training; 1 means no input dropout.</summary>
    public double InputKeepProbability { get; }

    /// <summary>Whether the network can be trained: it has a loss and no <see cref="Activation.Step"/> layer.</summary>
    public bool IsTrainable { get; }

    /// <summary>Whether any layer, or the input, applies dropout during training.</summary>
    public bool HasDropout { get; }

    /// <summary>The width of the widest layer, input included.</summary>
    public int MaxLayerSize { get; }

    /// <summary>Where the parameters of dense layer <paramref name="layerIndex"/> (0-based) sit in the flat vector.</summary>
    public DenseLayerLayout GetLayout(int layerIndex) => _layouts[layerIndex];

    /// <summary>Whether <paramref name="other"/> has the same parameter layout: input size and layer sizes.</summary>
    public bool HasSameParameterLayout(NetworkSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (InputSize != other.InputSize || _layers.Length != other._layers.Length)
        {
            return false;
        }

        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i].Size != other._layers[i].Size)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public bool Equals(NetworkSpec? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null
            || InputSize != other.InputSize
            || Loss != other.Loss
            || Precision != other.Precision
            || !InputKeepProbability.Equals(other.InputKeepProbability)
            || _layers.Length != other._layers.Length)
        {
            return false;
        }

        // A loop rather than LINQ: training checks workspaces against specs on every batch and must not allocate.
        for (int i = 0; i < _layers.Length; i++)
        {
            if (!_layers[i].Equals(other._layers[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InputSize);
        hash.Add(Loss);
        hash.Add(Precision);
        foreach (var layer in _layers)
        {
            hash.Add(layer);
        }

        return hash.ToHashCode();
    }

    /// <summary>A compact description such as <c>64 → 32 ReLU (keep 0.8) → 10 Softmax, SoftmaxCrossEntropy, Single</c>.</summary>
    public override string ToString() => DescribeArchitecture() + ", " + Precision;

    /// <summary>
    /// The description without the precision, such as <c>64 → 32 ReLU (keep 0.8) → 10 Softmax, SoftmaxCrossEntropy</c>:
    /// what must match for weights to mean the same thing in another network.
    /// </summary>
    public string DescribeArchitecture() => ArchitectureDescription.Describe(InputSize, InputKeepProbability, Facts(_layers), Loss);

    // The rules, their order and their messages are the source generator's own (Model/NetworkRules.cs is compiled into
    // both), so a network is rejected here exactly when its declaration would not compile.
    private void Validate()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is null)
            {
                throw new ArgumentException($"{NetworkRules.LayerName(i)} is null.", "layers");
            }
        }

        var violations = NetworkRules.Check(InputSize, InputKeepProbability, Facts(_layers), Loss, Precision);
        if (violations.Count > 0)
        {
            var first = violations[0];
            string message = first.Message + ".";
            throw first.Rule switch
            {
                NetworkRule.InputSize => new ArgumentOutOfRangeException("inputSize", InputSize, message),
                NetworkRule.InputKeepProbability => new ArgumentOutOfRangeException("inputKeepProbability", InputKeepProbability, message),
                NetworkRule.UndefinedPrecision => new ArgumentException(message, "precision"),
                NetworkRule.UndefinedLoss or NetworkRule.StepWithLoss or NetworkRule.LossMismatch => new ArgumentException(message, "loss"),
                _ => new ArgumentException(message, "layers"),
            };
        }
    }

    private static DenseLayerFacts[] Facts(DenseLayerSpec[] layers)
    {
        var facts = new DenseLayerFacts[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            facts[i] = new DenseLayerFacts(layer.Size, layer.Activation, layer.LeakySlope, layer.Alpha, layer.KeepProbability);
        }

        return facts;
    }
}
