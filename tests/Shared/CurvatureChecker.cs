using System;
using NetGen;

namespace NetGen.Testing;

/// <summary>Independent checks of curvature-vector products: finite differences of the gradient, symmetry, Jacobians.</summary>
internal static class CurvatureChecker
{
    /// <summary>‖H v − (∇C(w + εv) − ∇C(w − εv)) / 2ε‖ / ‖(…)‖: the normwise relative error of H v.</summary>
    public static double HessianError(ISecondOrderNetwork<double> network, double[] inputs, double[] targets, double[] v, ulong? dropoutSeed = null, double epsilon = 1e-5, double[]? sampleWeights = null)
    {
        int p = network.Spec.ParameterCount;
        var workspace = network.CreateWorkspace(inputs.Length / network.Spec.InputSize);
        var product = new double[p];
        if (sampleWeights is null)
        {
            network.ComputeCurvatureProduct(inputs, targets, v, product, workspace, CurvatureKind.Hessian, Source(dropoutSeed));
        }
        else
        {
            network.ComputeCurvatureProduct(inputs, targets, sampleWeights, v, product, workspace, CurvatureKind.Hessian, Source(dropoutSeed));
        }

        var original = network.Parameters.ToArray();
        var plus = new double[p];
        var minus = new double[p];
        void Gradient(double[] gradient)
        {
            if (sampleWeights is null)
            {
                network.ComputeLossAndGradient(inputs, targets, gradient, workspace, Source(dropoutSeed));
            }
            else
            {
                network.ComputeLossAndGradient(inputs, targets, sampleWeights, gradient, workspace, Source(dropoutSeed));
            }
        }

        Shift(network, original, v, epsilon);
        Gradient(plus);
        Shift(network, original, v, -epsilon);
        Gradient(minus);
        original.CopyTo(network.Parameters);

        double difference = 0;
        double scale = 0;
        for (int i = 0; i < p; i++)
        {
            double numeric = (plus[i] - minus[i]) / (2 * epsilon);
            difference += (product[i] - numeric) * (product[i] - numeric);
            scale += numeric * numeric;
        }

        return Math.Sqrt(difference / scale);
    }

    /// <summary>
    /// The Gauss–Newton product of a quadratic-cost network built from its definition, G v = (1/T) Σ_x J_xᵀ (J_x v) with
    /// J_x = ∂a^L/∂w from central differences of Forward: entirely independent of the R-operator.
    /// </summary>
    public static double[] GaussNewtonFromJacobian(INetwork<double> network, double[] inputs, double[] v, double epsilon = 1e-6, double[]? sampleWeights = null)
    {
        int p = network.Spec.ParameterCount;
        int n = network.Spec.InputSize;
        int outputs = network.Spec.OutputSize;
        int batch = inputs.Length / n;
        var jacobian = new double[batch, outputs, p];
        var plus = new double[outputs];
        var minus = new double[outputs];
        var parameters = network.Parameters;
        for (int i = 0; i < p; i++)
        {
            double original = parameters[i];
            for (int s = 0; s < batch; s++)
            {
                parameters[i] = original + epsilon;
                network.Forward(inputs.AsSpan(s * n, n), plus);
                parameters[i] = original - epsilon;
                network.Forward(inputs.AsSpan(s * n, n), minus);
                for (int o = 0; o < outputs; o++)
                {
                    jacobian[s, o, i] = (plus[o] - minus[o]) / (2 * epsilon);
                }
            }

            parameters[i] = original;
        }

        var result = new double[p];
        double weightSum = 0;
        for (int s = 0; s < batch; s++)
        {
            weightSum += sampleWeights?[s] ?? 1.0;
        }

        for (int s = 0; s < batch; s++)
        {
            double weight = sampleWeights?[s] ?? 1.0;
            for (int o = 0; o < outputs; o++)
            {
                double jv = 0;
                for (int i = 0; i < p; i++)
                {
                    jv += jacobian[s, o, i] * v[i];
                }

                for (int i = 0; i < p; i++)
                {
                    result[i] += weight * jacobian[s, o, i] * jv / weightSum;
                }
            }
        }

        return result;
    }

    public static double[] Product(ISecondOrderNetwork<double> network, double[] inputs, double[] targets, double[] v, CurvatureKind kind)
    {
        var product = new double[network.Spec.ParameterCount];
        network.ComputeCurvatureProduct(inputs, targets, v, product, network.CreateWorkspace(inputs.Length / network.Spec.InputSize), kind);
        return product;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    public static double[] RandomVector(int length, ulong seed)
    {
        var random = new SeededRandom(seed);
        var v = new double[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = random.NextGaussian();
        }

        return v;
    }

    private static void Shift(INetwork<double> network, double[] original, double[] v, double step)
    {
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = original[i] + step * v[i];
        }
    }

    private static SeededRandom? Source(ulong? seed) => seed is { } s ? new SeededRandom(s) : null;
}
