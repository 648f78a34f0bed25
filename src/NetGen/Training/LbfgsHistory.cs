using System;
using System.Numerics.Tensors;

namespace NetGen.Training;

/// <summary>
/// The last m curvature pairs of L-BFGS, sₖ = wₖ₊₁ − wₖ and yₖ = ∇fₖ₊₁ − ∇fₖ with ρₖ = 1/(yₖᵀsₖ), in a ring of
/// preallocated rows, and the two-loop recursion that multiplies a gradient by the inverse-Hessian approximation they
/// define (Nocedal &amp; Wright, Algorithm 7.4).
/// </summary>
internal sealed class LbfgsHistory
{
    private readonly int _parameterCount;
    private readonly double[] _s;
    private readonly double[] _y;
    private readonly double[] _rho;
    private readonly double[] _alpha;
    // The ring slot of the oldest pair; pairs are kept oldest to newest from there.
    private int _first;

    public LbfgsHistory(int capacity, int parameterCount)
    {
        _parameterCount = parameterCount;
        _s = new double[(long)capacity * parameterCount];
        _y = new double[(long)capacity * parameterCount];
        _rho = new double[capacity];
        _alpha = new double[capacity];
    }

    /// <summary>m, the most pairs kept.</summary>
    public int Capacity => _rho.Length;

    /// <summary>The pairs kept, at most <see cref="Capacity"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets every pair: the next direction is steepest descent.</summary>
    public void Clear()
    {
        Count = 0;
        _first = 0;
    }

    /// <summary>sᵢ of the i-th pair, oldest first.</summary>
    public ReadOnlySpan<double> S(int i) => _s.AsSpan(Slot(i) * _parameterCount, _parameterCount);

    /// <summary>yᵢ of the i-th pair, oldest first.</summary>
    public ReadOnlySpan<double> Y(int i) => _y.AsSpan(Slot(i) * _parameterCount, _parameterCount);

    /// <summary>ρᵢ = 1/(yᵢᵀsᵢ) of the i-th pair, oldest first.</summary>
    public double Rho(int i) => _rho[Slot(i)];

    /// <summary>
    /// The row the next pair's s is written into: the slot after the newest, which is the oldest's once the ring is
    /// full. Fill it and <see cref="NextY"/>, then call <see cref="TryCommit"/>; until then the history is unchanged.
    /// </summary>
    public Span<double> NextS() => _s.AsSpan(NextSlot * _parameterCount, _parameterCount);

    /// <summary>The row the next pair's y is written into (see <see cref="NextS"/>).</summary>
    public Span<double> NextY() => _y.AsSpan(NextSlot * _parameterCount, _parameterCount);

    private int NextSlot => (_first + Count) % Capacity;

    /// <summary>
    /// Keeps the pair written into <see cref="NextS"/> and <see cref="NextY"/> (dropping the oldest if the ring is full) when its curvature
    /// yᵀs is positive beyond rounding, ε·yᵀy; a pair without it would make the approximation indefinite and is skipped.
    /// </summary>
    /// <returns>Whether the pair was kept.</returns>
    public bool TryCommit()
    {
        Span<double> s = NextS();
        Span<double> y = NextY();
        double curvature = TensorPrimitives.Dot<double>(y, s);
        double yy = TensorPrimitives.Dot<double>(y, y);
        if (!(curvature > double.Epsilon * yy && double.IsFinite(curvature) && double.IsFinite(yy)) || !double.IsFinite(1.0 / curvature))
        {
            return false;
        }

        Store(curvature);
        return true;
    }

    /// <summary>Adds a pair whose ρ is given (a restored checkpoint), after its rows were written through
    /// <see cref="NextS"/> and <see cref="NextY"/>.</summary>
    public void CommitWithRho(double rho) => Store(1.0 / rho, rho);

    /// <summary>
    /// direction ← −H·gradient by the two-loop recursion, with H₀ = γI, γ = sᵀy/yᵀy of the newest pair (1 without
    /// pairs, so the first direction is −∇f).
    /// </summary>
    public void ComputeDirection(ReadOnlySpan<double> gradient, Span<double> direction)
    {
        Span<double> q = direction;
        gradient.CopyTo(q);
        for (int i = Count - 1; i >= 0; i--)
        {
            double alpha = Rho(i) * TensorPrimitives.Dot(S(i), q);
            _alpha[i] = alpha;
            TensorPrimitives.MultiplyAdd(Y(i), -alpha, q, q);
        }

        double gamma = 1.0;
        if (Count > 0)
        {
            var y = Y(Count - 1);
            gamma = 1.0 / (Rho(Count - 1) * TensorPrimitives.Dot(y, y));
        }

        TensorPrimitives.Multiply(q, gamma, q);
        for (int i = 0; i < Count; i++)
        {
            double beta = Rho(i) * TensorPrimitives.Dot(Y(i), q);
            TensorPrimitives.MultiplyAdd(S(i), _alpha[i] - beta, q, q);
        }

        TensorPrimitives.Negate<double>(q, q);
    }

    private void Store(double curvature, double? rho = null)
    {
        _rho[NextSlot] = rho ?? 1.0 / curvature;
        if (Count < Capacity)
        {
            Count++;
        }
        else
        {
            _first = (_first + 1) % Capacity;
        }
    }

    private int Slot(int i) => (_first + i) % Capacity;
}
