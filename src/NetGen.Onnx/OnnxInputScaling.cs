using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Onnx;

/// <summary>
/// How a fitted feature scaler x′ = (x − offset) / divisor is written in ONNX: a <c>Sub</c> and a <c>Div</c> node on the
/// graph's input, each against a per-feature initializer of shape [in] that broadcasts over the batch, so the exported
/// model takes the raw features an app has, as <see cref="Predictor{T}"/> does.
/// </summary>
internal static class OnnxInputScaling
{
    /// <summary>The name of the tensor that holds the inputs after subtracting the offsets.</summary>
    public const string CentredName = "scaler.centred";

    /// <summary>The name of the tensor that holds the scaled inputs, the first dense layer's input.</summary>
    public const string ScaledName = "scaler.scaled";

    /// <summary>
    /// Adds the scaling of <paramref name="input"/> and returns the name of the scaled tensor. A
    /// <see cref="Standardizer{T}"/> subtracts its means (<c>scaler.mean</c>) and divides by its standard deviations
    /// (<c>scaler.std</c>); a <see cref="MinMaxScaler{T}"/> subtracts its minimums (<c>scaler.min</c>) and divides by its
    /// ranges (<c>scaler.range</c>, 1 for a constant feature).
    /// </summary>
    /// <exception cref="ArgumentException">The scaler is of another type, or was fitted on another number of features than <paramref name="inputSize"/>.</exception>
    public static string Add<T>(OnnxGraphBuilder graph, IFeatureScaler<T> scaler, string input, int inputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (scaler.FeatureCount != inputSize)
        {
            throw new ArgumentException($"The scaler was fitted on {scaler.FeatureCount} features, but the network has {inputSize} inputs.", nameof(scaler));
        }

        string offsetName, divisorName;
        switch (scaler)
        {
            case Standardizer<T> standardizer:
                (offsetName, divisorName) = ("scaler.mean", "scaler.std");
                graph.AddInitializer(offsetName, standardizer.Means, inputSize);
                graph.AddInitializer(divisorName, standardizer.StandardDeviations, inputSize);
                break;
            case MinMaxScaler<T> minMax:
                (offsetName, divisorName) = ("scaler.min", "scaler.range");
                graph.AddInitializer(offsetName, minMax.Minimums, inputSize);
                graph.AddInitializer(divisorName, minMax.Divisors, inputSize);
                break;
            default:
                throw new ArgumentException(
                    $"A {scaler.GetType().Name} has no ONNX form; Standardizer<T> and MinMaxScaler<T> are exported as Sub and Div nodes.", nameof(scaler));
        }

        graph.AddNode("Sub", "scaler_subtract", [input, offsetName], [CentredName]);
        graph.AddNode("Div", "scaler_divide", [CentredName, divisorName], [ScaledName]);
        return ScaledName;
    }
}
