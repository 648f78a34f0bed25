// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// One reason an ONNX model cannot be imported, raised inside the shared reader and recognizer and caught at their entry
/// point (<see cref="OnnxNetworkImport.Read"/>): the run-time importer rethrows it as its public exception, the source
/// generator turns it into a diagnostic. Nothing else escapes the shared code for bad input.
/// </summary>
internal sealed class OnnxImportError : Exception
{
    public OnnxImportError(OnnxImportProblem problem, string message, string? node = null, string? tensor = null, Activation? ruleActivation = null)
        : base(message)
    {
        Problem = problem;
        Node = node;
        Tensor = tensor;
        ActivationOfRule = ruleActivation;
    }

    /// <summary>Which kind of problem it is.</summary>
    public OnnxImportProblem Problem { get; }

    /// <summary>The node at fault (its name, or its first output when it has none), when one is.</summary>
    public string? Node { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? Tensor { get; }

    /// <summary>
    /// For <see cref="OnnxImportProblem.ArchitectureRule"/>: the activation whose parameter breaks NetGen's rule (LeakyReLU's
    /// slope, ELU's α), so the source generator reports it as the diagnostic of that rule.
    /// </summary>
    public Activation? ActivationOfRule { get; }
}
