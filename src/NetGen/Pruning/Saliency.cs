using System;
using System.Numerics;
using NetGen.Bayesian;
using NetGen.Curvature;
using NetGen.Data;

namespace NetGen.Pruning;

/// <summary>How a weight's saliency (the loss increase its removal would cause) is measured.</summary>
public enum SaliencyMethod
{
    /// <summary>w², the usual baseline: small weights go first.</summary>
    Magnitude = 0,

    /// <summary>
    /// Optimal Brain Damage with the exact diagonal of the Gauss–Newton matrix: ½ G_ii w_i², G_ii = (1/n) Σ_x
    /// Σ_jk J_ji H_jk J_ki from each sample's output Jacobian (K gradient passes per sample; <see cref="OutputJacobian{T}"/>).
    /// The Gauss–Newton diagonal is LeCun, Denker and Solla's own (they drop the second-derivative terms of the
    /// activations); positive, so every saliency is.
    /// </summary>
    GaussNewtonDiagonal = 1,

    /// <summary>OBD with the exact diagonal of the Hessian, from P products with unit vectors: for small networks.</summary>
    HessianDiagonal = 2,

    /// <summary>OBD with Hutchinson's estimate of the Hessian diagonal, E[z ⊙ Hz] over Rademacher z (Bekas, Kokiopoulou
    /// and Saad): a product per probe; noisy for entries small against their row.</summary>
    HessianDiagonalEstimate = 3,
}

/// <summary>Weight saliencies for pruning: magnitude and Optimal Brain Damage.</summary>
public static class Saliency
{
    /// <summary>The curvature diagonal <paramref name="method"/> uses (all ones for <see cref="SaliencyMethod.Magnitude"/>),
    /// over <paramref name="data"/> at the network's current parameters.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network.</param>
    /// <param name="data">The samples the loss is averaged over (the training set).</param>
    /// <param name="method">Which diagonal.</param>
    /// <param name="probes">Probes of <see cref="SaliencyMethod.HessianDiagonalEstimate"/>.</param>
    /// <param name="seed">Their seed.</param>
    public static double[] CurvatureDiagonal<T>(ISecondOrderNetwork<T> network, Dataset<T> data, SaliencyMethod method, int probes = 100, ulong seed = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        int p = network.Spec.ParameterCount;
        var diagonal = new double[p];
        switch (method)
        {
            case SaliencyMethod.Magnitude:
                diagonal.AsSpan().Fill(2.0);
                return diagonal;

            case SaliencyMethod.GaussNewtonDiagonal:
                GaussNewtonDiagonal(network, data, diagonal);
                return diagonal;

            case SaliencyMethod.HessianDiagonal:
            {
                var hessian = new CurvatureOperator<T>(network, data, CurvatureKind.Hessian);
                var unit = new double[p];
                var column = new double[p];
                for (int i = 0; i < p; i++)
                {
                    unit[i] = 1.0;
                    hessian.Multiply(unit, column);
                    unit[i] = 0.0;
                    diagonal[i] = column[i];
                }

                return diagonal;
            }

            case SaliencyMethod.HessianDiagonalEstimate:
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(probes, 1);
                var hessian = new CurvatureOperator<T>(network, data, CurvatureKind.Hessian);
                var random = new SeededRandom(seed);
                var z = new double[p];
                var product = new double[p];
                for (int probe = 0; probe < probes; probe++)
                {
                    HutchinsonTrace.FillRademacher(random, z, default);
                    hessian.Multiply(z, product);
                    for (int i = 0; i < p; i++)
                    {
                        diagonal[i] += z[i] * product[i] / probes;
                    }
                }

                return diagonal;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown saliency method.");
        }
    }

    /// <summary>The OBD saliencies ½ d_i w_i² for the curvature diagonal <paramref name="diagonal"/> (w² for magnitude).</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="parameters">w.</param>
    /// <param name="diagonal">d, from <see cref="CurvatureDiagonal"/>.</param>
    public static double[] FromDiagonal<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<double> diagonal)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var saliency = new double[parameters.Length];
        for (int i = 0; i < saliency.Length; i++)
        {
            double w = double.CreateTruncating(parameters[i]);
            saliency[i] = 0.5 * diagonal[i] * w * w;
        }

        return saliency;
    }

    // diag G = (1/n) Σ_x Σ_k (h_k J_ki² ) − (Σ_k c_k J_ki)², with H = diag(h) − ccᵀ at each sample.
    private static void GaussNewtonDiagonal<T>(ITrainableNetwork<T> network, Dataset<T> data, double[] diagonal)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var jacobian = new OutputJacobian<T>(network);
        int k = jacobian.OutputCount;
        int p = jacobian.ParameterCount;
        var rows = new double[k * p];
        var output = new double[k];
        var h = new double[k];
        var c = new double[k];
        var combined = new double[p];
        for (int sample = 0; sample < data.Count; sample++)
        {
            jacobian.Compute(data.GetFeatures(sample), output, rows);
            jacobian.OutputHessian(output, h, c);
            combined.AsSpan().Clear();
            for (int j = 0; j < k; j++)
            {
                ReadOnlySpan<double> row = rows.AsSpan(j * p, p);
                for (int i = 0; i < p; i++)
                {
                    diagonal[i] += h[j] * row[i] * row[i];
                    combined[i] += c[j] * row[i];
                }
            }

            for (int i = 0; i < p; i++)
            {
                diagonal[i] -= combined[i] * combined[i];
            }
        }

        for (int i = 0; i < p; i++)
        {
            diagonal[i] /= data.Count;
        }
    }
}
