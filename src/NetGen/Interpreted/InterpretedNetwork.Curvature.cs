using System;
using System.Numerics.Tensors;
using NetGen.Numerics;

namespace NetGen;

// Curvature-vector products by Pearlmutter's R-operator, R{f} = d/dr f(w + r v) at r = 0. The forward pass carries
// R{z^l} = V^l x^(l−1) + W^l R{x^(l−1)} + v_b^l and R{x^l} = σ'(z^l) ⊙ R{z^l} ⊙ m^l; the backward pass carries
// R{δ^l} = (((V^(l+1))ᵀ δ^(l+1) + (W^(l+1))ᵀ R{δ^(l+1)}) ⊙ m^l) ⊙ σ'(z^l) + ((W^(l+1))ᵀ δ^(l+1) ⊙ m^l) ⊙ σ''(z^l) ⊙ R{z^l},
// and the product is R{∂C/∂W^l} = R{δ^l} x^(l−1)ᵀ + δ^l R{x^(l−1)}ᵀ, R{∂C/∂b^l} = R{δ^l}. The Gauss–Newton product keeps
// only the first-order terms: its output error is H_out·(J v) and it is backpropagated like an ordinary δ.
public sealed partial class InterpretedNetwork<T>
{
    /// <inheritdoc/>
    public T ComputeCurvatureProduct(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> vector,
        Span<T> product,
        NetworkWorkspace workspace,
        CurvatureKind kind = CurvatureKind.Hessian,
        SeededRandom? dropoutRandom = null) =>
        ComputeCurvatureProduct(inputs, targets, default, vector, product, workspace, kind, dropoutRandom);

    /// <inheritdoc/>
    public T ComputeCurvatureProduct(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> vector,
        Span<T> product,
        NetworkWorkspace workspace,
        CurvatureKind kind = CurvatureKind.Hessian,
        SeededRandom? dropoutRandom = null)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.CheckLength(vector.Length, Spec.ParameterCount, nameof(vector), "vector entries");
        NetworkGuard.CheckLength(product.Length, Spec.ParameterCount, nameof(product), "product entries");
        NetworkGuard.CheckNoOverlap(vector, product);
        NetworkGuard.CheckCurvatureKind(kind);
        T weightSum = NetworkGuard.SampleWeightSum(sampleWeights, batch);
        var ws = AsOwnWorkspace(workspace);
        bool training = dropoutRandom is not null;
        bool exact = kind == CurvatureKind.Hessian;

        ForwardBatch(inputs, batch, ws, dropoutRandom);
        T total = OutputLossAndDelta(loss, targets, sampleWeights, batch, ws, computeDelta: true);
        DirectionalForward(inputs, batch, ws, vector, training);
        DirectionalOutputDelta(loss, targets, batch, ws, exact);
        if (!sampleWeights.IsEmpty)
        {
            // Each sample's share of the product is linear in its δ and R{δ} together; δ already carries w_x.
            SpanMath.ScaleRows<T>(ws.Curvature.DirectionalDeltas[Spec.Layers.Count], sampleWeights, Spec.OutputSize);
        }

        DirectionalBackward(inputs, batch, ws, vector, training, exact, product);
        T scale = NetworkGuard.MeanScale(weightSum);
        SpanMath.Scale(product, scale);
        return total * scale;
    }

    private void DirectionalForward(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, ReadOnlySpan<T> vector, bool training)
    {
        var curvature = ws.Curvature;
        for (int l = 0; l < Spec.Layers.Count; l++)
        {
            var layer = Spec.Layers[l];
            var layout = Spec.GetLayout(l);
            int stage = l + 1;
            int n = layout.InputSize;
            int m = layout.OutputSize;
            ReadOnlySpan<T> x = LayerInput(inputs, l, batch, ws, training);
            ReadOnlySpan<T> rx = l > 0 ? curvature.DirectionalLayerOutputs[l].AsSpan(0, batch * n) : default;
            ReadOnlySpan<T> weights = _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> directionWeights = vector.Slice(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> directionBiases = vector.Slice(layout.BiasesOffset, m);
            Span<T> rz = curvature.DirectionalWeightedInputs[stage].AsSpan(0, batch * m);
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> xs = x.Slice(s * n, n);
                for (int j = 0; j < m; j++)
                {
                    T value = TensorPrimitives.Dot(directionWeights.Slice(j * n, n), xs);
                    if (l > 0)
                    {
                        value += TensorPrimitives.Dot(weights.Slice(j * n, n), rx.Slice(s * n, n));
                    }

                    rz[s * m + j] = value + directionBiases[j];
                }
            }

            if (l < Spec.Layers.Count - 1)
            {
                ReadOnlySpan<T> a = ws.Activations[stage].AsSpan(0, rz.Length);
                Span<T> rxOut = curvature.DirectionalLayerOutputs[stage].AsSpan(0, rz.Length);
                ActivationTable<T>.For(layer.Activation).ScaleByDerivative(layer, HiddenWeightedInputs(ws, stage, rz.Length), a, rz, rxOut);

                if (training && layer.HasDropout)
                {
                    TensorPrimitives.Multiply(rxOut, ws.Masks[stage].AsSpan(0, rxOut.Length), rxOut);
                }
            }
        }
    }

    // R{δ^L}, sample by sample, from the loss's entry.
    private void DirectionalOutputDelta(Loss loss, ReadOnlySpan<T> targets, int batch, InterpretedWorkspace<T> ws, bool exact)
    {
        var curvature = ws.Curvature;
        int outputs = Spec.OutputSize;
        int stage = Spec.Layers.Count;
        var outputLayer = Spec.Layers[^1];
        var output = ActivationTable<T>.For(outputLayer.Activation);
        var cost = LossTable<T>.For(loss);
        Span<T> first = curvature.FirstDerivatives.AsSpan(0, outputs);
        Span<T> second = curvature.SecondDerivatives.AsSpan(0, outputs);
        for (int s = 0; s < batch; s++)
        {
            cost.DirectionalDelta(
                output,
                outputLayer,
                ws.OutputWeightedInputs.AsSpan(s * outputs, outputs),
                ws.Activations[stage].AsSpan(s * outputs, outputs),
                targets.Slice(s * outputs, outputs),
                curvature.DirectionalWeightedInputs[stage].AsSpan(s * outputs, outputs),
                curvature.DirectionalDeltas[stage].AsSpan(s * outputs, outputs),
                first,
                second,
                exact);
        }
    }

    private void DirectionalBackward(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, ReadOnlySpan<T> vector, bool training, bool exact, Span<T> product)
    {
        var curvature = ws.Curvature;
        product.Clear();
        for (int l = Spec.Layers.Count - 1; l >= 0; l--)
        {
            var layout = Spec.GetLayout(l);
            int stage = l + 1;
            int n = layout.InputSize;
            int m = layout.OutputSize;
            ReadOnlySpan<T> weights = _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> directionWeights = vector.Slice(layout.WeightsOffset, layout.WeightCount);
            Span<T> weightProduct = product.Slice(layout.WeightsOffset, layout.WeightCount);
            Span<T> biasProduct = product.Slice(layout.BiasesOffset, m);
            ReadOnlySpan<T> x = LayerInput(inputs, l, batch, ws, training);
            ReadOnlySpan<T> rx = l > 0 ? curvature.DirectionalLayerOutputs[l].AsSpan(0, batch * n) : default;
            ReadOnlySpan<T> deltas = ws.Deltas[stage].AsSpan(0, batch * m);
            ReadOnlySpan<T> directionalDeltas = curvature.DirectionalDeltas[stage].AsSpan(0, batch * m);
            Span<T> back = l > 0 ? ws.Deltas[stage - 1].AsSpan(0, batch * n) : default;
            Span<T> directionalBack = l > 0 ? curvature.DirectionalDeltas[stage - 1].AsSpan(0, batch * n) : default;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<T> delta = deltas.Slice(s * m, m);
                ReadOnlySpan<T> rdelta = directionalDeltas.Slice(s * m, m);
                TensorPrimitives.Add(biasProduct, rdelta, biasProduct);
                for (int j = 0; j < m; j++)
                {
                    Span<T> row = weightProduct.Slice(j * n, n);
                    TensorPrimitives.MultiplyAdd(x.Slice(s * n, n), rdelta[j], row, row);
                    if (exact && l > 0)
                    {
                        TensorPrimitives.MultiplyAdd(rx.Slice(s * n, n), delta[j], row, row);
                    }
                }

                if (l > 0)
                {
                    Span<T> g = back.Slice(s * n, n);
                    Span<T> rg = directionalBack.Slice(s * n, n);
                    g.Clear();
                    rg.Clear();
                    for (int j = 0; j < m; j++)
                    {
                        TensorPrimitives.MultiplyAdd(weights.Slice(j * n, n), delta[j], g, g);
                        TensorPrimitives.MultiplyAdd(weights.Slice(j * n, n), rdelta[j], rg, rg);
                        if (exact)
                        {
                            TensorPrimitives.MultiplyAdd(directionWeights.Slice(j * n, n), delta[j], rg, rg);
                        }
                    }
                }
            }

            if (l > 0)
            {
                var previous = Spec.Layers[l - 1];
                ReadOnlySpan<T> a = ws.Activations[stage - 1].AsSpan(0, back.Length);
                ReadOnlySpan<T> rz = curvature.DirectionalWeightedInputs[stage - 1].AsSpan(0, back.Length);
                ReadOnlySpan<T> mask = training && previous.HasDropout ? ws.Masks[stage - 1].AsSpan(0, back.Length) : default;
                ReadOnlySpan<T> z = HiddenWeightedInputs(ws, stage - 1, back.Length);
                var activation = ActivationTable<T>.For(previous.Activation);
                Span<T> first = curvature.FirstDerivatives.AsSpan(0, n);
                Span<T> second = exact ? curvature.SecondDerivatives.AsSpan(0, n) : default;
                for (int s = 0; s < batch; s++)
                {
                    int start = s * n;
                    activation.Derivatives(previous, z.IsEmpty ? z : z.Slice(start, n), a.Slice(start, n), first, second);
                    for (int k = 0; k < n; k++)
                    {
                        int i = start + k;
                        T g = back[i];
                        T rg = directionalBack[i];
                        if (!mask.IsEmpty)
                        {
                            g *= mask[i];
                            rg *= mask[i];
                        }

                        T d1 = first[k];
                        directionalBack[i] = exact ? rg * d1 + g * second[k] * rz[i] : rg * d1;
                        back[i] = g * d1;
                    }
                }
            }
        }
    }
}
