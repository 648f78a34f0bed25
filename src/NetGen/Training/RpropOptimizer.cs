using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Training;

/// <summary>Which resilient-propagation rule <see cref="RpropOptimizer"/> follows.</summary>
public enum RpropVariant
{
    /// <summary>
    /// iRPROP⁻ (Igel &amp; Hüsken 2000), FANN's default training algorithm: where the gradient's sign flipped, the step
    /// size shrinks and the weight stays put for this step (its gradient is taken as zero); no weight is ever moved back.
    /// </summary>
    IRpropMinus = 0,

    /// <summary>
    /// RPROP with weight-backtracking (Riedmiller &amp; Braun 1993, "Rprop⁺"): where the gradient's sign flipped, the step
    /// size shrinks and the weight's previous update is undone.
    /// </summary>
    RpropPlus = 1,
}

/// <summary>
/// Resilient propagation: every parameter has its own step size Δ, which grows by η⁺ while its gradient keeps its sign
/// and shrinks by η⁻ when the sign flips (a minimum was jumped over); the parameter moves by Δ against the sign of its
/// gradient. Only signs are used, never magnitudes, so badly scaled gradients do not matter.
/// </summary>
/// <remarks>
/// <para>
/// Per parameter, with g the current and g′ the previous gradient entry (g′ = 0 at the start of a run):
/// </para>
/// <list type="bullet">
/// <item><description>g′g &gt; 0: Δ ← min(Δη⁺, Δmax), then w ← w − sgn(g)Δ (Rprop⁺ remembers this update Δw).</description></item>
/// <item><description>g′g &lt; 0: Δ ← max(Δη⁻, Δmin); iRPROP⁻ leaves w and sets g ← 0; Rprop⁺ undoes its previous
/// update, w ← w − Δw, and sets g ← 0.</description></item>
/// <item><description>g′g = 0: w ← w − sgn(g)Δ with Δ unchanged (Rprop⁺ remembers Δw = −sgn(g)Δ).</description></item>
/// </list>
/// <para>then g′ ← g. The defaults are the published ones: η⁺ = 1.2, η⁻ = 0.5, Δ₀ = 0.1, Δmax = 50, Δmin = 1e-6.</para>
/// <para>
/// <b>Full batch only.</b> A sign flip must mean that the step jumped over a minimum of the objective; with
/// mini-batches it mostly means the batch changed, and the step sizes shrink to nothing. The trainer therefore refuses
/// a <see cref="TrainerOptions.BatchSize"/> below the training-set size (<see cref="RequiresFullBatch"/>); give
/// <c>BatchSize = int.MaxValue</c>. <see cref="TrainerOptions.LearningRate"/> is ignored. L1 and L2 penalties enter
/// through the gradient as for every optimizer; gradient clipping keeps every entry's sign and so changes nothing.
/// </para>
/// <para>
/// The update is element-wise (<see cref="IElementwiseOptimizerState{T}"/>), so with a
/// <see cref="DataParallelNetwork{T}"/> each thread updates its own slice inside the pass.
/// </para>
/// </remarks>
/// <example><code>
/// var options = new TrainerOptions { Optimizer = new RpropOptimizer(), BatchSize = int.MaxValue, Epochs = 1000, TargetOutputError = 0.01 };
/// </code></example>
public sealed class RpropOptimizer : Optimizer
{
    /// <summary>The published default of <see cref="IncreaseFactor"/>, η⁺ = 1.2.</summary>
    public const double DefaultIncreaseFactor = 1.2;

    /// <summary>The published default of <see cref="DecreaseFactor"/>, η⁻ = 0.5.</summary>
    public const double DefaultDecreaseFactor = 0.5;

    /// <summary>The published default of <see cref="InitialStep"/>, Δ₀ = 0.1.</summary>
    public const double DefaultInitialStep = 0.1;

    /// <summary>The published default of <see cref="MaximumStep"/>, Δmax = 50.</summary>
    public const double DefaultMaximumStep = 50.0;

    /// <summary>The published default of <see cref="MinimumStep"/>, Δmin = 1e-6.</summary>
    public const double DefaultMinimumStep = 1e-6;

    /// <summary>The rule; <see cref="RpropVariant.IRpropMinus"/> (FANN's default) by default.</summary>
    public RpropVariant Variant
    {
        get;
        init => field = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Variant), value, "Variant must be IRpropMinus or RpropPlus.");
    } = RpropVariant.IRpropMinus;

    /// <summary>η⁺, the growth of a step size while the gradient keeps its sign; finite and above 1.</summary>
    public double IncreaseFactor
    {
        get;
        init => field = double.IsFinite(value) && value > 1.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(IncreaseFactor), value, "IncreaseFactor must be finite and above 1.");
    } = DefaultIncreaseFactor;

    /// <summary>η⁻, the shrinking of a step size when the gradient flips its sign; in (0, 1).</summary>
    public double DecreaseFactor
    {
        get;
        init => field = value is > 0.0 and < 1.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(DecreaseFactor), value, "DecreaseFactor must be in (0, 1).");
    } = DefaultDecreaseFactor;

    /// <summary>Δ₀, every step size at the start of a run; finite, positive and within [<see cref="MinimumStep"/>,
    /// <see cref="MaximumStep"/>] (checked when the state is created).</summary>
    public double InitialStep
    {
        get;
        init => field = double.IsFinite(value) && value > 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(InitialStep), value, "InitialStep must be finite and positive.");
    } = DefaultInitialStep;

    /// <summary>Δmax, the largest step size; finite and positive.</summary>
    public double MaximumStep
    {
        get;
        init => field = double.IsFinite(value) && value > 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumStep), value, "MaximumStep must be finite and positive.");
    } = DefaultMaximumStep;

    /// <summary>Δmin, the smallest step size; finite and non-negative (FANN uses 0).</summary>
    public double MinimumStep
    {
        get;
        init => field = double.IsFinite(value) && value >= 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MinimumStep), value, "MinimumStep must be finite and non-negative.");
    } = DefaultMinimumStep;

    /// <summary>RPROP moves every parameter by its own step size; the learning rate is ignored.</summary>
    public override bool UsesLearningRate => false;

    /// <summary>RPROP reads sign flips of the full-batch gradient; mini-batches are refused.</summary>
    public override bool RequiresFullBatch => true;

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant(
        $"{(Variant == RpropVariant.IRpropMinus ? "iRPROP−" : "Rprop+")}(η⁺ = {IncreaseFactor}, η⁻ = {DecreaseFactor}, Δ₀ = {InitialStep}, Δmax = {MaximumStep}, Δmin = {MinimumStep})");

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Δ₀ is not within [Δmin, Δmax].</exception>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(MinimumStep <= InitialStep && InitialStep <= MaximumStep))
        {
            throw new ArgumentException(
                FormattableString.Invariant($"RPROP's InitialStep ({InitialStep}) must lie within [MinimumStep, MaximumStep] = [{MinimumStep}, {MaximumStep}]."), nameof(spec));
        }

        return new State<T>(spec.ParameterCount, this);
    }

    private sealed class State<T>(int parameterCount, RpropOptimizer settings) : IElementwiseOptimizerState<T>, ICheckpointableOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const string StepSizeEntry = "step-size";
        private const string PreviousGradientEntry = "previous-gradient";
        private const string PreviousUpdateEntry = "previous-update";

        private readonly T[] _stepSizes = CreateFilled(parameterCount, T.CreateChecked(settings.InitialStep));
        private readonly T[] _previousGradient = new T[parameterCount];
        // Rprop⁺ only: each parameter's last update Δw, undone when its gradient flips.
        private readonly T[]? _previousUpdate = settings.Variant == RpropVariant.RpropPlus ? new T[parameterCount] : null;
        private readonly T _increase = T.CreateChecked(settings.IncreaseFactor);
        private readonly T _decrease = T.CreateChecked(settings.DecreaseFactor);
        private readonly T _maximum = T.CreateChecked(settings.MaximumStep);
        private readonly T _minimum = T.CreateChecked(settings.MinimumStep);

        public void Reset()
        {
            _stepSizes.AsSpan().Fill(T.CreateChecked(settings.InitialStep));
            Array.Clear(_previousGradient);
            if (_previousUpdate is not null)
            {
                Array.Clear(_previousUpdate);
            }
        }

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            NetworkGuard.CheckLength(context.Parameters.Length, _stepSizes.Length, "context", "parameters (the optimizer state was created for another layout)");
            StepSlice(0, context.Gradient, context.Parameters, context.LearningRate);
            return OptimizerStepOutcome.Applied;
        }

        public void StepSlice(int offset, ReadOnlySpan<T> gradient, Span<T> parameters, double learningRate)
        {
            NetworkGuard.CheckLength(gradient.Length, parameters.Length, nameof(gradient), "gradient entries (one per parameter of the slice)");
            Span<T> steps = _stepSizes.AsSpan(offset, parameters.Length);
            Span<T> previous = _previousGradient.AsSpan(offset, parameters.Length);
            if (_previousUpdate is null)
            {
                for (int i = 0; i < parameters.Length; i++)
                {
                    T g = gradient[i];
                    // The signs' product rather than g′g, which underflows to zero for tiny gradients.
                    int change = Sign(previous[i]) * Sign(g);
                    if (change > 0)
                    {
                        steps[i] = T.Min(steps[i] * _increase, _maximum);
                    }
                    else if (change < 0)
                    {
                        steps[i] = T.Max(steps[i] * _decrease, _minimum);
                        g = T.Zero;
                    }

                    parameters[i] -= T.CreateTruncating(Sign(g)) * steps[i];
                    previous[i] = g;
                }

                return;
            }

            Span<T> updates = _previousUpdate.AsSpan(offset, parameters.Length);
            for (int i = 0; i < parameters.Length; i++)
            {
                T g = gradient[i];
                int change = Sign(previous[i]) * Sign(g);
                if (change < 0)
                {
                    steps[i] = T.Max(steps[i] * _decrease, _minimum);
                    parameters[i] -= updates[i];
                    updates[i] = T.Zero;
                    previous[i] = T.Zero;
                    continue;
                }

                if (change > 0)
                {
                    steps[i] = T.Min(steps[i] * _increase, _maximum);
                }

                T update = -T.CreateTruncating(Sign(g)) * steps[i];
                parameters[i] += update;
                updates[i] = update;
                previous[i] = g;
            }
        }

        public void CompleteStep()
        {
        }

        public OptimizerStateSnapshot SaveState()
        {
            var entries = new List<KeyValuePair<string, double[]>>
            {
                new(StepSizeEntry, OptimizerStateSnapshot.ToDoubles<T>(_stepSizes)),
                new(PreviousGradientEntry, OptimizerStateSnapshot.ToDoubles<T>(_previousGradient)),
            };
            if (_previousUpdate is not null)
            {
                entries.Add(new(PreviousUpdateEntry, OptimizerStateSnapshot.ToDoubles<T>(_previousUpdate)));
            }

            return new OptimizerStateSnapshot(entries);
        }

        public void RestoreState(OptimizerStateSnapshot snapshot)
        {
            ArgumentNullException.ThrowIfNull(snapshot);
            if (_previousUpdate is null)
            {
                snapshot.RequireExactly(StepSizeEntry, PreviousGradientEntry);
            }
            else
            {
                snapshot.RequireExactly(StepSizeEntry, PreviousGradientEntry, PreviousUpdateEntry);
            }

            ReadOnlySpan<double> steps = snapshot.RequireValues<T>(StepSizeEntry, _stepSizes.Length);
            for (int i = 0; i < steps.Length; i++)
            {
                if (!(steps[i] >= settings.MinimumStep && steps[i] <= settings.MaximumStep))
                {
                    throw new ArgumentException(
                        FormattableString.Invariant($"The optimizer state entry '{StepSizeEntry}' holds {steps[i]} at index {i}, outside [Δmin, Δmax] = [{settings.MinimumStep}, {settings.MaximumStep}]."),
                        nameof(snapshot));
                }
            }

            ReadOnlySpan<double> gradient = snapshot.RequireValues<T>(PreviousGradientEntry, _previousGradient.Length);
            ReadOnlySpan<double> updates = _previousUpdate is null ? default : snapshot.RequireValues<T>(PreviousUpdateEntry, _previousUpdate.Length);
            OptimizerStateSnapshot.CopyTo<T>(steps, _stepSizes);
            OptimizerStateSnapshot.CopyTo<T>(gradient, _previousGradient);
            if (_previousUpdate is not null)
            {
                OptimizerStateSnapshot.CopyTo<T>(updates, _previousUpdate);
            }
        }

        // sgn with sgn(0) = 0; a hand-written one, since T.Sign throws on NaN.
        private static int Sign(T value) => value > T.Zero ? 1 : value < T.Zero ? -1 : 0;

        private static T[] CreateFilled(int length, T value)
        {
            var values = new T[length];
            values.AsSpan().Fill(value);
            return values;
        }
    }
}
