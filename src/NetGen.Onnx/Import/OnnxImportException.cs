using System;
using System.IO;
using System.Text;

namespace NetGen.Onnx;

/// <summary>
/// An ONNX model cannot be imported: the file is truncated or malformed, uses an operator or a graph shape NetGen cannot
/// express, keeps data in an external file, or does not fit the network it is loaded into. The message names the file,
/// the node and tensor at fault when there is one, and the problem; <see cref="Problem"/> classifies it. The source
/// generator reports the same messages as diagnostics for <c>[Network(Onnx = "…")]</c>.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/>, like NetGen's <c>WeightsFileException</c>, so a caller that handles a missing or
/// unreadable file with <c>catch (IOException)</c> handles a bad one too.
/// </remarks>
public sealed class OnnxImportException : IOException
{
    /// <summary>Creates the exception for one problem.</summary>
    /// <param name="problem">Which kind of problem it is.</param>
    /// <param name="detail">What is wrong, as a sentence without the file name.</param>
    /// <param name="path">The file (or the display name of the stream), when known.</param>
    /// <param name="nodeName">The node at fault, when one is.</param>
    /// <param name="tensorName">The tensor at fault, when one is.</param>
    /// <param name="innerException">The lower-level error that revealed the problem, if any.</param>
    public OnnxImportException(OnnxImportProblem problem, string detail, string? path = null, string? nodeName = null, string? tensorName = null, Exception? innerException = null)
        : base(ComposeMessage(detail, path), innerException)
    {
        Problem = problem;
        Detail = detail;
        Path = path;
        NodeName = nodeName;
        TensorName = tensorName;
    }

    /// <summary>Which kind of problem it is.</summary>
    public OnnxImportProblem Problem { get; }

    /// <summary>What is wrong, without the file name: the text the source generator's diagnostic shows.</summary>
    public string Detail { get; }

    /// <summary>The file (or the display name of the stream), when known.</summary>
    public string? Path { get; }

    /// <summary>The node at fault (its name, or its first output if it has none), when one is.</summary>
    public string? NodeName { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? TensorName { get; }

    internal static OnnxImportException From(OnnxImportError error, string? path) =>
        new(error.Problem, error.Message, path, error.Node, error.Tensor, error);

    private static string ComposeMessage(string detail, string? path)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (path is null)
        {
            return detail;
        }

        // The file name alone keeps the message short; Path keeps the full location.
        string name = System.IO.Path.GetFileName(path);
        return new StringBuilder(name.Length > 0 ? name : path).Append(": ").Append(detail).ToString();
    }
}
