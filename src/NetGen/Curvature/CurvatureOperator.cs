using System;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Data;

namespace NetGen.Curvature;

/// <summary>
/// The curvature of a network's mean loss over a whole data set, H or the Gauss–Newton G, as a symmetric operator in
/// double: each <see cref="Multiply"/> runs the network's exact product
/// (<see cref="ISecondOrderNetwork{T}.ComputeCurvatureProduct(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, NetworkWorkspace, CurvatureKind, SeededRandom?)"/>) over the set in chunks and weights each chunk's mean
/// by its size. The network's parameters are read at every product, so the operator follows them as they change.
/// </summary>
/// <typeparam name="T">The network's floating-point type; the operator's vectors are double regardless.</typeparam>
/// <remarks>
/// <para>
/// One product costs about two gradient passes over the set (Pearlmutter's R-operator: a forward and a backward pass of
/// the directional derivative). Products are taken with the whole network (no dropout). A single-precision network's
/// products carry single-precision rounding (relative error about 1e-7); checks that need more use a double network.
/// </para>
/// <para>
/// Memory, allocated here once: a workspace for <c>min(n, chunkSize)</c> samples and two vectors of P values of T.
/// Products allocate nothing.
/// </para>
/// </remarks>
public sealed class CurvatureOperator<T> : ISymmetricOperator
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The default number of samples per product call.</summary>
    public const int DefaultChunkSize = 512;

    private readonly ISecondOrderNetwork<T> _network;
    private readonly Dataset<T> _data;
    private readonly NetworkWorkspace _workspace;
    private readonly int _chunkSize;
    private readonly T[] _vector;
    private readonly T[] _product;

    /// <summary>Creates the operator for <paramref name="network"/>'s loss over <paramref name="data"/>.</summary>
    /// <param name="network">The network; its current parameters are used at every product.</param>
    /// <param name="data">The samples the mean loss runs over, at least one; not copied.</param>
    /// <param name="kind">The exact Hessian or the Gauss–Newton matrix; <see cref="Kind"/> can change it later.</param>
    /// <param name="chunkSize">The most samples per product call, at least 1.</param>
    /// <exception cref="ArgumentException">The data set is empty or does not fit the network.</exception>
    public CurvatureOperator(ISecondOrderNetwork<T> network, Dataset<T> data, CurvatureKind kind = CurvatureKind.GaussNewton, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        CheckData(network.Spec, data, nameof(data));
        _network = network;
        _data = data;
        Kind = kind;
        _chunkSize = Math.Min(chunkSize, data.Count);
        _workspace = network.CreateWorkspace(_chunkSize);
        _vector = new T[network.Spec.ParameterCount];
        _product = new T[network.Spec.ParameterCount];
    }

    /// <summary>The network whose curvature this is.</summary>
    public ISecondOrderNetwork<T> Network => _network;

    /// <summary>The samples the mean runs over.</summary>
    public Dataset<T> Data => _data;

    /// <summary>Which curvature <see cref="Multiply"/> applies.</summary>
    public CurvatureKind Kind
    {
        get;
        set => field = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The curvature must be Hessian or GaussNewton.");
    }

    /// <inheritdoc/>
    public int Dimension => _vector.Length;

    /// <summary>The number of whole-set products taken so far (<see cref="Multiply"/> calls, including those made by
    /// <see cref="AssembleDense"/>).</summary>
    public long ProductCount { get; private set; }

    /// <summary>Writes C·<paramref name="vector"/>, C the curvature of the mean loss over the whole set. Allocates
    /// nothing.</summary>
    /// <param name="vector">v, P long.</param>
    /// <param name="result">Receives C·v, P long.</param>
    /// <exception cref="ArgumentException">A span has the wrong length or they overlap.</exception>
    public void Multiply(ReadOnlySpan<double> vector, Span<double> result)
    {
        CurvatureGuard.CheckProduct(Dimension, vector, result);
        ProductCount++;

        // The product is linear in v: scale v to a largest entry of 1 before its conversion to T, which keeps a float
        // network's product clear of underflow and overflow, and scale the result back.
        double largest = TensorPrimitives.MaxMagnitude(vector);
        largest = Math.Abs(largest);
        result.Clear();
        if (largest == 0.0 || !double.IsFinite(largest))
        {
            if (!double.IsFinite(largest))
            {
                result.Fill(double.NaN);
            }

            return;
        }

        for (int i = 0; i < vector.Length; i++)
        {
            _vector[i] = T.CreateTruncating(vector[i] / largest);
        }

        int count = _data.Count;
        int inputs = _data.FeatureCount;
        int outputs = _data.TargetCount;
        for (int first = 0; first < count; first += _chunkSize)
        {
            int size = Math.Min(_chunkSize, count - first);
            _network.ComputeCurvatureProduct(
                _data.Features.Slice(first * inputs, size * inputs),
                _data.Targets.Slice(first * outputs, size * outputs),
                _vector,
                _product,
                _workspace,
                Kind,
                dropoutRandom: null);
            double weight = largest * size / count;
            for (int i = 0; i < result.Length; i++)
            {
                result[i] += weight * double.CreateTruncating(_product[i]);
            }
        }
    }

    /// <summary>The mean loss over the whole set at the current parameters (whole network). Allocates nothing.</summary>
    public double MeanLoss()
    {
        int count = _data.Count;
        double total = 0.0;
        for (int first = 0; first < count; first += _chunkSize)
        {
            int size = Math.Min(_chunkSize, count - first);
            T loss = _network.ComputeLoss(
                _data.Features.Slice(first * _data.FeatureCount, size * _data.FeatureCount),
                _data.Targets.Slice(first * _data.TargetCount, size * _data.TargetCount),
                _workspace);
            total += double.CreateTruncating(loss) * size;
        }

        return total / count;
    }

    /// <summary>
    /// Writes the whole P × P matrix C (row-major) from P products with the unit vectors, symmetrised as (A + Aᵀ)/2 to
    /// remove rounding asymmetry. P products and P² doubles: for small networks only.
    /// </summary>
    /// <param name="matrix">Receives C; P² long.</param>
    /// <exception cref="ArgumentException">The matrix has the wrong length.</exception>
    public void AssembleDense(Span<double> matrix)
    {
        int p = Dimension;
        if (matrix.Length != (long)p * p)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} entries; P = {p} needs {(long)p * p}.", nameof(matrix));
        }

        var unit = new double[p];
        for (int j = 0; j < p; j++)
        {
            unit[j] = 1.0;
            Multiply(unit, matrix.Slice(j * p, p));
            unit[j] = 0.0;
        }

        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                double mean = 0.5 * (matrix[(i * p) + j] + matrix[(j * p) + i]);
                matrix[(i * p) + j] = mean;
                matrix[(j * p) + i] = mean;
            }
        }
    }

    internal static void CheckData(NetworkSpec spec, Dataset<T> data, string parameterName)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", parameterName);
        }

        if (data.FeatureCount != spec.InputSize || data.TargetCount != spec.OutputSize)
        {
            throw new ArgumentException(
                $"The data set has {data.FeatureCount} features and {data.TargetCount} targets per sample; the network {spec} needs {spec.InputSize} and {spec.OutputSize}.",
                parameterName);
        }
    }
}
