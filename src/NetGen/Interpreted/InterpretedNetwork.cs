using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NetGen.Numerics;

namespace NetGen;

/// <summary>
/// A runtime-sized engine over a <see cref="NetworkSpec"/>: the correctness oracle for generated networks and the
/// baseline they are measured against. It computes the same forward pass, losses and backpropagation as generated code,
/// over the same parameter layout, vectorised with <see cref="TensorPrimitives"/>.
/// </summary>
/// <typeparam name="T">The floating-point type to compute in.</typeparam>
/// <example><code>var twin = new InterpretedNetwork&lt;float&gt;(DigitsNet.Spec);</code></example>
public sealed partial class InterpretedNetwork<T> : ISecondOrderNetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Above this many bytes of per-call scratch, Forward rents from the shared pool instead of the stack.
    private const int MaxStackScratchBytes = 16 * 1024;

    private readonly T[] _parameters;

    /// <summary>Creates a network with all parameters zero; initialise or load them before use.</summary>
    /// <param name="spec">The architecture.</param>
    public InterpretedNetwork(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        _parameters = new T[spec.ParameterCount];
    }

    /// <inheritdoc/>
    public NetworkSpec Spec { get; }

    /// <inheritdoc/>
    public Span<T> Parameters => _parameters;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> input, Span<T> output)
    {
        NetworkGuard.CheckLength(input.Length, Spec.InputSize, nameof(input), "input features");
        NetworkGuard.CheckLength(output.Length, Spec.OutputSize, nameof(output), "outputs");
        NetworkGuard.CheckNoOverlap(input, output);

        int width = Spec.MaxLayerSize;
        T[]? rented = null;
        Span<T> scratch = 2 * width * Unsafe.SizeOf<T>() <= MaxStackScratchBytes
            ? stackalloc T[2 * width]
            : (rented = ArrayPool<T>.Shared.Rent(2 * width));
        try
        {
            scoped ReadOnlySpan<T> x = input;
            for (int l = 0; l < Spec.Layers.Count; l++)
            {
                var layer = Spec.Layers[l];
                var layout = Spec.GetLayout(l);
                bool isOutput = l == Spec.Layers.Count - 1;
                Span<T> a = isOutput ? output : scratch.Slice((l & 1) * width, layout.OutputSize);
                WeightedInput(layout, x, a);
                Activate(layer, a, a);
                x = a;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc/>
    public NetworkWorkspace CreateWorkspace(int batchCapacity) => new InterpretedWorkspace<T>(Spec, batchCapacity);

    /// <inheritdoc/>
    public T ComputeLossAndGradient(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        Span<T> gradient,
        NetworkWorkspace workspace,
        SeededRandom? dropoutRandom = null)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.CheckLength(gradient.Length, Spec.ParameterCount, nameof(gradient), "gradient entries");
        var ws = AsOwnWorkspace(workspace);

        ForwardBatch(inputs, batch, ws, dropoutRandom);
        T total = OutputLossAndDelta(loss, targets, batch, ws, computeDelta: true);
        Backpropagate(inputs, batch, ws, dropoutRandom is not null, gradient);
        T scale = T.One / T.CreateChecked(batch);
        SpanMath.Scale(gradient, scale);
        return total * scale;
    }

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        var ws = AsOwnWorkspace(workspace);
        ForwardBatch(inputs, batch, ws, dropoutRandom: null);
        return OutputLossAndDelta(loss, targets, batch, ws, computeDelta: false) / T.CreateChecked(batch);
    }

    private Loss RequireLoss() =>
        Spec.IsTrainable
            ? Spec.Loss!.Value
            : throw new InvalidOperationException($"The network {Spec} is forward-only (it has no loss, or a Step layer); it cannot compute a loss or gradient.");

    private InterpretedWorkspace<T> AsOwnWorkspace(NetworkWorkspace workspace) =>
        workspace as InterpretedWorkspace<T> ?? throw NetworkGuard.ForeignWorkspace(workspace, typeof(InterpretedWorkspace<T>));

    // z = W·x + b for one sample: one dot product per neuron, along W's contiguous rows.
    private void WeightedInput(DenseLayerLayout layout, ReadOnlySpan<T> x, Span<T> z)
    {
        ReadOnlySpan<T> weights = _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount);
        ReadOnlySpan<T> biases = _parameters.AsSpan(layout.BiasesOffset, layout.OutputSize);
        int n = layout.InputSize;
        for (int j = 0; j < z.Length; j++)
        {
            z[j] = TensorPrimitives.Dot(weights.Slice(j * n, n), x) + biases[j];
        }
    }

    // The layer-major, sample-major, unit-major order of mask draws is part of the engines' shared contract.
    private void ForwardBatch(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, SeededRandom? dropoutRandom)
    {
        ReadOnlySpan<T> x = inputs;
        if (dropoutRandom is not null && Spec.InputKeepProbability < 1.0)
        {
            x = ApplyDropout(inputs, 0, Spec.InputKeepProbability, batch * Spec.InputSize, ws, dropoutRandom);
        }

        for (int l = 0; l < Spec.Layers.Count; l++)
        {
            var layer = Spec.Layers[l];
            var layout = Spec.GetLayout(l);
            int stage = l + 1;
            bool isOutput = l == Spec.Layers.Count - 1;
            Span<T> a = ws.Activations[stage].AsSpan(0, batch * layout.OutputSize);
            Span<T> z = isOutput ? ws.OutputWeightedInputs.AsSpan(0, a.Length) : a;
            for (int s = 0; s < batch; s++)
            {
                WeightedInput(layout, x.Slice(s * layout.InputSize, layout.InputSize), z.Slice(s * layout.OutputSize, layout.OutputSize));
            }

            if (layer.Activation == Activation.Softmax)
            {
                for (int s = 0; s < batch; s++)
                {
                    Softmax(z.Slice(s * layout.OutputSize, layout.OutputSize), a.Slice(s * layout.OutputSize, layout.OutputSize));
                }
            }
            else
            {
                Activate(layer, z, a);
            }

            x = dropoutRandom is not null && layer.HasDropout
                ? ApplyDropout(a, stage, layer.KeepProbability, a.Length, ws, dropoutRandom)
                : a;
        }
    }

    private static ReadOnlySpan<T> ApplyDropout(ReadOnlySpan<T> a, int stage, double keep, int length, InterpretedWorkspace<T> ws, SeededRandom random)
    {
        Span<T> mask = ws.Masks[stage].AsSpan(0, length);
        Span<T> dropped = ws.DroppedActivations[stage].AsSpan(0, length);
        T kept = T.CreateChecked(1.0 / keep);
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < keep ? kept : T.Zero;
        }

        TensorPrimitives.Multiply(a.Slice(0, length), mask, dropped);
        return dropped;
    }

    // Sums C_x over the batch and, when asked, writes δ^L = ∇_a C ⊙ σ'(z^L) (BP1) with the fused forms for matched pairs.
    private T OutputLossAndDelta(Loss loss, ReadOnlySpan<T> targets, int batch, InterpretedWorkspace<T> ws, bool computeDelta)
    {
        int outputs = Spec.OutputSize;
        int stage = Spec.Layers.Count;
        var outputLayer = Spec.Layers[^1];
        T half = T.CreateChecked(0.5);
        T total = T.Zero;
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<T> y = targets.Slice(s * outputs, outputs);
            ReadOnlySpan<T> z = ws.OutputWeightedInputs.AsSpan(s * outputs, outputs);
            ReadOnlySpan<T> a = ws.Activations[stage].AsSpan(s * outputs, outputs);
            Span<T> delta = ws.Deltas[stage].AsSpan(s * outputs, outputs);
            T sampleLoss = T.Zero;
            switch (loss)
            {
                case Loss.SoftmaxCrossEntropy:
                {
                    // ln a_j = z_j − logΣexp(z): C_x = −Σ y_j ln a_j without ever taking the log of a rounded-to-0 a_j.
                    T logSumExp = LogSumExp(z);
                    T sumY = T.Zero;
                    for (int j = 0; j < outputs; j++)
                    {
                        sampleLoss -= y[j] * (z[j] - logSumExp);
                        sumY += y[j];
                    }

                    if (computeDelta)
                    {
                        // δ = a Σy − y, which is a − y for one-hot or probability targets.
                        for (int j = 0; j < outputs; j++)
                        {
                            delta[j] = a[j] * sumY - y[j];
                        }
                    }

                    break;
                }

                case Loss.BinaryCrossEntropy:
                {
                    // −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − y z + ln(1 + e^(−|z|)), finite for every z.
                    for (int j = 0; j < outputs; j++)
                    {
                        sampleLoss += T.Max(z[j], T.Zero) - y[j] * z[j] + T.LogP1(T.Exp(-T.Abs(z[j])));
                        if (computeDelta)
                        {
                            delta[j] = a[j] - y[j];
                        }
                    }

                    break;
                }

                default:
                {
                    for (int j = 0; j < outputs; j++)
                    {
                        T error = a[j] - y[j];
                        sampleLoss += error * error;
                        if (computeDelta)
                        {
                            delta[j] = error;
                        }
                    }

                    sampleLoss *= half;
                    if (computeDelta)
                    {
                        if (outputLayer.Activation == Activation.Softmax)
                        {
                            // Softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = a − y.
                            T projection = TensorPrimitives.Dot(a, delta);
                            for (int j = 0; j < outputs; j++)
                            {
                                delta[j] = a[j] * (delta[j] - projection);
                            }
                        }
                        else
                        {
                            MultiplyByDerivative(outputLayer, a, delta);
                        }
                    }

                    break;
                }
            }

            total += sampleLoss;
        }

        return total;
    }

    // BP2–BP4, accumulated sample by sample in the same order as generated code: ∂C/∂b = δ, ∂C/∂W_jk = a_k δ_j,
    // δ^(l−1) = ((W^l)ᵀ δ^l) ⊙ m ⊙ σ'(z^(l−1)).
    private void Backpropagate(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, bool training, Span<T> gradient)
    {
        gradient.Clear();
        for (int l = Spec.Layers.Count - 1; l >= 0; l--)
        {
            var layout = Spec.GetLayout(l);
            int stage = l + 1;
            int n = layout.InputSize;
            int m = layout.OutputSize;
            ReadOnlySpan<T> weights = _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount);
            Span<T> weightGradient = gradient.Slice(layout.WeightsOffset, layout.WeightCount);
            Span<T> biasGradient = gradient.Slice(layout.BiasesOffset, m);
            ReadOnlySpan<T> x = LayerInput(inputs, l, batch, ws, training);
            ReadOnlySpan<T> deltas = ws.Deltas[stage].AsSpan(0, batch * m);
            Span<T> previousDeltas = l > 0 ? ws.Deltas[stage - 1].AsSpan(0, batch * n) : default;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> delta = deltas.Slice(s * m, m);
                ReadOnlySpan<T> xs = x.Slice(s * n, n);
                TensorPrimitives.Add(biasGradient, delta, biasGradient);
                for (int j = 0; j < m; j++)
                {
                    TensorPrimitives.MultiplyAdd(xs, delta[j], weightGradient.Slice(j * n, n), weightGradient.Slice(j * n, n));
                }

                if (l > 0)
                {
                    Span<T> back = previousDeltas.Slice(s * n, n);
                    back.Clear();
                    for (int j = 0; j < m; j++)
                    {
                        TensorPrimitives.MultiplyAdd(weights.Slice(j * n, n), delta[j], back, back);
                    }
                }
            }

            if (l > 0)
            {
                var previous = Spec.Layers[l - 1];
                if (training && previous.HasDropout)
                {
                    TensorPrimitives.Multiply(previousDeltas, ws.Masks[stage - 1].AsSpan(0, previousDeltas.Length), previousDeltas);
                }

                MultiplyByDerivative(previous, ws.Activations[stage - 1].AsSpan(0, previousDeltas.Length), previousDeltas);
            }
        }
    }

    private ReadOnlySpan<T> LayerInput(ReadOnlySpan<T> inputs, int layerIndex, int batch, InterpretedWorkspace<T> ws, bool training)
    {
        int stage = layerIndex;
        int length = batch * Spec.GetLayout(layerIndex).InputSize;
        double keep = stage == 0 ? Spec.InputKeepProbability : Spec.Layers[stage - 1].KeepProbability;
        if (training && keep < 1.0)
        {
            return ws.DroppedActivations[stage].AsSpan(0, length);
        }

        return stage == 0 ? inputs : ws.Activations[stage].AsSpan(0, length);
    }

    private static void Activate(DenseLayerSpec layer, ReadOnlySpan<T> z, Span<T> a)
    {
        switch (layer.Activation)
        {
            case Activation.Identity:
                z.CopyTo(a);
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(z, a);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(z, a);
                break;
            case Activation.ReLU:
                TensorPrimitives.Max(z, T.Zero, a);
                break;
            case Activation.LeakyReLU:
                T alpha = T.CreateChecked(layer.LeakySlope);
                for (int i = 0; i < z.Length; i++)
                {
                    a[i] = z[i] > T.Zero ? z[i] : alpha * z[i];
                }

                break;
            case Activation.Softmax:
                Softmax(z, a);
                break;
            case Activation.Step:
                for (int i = 0; i < z.Length; i++)
                {
                    a[i] = z[i] > T.Zero ? T.One : T.Zero;
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown activation {layer.Activation}.");
        }
    }

    // δ ⊙= σ'(z), written in terms of a = σ(z), which is all the workspace keeps. For (leaky) ReLU a > 0 exactly when z > 0.
    private static void MultiplyByDerivative(DenseLayerSpec layer, ReadOnlySpan<T> a, Span<T> delta)
    {
        switch (layer.Activation)
        {
            case Activation.Identity:
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= a[i] * (T.One - a[i]);
                }

                break;
            case Activation.Tanh:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= T.One - a[i] * a[i];
                }

                break;
            case Activation.ReLU:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] = a[i] > T.Zero ? delta[i] : T.Zero;
                }

                break;
            case Activation.LeakyReLU:
                T alpha = T.CreateChecked(layer.LeakySlope);
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] = a[i] > T.Zero ? delta[i] : alpha * delta[i];
                }

                break;
            default:
                throw new InvalidOperationException($"The {layer.Activation} activation has no elementwise derivative.");
        }
    }

    // Subtracting the maximum keeps every exponent ≤ 0, so nothing overflows.
    private static void Softmax(ReadOnlySpan<T> z, Span<T> a)
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, a);
        TensorPrimitives.Exp(a, a);
        T sum = TensorPrimitives.Sum<T>(a);
        TensorPrimitives.Divide(a, sum, a);
    }

    private static T LogSumExp(ReadOnlySpan<T> z)
    {
        T max = TensorPrimitives.Max(z);
        T sum = T.Zero;
        for (int j = 0; j < z.Length; j++)
        {
            sum += T.Exp(z[j] - max);
        }

        return max + T.Log(sum);
    }
}
