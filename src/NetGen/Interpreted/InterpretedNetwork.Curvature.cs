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
        SeededRandom? dropoutRandom = null)
    {
        var loss = RequireLoss();
        int batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.CheckLength(vector.Length, Spec.ParameterCount, nameof(vector), "vector entries");
        NetworkGuard.CheckLength(product.Length, Spec.ParameterCount, nameof(product), "product entries");
        NetworkGuard.CheckNoOverlap(vector, product);
        NetworkGuard.CheckCurvatureKind(kind);
        var ws = AsOwnWorkspace(workspace);
        bool training = dropoutRandom is not null;
        bool exact = kind == CurvatureKind.Hessian;

        ForwardBatch(inputs, batch, ws, dropoutRandom);
        T total = OutputLossAndDelta(loss, targets, batch, ws, computeDelta: true);
        DirectionalForward(inputs, batch, ws, vector, training);
        DirectionalOutputDelta(loss, targets, batch, ws, exact);
        DirectionalBackward(inputs, batch, ws, vector, training, exact, product);
        T scale = T.One / T.CreateChecked(batch);
        SpanMath.Scale(product, scale);
        return total * scale;
    }

    private void DirectionalForward(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, ReadOnlySpan<T> vector, bool training)
    {
        for (int l = 0; l < Spec.Layers.Count; l++)
        {
            var layer = Spec.Layers[l];
            var layout = Spec.GetLayout(l);
            int stage = l + 1;
            int n = layout.InputSize;
            int m = layout.OutputSize;
            ReadOnlySpan<T> x = LayerInput(inputs, l, batch, ws, training);
            ReadOnlySpan<T> rx = l > 0 ? ws.DirectionalLayerOutputs[l].AsSpan(0, batch * n) : default;
            ReadOnlySpan<T> weights = _parameters.AsSpan(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> directionWeights = vector.Slice(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> directionBiases = vector.Slice(layout.BiasesOffset, m);
            Span<T> rz = ws.DirectionalWeightedInputs[stage].AsSpan(0, batch * m);
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
                Span<T> rxOut = ws.DirectionalLayerOutputs[stage].AsSpan(0, rz.Length);
                for (int i = 0; i < rz.Length; i++)
                {
                    rxOut[i] = Derivative(layer, a[i]) * rz[i];
                }

                if (training && layer.HasDropout)
                {
                    TensorPrimitives.Multiply(rxOut, ws.Masks[stage].AsSpan(0, rxOut.Length), rxOut);
                }
            }
        }
    }

    // R{δ^L} for each loss. Cross-entropy with its matched output is a function of z^L whose Hessian is first-order in
    // the network, so the exact and Gauss–Newton forms coincide; for the quadratic cost they differ by (a − y) σ''.
    private void DirectionalOutputDelta(Loss loss, ReadOnlySpan<T> targets, int batch, InterpretedWorkspace<T> ws, bool exact)
    {
        int outputs = Spec.OutputSize;
        int stage = Spec.Layers.Count;
        var outputLayer = Spec.Layers[^1];
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<T> y = targets.Slice(s * outputs, outputs);
            ReadOnlySpan<T> a = ws.Activations[stage].AsSpan(s * outputs, outputs);
            ReadOnlySpan<T> rz = ws.DirectionalWeightedInputs[stage].AsSpan(s * outputs, outputs);
            Span<T> rd = ws.DirectionalDeltas[stage].AsSpan(s * outputs, outputs);
            if (loss == Loss.SoftmaxCrossEntropy || (loss == Loss.MeanSquaredError && outputLayer.Activation == Activation.Softmax))
            {
                // R{a} = J_softmax R{z} = a ⊙ (R{z} − a·R{z}), kept in rd until the loss's own form is applied.
                T projection = T.Zero;
                for (int j = 0; j < outputs; j++)
                {
                    projection += a[j] * rz[j];
                }

                for (int j = 0; j < outputs; j++)
                {
                    rd[j] = a[j] * (rz[j] - projection);
                }
            }

            switch (loss)
            {
                case Loss.SoftmaxCrossEntropy:
                {
                    // δ = a Σy − y, so R{δ} = R{a} Σy.
                    T sumY = T.Zero;
                    for (int j = 0; j < outputs; j++)
                    {
                        sumY += y[j];
                    }

                    for (int j = 0; j < outputs; j++)
                    {
                        rd[j] *= sumY;
                    }

                    break;
                }

                case Loss.BinaryCrossEntropy:
                    // δ = a − y, so R{δ} = R{a} = a(1 − a) R{z}.
                    for (int j = 0; j < outputs; j++)
                    {
                        rd[j] = a[j] * (T.One - a[j]) * rz[j];
                    }

                    break;

                case Loss.MeanSquaredError when outputLayer.Activation == Activation.Softmax:
                {
                    // δ_j = a_j (g_j − s) with g = a − y and s = a·g; R{g} = R{a}, R{s} = Σ_k R{a_k} g_k + a_k R{a_k}.
                    T s0 = T.Zero;
                    T rs = T.Zero;
                    T ra0 = T.Zero;
                    for (int j = 0; j < outputs; j++)
                    {
                        T g = a[j] - y[j];
                        s0 += a[j] * g;
                        rs += rd[j] * g + a[j] * rd[j];
                        ra0 += a[j] * rd[j];
                    }

                    for (int j = 0; j < outputs; j++)
                    {
                        T ra = rd[j];
                        rd[j] = exact
                            ? ra * (a[j] - y[j] - s0) + a[j] * (ra - rs)
                            : a[j] * (ra - ra0);
                    }

                    break;
                }

                default:
                    // δ = (a − y) ⊙ σ'(z): R{δ} = σ'² R{z} + (a − y) σ'' R{z}; Gauss–Newton drops the second term.
                    for (int j = 0; j < outputs; j++)
                    {
                        T d1 = Derivative(outputLayer, a[j]);
                        T value = d1 * rz[j] * d1;
                        rd[j] = exact ? value + (a[j] - y[j]) * SecondDerivative(outputLayer, a[j]) * rz[j] : value;
                    }

                    break;
            }
        }
    }

    private void DirectionalBackward(ReadOnlySpan<T> inputs, int batch, InterpretedWorkspace<T> ws, ReadOnlySpan<T> vector, bool training, bool exact, Span<T> product)
    {
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
            ReadOnlySpan<T> rx = l > 0 ? ws.DirectionalLayerOutputs[l].AsSpan(0, batch * n) : default;
            ReadOnlySpan<T> deltas = ws.Deltas[stage].AsSpan(0, batch * m);
            ReadOnlySpan<T> directionalDeltas = ws.DirectionalDeltas[stage].AsSpan(0, batch * m);
            Span<T> back = l > 0 ? ws.Deltas[stage - 1].AsSpan(0, batch * n) : default;
            Span<T> directionalBack = l > 0 ? ws.DirectionalDeltas[stage - 1].AsSpan(0, batch * n) : default;
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
                ReadOnlySpan<T> rz = ws.DirectionalWeightedInputs[stage - 1].AsSpan(0, back.Length);
                ReadOnlySpan<T> mask = training && previous.HasDropout ? ws.Masks[stage - 1].AsSpan(0, back.Length) : default;
                for (int i = 0; i < back.Length; i++)
                {
                    T g = back[i];
                    T rg = directionalBack[i];
                    if (!mask.IsEmpty)
                    {
                        g *= mask[i];
                        rg *= mask[i];
                    }

                    T d1 = Derivative(previous, a[i]);
                    directionalBack[i] = exact ? rg * d1 + g * SecondDerivative(previous, a[i]) * rz[i] : rg * d1;
                    back[i] = g * d1;
                }
            }
        }
    }

    // σ'(z) in terms of a = σ(z).
    private static T Derivative(DenseLayerSpec layer, T a) => layer.Activation switch
    {
        Activation.Sigmoid => a * (T.One - a),
        Activation.Tanh => T.One - a * a,
        Activation.ReLU => a > T.Zero ? T.One : T.Zero,
        Activation.LeakyReLU => a > T.Zero ? T.One : T.CreateChecked(layer.LeakySlope),
        _ => T.One,
    };

    // σ''(z) in terms of a: sigmoid σ'(1 − 2a), tanh −2a(1 − a²); zero for the piecewise-linear ones.
    private static T SecondDerivative(DenseLayerSpec layer, T a) => layer.Activation switch
    {
        Activation.Sigmoid => a * (T.One - a) * (T.One - (a + a)),
        Activation.Tanh => -(a + a) * (T.One - a * a),
        _ => T.Zero,
    };
}
