using System;
using System.Numerics;

namespace NetGen.Bayesian;

/// <summary>
/// The Jacobian of a network's predictive output f(x) with respect to its parameters, one sample at a time, and the
/// Hessian of the loss in that output: everything the generalised Gauss–Newton matrix G = (1/n) Σ_x Jᵀ H J and the
/// linearised (Laplace) predictive need. f is the output a for the squared error, the logits z for a sigmoid with
/// binary cross-entropy, and the centred logits z − mean(z) for a softmax with cross-entropy (a softmax ignores a
/// constant added to every logit, so only the centred ones carry uncertainty).
/// </summary>
/// <remarks>
/// Row k of J comes from one backward pass of the network's own gradient, on a batch of one with the target chosen so
/// that the output error δᴸ is the unit vector of output k (its centred version for softmax): y = a − u makes the
/// quadratic cost's δ = (a − y) ⊙ σ′(z) equal to σ′(z_k) e_k, so the gradient is ∂a_k/∂w, and the fused
/// cross-entropies' δ = a Σy − y equal to u. So K outputs cost K gradient passes, on generated and interpreted networks
/// alike, and no new derivative code. Allocation-free after construction; not thread-safe.
/// </remarks>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class OutputJacobian<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainableNetwork<T> _network;
    private readonly NetworkWorkspace _workspace;
    private readonly T[] _output;
    private readonly T[] _target;
    private readonly T[] _gradient;
    private readonly OutputSpace _space;

    /// <summary>Creates the buffers for <paramref name="network"/>.</summary>
    /// <param name="network">A network with a loss.</param>
    /// <exception cref="ArgumentException">The network cannot be trained (no loss, or a Step layer).</exception>
    public OutputJacobian(ITrainableNetwork<T> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!network.Spec.IsTrainable)
        {
            throw new ArgumentException($"The network {network.Spec} has no loss to take a Jacobian through.", nameof(network));
        }

        _network = network;
        _workspace = network.CreateWorkspace(1);
        _output = new T[network.Spec.OutputSize];
        _target = new T[network.Spec.OutputSize];
        _gradient = new T[network.Spec.ParameterCount];
        _space = network.Spec.Loss switch
        {
            Loss.SoftmaxCrossEntropy => OutputSpace.CentredLogits,
            Loss.BinaryCrossEntropy => OutputSpace.Logits,
            _ => OutputSpace.Outputs,
        };
    }

    /// <summary>K, the number of outputs (rows of J).</summary>
    public int OutputCount => _output.Length;

    /// <summary>P, the number of parameters (columns of J).</summary>
    public int ParameterCount => _gradient.Length;

    /// <summary>
    /// Computes the network's output a for <paramref name="input"/> and, for each output k, row k of J restricted to
    /// the parameters [<paramref name="offset"/>, offset + count), count = jacobian.Length / K.
    /// </summary>
    /// <param name="input">One sample.</param>
    /// <param name="output">Receives a (K values).</param>
    /// <param name="jacobian">Receives J's rows, K × count, row-major, in double.</param>
    /// <param name="offset">The first parameter of the slice.</param>
    public void Compute(ReadOnlySpan<T> input, Span<double> output, Span<double> jacobian, int offset = 0)
    {
        int k = _output.Length;
        if (output.Length != k || jacobian.Length % k != 0)
        {
            throw new ArgumentException($"output needs {k} values and jacobian a multiple of {k}; they have {output.Length} and {jacobian.Length}.", nameof(jacobian));
        }

        int count = jacobian.Length / k;
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset + count > _gradient.Length)
        {
            throw new ArgumentException($"The slice [{offset}, {offset + count}) runs past the {_gradient.Length} parameters.", nameof(jacobian));
        }

        _network.Forward(input, _output);
        for (int j = 0; j < k; j++)
        {
            output[j] = double.CreateTruncating(_output[j]);
        }

        T centre = _space == OutputSpace.CentredLogits ? T.One / T.CreateTruncating(k) : T.Zero;
        for (int row = 0; row < k; row++)
        {
            // y = a − u, with u = e_row (centred for softmax): the gradient is then Jᵀu, row `row` of J.
            for (int j = 0; j < k; j++)
            {
                T u = (j == row ? T.One : T.Zero) - centre;
                _target[j] = _output[j] - u;
            }

            _network.ComputeLossAndGradient(input, _target, _gradient, _workspace, dropoutRandom: null);
            Span<double> destination = jacobian.Slice(row * count, count);
            ReadOnlySpan<T> source = _gradient.AsSpan(offset, count);
            for (int i = 0; i < count; i++)
            {
                destination[i] = double.CreateTruncating(source[i]);
            }
        }
    }

    /// <summary>
    /// The loss's Hessian in the output f at the output a, as H = diag(h) − c cᵀ: the squared error h = 1, c = 0; a
    /// sigmoid with binary cross-entropy h = a(1 − a), c = 0; a softmax with cross-entropy h = a, c = a.
    /// </summary>
    /// <param name="output">a.</param>
    /// <param name="diagonal">Receives h.</param>
    /// <param name="lowRank">Receives c.</param>
    public void OutputHessian(ReadOnlySpan<double> output, Span<double> diagonal, Span<double> lowRank)
    {
        for (int j = 0; j < output.Length; j++)
        {
            double a = output[j];
            (diagonal[j], lowRank[j]) = _space switch
            {
                OutputSpace.CentredLogits => (a, a),
                OutputSpace.Logits => (a * (1.0 - a), 0.0),
                _ => (1.0, 0.0),
            };
        }
    }

    /// <summary>Whether f is a logit space (cross-entropies) rather than the outputs themselves (squared error).</summary>
    public bool IsLogitSpace => _space != OutputSpace.Outputs;

    private enum OutputSpace
    {
        Outputs,
        Logits,
        CentredLogits,
    }
}
