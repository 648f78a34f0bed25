using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;
using NetGen.Generator.Shared.Onnx;
using NetGen.Generator.Weights;

namespace NetGen.Generator.Onnx;

/// <summary>
/// Turns an additional file that may be an ONNX model into an <see cref="OnnxInput"/>: its bytes, decoded from the text
/// container NetGen's build step writes (<c>NetGen onnx base64 v1</c>, see <see cref="WeightsContainer"/>), and the network
/// the shared reader and recognizer find in them, or why they find none. Each file is read once per change of its text,
/// whatever number of networks name it.
/// </summary>
internal static class OnnxFileReader
{
    public const string RawExtension = ".onnx";
    public const string ContainerExtension = RawExtension + WeightsContainer.Extension;
    public const string Magic = "NetGen onnx base64 v1";

    public static bool IsCandidate(AdditionalText text) =>
        text.Path.EndsWith(ContainerExtension, StringComparison.OrdinalIgnoreCase) || text.Path.EndsWith(RawExtension, StringComparison.OrdinalIgnoreCase);

    public static OnnxInput Read(AdditionalText text, CancellationToken cancellationToken)
    {
        string path = text.Path;
        if (!path.EndsWith(ContainerExtension, StringComparison.OrdinalIgnoreCase))
        {
            // An .onnx file given to the compiler as is: its text, if the compiler decoded one at all, has lost the bytes.
            // It is kept only to say so when a network names it.
            return new OnnxInput(path, path, isConverted: false, null, string.Empty, null, null, string.Empty);
        }

        // Without a readable source line the container stands for the .onnx file its own name ends with.
        string standsFor = path.Substring(0, path.Length - WeightsContainer.Extension.Length);
        string? content = text.GetText(cancellationToken)?.ToString();
        if (content is null)
        {
            return Damaged(path, standsFor, "the compiler could not read it");
        }

        if (!WeightsContainer.TryDecode(content, Magic, RawExtension, out string sourcePath, out byte[] bytes, out string problem))
        {
            return Damaged(path, standsFor, problem);
        }

        cancellationToken.ThrowIfCancellationRequested();
        OnnxNetworkDescription? network;
        OnnxImportError? error;
        try
        {
            network = OnnxNetworkImport.TryRead(bytes, out error);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The shared reader throws only OnnxImportError for bad input; anything else is a defect of NetGen, reported as
            // NG9999 on the network that names the file rather than as the compiler's silent CS8785.
            return new OnnxInput(path, sourcePath, isConverted: true, new ByteBlob(bytes), string.Empty, null, null, string.Empty, exception.GetType().Name + ": " + exception.Message);
        }

        var failure = error is null ? null : OnnxReadFailure.From(error);
        return new OnnxInput(path, sourcePath, isConverted: true, new ByteBlob(bytes), WeightsReader.Sha256(bytes), network, failure, string.Empty);
    }

    private static OnnxInput Damaged(string path, string standsFor, string problem) =>
        new(path, standsFor, isConverted: true, null, string.Empty, null, null, problem);
}
