using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// What every emitter of one network reads: the model, its emission plan, the scalar form of its precision, and the two
/// kernel collectors that gather the fixed-length kernels the layer code calls and write them once at the end.
/// </summary>
internal sealed class EmitContext
{
    public EmitContext(NetworkModel model)
    {
        Model = model;
        Plan = EmissionPlan.For(model);
        Math = MathText.Scalar(model.IsDouble);
        Kernels = new KernelEmitter(Math);
        FloatKernels = new FloatKernelEmitter();
    }

    public NetworkModel Model { get; }

    public EmissionPlan Plan { get; }

    /// <summary>The scalar form of the network's precision.</summary>
    public MathText Math { get; }

    /// <summary>The element type keyword: float or double.</summary>
    public string T => Math.T;

    public bool IsDouble => Model.IsDouble;

    /// <summary>Dot products and multiply-adds of the double-precision loops.</summary>
    public KernelEmitter Kernels { get; }

    /// <summary>The register-blocked single-precision kernels.</summary>
    public FloatKernelEmitter FloatKernels { get; }
}
