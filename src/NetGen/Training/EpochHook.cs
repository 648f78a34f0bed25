using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// Work the trainer runs at the end of every epoch, after validation: measuring something about the network (its
/// curvature spectrum, say) into the epoch's <see cref="EpochRecord.Measurements"/>, or re-estimating the L2 strength
/// for the epochs that follow (MacKay's evidence framework). Like an <see cref="Optimizer"/>, a hook is an immutable
/// description that creates a per-network <see cref="IEpochHookState{T}"/>; put it in
/// <see cref="TrainerOptions.EpochHooks"/>.
/// </summary>
public abstract class EpochHook
{
    /// <summary>A short description for logs.</summary>
    public abstract string Name { get; }

    /// <summary>Creates the hook's state (its buffers) for networks of <paramref name="spec"/>'s layout.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="spec">The layout of the network the trainer trains.</param>
    /// <exception cref="ArgumentException">The hook cannot work on this network.</exception>
    public abstract IEpochHookState<T> CreateState<T>(NetworkSpec spec)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}

/// <summary>The state of one <see cref="EpochHook"/> for one trainer.</summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public interface IEpochHookState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called at the start of every <see cref="Trainer{T}.Fit"/>, before the first epoch.</summary>
    /// <param name="context">The run's network and data, and the L2 strength it starts with; the hook may already set a
    /// new one or record nothing (records made here are dropped).</param>
    void Start(EpochHookContext<T> context);

    /// <summary>Called at the end of each epoch, after validation and before the epoch is recorded.</summary>
    /// <param name="context">The network, data and epoch; where to record measurements and set the next L2.</param>
    void EndEpoch(EpochHookContext<T> context);
}

/// <summary>What an <see cref="IEpochHookState{T}"/> sees and may change at an epoch's end.</summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public sealed class EpochHookContext<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, double> _measurements;

    internal EpochHookContext(ITrainableNetwork<T> network, Dataset<T> train, Dataset<T>? validation, int epoch, double l2, IReadOnlyList<double>? layerL2Scales, Dictionary<string, double> measurements)
    {
        Network = network;
        LayerL2Scales = layerL2Scales;
        Train = train;
        Validation = validation;
        Epoch = epoch;
        L2 = l2;
        _measurements = measurements;
    }

    /// <summary>The network being trained, at the parameters the epoch ended with.</summary>
    public ITrainableNetwork<T> Network { get; }

    /// <summary>The training set (n = its count scales the penalties).</summary>
    public Dataset<T> Train { get; }

    /// <summary>The validation set, if the run has one.</summary>
    public Dataset<T>? Validation { get; }

    /// <summary>The 1-based number of the epoch that just ended; 0 in <see cref="IEpochHookState{T}.Start"/>.</summary>
    public int Epoch { get; }

    /// <summary>λ₂ of the L2 penalty (λ₂/2n) Σw² in force; setting it changes the penalty for the following epochs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double L2
    {
        get;
        set => field = double.IsFinite(value) && value >= 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A regularisation strength must be finite and non-negative.");
    }

    /// <summary>
    /// Per dense layer, the factor of <see cref="L2"/> for that layer's weights (see
    /// <see cref="Regularization(double, double, int, IReadOnlyList{double})"/>), or null for one strength everywhere;
    /// setting it changes the penalty for the following epochs.
    /// </summary>
    /// <exception cref="ArgumentException">The list does not have one finite, non-negative factor per dense layer.</exception>
    public IReadOnlyList<double>? LayerL2Scales
    {
        get;
        set
        {
            if (value is not null && (value.Count != Network.Spec.Layers.Count || value.Any(s => !double.IsFinite(s) || s < 0.0)))
            {
                throw new ArgumentException($"LayerL2Scales needs one finite, non-negative factor per dense layer ({Network.Spec.Layers.Count}).", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>Records <paramref name="value"/> under <paramref name="name"/> in this epoch's
    /// <see cref="EpochRecord.Measurements"/> (a later value of the same name replaces an earlier one).</summary>
    /// <param name="name">The column name, e.g. <c>gamma</c>: not empty, without commas, quotes or line breaks.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The name is empty or would break the history's CSV.</exception>
    public void Record(string name, double value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            throw new ArgumentException($"The measurement name '{name}' has a comma, quote or line break; it becomes a CSV column name.", nameof(name));
        }

        _measurements[name] = value;
    }
}
