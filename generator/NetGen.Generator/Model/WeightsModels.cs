using System;

namespace NetGen.Generator.Model;

/// <summary>What <c>[Network(Weights = "…")]</c> asks for: the name as written and where to report problems with it.</summary>
internal sealed record WeightsRequest(string Name, LocationInfo? Location);

/// <summary>
/// Parameters baked into a network at build time: the weights file as named in the attribute, its SHA-256, the dtypes
/// it held, the parameters converted to the network's precision as little-endian bytes, in <c>Parameters</c> order, and
/// the feature scaler stored with them, if any.
/// </summary>
internal sealed record BakedWeightsModel(string FileName, string Sha256, string DataTypes, ByteBlob ParameterBytes, BakedScalerModel? Scaler);

/// <summary>
/// The feature scaler of a baked weights file (its <c>netgen.scaler</c> metadata, checked as <c>WeightsFile.Load</c>
/// checks it): a standardizer (means, standard deviations) or a min-max scaler (minimums, maximums), each value already
/// converted to the network's precision and held exactly as a double.
/// </summary>
internal sealed record BakedScalerModel(bool IsStandardizer, EquatableArray<double> First, EquatableArray<double> Second);

internal enum WeightsInputKind
{
    /// <summary>A file converted by NetGen's build step: the bytes are exact.</summary>
    Container,

    /// <summary>A <c>.safetensors</c> file handed to the compiler as is, whose bytes the generator cannot recover.</summary>
    Raw,
}

/// <summary>
/// One weights file among the additional files, as plain data: where it came from, its bytes (with value equality) and,
/// derived from them, the validated safetensors content or the reason it is not valid. The <c>AdditionalText</c> itself
/// never crosses the cache boundary, only this.
/// </summary>
internal sealed class WeightsInput : IEquatable<WeightsInput>
{
    public WeightsInput(string path, string sourcePath, WeightsInputKind kind, ByteBlob? bytes, Weights.SafeTensorsContent? content, string problem, string sha256)
    {
        Path = path;
        SourcePath = sourcePath;
        Kind = kind;
        Bytes = bytes;
        Content = content;
        Problem = problem;
        Sha256 = sha256;
    }

    /// <summary>The additional file's own path.</summary>
    public string Path { get; }

    /// <summary>The path of the .safetensors file it stands for, which the attribute's name is matched against.</summary>
    public string SourcePath { get; }

    public WeightsInputKind Kind { get; }

    public ByteBlob? Bytes { get; }

    /// <summary>The parsed file (derived from <see cref="Bytes"/>, so not part of equality); null when it is invalid.</summary>
    public Weights.SafeTensorsContent? Content { get; }

    /// <summary>Why the file is not a valid safetensors file, or empty.</summary>
    public string Problem { get; }

    public string Sha256 { get; }

    public bool Equals(WeightsInput? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Path == other.Path && SourcePath == other.SourcePath && Kind == other.Kind && Problem == other.Problem
                && Equals(Bytes, other.Bytes)));

    public override bool Equals(object? obj) => obj is WeightsInput other && Equals(other);

    public override int GetHashCode() => unchecked((Path.GetHashCode() * 31) + (Bytes?.GetHashCode() ?? 0));
}
