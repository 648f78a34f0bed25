using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Training;

/// <summary>
/// The state of an <see cref="LbfgsOptimizer"/> for one network: the curvature history, which persists between steps,
/// and every buffer a step needs, allocated here once. See <see cref="LbfgsOptimizer"/> for the method.
/// </summary>
/// <typeparam name="T">The network's floating-point type; directions and history are kept in double regardless.</typeparam>
public sealed class LbfgsOptimizerState<T> : ICheckpointableOptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string CountEntry = "history-count";
    private const string SEntry = "s";
    private const string YEntry = "y";
    private const string RhoEntry = "rho";

    private readonly int _parameterCount;
    private readonly double _c1;
    private readonly double _c2;
    private readonly int _maxEvaluations;
    private readonly LbfgsHistory _history;
    private readonly T[] _start;
    private readonly T[] _trialGradient;
    private readonly double[] _gradient;
    private readonly double[] _direction;

    internal LbfgsOptimizerState(NetworkSpec spec, LbfgsOptimizer settings)
    {
        _parameterCount = spec.ParameterCount;
        _c1 = settings.SufficientDecrease;
        _c2 = settings.CurvatureCondition;
        _maxEvaluations = settings.MaxLineSearchEvaluations;
        _history = new LbfgsHistory(settings.HistorySize, _parameterCount);
        _start = new T[_parameterCount];
        _trialGradient = new T[_parameterCount];
        _gradient = new double[_parameterCount];
        _direction = new double[_parameterCount];
        LastStep = NotTried(OptimizerStepOutcome.Applied);
    }

    /// <summary>The number of parameters P the state was created for.</summary>
    public int ParameterCount => _parameterCount;

    /// <summary>The curvature pairs currently kept, at most <see cref="LbfgsOptimizer.HistorySize"/>.</summary>
    public int HistoryCount => _history.Count;

    /// <summary>What the most recent <see cref="Step"/> did.</summary>
    public LbfgsStepReport LastStep { get; private set; }

    /// <summary>Forgets the history.</summary>
    public void Reset()
    {
        _history.Clear();
        LastStep = NotTried(OptimizerStepOutcome.Applied);
    }

    /// <summary>
    /// One L-BFGS iteration on the context's batch: direction, strong-Wolfe line search, history update. A zero gradient
    /// is a stationary point: nothing changes and the step counts as applied. Allocates nothing.
    /// </summary>
    /// <param name="context">The batch, gradient and means of evaluating the objective.</param>
    /// <exception cref="ArgumentException">The network's parameter count differs from the state's.</exception>
    public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
    {
        Span<T> parameters = context.Parameters;
        NetworkGuard.CheckLength(parameters.Length, _parameterCount, nameof(context), "parameters (the optimizer state was created for another layout)");
        parameters.CopyTo(_start);

        double value0;
        if (context.IsGradientExact)
        {
            value0 = double.CreateTruncating(context.Objective);
            ToDouble(context.Gradient, _gradient);
        }
        else
        {
            value0 = double.CreateTruncating(context.EvaluateObjectiveAndGradient(_trialGradient));
            ToDouble(_trialGradient, _gradient);
        }

        double gradientNorm = TensorPrimitives.Norm<double>(_gradient);
        if (gradientNorm == 0.0)
        {
            LastStep = NotTried(OptimizerStepOutcome.Applied) with { HistoryCount = _history.Count };
            return OptimizerStepOutcome.Applied;
        }

        bool restarted = false;
        _history.ComputeDirection(_gradient, _direction);
        double slope0 = TensorPrimitives.Dot<double>(_gradient, _direction);
        if (!(slope0 < 0.0) || !double.IsFinite(slope0))
        {
            // Rounding (or a stale history) can leave −H∇f pointing uphill: start again from steepest descent.
            restarted = _history.Count > 0;
            _history.Clear();
            _history.ComputeDirection(_gradient, _direction);
            slope0 = -gradientNorm * gradientNorm;
        }

        double initialStep = _history.Count == 0 ? Math.Min(1.0, 1.0 / gradientNorm) : 1.0;
        var objective = new ObjectiveAlongDirection(context, this);
        var search = StrongWolfeLineSearch.Search(ref objective, value0, slope0, initialStep, _c1, _c2, _maxEvaluations);
        if (search.Status == LineSearchStatus.Failed || !double.IsFinite(slope0))
        {
            _start.CopyTo(parameters);
            _history.Clear();
            LastStep = new LbfgsStepReport(OptimizerStepOutcome.Rejected, 0.0, value0, value0, slope0, slope0, false, search.Evaluations, 0, true);
            return OptimizerStepOutcome.Rejected;
        }

        int evaluations = search.Evaluations;
        if (objective.LastStep != search.Step)
        {
            // The search kept an earlier trial: put the parameters and the gradient back there.
            objective.Evaluate(search.Step, out _);
            evaluations++;
        }

        // s = w₁ − w₀ from the parameters as stored (for a float network more exact than αd), y = ∇f₁ − ∇f₀.
        Span<double> s = _history.NextS();
        Span<double> y = _history.NextY();
        for (int i = 0; i < _parameterCount; i++)
        {
            s[i] = double.CreateTruncating(parameters[i]) - double.CreateTruncating(_start[i]);
            y[i] = double.CreateTruncating(_trialGradient[i]) - _gradient[i];
        }

        _history.TryCommit();
        LastStep = new LbfgsStepReport(
            OptimizerStepOutcome.Applied, search.Step, value0, search.Value, slope0, search.Slope,
            search.Status == LineSearchStatus.Converged, evaluations, _history.Count, restarted);
        return OptimizerStepOutcome.Applied;
    }

    /// <summary>Saves the curvature pairs, oldest first.</summary>
    public OptimizerStateSnapshot SaveState()
    {
        int count = _history.Count;
        var s = new double[(long)count * _parameterCount];
        var y = new double[(long)count * _parameterCount];
        var rho = new double[count];
        for (int i = 0; i < count; i++)
        {
            _history.S(i).CopyTo(s.AsSpan(i * _parameterCount));
            _history.Y(i).CopyTo(y.AsSpan(i * _parameterCount));
            rho[i] = _history.Rho(i);
        }

        return new OptimizerStateSnapshot(
        [
            new KeyValuePair<string, double[]>(CountEntry, [count]),
            new KeyValuePair<string, double[]>(SEntry, s),
            new KeyValuePair<string, double[]>(YEntry, y),
            new KeyValuePair<string, double[]>(RhoEntry, rho),
        ]);
    }

    /// <summary>Restores the curvature pairs; each ρ must be positive.</summary>
    /// <param name="snapshot">A snapshot from <see cref="SaveState"/>.</param>
    /// <exception cref="ArgumentException">An entry is missing, has the wrong length or an invalid value; the state is
    /// unchanged.</exception>
    public void RestoreState(OptimizerStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.RequireExactly(CountEntry, SEntry, YEntry, RhoEntry);
        int count = (int)snapshot.RequireScalar(CountEntry, 0, _history.Capacity, wholeNumber: true);
        ReadOnlySpan<double> s = snapshot.Require(SEntry, count * _parameterCount);
        ReadOnlySpan<double> y = snapshot.Require(YEntry, count * _parameterCount);
        ReadOnlySpan<double> rho = snapshot.Require(RhoEntry, count);
        foreach (double value in rho)
        {
            if (!(value > 0.0))
            {
                throw new ArgumentException($"The optimizer state entry '{RhoEntry}' holds {value}; ρ = 1/(yᵀs) of a kept pair is positive.", nameof(snapshot));
            }
        }

        _history.Clear();
        for (int i = 0; i < count; i++)
        {
            s.Slice(i * _parameterCount, _parameterCount).CopyTo(_history.NextS());
            y.Slice(i * _parameterCount, _parameterCount).CopyTo(_history.NextY());
            _history.CommitWithRho(rho[i]);
        }

        LastStep = NotTried(OptimizerStepOutcome.Applied) with { HistoryCount = count };
    }

    private static LbfgsStepReport NotTried(OptimizerStepOutcome outcome) =>
        new(outcome, 0.0, double.NaN, double.NaN, double.NaN, double.NaN, false, 0, 0, false);

    private static void ToDouble(ReadOnlySpan<T> source, Span<double> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = double.CreateTruncating(source[i]);
        }
    }

    // φ(α) = f(w₀ + αd) and φ′(α) = ∇f(w₀ + αd)ᵀd: sets the network's parameters and leaves the gradient in
    // _trialGradient, so after the search the network stands at the last trial.
    private ref struct ObjectiveAlongDirection(TrainingStepContext<T> context, LbfgsOptimizerState<T> state) : ILineSearchFunction
    {
        private readonly TrainingStepContext<T> _context = context;

        public double LastStep { get; private set; } = double.NaN;

        public double Evaluate(double step, out double slope)
        {
            Span<T> parameters = _context.Parameters;
            T[] start = state._start;
            double[] direction = state._direction;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] = T.CreateTruncating(double.CreateTruncating(start[i]) + (step * direction[i]));
            }

            LastStep = step;
            double value = double.CreateTruncating(_context.EvaluateObjectiveAndGradient(state._trialGradient));
            slope = 0.0;
            T[] gradient = state._trialGradient;
            for (int i = 0; i < direction.Length; i++)
            {
                slope += double.CreateTruncating(gradient[i]) * direction[i];
            }

            return value;
        }
    }
}
