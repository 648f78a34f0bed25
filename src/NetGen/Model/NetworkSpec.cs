using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

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
    public string DescribeArchitecture()
    {
        var text = new StringBuilder();
        text.Append(InputSize.ToString(CultureInfo.InvariantCulture));
        AppendKeep(text, InputKeepProbability);
        foreach (var layer in _layers)
        {
            text.Append(" → ").Append(layer.Size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(layer.Activation);
            if (layer.Activation == Activation.LeakyReLU)
            {
                text.Append("(α=").Append(layer.LeakySlope.ToString("R", CultureInfo.InvariantCulture)).Append(')');
            }
            else if (layer.Activation == Activation.ELU)
            {
                text.Append("(α=").Append(layer.Alpha.ToString("R", CultureInfo.InvariantCulture)).Append(')');
            }

            AppendKeep(text, layer.KeepProbability);
        }

        text.Append(", ").Append(Loss?.ToString() ?? "forward-only");
        return text.ToString();

        static void AppendKeep(StringBuilder text, double keep)
        {
            if (keep < 1.0)
            {
                text.Append(" (keep ").Append(keep.ToString("R", CultureInfo.InvariantCulture)).Append(')');
            }
        }
    }

    // The same rules, in the same order, as the generator's diagnostics; NetworkSpecRulesTests holds the two together.
    private void Validate()
    {
        if (InputSize < 1 || InputSize > NetworkLimits.MaxLayerSize)
        {
            throw new ArgumentOutOfRangeException(
                "inputSize", InputSize, $"The input size must be between 1 and {NetworkLimits.MaxLayerSize}.");
        }

        if (!IsValidKeepProbability(InputKeepProbability))
        {
            throw new ArgumentOutOfRangeException(
                "inputKeepProbability", InputKeepProbability, "The input keep probability must be in (0, 1].");
        }

        if (_layers.Length == 0)
        {
            throw new ArgumentException("A network needs at least one dense layer (the output layer).", "layers");
        }

        if (_layers.Length > NetworkLimits.MaxDenseLayers)
        {
            throw new ArgumentException($"A network has at most {NetworkLimits.MaxDenseLayers} dense layers; this one has {_layers.Length}.", "layers");
        }

        long parameters = 0;
        long previous = InputSize;
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i] ?? throw new ArgumentException($"Layer {i} is null.", "layers");
            bool isOutput = i == _layers.Length - 1;
            if (layer.Size < 1 || layer.Size > NetworkLimits.MaxLayerSize)
            {
                throw new ArgumentException($"Layer {i} has size {layer.Size}; a layer size must be between 1 and {NetworkLimits.MaxLayerSize}.", "layers");
            }

            if (!Enum.IsDefined(layer.Activation))
            {
                throw new ArgumentException($"Layer {i} has an unknown activation {(int)layer.Activation}.", "layers");
            }

            if (layer.Activation == Activation.Softmax && !isOutput)
            {
                throw new ArgumentException($"Layer {i} uses Softmax, which is allowed only on the output layer.", "layers");
            }

            if (layer.Activation == Activation.LeakyReLU && !IsValidLeakySlope(layer.LeakySlope))
            {
                throw new ArgumentException($"Layer {i} has leaky slope {layer.LeakySlope}; it must be in (0, 1).", "layers");
            }

            if (layer.Activation == Activation.ELU && !IsValidAlpha(layer.Alpha))
            {
                throw new ArgumentException($"Layer {i} has ELU α {layer.Alpha}; it must be finite and positive.", "layers");
            }

            if (!IsValidKeepProbability(layer.KeepProbability))
            {
                throw new ArgumentException($"Layer {i} has keep probability {layer.KeepProbability}; it must be in (0, 1].", "layers");
            }

            if (isOutput && layer.HasDropout)
            {
                throw new ArgumentException($"Layer {i} is the output layer; dropout on the outputs is not allowed.", "layers");
            }

            parameters += (previous + 1) * layer.Size;
            previous = layer.Size;
        }

        if (parameters > NetworkLimits.MaxParameterCount)
        {
            throw new ArgumentException($"The network has {parameters} parameters; at most {NetworkLimits.MaxParameterCount} are supported.", "layers");
        }

        if (Loss is { } loss)
        {
            if (!Enum.IsDefined(loss))
            {
                throw new ArgumentException($"Unknown loss {(int)loss}.", "loss");
            }

            var stepLayer = Array.FindIndex(_layers, l => l.Activation == Activation.Step);
            if (stepLayer >= 0)
            {
                throw new ArgumentException($"Layer {stepLayer} uses the Step activation, whose derivative is zero almost everywhere; a network with a Step layer is forward-only and cannot have a loss.", "loss");
            }

            var output = _layers[^1].Activation;
            string? mismatch = LossFitsOutput(loss, output);
            if (mismatch is not null)
            {
                throw new ArgumentException(mismatch, "loss");
            }
        }

        if (!Enum.IsDefined(Precision))
        {
            throw new ArgumentException($"Unknown precision {(int)Precision}.", "precision");
        }
    }

    /// <summary>Why <paramref name="loss"/> does not fit an output layer with <paramref name="output"/>, or null if it does.</summary>
    internal static string? LossFitsOutput(Loss loss, Activation output) => loss switch
    {
        NetGen.Loss.SoftmaxCrossEntropy when output != Activation.Softmax =>
            $"SoftmaxCrossEntropy needs a Softmax output layer, but the output layer uses {output}.",
        NetGen.Loss.BinaryCrossEntropy when output != Activation.Sigmoid =>
            $"BinaryCrossEntropy needs outputs in (0, 1) from a Sigmoid output layer, but the output layer uses {output}.",
        _ => null,
    };

    internal static bool IsValidKeepProbability(double p) => p > 0.0 && p <= 1.0;

    internal static bool IsValidLeakySlope(double alpha) => alpha > 0.0 && alpha < 1.0;

    internal static bool IsValidAlpha(double alpha) => double.IsFinite(alpha) && alpha > 0.0;
}
