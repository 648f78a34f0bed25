using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Training;

/// <summary>
/// The state of a <see cref="NewtonOptimizer"/> for one network: the damping λ and Nielsen's ν, which persist between
/// steps, and every buffer the steps need, allocated here once. See <see cref="NewtonOptimizer"/> for the method.
/// </summary>
/// <typeparam name="T">The network's floating-point type; the linear algebra is done in double regardless.</typeparam>
public sealed class NewtonOptimizerState<T> : ICheckpointableOptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // ν doubles with every consecutive rejection; beyond this λ would only hit MaximumDamping sooner.
    private const double MaximumNu = 1 << 30;

    // After a rejection λ rises to at least this fraction of the damped curvature along the rejected step.
    private const double RiseFraction = 0.1;

    // Within-step rises after a Cholesky failure: at least ×4, and from at least this fraction of the largest |C_ii|.
    private const double CholeskyRiseFactor = 4.0;
    private const double CholeskyRiseScale = 1e-3;

    private const string DampingEntry = "damping";
    private const string NuEntry = "nu";

    private readonly NetworkSpec _spec;
    private readonly int _parameterCount;
    private readonly CurvatureKind _kind;
    private readonly double _initialDamping;
    private readonly double _minimumDamping;
    private readonly double _maximumDamping;
    private readonly int _maxIterations;
    private readonly double _tolerance;

    // Both modes: the starting point (restored bitwise on rejection), a direction and its product in T, and the
    // gradient and step in double.
    private readonly T[] _start;
    private readonly T[] _vector;
    private readonly T[] _product;
    private readonly double[] _gradient;
    private readonly double[] _step;


    // Dense mode: C's strict upper triangle and, after a factorisation, the Cholesky factor L in the lower triangle
    // and diagonal of the same row-major P × P array; C's diagonal separately, so a failed factorisation can be
    // retried with more damping without reassembling C.
    private readonly double[]? _matrix;
    private readonly double[]? _diagonal;

    // Hessian-free mode: the conjugate-gradient residual, direction and damped product.
    private readonly double[]? _residual;
    private readonly double[]? _direction;
    private readonly double[]? _dampedProduct;

    private double _damping;
    private double _nu = 2.0;

    internal NewtonOptimizerState(NetworkSpec spec, NewtonOptimizer settings, bool dense)
    {
        _spec = spec;
        _parameterCount = spec.ParameterCount;
        _kind = settings.Curvature;
        _initialDamping = settings.InitialDamping;
        _minimumDamping = settings.MinimumDamping;
        _maximumDamping = settings.MaximumDamping;
        _maxIterations = settings.MaxConjugateGradientIterations;
        _tolerance = settings.ConjugateGradientTolerance;
        IsDense = dense;

        int p = _parameterCount;
        _start = new T[p];
        _vector = new T[p];
        _product = new T[p];
        _gradient = new double[p];
        _step = new double[p];
        if (dense)
        {
            _matrix = new double[(long)p * p];
            _diagonal = new double[p];
        }
        else
        {
            _residual = new double[p];
            _direction = new double[p];
            _dampedProduct = new double[p];
        }

        _damping = Math.Min(_initialDamping, _maximumDamping);
        LastStep = NotTried(OptimizerStepOutcome.Applied);
    }

    /// <summary>The damping λ the next step starts from.</summary>
    public double Damping => _damping;

    /// <summary>Whether steps are solved densely (Cholesky) rather than by Hessian-free conjugate gradients.</summary>
    public bool IsDense { get; }

    /// <summary>The number of parameters P the state was created for.</summary>
    public int ParameterCount => _parameterCount;

    /// <summary>What the most recent <see cref="Step"/> did.</summary>
    public NewtonStepReport LastStep { get; private set; }

    /// <summary>Restores λ to <see cref="NewtonOptimizer.InitialDamping"/> and ν to 2.</summary>
    public void Reset()
    {
        _damping = Math.Min(_initialDamping, _maximumDamping);
        _nu = 2.0;
        LastStep = NotTried(OptimizerStepOutcome.Applied);
    }

    /// <summary>Saves λ and ν, the only state that carries from one step to the next.</summary>
    public OptimizerStateSnapshot SaveState() => new(
    [
        new KeyValuePair<string, double[]>(DampingEntry, [_damping]),
        new KeyValuePair<string, double[]>(NuEntry, [_nu]),
    ]);

    /// <summary>Restores λ and ν; λ must lie in [0, <see cref="NewtonOptimizer.MaximumDamping"/>] and ν in [2, 2³⁰].</summary>
    /// <param name="snapshot">A snapshot from <see cref="SaveState"/>.</param>
    /// <exception cref="ArgumentException">An entry is missing or out of range; the state is unchanged.</exception>
    public void RestoreState(OptimizerStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.RequireExactly(DampingEntry, NuEntry);
        double damping = snapshot.RequireScalar(DampingEntry, 0.0, _maximumDamping);
        double nu = snapshot.RequireScalar(NuEntry, 2.0, MaximumNu);
        _damping = damping;
        _nu = nu;
        LastStep = NotTried(OptimizerStepOutcome.Applied);
    }

    /// <summary>
    /// Computes the damped Newton step on the context's batch, tries it, and keeps it if the regularised objective fell;
    /// otherwise restores the parameters bitwise and returns <see cref="OptimizerStepOutcome.Rejected"/>. Adapts λ
    /// either way. Allocates nothing. A zero gradient is a stationary point: nothing changes and the step counts as
    /// applied.
    /// </summary>
    /// <param name="context">The batch, gradient and means of evaluating the objective.</param>
    /// <exception cref="NotSupportedException">The network does not implement <see cref="ISecondOrderNetwork{T}"/>.</exception>
    /// <exception cref="ArgumentException">The network's parameter count differs from the state's.</exception>
    public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
    {
        if (context.Network is not ISecondOrderNetwork<T> network)
        {
            throw new NotSupportedException(
                $"NewtonOptimizer needs curvature-vector products, but the network ({context.Network.GetType().Name}) does not implement ISecondOrderNetwork<{typeof(T).Name}>. Every generated trainable network and InterpretedNetwork<T> do.");
        }

        Span<T> parameters = context.Parameters;
        NetworkGuard.CheckLength(parameters.Length, _parameterCount, nameof(context), "parameters (the optimizer state was created for another layout)");
        parameters.CopyTo(_start);

        // The model's gradient, exact and of the whole network (see the remarks on dropout and clipping), and the
        // baseline objective, evaluated as the trial's will be, so the two compare like with like.
        if (!context.IsGradientExact)
        {
            // _product is free until the curvature products start.
            context.EvaluateObjectiveAndGradient(_product);
            ToDouble(_product, _gradient);
        }
        else
        {
            ToDouble(context.Gradient, _gradient);
        }

        double objectiveBefore = double.CreateTruncating(context.EvaluateObjective());

        double gradientSquared = TensorPrimitives.Dot<double>(_gradient, _gradient);
        if (gradientSquared == 0.0)
        {
            LastStep = NotTried(OptimizerStepOutcome.Applied);
            return OptimizerStepOutcome.Applied;
        }

        if (!double.IsFinite(objectiveBefore) || !double.IsFinite(gradientSquared))
        {
            return Reject(NotTried(OptimizerStepOutcome.Rejected), 0.0);
        }

        double l2Curvature = context.Regularization.L2 / context.Regularization.TrainingSetSize;
        var solve = IsDense
            ? SolveDense(network, context, l2Curvature)
            : SolveHessianFree(network, context, l2Curvature, gradientSquared);
        if (!solve.Solved)
        {
            // The curvature was not finite, or no damping up to the maximum made the system solvable.
            return Reject(NotTried(OptimizerStepOutcome.Rejected) with
            {
                Damping = _damping,
                DampingIncreases = solve.DampingIncreases,
                CurvatureProducts = solve.Products,
                NegativeCurvature = solve.NegativeCurvature,
            }, 0.0);
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = T.CreateTruncating(double.CreateTruncating(_start[i]) + _step[i]);
        }

        double objectiveAfter = double.CreateTruncating(context.EvaluateObjective());
        double actual = objectiveBefore - objectiveAfter;
        double predicted = solve.PredictedReduction;
        double rho = predicted > 0.0 ? actual / predicted : 0.0;
        var report = new NewtonStepReport(
            OptimizerStepOutcome.Applied, _damping, predicted, actual, rho, solve.DampingIncreases, solve.Products, solve.NegativeCurvature, IsDense);
        if (!(actual > 0.0))
        {
            // Also when the trial objective is NaN or infinite: the comparison is false.
            _start.CopyTo(parameters);
            return Reject(report with { Outcome = OptimizerStepOutcome.Rejected }, solve.StepCurvature);
        }

        // Nielsen's rule: ρ near 1 (the model was right) cuts λ to a third, ρ near 0 doubles it.
        double factor = rho > 0.0 ? Math.Max(1.0 / 3.0, 1.0 - Math.Pow(2.0 * rho - 1.0, 3)) : 2.0;
        if (_damping > 0.0)
        {
            _damping = Math.Clamp(_damping * factor, _minimumDamping, _maximumDamping);
        }

        _nu = 2.0;
        LastStep = report;
        return OptimizerStepOutcome.Applied;
    }

    // λ ← λν, but at least a tenth of the damped curvature along the rejected step, sᵀ(C + λI)s / sᵀs, which shortens
    // the next step along s by at least 10 %: a rejection from a λ that is tiny on the problem's scale (λ₀ = 0, or λ
    // after many decreases) is then not followed by a run of rejections of practically the same step.
    private OptimizerStepOutcome Reject(NewtonStepReport report, double stepCurvature)
    {
        double raised = Math.Max(_damping * _nu, double.IsFinite(stepCurvature) ? RiseFraction * stepCurvature : 0.0);
        _damping = Math.Clamp(raised, _minimumDamping, _maximumDamping);
        _nu = Math.Min(2.0 * _nu, MaximumNu);
        LastStep = report;
        return OptimizerStepOutcome.Rejected;
    }

    private static NewtonStepReport NotTried(OptimizerStepOutcome outcome) =>
        new(outcome, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, false, false);

    // ---- Dense: assemble C, factor C + λI = LLᵀ (raising λ until it succeeds), solve. ----

    private SolveResult SolveDense(ISecondOrderNetwork<T> network, in TrainingStepContext<T> context, double l2Curvature)
    {
        double[] matrix = _matrix!;
        double[] diagonal = _diagonal!;
        int p = _parameterCount;

        // Row j ← C e_j, column j of C. Then the strict upper triangle ← (A + Aᵀ)/2, the diagonal aside.
        _vector.AsSpan().Clear();
        for (int j = 0; j < p; j++)
        {
            _vector[j] = T.One;
            network.ComputeCurvatureProduct(context.Inputs, context.Targets, context.SampleWeights, _vector, _product, context.Workspace, _kind, dropoutRandom: null);
            _vector[j] = T.Zero;
            ToDouble(_product, matrix.AsSpan(j * p, p));
        }

        for (int i = 0; i < p; i++)
        {
            int row = i * p;
            diagonal[i] = matrix[row + i];
            for (int j = i + 1; j < p; j++)
            {
                matrix[row + j] = 0.5 * (matrix[row + j] + matrix[(j * p) + i]);
            }
        }

        AddToWeights(diagonal, l2Curvature, context.Regularization);
        bool finite = TensorPrimitives.IsFiniteAll<double>(matrix) && TensorPrimitives.IsFiniteAll<double>(diagonal);
        if (!finite)
        {
            return new SolveResult(false, double.NaN, double.NaN, 0, p, false);
        }

        double largestDiagonal = Math.Abs(TensorPrimitives.MaxMagnitude<double>(diagonal));
        int increases = 0;
        while (!DenseCholesky.TryFactor(matrix, diagonal, p, _damping))
        {
            if (_damping >= _maximumDamping)
            {
                return new SolveResult(false, double.NaN, double.NaN, increases, p, false);
            }

            double floor = Math.Max(CholeskyRiseScale * largestDiagonal, _minimumDamping);
            _damping = Math.Min(Math.Max(CholeskyRiseFactor * _damping, floor), _maximumDamping);
            increases++;
        }

        Span<double> step = _step;
        TensorPrimitives.Negate<double>(_gradient, step);
        DenseCholesky.Solve(matrix, p, step);

        // With (C + λI)s = −g: −(gᵀs + ½ sᵀCs) = ½(λ‖s‖² − gᵀs), and sᵀ(C + λI)s = −gᵀs.
        double stepSquared = TensorPrimitives.Dot<double>(step, step);
        double slope = TensorPrimitives.Dot<double>(_gradient, step);
        double predicted = 0.5 * ((_damping * stepSquared) - slope);
        return new SolveResult(true, predicted, -slope / stepSquared, increases, p, false);
    }

    // ---- Hessian-free: truncated conjugate gradients on (C + λI)s = −g. ----

    private SolveResult SolveHessianFree(ISecondOrderNetwork<T> network, in TrainingStepContext<T> context, double l2Curvature, double gradientSquared)
    {
        int increases = 0;
        int products = 0;
        bool negativeCurvature = false;
        while (true)
        {
            var outcome = ConjugateGradients(network, context, l2Curvature, gradientSquared, ref products, out double firstCurvature);
            switch (outcome)
            {
                case CgOutcome.Finished:
                    Span<double> step = _step;
                    // With r = −g − (C + λI)s: −(gᵀs + ½ sᵀCs) = ½(λ‖s‖² − gᵀs + sᵀr), and sᵀ(C + λI)s = −gᵀs − sᵀr.
                    double stepSquared = TensorPrimitives.Dot<double>(step, step);
                    double slope = TensorPrimitives.Dot<double>(_gradient, step);
                    double residualTerm = TensorPrimitives.Dot<double>(step, _residual);
                    double predicted = 0.5 * ((_damping * stepSquared) - slope + residualTerm);
                    return new SolveResult(true, predicted, (-slope - residualTerm) / stepSquared, increases, products, negativeCurvature);

                case CgOutcome.NegativeCurvatureLater:
                    negativeCurvature = true;
                    goto case CgOutcome.Finished;

                case CgOutcome.NegativeCurvatureFirst:
                    // −g itself has curvature gᵀ(C + λI)g ≤ 0 under this λ: raise λ past the Rayleigh quotient of −g.
                    negativeCurvature = true;
                    if (_damping >= _maximumDamping)
                    {
                        return new SolveResult(false, double.NaN, double.NaN, increases, products, negativeCurvature);
                    }

                    double needed = _damping - (2.0 * firstCurvature / gradientSquared);
                    _damping = Math.Min(Math.Max(Math.Max(2.0 * _damping, needed), _minimumDamping), _maximumDamping);
                    increases++;
                    break;

                default:
                    return new SolveResult(false, double.NaN, double.NaN, increases, products, negativeCurvature);
            }
        }
    }

    // Conjugate gradients from s = 0; leaves s in _step and its residual −g − (C + λI)s in _residual.
    private CgOutcome ConjugateGradients(
        ISecondOrderNetwork<T> network, in TrainingStepContext<T> context, double l2Curvature, double gradientSquared, ref int products, out double firstCurvature)
    {
        Span<double> x = _step;
        Span<double> r = _residual;
        Span<double> d = _direction;
        Span<double> ad = _dampedProduct;
        double damping = _damping;
        firstCurvature = double.NaN;

        x.Clear();
        TensorPrimitives.Negate<double>(_gradient, r);
        r.CopyTo(d);
        double rr = gradientSquared;
        double stop = _tolerance * _tolerance * gradientSquared;
        for (int k = 0; k < _maxIterations; k++)
        {
            DampedProduct(network, context, d, ad, damping, l2Curvature);
            products++;
            double curvature = TensorPrimitives.Dot<double>(d, ad);
            if (!double.IsFinite(curvature))
            {
                return CgOutcome.NotFinite;
            }

            if (curvature <= 0.0)
            {
                // The guard: pᵀ(C + λI)p ≤ 0, so the quadratic model is unbounded below along p. Keep the iterate so far.
                if (k == 0)
                {
                    firstCurvature = curvature;
                    return CgOutcome.NegativeCurvatureFirst;
                }

                return CgOutcome.NegativeCurvatureLater;
            }

            double alpha = rr / curvature;
            TensorPrimitives.MultiplyAdd<double>(d, alpha, x, x);
            TensorPrimitives.MultiplyAdd<double>(ad, -alpha, r, r);
            double rrNext = TensorPrimitives.Dot<double>(r, r);
            if (rrNext <= stop)
            {
                break;
            }

            double beta = rrNext / rr;
            TensorPrimitives.MultiplyAdd<double>(d, beta, r, d);
            rr = rrNext;
        }

        return TensorPrimitives.IsFiniteAll<double>(x) ? CgOutcome.Finished : CgOutcome.NotFinite;
    }

    // result ← (C + λI) v, with C the network's curvature plus the L2 penalty's. The product is linear in v, so v is
    // normalised before its conversion to T, which keeps a float network's product clear of underflow and overflow.
    private void DampedProduct(ISecondOrderNetwork<T> network, in TrainingStepContext<T> context, ReadOnlySpan<double> v, Span<double> result, double damping, double l2Curvature)
    {
        double norm = TensorPrimitives.Norm(v);
        double scale = norm > 0.0 ? 1.0 / norm : 1.0;
        for (int i = 0; i < v.Length; i++)
        {
            _vector[i] = T.CreateTruncating(v[i] * scale);
        }

        network.ComputeCurvatureProduct(context.Inputs, context.Targets, context.SampleWeights, _vector, _product, context.Workspace, _kind, dropoutRandom: null);
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (double.CreateTruncating(_product[i]) * norm) + (damping * v[i]);
        }

        if (l2Curvature > 0.0)
        {
            for (int layer = 0; layer < _spec.Layers.Count; layer++)
            {
                var layout = _spec.GetLayout(layer);
                TensorPrimitives.MultiplyAdd(
                    v.Slice(layout.WeightsOffset, layout.WeightCount),
                    l2Curvature * context.Regularization.LayerL2Scale(layer),
                    result.Slice(layout.WeightsOffset, layout.WeightCount),
                    result.Slice(layout.WeightsOffset, layout.WeightCount));
            }
        }
    }

    // Adds the L2 penalty's curvature, value × the layer's factor, to each layer's weights on the diagonal.
    private void AddToWeights(Span<double> diagonal, double value, Regularization regularization)
    {
        if (value == 0.0)
        {
            return;
        }

        for (int layer = 0; layer < _spec.Layers.Count; layer++)
        {
            var layout = _spec.GetLayout(layer);
            TensorPrimitives.Add(diagonal.Slice(layout.WeightsOffset, layout.WeightCount), value * regularization.LayerL2Scale(layer), diagonal.Slice(layout.WeightsOffset, layout.WeightCount));
        }
    }

    private static void ToDouble(ReadOnlySpan<T> source, Span<double> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = double.CreateTruncating(source[i]);
        }
    }

    private enum CgOutcome
    {
        Finished,
        NegativeCurvatureFirst,
        NegativeCurvatureLater,
        NotFinite,
    }

    private readonly record struct SolveResult(bool Solved, double PredictedReduction, double StepCurvature, int DampingIncreases, int Products, bool NegativeCurvature);
}
