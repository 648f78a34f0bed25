using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen;

// The runtime's one definition of each loss: the per-sample cost C_x, the output error δ^L = ∂C_x/∂z^L it starts
// backpropagation with (BP1, with the fused forms for the matched output activations), and its directional derivative
// R{δ^L}, the start of a Hessian or Gauss–Newton product. The interpreted engine reads them from here.

/// <summary>What the runtime knows about a loss apart from its arithmetic.</summary>
internal abstract class LossDefinition
{
    /// <summary>The loss described.</summary>
    public abstract Loss Loss { get; }

    /// <summary>The per-sample cost, e.g. <c>C = ½‖y − a‖²</c>.</summary>
    public abstract string Equation { get; }

    /// <summary>The output activation with which δ^L fuses to a − y, or null if BP1 applies σ′ (the quadratic cost).</summary>
    public abstract Activation? FusedOutput { get; }
}

/// <summary>A loss's arithmetic for one sample in <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal abstract class LossKernel<T> : LossDefinition
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// C_x for one sample and, unless <paramref name="delta"/> is empty, δ^L = ∇_a C ⊙ σ′(z^L) (BP1) into it.
    /// </summary>
    /// <param name="output">The output layer's activation.</param>
    /// <param name="outputLayer">The output layer.</param>
    /// <param name="z">z^L.</param>
    /// <param name="a">a^L = σ(z^L).</param>
    /// <param name="y">The target.</param>
    /// <param name="delta">Receives δ^L, or empty.</param>
    public abstract T SampleLossAndDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta);

    /// <summary>
    /// R{δ^L} for one sample, from R{z^L}: the exact (Hessian) form, or the Gauss–Newton form that drops the terms second
    /// order in the network.
    /// </summary>
    /// <param name="output">The output layer's activation.</param>
    /// <param name="outputLayer">The output layer.</param>
    /// <param name="z">z^L.</param>
    /// <param name="a">a^L.</param>
    /// <param name="y">The target.</param>
    /// <param name="rz">R{z^L}.</param>
    /// <param name="rd">Receives R{δ^L}.</param>
    /// <param name="first">Scratch for σ′ of an elementwise output, as long as a sample.</param>
    /// <param name="second">Scratch for σ″, as long as a sample.</param>
    /// <param name="exact">Whether the Hessian (true) or the Gauss–Newton matrix (false) is wanted.</param>
    public abstract void DirectionalDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, Span<T> rd, Span<T> first, Span<T> second, bool exact);
}

/// <summary>The losses by their enum value.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal static class LossTable<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // In enum order; ActivationTableTests checks that every Loss has its entry at its value.
    private static readonly LossKernel<T>[] Kernels =
    [
        new MeanSquaredErrorLoss<T>(),
        new BinaryCrossEntropyLoss<T>(),
        new SoftmaxCrossEntropyLoss<T>(),
    ];

    /// <summary>The entry for <paramref name="loss"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such loss.</exception>
    public static LossKernel<T> For(Loss loss) =>
        (uint)loss < (uint)Kernels.Length
            ? Kernels[(int)loss]
            : throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
}

/// <summary>The losses' descriptions, independent of the number type.</summary>
internal static class LossTable
{
    /// <summary>The description of <paramref name="loss"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such loss.</exception>
    public static LossDefinition For(Loss loss) => LossTable<double>.For(loss);
}

/// <summary>C = ½‖y − a‖²: δ = (a − y) ⊙ σ′(z), through softmax's Jacobian for a softmax output.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal sealed class MeanSquaredErrorLoss<T> : LossKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override Loss Loss => Loss.MeanSquaredError;

    public override string Equation => "C = ½‖y − a‖²";

    public override Activation? FusedOutput => null;

    public override T SampleLossAndDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta)
    {
        bool computeDelta = !delta.IsEmpty;
        T sampleLoss = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            T error = a[j] - y[j];
            sampleLoss += error * error;
            if (computeDelta)
            {
                delta[j] = error;
            }
        }

        if (computeDelta)
        {
            if (output.IsElementwise)
            {
                output.MultiplyByDerivative(outputLayer, z, a, delta);
            }
            else
            {
                // Softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = a − y.
                T projection = TensorPrimitives.Dot(a, delta);
                for (int j = 0; j < a.Length; j++)
                {
                    delta[j] = a[j] * (delta[j] - projection);
                }
            }
        }

        return sampleLoss * T.CreateChecked(0.5);
    }

    public override void DirectionalDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, Span<T> rd, Span<T> first, Span<T> second, bool exact)
    {
        if (!output.IsElementwise)
        {
            // δ_j = a_j (g_j − s) with g = a − y and s = a·g; R{g} = R{a}, R{s} = Σ_k R{a_k} g_k + a_k R{a_k}.
            SoftmaxJacobian.Multiply(a, rz, rd);
            T s0 = T.Zero;
            T rs = T.Zero;
            T ra0 = T.Zero;
            for (int j = 0; j < a.Length; j++)
            {
                T g = a[j] - y[j];
                s0 += a[j] * g;
                rs += rd[j] * g + a[j] * rd[j];
                ra0 += a[j] * rd[j];
            }

            for (int j = 0; j < a.Length; j++)
            {
                T ra = rd[j];
                rd[j] = exact
                    ? ra * (a[j] - y[j] - s0) + a[j] * (ra - rs)
                    : a[j] * (ra - ra0);
            }

            return;
        }

        // δ = (a − y) ⊙ σ′(z): R{δ} = σ′² R{z} + (a − y) σ″ R{z}; Gauss–Newton drops the second term.
        output.Derivatives(outputLayer, z, a, first, exact ? second : default);
        for (int j = 0; j < a.Length; j++)
        {
            T d1 = first[j];
            T value = d1 * rz[j] * d1;
            rd[j] = exact ? value + (a[j] - y[j]) * second[j] * rz[j] : value;
        }
    }
}

/// <summary>
/// Binary cross-entropy on a sigmoid output, C = −Σ [y ln a + (1 − y) ln(1 − a)], computed from z so that no logarithm
/// of a rounded-to-0 a is taken; δ = a − y.
/// </summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal sealed class BinaryCrossEntropyLoss<T> : LossKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override Loss Loss => Loss.BinaryCrossEntropy;

    public override string Equation => "C = −Σ [y ln a + (1 − y) ln(1 − a)]";

    public override Activation? FusedOutput => Activation.Sigmoid;

    public override T SampleLossAndDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta)
    {
        // −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − y z + ln(1 + e^(−|z|)), finite for every z.
        bool computeDelta = !delta.IsEmpty;
        T sampleLoss = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            sampleLoss += T.Max(z[j], T.Zero) - y[j] * z[j] + T.LogP1(T.Exp(-T.Abs(z[j])));
            if (computeDelta)
            {
                delta[j] = a[j] - y[j];
            }
        }

        return sampleLoss;
    }

    public override void DirectionalDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, Span<T> rd, Span<T> first, Span<T> second, bool exact)
    {
        // δ = a − y, so R{δ} = R{a} = a(1 − a) R{z}; the cost is convex in z, so both forms coincide.
        for (int j = 0; j < a.Length; j++)
        {
            rd[j] = a[j] * (T.One - a[j]) * rz[j];
        }
    }
}

/// <summary>Log-likelihood of a softmax output, C = −Σ y ln a, from z by log-sum-exp; δ = a Σy − y.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
internal sealed class SoftmaxCrossEntropyLoss<T> : LossKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override Loss Loss => Loss.SoftmaxCrossEntropy;

    public override string Equation => "C = −Σ y ln a";

    public override Activation? FusedOutput => Activation.Softmax;

    public override T SampleLossAndDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta)
    {
        // ln a_j = z_j − logΣexp(z): C_x = −Σ y_j ln a_j without ever taking the log of a rounded-to-0 a_j.
        T logSumExp = LogSumExp(z);
        T sumY = T.Zero;
        T sampleLoss = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            sampleLoss -= y[j] * (z[j] - logSumExp);
            sumY += y[j];
        }

        if (!delta.IsEmpty)
        {
            // δ = a Σy − y, which is a − y for one-hot or probability targets.
            for (int j = 0; j < a.Length; j++)
            {
                delta[j] = a[j] * sumY - y[j];
            }
        }

        return sampleLoss;
    }

    public override void DirectionalDelta(ActivationKernel<T> output, DenseLayerSpec outputLayer, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> rz, Span<T> rd, Span<T> first, Span<T> second, bool exact)
    {
        // δ = a Σy − y, so R{δ} = R{a} Σy; the cost is convex in z, so both forms coincide.
        SoftmaxJacobian.Multiply(a, rz, rd);
        T sumY = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            sumY += y[j];
        }

        for (int j = 0; j < a.Length; j++)
        {
            rd[j] *= sumY;
        }
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

/// <summary>The product of softmax's Jacobian with a vector.</summary>
internal static class SoftmaxJacobian
{
    /// <summary>result = J v = a ⊙ (v − a·v) for a = softmax(z): R{a} from R{z}.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> v, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T projection = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            projection += a[j] * v[j];
        }

        for (int j = 0; j < a.Length; j++)
        {
            result[j] = a[j] * (v[j] - projection);
        }
    }
}
