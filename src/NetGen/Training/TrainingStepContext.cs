using System;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// Everything an optimizer may use for one update: the network (whose <see cref="Parameters"/> it changes in place),
/// the current mini-batch, the workspace, the regularised gradient and objective already computed on that batch, the
/// learning rate and the regularisation. Built by the trainer on the stack for each step; allocates nothing.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
/// <remarks>
/// <para>
/// A first-order optimizer only reads <see cref="Gradient"/> and <see cref="LearningRate"/>. A second-order or
/// trust-region optimizer (Newton with Hessian-vector products, Levenberg–Marquardt) can in addition evaluate the same
/// batch objective at other parameters: write trial values into <see cref="Parameters"/>, call
/// <see cref="EvaluateObjective"/> or <see cref="EvaluateObjectiveAndGradient"/>, and restore the parameters before
/// returning <see cref="OptimizerStepOutcome.Rejected"/> if the trial did not pay off. A Hessian-vector product can be
/// formed from two gradient evaluations, H·v ≈ (∇C(w + εv) − ∇C(w)) / ε.
/// </para>
/// <para>
/// <see cref="Loss"/> and <see cref="Gradient"/> come from the training pass, which applies dropout when the network
/// has any; the Evaluate methods always use the whole network, so they are deterministic and comparable with one
/// another. An optimizer that compares objectives before and after a trial step should compare two evaluations, not an
/// evaluation with <see cref="Objective"/>. The Evaluate methods reuse <see cref="Workspace"/>, so they overwrite the
/// activations of the training pass, which the trainer no longer needs by then.
/// </para>
/// </remarks>
public readonly ref struct TrainingStepContext<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Bundles one step's inputs. The trainer builds it; tests and other drivers may too.</summary>
    /// <param name="network">The network being trained.</param>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's targets, sample-major.</param>
    /// <param name="workspace">Scratch memory of <paramref name="network"/> that fits the batch.</param>
    /// <param name="gradient">∇C at the current parameters, penalty terms included.</param>
    /// <param name="loss">The batch's mean data loss C₀ from the training pass.</param>
    /// <param name="objective">C₀ plus the regularisation penalty at the current parameters.</param>
    /// <param name="learningRate">η_t for this step.</param>
    /// <param name="regularization">The penalty terms in force.</param>
    /// <param name="epoch">The 0-based epoch index.</param>
    /// <param name="step">The global 0-based index of this update.</param>
    /// <exception cref="ArgumentException">A span has the wrong length or an argument is out of range.</exception>
    public TrainingStepContext(
        ITrainableNetwork<T> network,
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        NetworkWorkspace workspace,
        ReadOnlySpan<T> gradient,
        T loss,
        T objective,
        double learningRate,
        Regularization regularization,
        int epoch,
        int step)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(regularization);
        BatchSize = CheckBatch(network.Spec, inputs.Length, targets.Length, workspace);
        NetworkGuard.CheckLength(gradient.Length, network.Spec.ParameterCount, nameof(gradient), "gradient entries");
        if (!double.IsFinite(learningRate) || learningRate < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Network = network;
        Inputs = inputs;
        Targets = targets;
        Workspace = workspace;
        Gradient = gradient;
        Loss = loss;
        Objective = objective;
        LearningRate = learningRate;
        Regularization = regularization;
        Epoch = epoch;
        Step = step;
        IsGradientExact = !network.Spec.HasDropout;
    }

    /// <summary>The network being trained.</summary>
    public ITrainableNetwork<T> Network { get; }

    /// <summary>The network's parameters w; the optimizer updates them in place.</summary>
    public Span<T> Parameters => Network.Parameters;

    /// <summary>The current batch's inputs, sample-major.</summary>
    public ReadOnlySpan<T> Inputs { get; }

    /// <summary>The current batch's targets, sample-major.</summary>
    public ReadOnlySpan<T> Targets { get; }

    /// <summary>The number of samples in the batch (the last batch of an epoch may be smaller than the rest).</summary>
    public int BatchSize { get; }

    /// <summary>Scratch memory that fits the batch; shared with the trainer, so use it only during the step.</summary>
    public NetworkWorkspace Workspace { get; }

    /// <summary>∇C = ∇C₀ + (λ₁/n)·sgn(w) + (λ₂/n)·w at the current parameters (bias entries carry no penalty).</summary>
    public ReadOnlySpan<T> Gradient { get; }

    /// <summary>The batch's mean data loss C₀ from the training pass (with dropout, if the network has any).</summary>
    public T Loss { get; }

    /// <summary><see cref="Loss"/> plus the regularisation penalty at the current parameters.</summary>
    public T Objective { get; }

    /// <summary>η_t, the learning rate the schedule gives this step.</summary>
    public double LearningRate { get; }

    /// <summary>The penalty terms in force, for optimizers that evaluate the objective themselves.</summary>
    public Regularization Regularization { get; }

    /// <summary>
    /// Whether <see cref="Gradient"/> and <see cref="Objective"/> are exactly what <see cref="EvaluateObjectiveAndGradient"/>
    /// would compute at the current parameters: the training pass used the whole network (no dropout) and the trainer's
    /// gradient clipping (<see cref="TrainerOptions.GradientClipNorm"/>, <see cref="TrainerOptions.GradientClipValue"/>)
    /// changed nothing. The constructor sets it from the network (false when it has dropout); the trainer also clears it
    /// when it clipped. Optimizers that model the objective (Newton, L-BFGS) re-evaluate the gradient when it is false.
    /// </summary>
    public bool IsGradientExact { get; init; }

    /// <summary>The 0-based index of the current epoch.</summary>
    public int Epoch { get; }

    /// <summary>The global 0-based index of this update.</summary>
    public int Step { get; }

    /// <summary>
    /// Evaluates the regularised batch objective C₀ + penalty at the current <see cref="Parameters"/>, with the whole
    /// network (no dropout). Allocates nothing.
    /// </summary>
    public T EvaluateObjective()
    {
        T loss = Network.ComputeLoss(Inputs, Targets, Workspace);
        return loss + Regularization.Penalty<T>(Network.Spec, Network.Parameters);
    }

    /// <summary>
    /// Evaluates the regularised batch objective and writes its gradient (penalty terms included) at the current
    /// <see cref="Parameters"/>, with the whole network (no dropout). Allocates nothing.
    /// </summary>
    /// <param name="gradient">Receives ∇C; <see cref="NetworkSpec.ParameterCount"/> long. It must not be
    /// <see cref="Gradient"/>'s memory, which stays the gradient at the step's starting point.</param>
    public T EvaluateObjectiveAndGradient(Span<T> gradient)
    {
        if (gradient.Overlaps(Gradient))
        {
            throw new ArgumentException("The gradient buffer overlaps the step's own gradient; pass scratch memory of the optimizer.", nameof(gradient));
        }

        ReadOnlySpan<T> parameters = Network.Parameters;
        T loss = Network.ComputeLossAndGradient(Inputs, Targets, gradient, Workspace, dropoutRandom: null);
        Regularization.AddGradientTerms(Network.Spec, parameters, gradient);
        return loss + Regularization.Penalty(Network.Spec, parameters);
    }

    // The batch's shape, checked without NetworkGuard.CheckBatch, whose full spec comparison allocates; the network
    // repeats its own complete checks whenever the context calls it.
    private static int CheckBatch(NetworkSpec spec, int inputsLength, int targetsLength, NetworkWorkspace workspace)
    {
        if (inputsLength == 0 || inputsLength % spec.InputSize != 0)
        {
            throw new ArgumentException($"inputs has {inputsLength} elements, which is not a positive whole number of samples of {spec.InputSize} features.", "inputs");
        }

        int batch = inputsLength / spec.InputSize;
        if ((long)batch * spec.OutputSize != targetsLength)
        {
            throw new ArgumentException($"targets has {targetsLength} elements; the batch of {batch} samples needs {(long)batch * spec.OutputSize}.", "targets");
        }

        if (batch > workspace.BatchCapacity)
        {
            throw new ArgumentException($"The batch has {batch} samples but the workspace holds at most {workspace.BatchCapacity}.", nameof(workspace));
        }

        return batch;
    }
}
