using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Model;

/// <summary>A diagnostic to report, held as equatable data until the output stage turns it into a <see cref="Diagnostic"/>.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArguments) =>
        new(descriptor, location, new EquatableArray<string>(messageArguments));

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArguments.ToObjectArray());
}

internal static class EquatableArrayExtensions
{
    public static object[] ToObjectArray(this EquatableArray<string> values)
    {
        var result = new object[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}

/// <summary>
/// What parsing one declaration produced: a model to emit (when the declaration is valid), diagnostics, and the weights
/// file to bake or the ONNX model to import (then with no model yet), which later steps resolve against the additional
/// files.
/// </summary>
internal sealed record ParseResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, WeightsRequest? Weights = null, OnnxRequest? Onnx = null)
{
    public static ParseResult Nothing { get; } = new(null, EquatableArray<DiagnosticInfo>.Empty);
}
