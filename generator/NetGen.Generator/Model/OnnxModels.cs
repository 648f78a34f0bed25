using System;
using NetGen.Generator.Shared;
using NetGen.Generator.Shared.Onnx;

namespace NetGen.Generator.Model;

/// <summary>
/// What <c>[Network(Onnx = "…")]</c> asks for: the model's name as written and where to report problems with it, and the
/// facts of the declaration that do not come from the model (the type, a <c>Loss</c> or <c>Precision</c> that overrides
/// the model's, and the <c>InferenceWeights</c> format). A later pipeline step resolves it against the additional files
/// into a network model.
/// </summary>
internal sealed record OnnxRequest(
    string Name,
    LocationInfo? Location,
    string? Namespace,
    string TypeName,
    string TypeKeyword,
    LossKind? ExplicitLoss,
    LocationInfo? LossLocation,
    PrecisionKind? ExplicitPrecision,
    LocationInfo? PrecisionLocation,
    WeightFormat InferenceWeights = WeightFormat.Float,
    LocationInfo? InferenceWeightsLocation = null,
    SparseInferenceModel? Sparse = null);

/// <summary>Where a network's layers and weights came from, for the generated file's opening comment.</summary>
internal sealed record OnnxImportModel(string FileName, string Producer, long Opset, EquatableArray<string> Notes);

/// <summary>
/// Why the shared reader found no network in a model, as plain data (the <see cref="OnnxImportError"/> itself, an
/// exception, stays out of the pipeline): the kind, the importer's message, and for a broken activation rule the activation.
/// </summary>
internal sealed record OnnxReadFailure(OnnxImportProblem Problem, string Message, ActivationKind? RuleActivation)
{
    public static OnnxReadFailure From(OnnxImportError error) => new(error.Problem, error.Message, error.ActivationOfRule);
}

/// <summary>
/// One ONNX model among the additional files, as plain data: where it came from, its bytes (with value equality) and,
/// derived from them by the shared reader and recognizer, the network it computes or why it computes none. The
/// <c>AdditionalText</c> itself never crosses the cache boundary, only this.
/// </summary>
internal sealed class OnnxInput : IEquatable<OnnxInput>
{
    public OnnxInput(string path, string sourcePath, bool isConverted, ByteBlob? bytes, string sha256, OnnxNetworkDescription? network, OnnxReadFailure? failure, string problem, string internalError = "")
    {
        Path = path;
        SourcePath = sourcePath;
        IsConverted = isConverted;
        Bytes = bytes;
        Sha256 = sha256;
        Network = network;
        Failure = failure;
        Problem = problem;
        InternalError = internalError;
    }

    /// <summary>The additional file's own path.</summary>
    public string Path { get; }

    /// <summary>The path of the .onnx file it stands for, which the attribute's name is matched against.</summary>
    public string SourcePath { get; }

    /// <summary>Whether NetGen's build step converted it (its bytes are exact); false for a raw .onnx item.</summary>
    public bool IsConverted { get; }

    public ByteBlob? Bytes { get; }

    public string Sha256 { get; }

    /// <summary>The network the model computes (derived from <see cref="Bytes"/>, so not part of equality), or null.</summary>
    public OnnxNetworkDescription? Network { get; }

    /// <summary>Why the model computes no network (derived from <see cref="Bytes"/>), or null.</summary>
    public OnnxReadFailure? Failure { get; }

    /// <summary>Why the container could not be decoded; empty otherwise.</summary>
    public string Problem { get; }

    /// <summary>An exception of the reader other than <see cref="OnnxImportError"/> (a defect of NetGen); empty otherwise.</summary>
    public string InternalError { get; }

    public bool Equals(OnnxInput? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Path == other.Path && SourcePath == other.SourcePath && IsConverted == other.IsConverted && Problem == other.Problem && InternalError == other.InternalError
                && Equals(Bytes, other.Bytes)));

    public override bool Equals(object? obj) => obj is OnnxInput other && Equals(other);

    public override int GetHashCode() => unchecked((Path.GetHashCode() * 31) + (Bytes?.GetHashCode() ?? 0));
}
