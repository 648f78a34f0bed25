using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Training;

/// <summary>
/// The settings of a <see cref="Trainer{T}"/>. Immutable once built (init-only properties; a record, so
/// <c>options with { Epochs = 50 }</c> copies with changes); checked by <see cref="Validate"/>, which the trainer calls,
/// with a message that names the offending property.
/// </summary>
/// <example><code>
/// var options = new TrainerOptions
/// {
///     Epochs = 200, BatchSize = 16, LearningRate = LearningRateSchedule.Cosine(0.05, 0.001, 200),
///     Optimizer = new MomentumOptimizer { Nesterov = true }, L2 = 1e-3, Seed = 42,
///     Initialization = WeightInitialization.XavierUniform, EarlyStoppingPatience = 10,
/// };
/// </code></example>
public sealed record TrainerOptions
{
    /// <summary>The default interval between throttled progress reports.</summary>
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The most epochs to run, at least 1; 10 by default.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// The mini-batch size, at least 1; 32 by default. A size at or above the training-set size means full-batch
    /// gradient descent. The last batch of an epoch holds the remaining samples and may be smaller.
    /// </summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The step-size sequence η_t; a constant 0.01 by default. A plain number converts to a constant schedule.</summary>
    public LearningRateSchedule LearningRate { get; init; } = LearningRateSchedule.Constant(0.01);

    /// <summary>The update rule; <see cref="SgdOptimizer"/> by default.</summary>
    public Optimizer Optimizer { get; init; } = new SgdOptimizer();

    /// <summary>λ₁ of the L1 penalty (λ₁/n) Σ|w| on the weights, finite and non-negative; 0 (off) by default.</summary>
    public double L1 { get; init; }

    /// <summary>λ₂ of the L2 penalty (λ₂/2n) Σw² on the weights (weight decay), finite and non-negative; 0 (off) by default.</summary>
    public double L2 { get; init; }

    /// <summary>
    /// The seed of the run. Initial weights, when drawn (see <see cref="Initialization"/>), are drawn with exactly this
    /// seed, as <c>network.InitializeParameters(Seed, scheme)</c> would; the shuffles and dropout masks come from two
    /// further independent streams derived from it. Equal seeds give bitwise-equal runs.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// How each <see cref="Trainer{T}.Fit"/> starts. A scheme draws fresh weights with it (from <see cref="Seed"/>) at the
    /// start of every <c>Fit</c>, whatever the network holds. <see langword="null"/> (the default) decides by the
    /// network: one with a hidden layer whose weights are all zero, as every network is when constructed, gets
    /// <see cref="WeightInitialization.ByActivation"/> (He for ReLU layers, Xavier for the others), since from zeros its
    /// hidden units would stay identical; any other keeps its parameters, so trained, loaded (<c>WeightsFile.Load</c>)
    /// and baked (<c>[Network(Weights = …)]</c>) weights are fine-tuned, never silently replaced, a second <c>Fit</c>
    /// continues where the first stopped, and a single-layer (linear or logistic) model starts from zero as usual.
    /// </summary>
    public WeightInitialization? Initialization { get; init; }

    /// <summary>
    /// Never draw weights: start from the network's parameters whatever they are, all zero included; needs
    /// <see cref="Initialization"/> null. <see langword="false"/> by default. All-zero weights stay a legitimate start for
    /// a single-layer network (a linear or logistic model), but with a hidden layer every unit of a layer would stay
    /// identical to its neighbours, so <see cref="Trainer{T}.Fit"/> refuses them with an
    /// <see cref="InvalidOperationException"/> rather than train a network that cannot learn.
    /// </summary>
    public bool KeepCurrentParameters { get; init; }

    /// <summary>
    /// Stop after this many consecutive epochs in which the validation loss did not fall more than
    /// <see cref="EarlyStoppingMinDelta"/> below the best so far; <see langword="null"/> (the default) disables early
    /// stopping. Needs a validation set. At least 1.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>The least fall of the validation loss below the best so far that counts as an improvement for
    /// <see cref="EarlyStoppingPatience"/>; finite and non-negative, 0 by default.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>
    /// When a validation set is given, end every run (whatever stopped it, except divergence) with the parameters of
    /// the epoch that had the lowest validation loss; <see langword="true"/> by default. Without a validation set the
    /// network keeps its final parameters.
    /// </summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Stop once the monitored loss is at or below this value: the validation loss when a validation set is given,
    /// otherwise the epoch's mean training loss (data loss, without penalty). <see langword="null"/> (the default)
    /// disables it. Checked at the end of each epoch. Finite.
    /// </summary>
    public double? TargetLoss { get; init; }

    /// <summary>
    /// Stop once every output of every sample of the monitored set (the validation set when given, otherwise the
    /// training set) is within this distance of its target, |a_j − y_j| ≤ ε, with the whole network: FANN's "bit fail"
    /// criterion with <c>bit_fail_limit = ε</c> and no failures allowed (<c>FANN_STOPFUNC_BIT</c>).
    /// <see langword="null"/> (the default) disables it. Checked at the end of each epoch (one forward pass per
    /// sample). Finite and positive.
    /// </summary>
    public double? TargetOutputError { get; init; }

    /// <summary>
    /// Weights per class: each sample's loss counts its class's weight times, and the trainer minimises the weighted mean
    /// Σ_x w_x C_x / Σ_x w_x (PyTorch's <c>CrossEntropyLoss(weight=…)</c> with reduction 'mean', scikit-learn's
    /// <c>class_weight</c>), multiplied by the data set's own <see cref="Data.Dataset{T}.SampleWeights"/> where it has
    /// them. <see cref="Training.ClassWeights.Balanced"/> computes n / (k · n_c) from the training set at every
    /// <see cref="Trainer{T}.Fit"/>; an array gives one weight per class. The validation loss, early stopping and the
    /// final metrics' losses are weighted the same way (with the training set's class weights); accuracies are not.
    /// Needs a classification set (labels, one-hot or 0/1 targets). <see langword="null"/> (the default) weights every
    /// class alike.
    /// </summary>
    public ClassWeights? ClassWeights { get; init; }

    /// <summary>
    /// Clip the gradient of the data loss to this global L2 norm before each update, as PyTorch's
    /// <c>clip_grad_norm_</c> does: g ← g · c / (‖g‖ + 10⁻⁶) when that factor is below 1. The norm runs over every
    /// weight and bias; the L1/L2 penalty terms are added after clipping. <see langword="null"/> (the default) disables
    /// it. Finite and positive.
    /// </summary>
    /// <remarks>
    /// Clipping shapes first-order steps (SGD, momentum, Adam, AdamW). RPROP uses only the gradient's signs, which
    /// clipping keeps, and Newton and L-BFGS recompute the exact gradient for their model and line search, so for them it
    /// changes nothing. With a <see cref="DataParallelNetwork{T}"/> the norm of the whole gradient is taken before any
    /// thread updates its slice, with the same bits as a single-threaded update. The history's per-layer gradient norms
    /// are measured before clipping.
    /// </remarks>
    public double? GradientClipNorm { get; init; }

    /// <summary>
    /// Clip every entry of the data loss's gradient to [−c, c] before each update (PyTorch's <c>clip_grad_value_</c>),
    /// before any clipping by <see cref="GradientClipNorm"/>. <see langword="null"/> (the default) disables it. Finite
    /// and positive.
    /// </summary>
    public double? GradientClipValue { get; init; }

    /// <summary>
    /// Where to save the trainer's whole state (parameters, optimizer state, epoch and step, random-number streams,
    /// sample order, best weights, early-stopping counters, history), atomically, every
    /// <see cref="CheckpointEveryEpochs"/> epochs and at the end of the run; <see cref="Trainer{T}.Resume"/> continues
    /// from the file with the same weights, to the last bit, as a run that was never interrupted. <see langword="null"/>
    /// (the default) saves nothing. The folder must exist. The file format is described at <see cref="TrainingCheckpoint"/>.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Save a checkpoint after every this many epochs (and after the last); at least 1, 1 by default.</summary>
    public int CheckpointEveryEpochs { get; init; } = 1;

    /// <summary>Whether each epoch visits the training set in a fresh seeded random order; <see langword="true"/> by
    /// default. <see langword="false"/> visits it in stored order every epoch.</summary>
    public bool ShuffleEachEpoch { get; init; } = true;

    /// <summary>
    /// Whether each epoch ends with a pass over the training set (whole network, no dropout) to measure training
    /// accuracy for classification sets; <see langword="true"/> by default. The pass costs about one forward pass per
    /// sample; with <see langword="false"/> the history's training accuracy is <see langword="null"/>.
    /// </summary>
    public bool EvaluateTrainingAccuracy { get; init; } = true;

    /// <summary>
    /// The least time between two progress reports within an epoch; 100 ms by default. <see cref="TimeSpan.Zero"/>
    /// reports after every step. A report is always sent at the end of each epoch regardless.
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = DefaultProgressInterval;

    /// <summary>
    /// Hooks run at the end of every epoch, in order, after validation: they may record measurements in the epoch's
    /// <see cref="EpochRecord.Measurements"/> or set the L2 strength for the following epochs (see
    /// <see cref="EpochHook"/>). Empty by default.
    /// </summary>
    public IReadOnlyList<EpochHook> EpochHooks { get; init; } = [];

    /// <summary>Checks every setting and throws for the first that is invalid.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and says why.</exception>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"Epochs is {Epochs}; training needs at least 1 epoch.", nameof(Epochs));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize is {BatchSize}; a mini-batch needs at least 1 sample.", nameof(BatchSize));
        }

        if (LearningRate is null)
        {
            throw new ArgumentException("LearningRate is null; give a schedule or a number such as 0.01.", nameof(LearningRate));
        }

        if (Optimizer is null)
        {
            throw new ArgumentException("Optimizer is null; give one such as new SgdOptimizer().", nameof(Optimizer));
        }

        RequireStrength(L1, nameof(L1));
        RequireStrength(L2, nameof(L2));
        if (Initialization is { } scheme && !Enum.IsDefined(scheme))
        {
            throw new ArgumentException($"Initialization {(int)scheme} is not a known WeightInitialization.", nameof(Initialization));
        }

        if (KeepCurrentParameters && Initialization is { } drawn)
        {
            throw new ArgumentException(
                $"KeepCurrentParameters is true but Initialization is {drawn}: keep the current parameters or draw new ones, not both.",
                nameof(KeepCurrentParameters));
        }

        if (EarlyStoppingPatience is < 1)
        {
            throw new ArgumentException($"EarlyStoppingPatience is {EarlyStoppingPatience}; it must be at least 1 epoch, or null to disable early stopping.", nameof(EarlyStoppingPatience));
        }

        if (!double.IsFinite(EarlyStoppingMinDelta) || EarlyStoppingMinDelta < 0.0)
        {
            throw new ArgumentException($"EarlyStoppingMinDelta is {EarlyStoppingMinDelta}; it must be finite and non-negative.", nameof(EarlyStoppingMinDelta));
        }

        if (TargetLoss is { } target && !double.IsFinite(target))
        {
            throw new ArgumentException($"TargetLoss is {target}; it must be finite, or null to disable it.", nameof(TargetLoss));
        }

        if (EpochHooks is null || EpochHooks.Any(hook => hook is null))
        {
            throw new ArgumentException("EpochHooks is null or holds a null hook.", nameof(EpochHooks));
        }

        RequirePositive(TargetOutputError, nameof(TargetOutputError));
        RequirePositive(GradientClipNorm, nameof(GradientClipNorm));
        RequirePositive(GradientClipValue, nameof(GradientClipValue));
        if (CheckpointPath is not null && string.IsNullOrWhiteSpace(CheckpointPath))
        {
            throw new ArgumentException("CheckpointPath is empty; name a file, or leave it null to save no checkpoints.", nameof(CheckpointPath));
        }

        if (CheckpointEveryEpochs < 1)
        {
            throw new ArgumentException($"CheckpointEveryEpochs is {CheckpointEveryEpochs}; it must be at least 1.", nameof(CheckpointEveryEpochs));
        }

        if (ProgressInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"ProgressInterval is {ProgressInterval}; it must not be negative.", nameof(ProgressInterval));
        }
    }

    private static void RequirePositive(double? value, string name)
    {
        if (value is { } v && !(double.IsFinite(v) && v > 0.0))
        {
            throw new ArgumentException($"{name} is {v}; it must be finite and positive, or null to disable it.", name);
        }
    }

    private static void RequireStrength(double lambda, string name)
    {
        if (!double.IsFinite(lambda) || lambda < 0.0)
        {
            throw new ArgumentException($"{name} is {lambda}; a regularisation strength must be finite and non-negative (0 turns it off).", name);
        }
    }
}
