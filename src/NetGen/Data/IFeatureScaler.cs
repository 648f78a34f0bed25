using System;
using System.Numerics;

namespace NetGen.Data;

/// <summary>
/// A per-feature affine map fitted on training data, x′ = (x − offset) / divisor: <see cref="Standardizer{T}"/> or
/// <see cref="MinMaxScaler{T}"/>. A network trained on scaled features needs the same map applied to every new input;
/// <c>WeightsFile.Save(network, path, scaler)</c> stores it beside the weights and <c>WeightsFile.Load(network, path,
/// out scaler)</c> restores it.
/// </summary>
/// <typeparam name="T">The floating-point type of the features.</typeparam>
public interface IFeatureScaler<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of features the scaler was fitted on.</summary>
    int FeatureCount { get; }

    /// <summary>A new data set with every feature scaled; targets, labels and class names are kept.</summary>
    /// <param name="data">Any set with <see cref="FeatureCount"/> features.</param>
    /// <exception cref="ArgumentException">The feature count differs.</exception>
    Dataset<T> Transform(Dataset<T> data);

    /// <summary>Scales one or more samples' features, sample-major, e.g. a new input before inference.</summary>
    /// <param name="features">A whole number of samples of <see cref="FeatureCount"/> features.</param>
    /// <param name="destination">Receives the result; as long as <paramref name="features"/> (may be the same memory).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    void Transform(ReadOnlySpan<T> features, Span<T> destination);
}
