using System.Linq;
using System.Numerics;

namespace NetGen;

/// <summary>The scratch memory of an <see cref="InterpretedNetwork{T}"/>, laid out per layer for a batch capacity.</summary>
/// <typeparam name="T">The floating-point type.</typeparam>
/// <remarks>
/// Only what training needs is allocated up front; the buffers of curvature products (<see cref="Curvature"/>) come with
/// the first product, so first-order training carries none of their memory.
/// </remarks>
internal sealed class InterpretedWorkspace<T> : NetworkWorkspace
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private CurvatureBuffers? _curvature;

    public InterpretedWorkspace(NetworkSpec spec, int batchCapacity)
        : base(spec, batchCapacity)
    {
        int stages = spec.Layers.Count + 1;
        Activations = new T[stages][];
        WeightedInputs = new T[stages][];
        DroppedActivations = new T[stages][];
        Masks = new T[stages][];
        Deltas = new T[stages][];
        for (int stage = 0; stage < stages; stage++)
        {
            int length = StageSize(spec, stage) * batchCapacity;
            double keep = stage == 0 ? spec.InputKeepProbability : spec.Layers[stage - 1].KeepProbability;
            Activations[stage] = stage == 0 ? [] : new T[length];
            Deltas[stage] = stage == 0 ? [] : new T[length];
            bool hidden = stage > 0 && stage < stages - 1;
            WeightedInputs[stage] = hidden && ActivationTable.For(spec.Layers[stage - 1].Activation).NeedsWeightedInput ? new T[length] : [];
            bool dropout = keep < 1.0;
            DroppedActivations[stage] = dropout ? new T[length] : [];
            Masks[stage] = dropout ? new T[length] : [];
        }

        OutputWeightedInputs = new T[spec.OutputSize * batchCapacity];
    }

    /// <summary>a per stage (stage 0 is the input and uses the caller's span), before dropout, sample-major.</summary>
    public T[][] Activations { get; }

    /// <summary>
    /// z per hidden stage whose activation's derivatives need it (GELU, SiLU), empty elsewhere: the others are computed
    /// from a, and z^L has its own array.
    /// </summary>
    public T[][] WeightedInputs { get; }

    /// <summary>a ⊙ m per stage with dropout: what the next layer reads during a training pass.</summary>
    public T[][] DroppedActivations { get; }

    /// <summary>The inverted-dropout masks m (1/p for kept units, 0 for dropped ones) per stage with dropout.</summary>
    public T[][] Masks { get; }

    /// <summary>δ = ∂C/∂z per dense layer (stage ≥ 1).</summary>
    public T[][] Deltas { get; }

    /// <summary>z^L, kept for the numerically stable loss forms that work on the weighted input.</summary>
    public T[] OutputWeightedInputs { get; }

    /// <summary>Whether a curvature product has allocated its buffers in this workspace.</summary>
    public bool HasCurvatureBuffers => _curvature is not null;

    /// <summary>The buffers of curvature products, allocated by the first call that asks for them.</summary>
    public CurvatureBuffers Curvature => _curvature ??= new CurvatureBuffers(Spec, BatchCapacity);

    private static int StageSize(NetworkSpec spec, int stage) => stage == 0 ? spec.InputSize : spec.Layers[stage - 1].Size;

    /// <summary>What a curvature product needs beyond a training pass.</summary>
    public sealed class CurvatureBuffers
    {
        public CurvatureBuffers(NetworkSpec spec, int batchCapacity)
        {
            int stages = spec.Layers.Count + 1;
            DirectionalWeightedInputs = new T[stages][];
            DirectionalLayerOutputs = new T[stages][];
            DirectionalDeltas = new T[stages][];
            for (int stage = 0; stage < stages; stage++)
            {
                int length = StageSize(spec, stage) * batchCapacity;
                DirectionalWeightedInputs[stage] = stage == 0 ? [] : new T[length];
                DirectionalDeltas[stage] = stage == 0 ? [] : new T[length];
                // The output layer's R{a} never leaves the loss, which works on R{z^L}.
                DirectionalLayerOutputs[stage] = stage == 0 || stage == stages - 1 ? [] : new T[length];
            }

            int widest = spec.Layers.Max(l => l.Size);
            FirstDerivatives = new T[widest];
            SecondDerivatives = new T[widest];
        }

        /// <summary>R{z} per dense layer: the directional derivative of the weighted input along v.</summary>
        public T[][] DirectionalWeightedInputs { get; }

        /// <summary>R{x} = R{a} ⊙ m per hidden layer: the directional derivative of what the next layer reads.</summary>
        public T[][] DirectionalLayerOutputs { get; }

        /// <summary>R{δ} per dense layer.</summary>
        public T[][] DirectionalDeltas { get; }

        /// <summary>σ′(z) of one sample of one layer.</summary>
        public T[] FirstDerivatives { get; }

        /// <summary>σ″(z) of one sample of one layer, for an exact product.</summary>
        public T[] SecondDerivatives { get; }
    }
}
