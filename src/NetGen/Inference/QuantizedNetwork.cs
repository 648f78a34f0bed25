using System;
using System.Buffers;
using System.Threading;
using NetGen.Data;
using NetGen.Numerics;

namespace NetGen;

/// <summary>
/// Inference with compressed weights, made at run time from any trained single-precision network (generated or
/// interpreted): int8 or bfloat16 weights with float activations (<see cref="Create"/>), or int8 weights and 8-bit
/// activations calibrated on sample data (<see cref="CreateFullInt8(INetwork{float}, ReadOnlySpan{float})"/>). It is an
/// <see cref="INetwork{T}"/> with the same <see cref="Forward"/> contract, so the prediction, evaluation and batched
/// inference helpers all apply.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Parameters"/> are the float parameters, copied from the network it was made from; <see cref="Forward"/>
/// computes with their compressed copy (<see cref="WeightFormat"/>: int8 with one scale per output neuron, or bfloat16;
/// biases stay float). The copy is never silently stale: reading <see cref="Parameters"/> marks it out of date, and the
/// next <see cref="Forward"/> (or <see cref="QuantizeInferenceWeights"/>) quantizes the parameters again. A write through
/// a span taken before that quantization is not seen until <see cref="QuantizeInferenceWeights"/> is called.
/// </para>
/// <para>
/// Full int8 quantizes every layer's input per tensor: u = clamp(round(x / s) + zero point, 0, 255), with s and the zero
/// point calibrated once from the smallest and largest value each layer's input takes on the calibration data (the
/// range always includes 0, which is then exact); the layer's dot products are integer (AVX-VNNI where the CPU has it)
/// and its output float. Re-quantizing the weights keeps that calibration.
/// </para>
/// <para>
/// Generated networks declared with <c>[Network(InferenceWeights = …)]</c> quantize by the same rules, with the same
/// kernels (<see cref="QuantizedKernels"/>), so the two compute the same weighted inputs.
/// </para>
/// </remarks>
public sealed class QuantizedNetwork : INetwork<float>
{
    // Above this many bytes of per-call scratch, Forward rents from the shared pool instead of the stack.
    private const int MaxStackScratchBytes = 16 * 1024;

    private readonly float[] _parameters;
    private readonly Layer[] _layers;
    private readonly int _widestHidden;
    private readonly int _widestInput;
    private readonly Lock _quantizing = new();
    private volatile bool _stale;

    private QuantizedNetwork(NetworkSpec spec, ReadOnlySpan<float> parameters, WeightFormat format, ActivationQuantization[]? inputs)
    {
        Spec = spec;
        WeightFormat = format;
        _parameters = parameters.ToArray();
        _layers = new Layer[spec.Layers.Count];
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l] = new Layer(spec.GetLayout(l), format, inputs?[l]);
            _widestInput = Math.Max(_widestInput, spec.GetLayout(l).InputSize);
            if (l < _layers.Length - 1)
            {
                _widestHidden = Math.Max(_widestHidden, spec.Layers[l].Size);
            }
        }

        Quantize();
    }

    /// <inheritdoc/>
    public NetworkSpec Spec { get; }

    /// <summary>How the weights are stored for inference.</summary>
    public WeightFormat WeightFormat { get; }

    /// <summary>Whether every layer's input is quantized to 8 bits as well (full int8).</summary>
    public bool QuantizesActivations => _layers[0].Input is not null;

    /// <summary>
    /// The float parameters the compressed weights are made from (per dense layer: W row-major, then b). Reading this
    /// property marks the compressed copy out of date; the next <see cref="Forward"/> quantizes again.
    /// </summary>
    public Span<float> Parameters
    {
        get
        {
            _stale = true;
            return _parameters;
        }
    }

    /// <summary>The bytes the weights W take in the inference format (biases and scales not counted).</summary>
    public long WeightBytes
    {
        get
        {
            long total = 0;
            foreach (var layer in _layers)
            {
                total += (long)layer.Layout.WeightCount * BytesPerWeight(WeightFormat);
            }

            return total;
        }
    }

    /// <summary>
    /// Quantizes a trained network's weights for inference, activations staying float.
    /// </summary>
    /// <param name="network">The trained network; its parameters are copied.</param>
    /// <param name="weights">The weight format (<see cref="WeightFormat.Float"/> keeps them exact).</param>
    /// <returns>The inference network.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weights"/> is not a defined format.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite.</exception>
    public static QuantizedNetwork Create(INetwork<float> network, WeightFormat weights)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (NetworkRules.CheckInferenceWeights(weights, Precision.Single) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), weights, problem.Message + ".");
        }

        ReadOnlySpan<float> parameters = network.Parameters;
        RequireFinite(parameters, nameof(network));
        return new QuantizedNetwork(network.Spec, parameters, weights, null);
    }

    /// <summary>
    /// Full int8: int8 weights and every layer's input quantized to 8 bits, calibrated on sample data run through the
    /// float network. The calibration data should look like what the network will see (a few hundred training samples,
    /// scaled as the network's inputs are).
    /// </summary>
    /// <param name="network">The trained network; its parameters are copied.</param>
    /// <param name="calibrationInputs">One or more samples, sample-major, finite.</param>
    /// <returns>The inference network.</returns>
    /// <exception cref="ArgumentException">No whole sample, a non-finite value or parameter, or a layer with more than
    /// <see cref="QuantizedKernels.MaxInt8ActivationInputs"/> inputs.</exception>
    public static QuantizedNetwork CreateFullInt8(INetwork<float> network, ReadOnlySpan<float> calibrationInputs)
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        int count = BatchInference.SampleCount(spec, calibrationInputs.Length, nameof(calibrationInputs));
        if (count == 0)
        {
            throw new ArgumentException("calibrationInputs is empty; calibration needs at least one sample.", nameof(calibrationInputs));
        }

        RequireFinite(calibrationInputs, nameof(calibrationInputs));
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            int inputs = spec.GetLayout(l).InputSize;
            if (inputs > QuantizedKernels.MaxInt8ActivationInputs)
            {
                throw new ArgumentException($"Dense layer {l + 1} of {spec} has {inputs} inputs; full int8 takes at most {QuantizedKernels.MaxInt8ActivationInputs} per layer, so that its 32-bit sums cannot overflow.", nameof(network));
            }
        }

        ReadOnlySpan<float> parameters = network.Parameters;
        RequireFinite(parameters, nameof(network));
        var reference = new QuantizedNetwork(spec, parameters, WeightFormat.Float, null);
        return new QuantizedNetwork(spec, parameters, WeightFormat.Int8, reference.Calibrate(calibrationInputs, count));
    }

    /// <summary>Full int8, calibrated on a data set's features (see <see cref="CreateFullInt8(INetwork{float}, ReadOnlySpan{float})"/>).</summary>
    /// <param name="network">The trained network; its parameters are copied.</param>
    /// <param name="calibration">Samples scaled as the network's inputs are; its features are used, its targets not.</param>
    /// <returns>The inference network.</returns>
    /// <exception cref="ArgumentException">The data set's samples do not fit the network, or as the other overload.</exception>
    public static QuantizedNetwork CreateFullInt8(INetwork<float> network, Dataset<float> calibration)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.FeatureCount != network.Spec.InputSize)
        {
            throw new ArgumentException($"The calibration data has {calibration.FeatureCount} features per sample; the network takes {network.Spec.InputSize}.", nameof(calibration));
        }

        return CreateFullInt8(network, calibration.Features);
    }

    /// <summary>Quantizes <see cref="Parameters"/> again into the inference copy (full int8 keeps its activation calibration).</summary>
    public void QuantizeInferenceWeights()
    {
        lock (_quantizing)
        {
            Quantize();
            // Cleared once the copy is complete, so a concurrent Forward never computes with a half-written one.
            _stale = false;
        }
    }

    /// <summary>The int8 weights q of dense layer <paramref name="layer"/> (0-based), row-major [out, in].</summary>
    /// <param name="layer">The dense layer's index.</param>
    /// <returns>The weights; empty unless the format is <see cref="WeightFormat.Int8"/>.</returns>
    public ReadOnlySpan<sbyte> GetInt8Weights(int layer) => Current(layer).Int8;

    /// <summary>The row scales s of dense layer <paramref name="layer"/>'s int8 weights: W[j, k] ≈ s_j · q[j, k].</summary>
    /// <param name="layer">The dense layer's index.</param>
    /// <returns>One scale per neuron; empty unless the format is <see cref="WeightFormat.Int8"/>.</returns>
    public ReadOnlySpan<float> GetWeightScales(int layer) => Current(layer).Scales;

    /// <summary>The bfloat16 weights of dense layer <paramref name="layer"/> (bit patterns), row-major [out, in].</summary>
    /// <param name="layer">The dense layer's index.</param>
    /// <returns>The weights; empty unless the format is <see cref="WeightFormat.BFloat16"/>.</returns>
    public ReadOnlySpan<ushort> GetBFloat16Weights(int layer) => Current(layer).BFloat16;

    /// <summary>How dense layer <paramref name="layer"/>'s input is quantized (full int8), or null.</summary>
    /// <param name="layer">The dense layer's index.</param>
    /// <returns>The input's scale and zero point, or null when activations stay float.</returns>
    public ActivationQuantization? GetInputQuantization(int layer) => Current(layer).Input;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        NetworkGuard.CheckLength(input.Length, Spec.InputSize, nameof(input), "input features");
        NetworkGuard.CheckLength(output.Length, Spec.OutputSize, nameof(output), "outputs");
        NetworkGuard.CheckNoOverlap(input, output);
        ForwardKeepingLayers(input, output, null);
    }

    /// <summary>Forward, keeping each layer's activations a^l in <paramref name="layerOutputs"/> (for error figures).</summary>
    internal void ForwardKeepingLayers(ReadOnlySpan<float> input, Span<float> output, float[][]? layerOutputs)
    {
        if (_stale)
        {
            Refresh();
        }

        int width = Math.Max(1, _widestHidden);
        float[]? rentedFloats = null;
        byte[]? rentedBytes = null;
        Span<float> scratch = 2 * width * sizeof(float) <= MaxStackScratchBytes
            ? stackalloc float[2 * width]
            : (rentedFloats = ArrayPool<float>.Shared.Rent(2 * width));
        Span<byte> quantized = !QuantizesActivations ? default
            : _widestInput <= MaxStackScratchBytes ? stackalloc byte[_widestInput]
            : (rentedBytes = ArrayPool<byte>.Shared.Rent(_widestInput));
        try
        {
            scoped ReadOnlySpan<float> x = input;
            for (int l = 0; l < _layers.Length; l++)
            {
                var layer = _layers[l];
                var layout = layer.Layout;
                Span<float> a = l == _layers.Length - 1 ? output : scratch.Slice((l & 1) * width, layout.OutputSize);
                layer.WeightedInput(x, a, quantized);
                ActivationTable<float>.For(Spec.Layers[l].Activation).Activate(Spec.Layers[l], a, a);
                if (layerOutputs is not null)
                {
                    a.CopyTo(layerOutputs[l]);
                }

                x = a;
            }
        }
        finally
        {
            if (rentedFloats is not null)
            {
                ArrayPool<float>.Shared.Return(rentedFloats);
            }

            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }
        }
    }

    internal static int BytesPerWeight(WeightFormat format) => format switch
    {
        WeightFormat.Int8 => 1,
        WeightFormat.BFloat16 => 2,
        _ => 4,
    };

    private Layer Current(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        if (_stale)
        {
            Refresh();
        }

        return _layers[layer];
    }

    // Quantizes once for any number of threads that find the copy out of date at the same time.
    private void Refresh()
    {
        lock (_quantizing)
        {
            if (_stale)
            {
                Quantize();
                _stale = false;
            }
        }
    }

    private void Quantize()
    {
        foreach (var layer in _layers)
        {
            layer.Quantize(_parameters);
        }
    }

    // Runs the calibration samples through this (float) network, recording the range of each layer's input.
    private ActivationQuantization[] Calibrate(ReadOnlySpan<float> inputs, int count)
    {
        var low = new float[_layers.Length];
        var high = new float[_layers.Length];
        var outputs = new float[_layers.Length][];
        for (int l = 0; l < _layers.Length; l++)
        {
            outputs[l] = new float[Spec.Layers[l].Size];
        }

        for (int s = 0; s < count; s++)
        {
            ReadOnlySpan<float> sample = inputs.Slice(s * Spec.InputSize, Spec.InputSize);
            ForwardKeepingLayers(sample, outputs[^1], outputs);
            for (int l = 0; l < _layers.Length; l++)
            {
                ReadOnlySpan<float> layerInput = l == 0 ? sample : outputs[l - 1];
                foreach (float value in layerInput)
                {
                    low[l] = Math.Min(low[l], value);
                    high[l] = Math.Max(high[l], value);
                }
            }
        }

        var result = new ActivationQuantization[_layers.Length];
        for (int l = 0; l < _layers.Length; l++)
        {
            result[l] = ActivationQuantization.FromRange(low[l], high[l]);
        }

        return result;
    }

    private static void RequireFinite(ReadOnlySpan<float> values, string parameterName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"Value {i} is {values[i]}; quantization needs finite values.", parameterName);
            }
        }
    }

    /// <summary>One dense layer's inference weights.</summary>
    private sealed class Layer
    {
        private readonly WeightFormat _format;
        private readonly ParameterBuffer<sbyte> _int8;
        private readonly ParameterBuffer<ushort> _bfloat16;
        private readonly ParameterBuffer<float> _float;
        private readonly float[] _scales;
        private readonly float[] _biases;
        private readonly int[] _rowSums;
        private readonly float[] _outputScales;

        public Layer(DenseLayerLayout layout, WeightFormat format, ActivationQuantization? input)
        {
            Layout = layout;
            _format = format;
            Input = input;
            int weights = layout.WeightCount;
            int rows = layout.OutputSize;
            if (format == WeightFormat.Int8)
            {
                _int8 = new ParameterBuffer<sbyte>(weights);
            }
            else if (format == WeightFormat.BFloat16)
            {
                _bfloat16 = new ParameterBuffer<ushort>(weights);
            }
            else
            {
                _float = new ParameterBuffer<float>(weights);
            }

            _scales = format == WeightFormat.Int8 ? new float[rows] : [];
            _biases = new float[rows];
            _rowSums = input is null ? [] : new int[rows];
            _outputScales = input is null ? [] : new float[rows];
        }

        public DenseLayerLayout Layout { get; }

        public ActivationQuantization? Input { get; }

        public ReadOnlySpan<sbyte> Int8 => _format == WeightFormat.Int8 ? _int8.Span : default;

        public ReadOnlySpan<ushort> BFloat16 => _format == WeightFormat.BFloat16 ? _bfloat16.Span : default;

        public ReadOnlySpan<float> Scales => _scales;

        public void Quantize(ReadOnlySpan<float> parameters)
        {
            int n = Layout.InputSize;
            ReadOnlySpan<float> weights = parameters.Slice(Layout.WeightsOffset, Layout.WeightCount);
            parameters.Slice(Layout.BiasesOffset, Layout.OutputSize).CopyTo(_biases);
            switch (_format)
            {
                case WeightFormat.Int8:
                    Span<sbyte> q = _int8.Span;
                    for (int j = 0; j < Layout.OutputSize; j++)
                    {
                        Span<sbyte> row = q.Slice(j * n, n);
                        _scales[j] = WeightQuantization.QuantizeInt8Row(weights.Slice(j * n, n), row);
                        if (Input is { } input)
                        {
                            int sum = 0;
                            foreach (sbyte value in row)
                            {
                                sum += value;
                            }

                            _rowSums[j] = sum;
                            _outputScales[j] = input.Scale * _scales[j];
                        }
                    }

                    break;
                case WeightFormat.BFloat16:
                    QuantizedKernels.QuantizeBFloat16(weights, _bfloat16.Span);
                    break;
                default:
                    weights.CopyTo(_float.Span);
                    break;
            }
        }

        // z = W x + b by the format's kernel; full int8 quantizes x into `quantized` first.
        public void WeightedInput(ReadOnlySpan<float> x, Span<float> z, Span<byte> quantized)
        {
            switch (_format)
            {
                case WeightFormat.Int8 when Input is { } input:
                    Span<byte> u = quantized[..x.Length];
                    QuantizedKernels.QuantizeActivations(x, input.Scale, input.ZeroPoint, u);
                    QuantizedKernels.DenseInt8Activations(_int8.Span, _rowSums, _outputScales, _biases, u, input.ZeroPoint, z);
                    break;
                case WeightFormat.Int8:
                    QuantizedKernels.DenseInt8(_int8.Span, _scales, _biases, x, z);
                    break;
                case WeightFormat.BFloat16:
                    QuantizedKernels.DenseBFloat16(_bfloat16.Span, _biases, x, z);
                    break;
                default:
                    QuantizedKernels.DenseFloat(_float.Span, _biases, x, z);
                    break;
            }
        }
    }
}

/// <summary>
/// How a tensor of activations is quantized to unsigned bytes (full int8): u = clamp(round(x / Scale) + ZeroPoint, 0,
/// 255), and back x ≈ Scale · (u − ZeroPoint). Zero is exactly representable.
/// </summary>
/// <param name="Scale">The step between adjacent byte values, positive.</param>
/// <param name="ZeroPoint">The byte that stands for 0, in [0, 255].</param>
public readonly record struct ActivationQuantization(float Scale, int ZeroPoint)
{
    /// <summary>The quantization of values in [low, high]: the range widened to include 0, split into 255 steps.</summary>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value.</param>
    /// <returns>The scale and zero point.</returns>
    public static ActivationQuantization FromRange(float low, float high)
    {
        low = Math.Min(low, 0f);
        high = Math.Max(high, 0f);
        float scale = (high - low) / 255f;
        if (!(scale > 0f) || !float.IsFinite(scale))
        {
            return new ActivationQuantization(1f, 0);
        }

        int zeroPoint = (int)Math.Clamp(MathF.Round(-low / scale, MidpointRounding.ToEven), 0f, 255f);
        return new ActivationQuantization(scale, zeroPoint);
    }
}
