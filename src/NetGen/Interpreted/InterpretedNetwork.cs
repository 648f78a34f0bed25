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

    // Each layer's activation entry, looked up once: Forward on a small network is a few hundred nanoseconds, where a
    // table lookup per layer per call shows.
    private readonly ActivationKernel<T>[] _activations;

    /// <summary>Creates a network with all parameters zero; initialise or load them before use.</summary>
    /// <param name="spec">The architecture.</param>
    public InterpretedNetwork(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        _parameters = new T[spec.ParameterCount];
        _activations = new ActivationKernel<T>[spec.Layers.Count];
        for (int l = 0; l < _activations.Length; l++)
        {
            _activations[l] = ActivationTable<T>.For(spec.Layers[l].Activation);
        }
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
                _activations[l].Activate(layer, a, a);
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
        SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, default, gradient, workspace, dropoutRandom);

    /// <inheritdoc/>
    public T ComputeLossAndGradient(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> sampleWeights,
        Span<T> gradient,
        NetworkWorkspace workspace,
        SeededRandom? dropoutRandom = null)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.CheckLength(gradient.Length, Spec.ParameterCount, nameof(gradient), "gradient entries");
        T weightSum = NetworkGuard.SampleWeightSum(sampleWeights, batch);
        var ws = AsOwnWorkspace(workspace);

        ForwardBatch(inputs, batch, ws, dropoutRandom);
        T total = OutputLossAndDelta(loss, targets, sampleWeights, batch, ws, computeDelta: true);
        Backpropagate(inputs, batch, ws, dropoutRandom is not null, gradient);
        T scale = NetworkGuard.MeanScale(weightSum);
        SpanMath.Scale(gradient, scale);
        return total * scale;
    }

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace) =>
        ComputeLoss(inputs, targets, default, workspace);

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, NetworkWorkspace workspace)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        T weightSum = NetworkGuard.SampleWeightSum(sampleWeights, batch);
        var ws = AsOwnWorkspace(workspace);
        ForwardBatch(inputs, batch, ws, dropoutRandom: null);
        return NetworkGuard.WeightedMean(OutputLossAndDelta(loss, targets, sampleWeights, batch, ws, computeDelta: false), weightSum);
    }

    private Loss RequireLoss() =>
        Spec.IsTrainable
            ? Spec.Loss!.Value
            : throw new InvalidOperationException($"The network {Spec} is forward-only (it has no loss, or a Step layer); it cannot compute a loss or gradient.");

    private InterpretedWorkspace<T> AsOwnWorkspace(NetworkWorkspace workspace) =>
        workspace as InterpretedWorkspace<T> ?? throw NetworkGuard.ForeignWorkspace(workspace, typeof(InterpretedWorkspace<T>));

    // z = W·x + b for one sample, along W's contiguous rows.
    private void WeightedInput(DenseLayerLayout layout, ReadOnlySpan<T> x, Span<T> z) =>
        SpanMath.MatrixVector<T>(
            _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount),
            x,
            _parameters.AsSpan(layout.BiasesOffset, layout.OutputSize),
            z);

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
            Span<T> z = isOutput ? ws.OutputWeightedInputs.AsSpan(0, a.Length)
                : ws.WeightedInputs[stage].Length > 0 ? ws.WeightedInputs[stage].AsSpan(0, a.Length)
                : a;
            for (int s = 0; s < batch; s++)
            {
                WeightedInput(layout, x.Slice(s * layout.InputSize, layout.InputSize), z.Slice(s * layout.OutputSize, layout.OutputSize));
            }

            _activations[l].Activate(layer, z, a);

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

    // Sums w_x C_x over the batch and, when asked, writes δ^L = w_x ∇_a C ⊙ σ'(z^L) (BP1) with the fused forms for matched
    // pairs; without weights, w_x = 1 and nothing is multiplied.
    private T OutputLossAndDelta(Loss loss, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, int batch, InterpretedWorkspace<T> ws, bool computeDelta)
    {
        int outputs = Spec.OutputSize;
        int stage = Spec.Layers.Count;
        var outputLayer = Spec.Layers[^1];
        var output = ActivationTable<T>.For(outputLayer.Activation);
        var cost = LossTable<T>.For(loss);
        T total = T.Zero;
        for (int s = 0; s < batch; s++)
        {
            T sampleLoss = cost.SampleLossAndDelta(
                output,
                outputLayer,
                ws.OutputWeightedInputs.AsSpan(s * outputs, outputs),
                ws.Activations[stage].AsSpan(s * outputs, outputs),
                targets.Slice(s * outputs, outputs),
                computeDelta ? ws.Deltas[stage].AsSpan(s * outputs, outputs) : default);
            total += sampleWeights.IsEmpty ? sampleLoss : sampleWeights[s] * sampleLoss;
        }

        if (computeDelta && !sampleWeights.IsEmpty)
        {
            SpanMath.ScaleRows<T>(ws.Deltas[stage], sampleWeights, outputs);
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

                ActivationTable<T>.For(previous.Activation).MultiplyByDerivative(
                    previous,
                    HiddenWeightedInputs(ws, stage - 1, previousDeltas.Length),
                    ws.Activations[stage - 1].AsSpan(0, previousDeltas.Length),
                    previousDeltas);
            }
        }
    }

    // z of a hidden stage where its activation needs it, else empty (the derivatives then read a alone).
    private static ReadOnlySpan<T> HiddenWeightedInputs(InterpretedWorkspace<T> ws, int stage, int length) =>
        ws.WeightedInputs[stage].Length > 0 ? ws.WeightedInputs[stage].AsSpan(0, length) : default;

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
}
