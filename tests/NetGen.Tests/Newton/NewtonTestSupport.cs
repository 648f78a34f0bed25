using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Tests.Newton;

internal static class NewtonTestSupport
{
    public const int SinePoints = 41;

    /// <summary>sin(πx) at 41 evenly spaced x in [−1, 1].</summary>
    public static Dataset<double> Sine(int points = SinePoints, double offset = 0.0)
    {
        var x = new double[points];
        var y = new double[points];
        for (int i = 0; i < points; i++)
        {
            x[i] = -1.0 + (2.0 * i / (points - 1)) + offset;
            y[i] = Math.Sin(Math.PI * x[i]);
        }

        return new Dataset<double>(x, y, 1, 1);
    }

    /// <summary>All parameters, biases included, from N(0, 1) with <paramref name="seed"/>. Nonzero biases break the
    /// odd symmetry that zero biases impose on the sine fit (their gradient stays zero there).</summary>
    public static void InitializeGaussian(Span<double> parameters, ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = random.NextGaussian();
        }
    }

    public static double[] Uniform(int count, ulong seed, double low = -1.0, double high = 1.0)
    {
        var random = new SeededRandom(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = low + ((high - low) * random.NextDouble());
        }

        return values;
    }

    /// <summary>Mean over points and outputs of (y − a)², with Forward: twice the network's quadratic loss.</summary>
    public static double MeanSquaredError(INetwork<double> network, Dataset<double> data)
    {
        var output = new double[data.TargetCount];
        double total = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            var y = data.GetTargets(i);
            for (int j = 0; j < output.Length; j++)
            {
                total += (y[j] - output[j]) * (y[j] - output[j]);
            }
        }

        return total / (data.Count * data.TargetCount);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    public static long[] Bits(ReadOnlySpan<double> values) => values.ToArray().Select(BitConverter.DoubleToInt64Bits).ToArray();

    public static double RelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        double difference = 0;
        double scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            scale += expected[i] * expected[i];
        }

        return Math.Sqrt(difference / scale);
    }

    /// <summary>Solves A x = b by Gaussian elimination with partial pivoting (A is copied).</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++)
            {
                if (Math.Abs(m[i, k]) > Math.Abs(m[pivot, k]))
                {
                    pivot = i;
                }
            }

            for (int j = 0; j < n; j++)
            {
                (m[k, j], m[pivot, j]) = (m[pivot, j], m[k, j]);
            }

            (x[k], x[pivot]) = (x[pivot], x[k]);
            for (int i = k + 1; i < n; i++)
            {
                double factor = m[i, k] / m[k, k];
                for (int j = k; j < n; j++)
                {
                    m[i, j] -= factor * m[k, j];
                }

                x[i] -= factor * x[k];
            }
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double sum = x[i];
            for (int j = i + 1; j < n; j++)
            {
                sum -= m[i, j] * x[j];
            }

            x[i] = sum / m[i, i];
        }

        return x;
    }

    /// <summary>The eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.</summary>
    public static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off < 1e-30)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0)
                    {
                        continue;
                    }

                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    double c = 1 / Math.Sqrt((t * t) + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p];
                        double akq = a[k, q];
                        a[k, p] = (c * akp) - (s * akq);
                        a[k, q] = (s * akp) + (c * akq);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k];
                        double aqk = a[q, k];
                        a[p, k] = (c * apk) - (s * aqk);
                        a[q, k] = (s * apk) + (c * aqk);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p];
                        double vkq = v[k, q];
                        v[k, p] = (c * vkp) - (s * vkq);
                        v[k, q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = a[i, i];
        }

        return (values, v);
    }

    /// <summary>The dense curvature matrix from P products with unit vectors (independent of the optimizer's code).</summary>
    public static double[,] CurvatureMatrix(ISecondOrderNetwork<double> network, double[] inputs, double[] targets, CurvatureKind kind)
    {
        int p = network.Spec.ParameterCount;
        var workspace = network.CreateWorkspace(inputs.Length / network.Spec.InputSize);
        var unit = new double[p];
        var product = new double[p];
        var matrix = new double[p, p];
        for (int j = 0; j < p; j++)
        {
            unit[j] = 1;
            network.ComputeCurvatureProduct(inputs, targets, unit, product, workspace, kind);
            unit[j] = 0;
            for (int i = 0; i < p; i++)
            {
                matrix[i, j] = product[i];
            }
        }

        return matrix;
    }
}

/// <summary>Drives a Newton state directly, one step on a fixed batch, as the trainer would.</summary>
internal sealed class NewtonDriver<T>
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly ITrainableNetwork<T> _network;
    private readonly T[] _inputs;
    private readonly T[] _targets;
    private readonly NetworkWorkspace _workspace;
    private readonly T[] _gradient;
    private readonly Regularization _regularization;

    public NewtonDriver(ITrainableNetwork<T> network, NewtonOptimizer optimizer, T[] inputs, T[] targets, double l2 = 0.0, int? trainingSetSize = null)
    {
        _network = network;
        _inputs = inputs;
        _targets = targets;
        int batch = inputs.Length / network.Spec.InputSize;
        _workspace = network.CreateWorkspace(batch);
        _gradient = new T[network.Spec.ParameterCount];
        _regularization = new Regularization(0.0, l2, trainingSetSize ?? batch);
        State = optimizer.CreateNewtonState<T>(network.Spec);
    }

    public NewtonOptimizerState<T> State { get; }

    /// <summary>The regularised objective of the whole network at the current parameters.</summary>
    public double Objective()
    {
        T loss = _network.ComputeLoss(_inputs, _targets, _workspace);
        return double.CreateTruncating(loss + _regularization.Penalty<T>(_network.Spec, _network.Parameters));
    }

    public OptimizerStepOutcome Step(int step = 0)
    {
        T loss = _network.ComputeLossAndGradient(_inputs, _targets, _gradient, _workspace);
        T objective = loss + _regularization.Penalty<T>(_network.Spec, _network.Parameters);
        _regularization.AddGradientTerms<T>(_network.Spec, _network.Parameters, _gradient);
        var context = new TrainingStepContext<T>(_network, _inputs, _targets, _workspace, _gradient, loss, objective, 1.0, _regularization, 0, step);
        return State.Step(in context);
    }
}
