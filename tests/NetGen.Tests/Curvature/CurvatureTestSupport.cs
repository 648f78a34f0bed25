using System;
using System.Linq;
using NetGen.Data;

namespace NetGen.Tests.Curvature;

internal static class CurvatureTestSupport
{
    /// <summary>Eigenvalues (ascending) and eigenvectors (columns of the returned matrix) of a symmetric matrix by the
    /// cyclic Jacobi method: an oracle independent of the library's Householder + QL.</summary>
    public static (double[] Values, double[,] Vectors) Jacobi(double[] matrix, int n)
    {
        var a = new double[n, n];
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1.0;
            for (int j = 0; j < n; j++)
            {
                a[i, j] = matrix[(i * n) + j];
            }
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0.0;
            double total = 0.0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    total += a[i, j] * a[i, j];
                    if (i != j)
                    {
                        off += a[i, j] * a[i, j];
                    }
                }
            }

            if (off <= 1e-30 * total)
            {
                break;
            }

            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0.0)
                    {
                        continue;
                    }

                    double theta = (a[q, q] - a[p, p]) / (2.0 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1.0));
                    double c = 1.0 / Math.Sqrt((t * t) + 1.0);
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

        var order = Enumerable.Range(0, n).OrderBy(i => a[i, i]).ToArray();
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = new double[n, n];
        for (int c = 0; c < n; c++)
        {
            for (int r = 0; r < n; r++)
            {
                vectors[r, c] = v[r, order[c]];
            }
        }

        return (values, vectors);
    }

    /// <summary>Random inputs in [−1, 1] and targets: regression values, or one-hot classes when <paramref name="classes"/>.</summary>
    public static Dataset<double> RandomData(int count, int inputs, int outputs, bool classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var x = new double[count * inputs];
        var y = new double[count * outputs];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (2.0 * random.NextDouble()) - 1.0;
        }

        for (int s = 0; s < count; s++)
        {
            if (classes)
            {
                y[(s * outputs) + random.NextInt32(outputs)] = 1.0;
            }
            else
            {
                for (int o = 0; o < outputs; o++)
                {
                    y[(s * outputs) + o] = random.NextGaussian();
                }
            }
        }

        return new Dataset<double>(x, y, inputs, outputs);
    }

    /// <summary>Parameters from N(0, scale²).</summary>
    public static void Randomize(Span<double> parameters, ulong seed, double scale = 0.7)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = scale * random.NextGaussian();
        }
    }
}
