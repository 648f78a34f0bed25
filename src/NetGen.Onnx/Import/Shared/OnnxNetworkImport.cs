// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// The one entry point of the shared ONNX import: bytes in, a network description or the reason there is none out.
/// The run-time <c>OnnxImporter</c> and the source generator both call it, so a model compiles exactly when it loads,
/// with the same parameters and the same messages.
/// </summary>
internal static class OnnxNetworkImport
{
    /// <summary>Parses <paramref name="model"/> and recognizes the network it computes.</summary>
    /// <exception cref="OnnxImportError">The model cannot be imported; <see cref="OnnxImportError.Problem"/> says why.</exception>
    public static OnnxNetworkDescription Read(byte[] model) => OnnxNetworkRecognizer.Recognize(OnnxModelReader.Read(model));

    /// <summary>
    /// As <see cref="Read"/>, without throwing: the description, or null and the error. Any exception other than
    /// <see cref="OnnxImportError"/> is a defect of the reader and still propagates.
    /// </summary>
    public static OnnxNetworkDescription? TryRead(byte[] model, out OnnxImportError? error)
    {
        try
        {
            error = null;
            return Read(model);
        }
        catch (OnnxImportError e)
        {
            error = e;
            return null;
        }
    }
}
