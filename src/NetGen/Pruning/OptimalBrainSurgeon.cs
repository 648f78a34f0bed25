using System;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Curvature;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Pruning;

/// <summary>
/// Optimal Brain Surgeon (Hassibi and Stork): prunes one weight at a time, the one whose removal raises the quadratic
/// model of the loss least, L_q = w_q² / (2 [C⁻¹]_qq), and moves every other parameter by δw = −(w_q/[C⁻¹]_qq) C⁻¹e_q
/// to compensate. C is the Gauss–Newton matrix (or the Hessian) of the mean loss plus a small damping; its inverse is
/// held densely and updated after each removal (the constraint w_q = 0 becomes part of the model), so this is for small
/// networks: P products, P² doubles, about P³ multiply–adds for the inverse and P² per removed weight.
/// </summary>
public static class OptimalBrainSurgeon
{
    /// <summary>
    /// Prunes <paramref name="network"/> in place until <paramref name="sparsity"/> of its weights are zero, adjusting
    /// the rest, without retraining. Returns the mask.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A trained network with at most <see cref="NewtonOptimizer.MaximumDenseParameterCount"/>
    /// parameters.</param>
    /// <param name="data">The samples of the loss (the training set).</param>
    /// <param name="sparsity">The share of weights to prune, in [0, 1).</param>
    /// <param name="kind">The curvature; Gauss–Newton (positive semi-definite) by default.</param>
    /// <param name="damping">Added to C's diagonal, relative to its largest diagonal entry, so C is invertible; 1e-4 by
    /// default.</param>
    /// <param name="mask">A mask to continue from; a new one if null.</param>
    public static PruningMask Prune<T>(ISecondOrderNetwork<T> network, Dataset<T> data, double sparsity, CurvatureKind kind = CurvatureKind.GaussNewton, double damping = 1e-4, PruningMask? mask = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!(sparsity is >= 0.0 and < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "The sparsity must be in [0, 1).");
        }

        if (!(damping > 0.0) || !double.IsFinite(damping))
        {
            throw new ArgumentOutOfRangeException(nameof(damping), damping, "The damping must be positive and finite.");
        }

        int p = network.Spec.ParameterCount;
        if (p > NewtonOptimizer.MaximumDenseParameterCount)
        {
            throw new ArgumentException($"OBS holds a P × P inverse; P = {p} is more than one array holds. Use Pruner with OBD.", nameof(network));
        }

        mask ??= new PruningMask(network.Spec);
        var matrix = new double[p * p];
        new CurvatureOperator<T>(network, data, kind).AssembleDense(matrix);
        double largest = 0.0;
        for (int i = 0; i < p; i++)
        {
            largest = Math.Max(largest, Math.Abs(matrix[(i * p) + i]));
        }

        var inverse = Invert(matrix, p, damping * Math.Max(largest, double.Epsilon));
        var w = new double[p];
        for (int i = 0; i < p; i++)
        {
            w[i] = double.CreateTruncating(network.Parameters[i]);
        }

        // Weights pruned before (by an earlier call) are constraints too: remove them from the model first.
        for (int q = 0; q < p; q++)
        {
            if (mask.IsPruned(q))
            {
                Remove(inverse, w, p, q);
            }
        }

        int target = (int)Math.Round(sparsity * mask.WeightCount);
        while (mask.PrunedCount < target)
        {
            int best = -1;
            double bestSaliency = double.PositiveInfinity;
            for (int q = 0; q < p; q++)
            {
                if (!mask.IsWeight(q) || mask.IsPruned(q))
                {
                    continue;
                }

                double saliency = w[q] * w[q] / (2.0 * inverse[(q * p) + q]);
                if (saliency < bestSaliency)
                {
                    bestSaliency = saliency;
                    best = q;
                }
            }

            if (best < 0)
            {
                break;
            }

            Remove(inverse, w, p, best);
            mask.Prune(best);
        }

        for (int i = 0; i < p; i++)
        {
            network.Parameters[i] = T.CreateTruncating(w[i]);
        }

        mask.Apply(network.Parameters);
        return mask;
    }

    // Applies the OBS step for weight q (w ← w − (w_q/[C⁻¹]_qq) C⁻¹e_q, so w_q becomes 0) and conditions the inverse on
    // w_q = 0: C⁻¹ ← C⁻¹ − C⁻¹e_q e_qᵀC⁻¹ / [C⁻¹]_qq.
    private static void Remove(double[] inverse, double[] w, int p, int q)
    {
        double pivot = inverse[(q * p) + q];
        if (!(pivot > 0.0))
        {
            w[q] = 0.0;
            return;
        }

        var column = inverse.AsSpan(q * p, p).ToArray();
        TensorPrimitives.MultiplyAdd(column, -w[q] / pivot, w, w);
        w[q] = 0.0;
        for (int i = 0; i < p; i++)
        {
            double factor = column[i] / pivot;
            if (factor != 0.0)
            {
                TensorPrimitives.MultiplyAdd(column, -factor, inverse.AsSpan(i * p, p), inverse.AsSpan(i * p, p));
            }
        }
    }

    // (C + δI)⁻¹ by Cholesky, column by column.
    private static double[] Invert(double[] matrix, int p, double shift)
    {
        var diagonal = new double[p];
        for (int i = 0; i < p; i++)
        {
            diagonal[i] = matrix[(i * p) + i];
        }

        var factor = matrix.AsSpan().ToArray();
        double current = shift;
        while (!DenseCholesky.TryFactor(factor, diagonal, p, current))
        {
            // An indefinite Hessian: more damping until C + δI is positive definite.
            matrix.CopyTo(factor, 0);
            current *= 10.0;
            if (!double.IsFinite(current) || current > 1e30 * Math.Max(shift, double.Epsilon))
            {
                throw new ArithmeticException("The curvature matrix could not be made positive definite: it is not finite.");
            }
        }

        var inverse = new double[p * p];
        var column = new double[p];
        for (int j = 0; j < p; j++)
        {
            column.AsSpan().Clear();
            column[j] = 1.0;
            DenseCholesky.Solve(factor, p, column);
            column.CopyTo(inverse, j * p);
        }

        return inverse;
    }
}
