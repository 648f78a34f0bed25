using System;
using System.Buffers;
using System.Numerics;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.IO;

namespace NetGen;

/// <summary>
/// A trained network together with the feature scaler its inputs were fitted with: predictions from raw features, as
/// they come from a CSV file or an app, each sample scaled on the way in. <see cref="Load"/> restores both from one
/// weights file and <see cref="Save"/> writes both.
/// </summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
/// <example><code>
/// var model = Predictor&lt;float&gt;.Load(new IrisNet(), "iris.safetensors");
/// int species = model.PredictClass([5.1f, 3.5f, 1.4f, 0.2f]);
/// </code></example>
/// <remarks>
/// The span overloads allocate nothing (a sample's scaled copy lives on the stack up to 256 features, in a pooled array
/// beyond) and are safe to call from many threads at once while no one changes the parameters. The class and
/// probability rules are those of <see cref="NetworkPredictions"/>.
/// </remarks>
public sealed class Predictor<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int StackInputLimit = 256;

    /// <summary>Pairs a network with the scaler of its inputs.</summary>
    /// <param name="network">The trained network.</param>
    /// <param name="scaler">The scaler fitted on the training features, or <see langword="null"/> when the network takes raw features.</param>
    /// <exception cref="ArgumentException">The scaler was fitted on another number of features than the network's inputs.</exception>
    public Predictor(INetwork<T> network, IFeatureScaler<T>? scaler)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (scaler is not null && scaler.FeatureCount != network.Spec.InputSize)
        {
            throw new ArgumentException($"The scaler was fitted on {scaler.FeatureCount} features, but the network {network.Spec} has {network.Spec.InputSize} inputs.", nameof(scaler));
        }

        Network = network;
        Scaler = scaler;
    }

    /// <summary>The network.</summary>
    public INetwork<T> Network { get; }

    /// <summary>The scaler applied to every input before the network, or <see langword="null"/>.</summary>
    public IFeatureScaler<T>? Scaler { get; }

    /// <summary>Loads the weights and the scaler saved with them (see <see cref="WeightsFile.Load{T}(INetwork{T}, string, out IFeatureScaler{T})"/>).</summary>
    /// <param name="network">The network to load into, e.g. <c>new IrisNet()</c>.</param>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="WeightsFileException">The file is invalid or is not for this network.</exception>
    public static Predictor<T> Load(INetwork<T> network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        WeightsFile.Load(network, path, out var scaler);
        return new Predictor<T>(network, scaler);
    }

    /// <summary>Saves the weights and the scaler to one safetensors file (see <see cref="WeightsFile.Save{T}(INetwork{T}, string, IFeatureScaler{T})"/>).</summary>
    /// <param name="path">The file to create or replace.</param>
    public void Save(string path) => WeightsFile.Save(Network, path, Scaler);

    /// <summary>The predicted class of one raw sample.</summary>
    /// <param name="rawInput">One sample's unscaled features.</param>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public int PredictClass(ReadOnlySpan<T> rawInput)
    {
        Span<int> result = stackalloc int[1];
        PredictClasses(CheckOne(rawInput), result);
        return result[0];
    }

    /// <summary>The predicted class of each raw sample of a batch.</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <param name="classes">Receives the n classes.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public void PredictClasses(ReadOnlySpan<T> rawInputs, Span<int> classes)
    {
        int count = SampleCount(rawInputs.Length, nameof(rawInputs));
        if (classes.Length != count)
        {
            throw new ArgumentException($"classes has {classes.Length} elements; {count} samples need exactly {count}.", nameof(classes));
        }

        _ = ClassifierOutput.RequireClassifier(Network.Spec);
        ForEachScaled(rawInputs, count, 1, classes, static (network, scaled, i, _, classes) => classes[i] = network.PredictClass(scaled));
    }

    /// <summary>The predicted class of each raw sample of a batch, in a new array.</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public int[] PredictClasses(ReadOnlySpan<T> rawInputs)
    {
        var classes = new int[SampleCount(rawInputs.Length, nameof(rawInputs))];
        PredictClasses(rawInputs, classes);
        return classes;
    }

    /// <summary>The class probabilities of each raw sample of a batch (see <see cref="NetworkPredictions"/>).</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <param name="probabilities">Receives n × class-count values, sample-major.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The outputs are not probabilities.</exception>
    public void PredictProbabilities(ReadOnlySpan<T> rawInputs, Span<T> probabilities)
    {
        ClassifierOutput.RequireProbabilities(Network.Spec);
        int count = SampleCount(rawInputs.Length, nameof(rawInputs));
        int classCount = ClassifierOutput.ClassCount(Network.Spec);
        if (probabilities.Length != (long)count * classCount)
        {
            throw new ArgumentException($"probabilities has {probabilities.Length} elements; {count} samples need exactly {(long)count * classCount}.", nameof(probabilities));
        }

        ForEachScaled(rawInputs, count, classCount, probabilities, static (network, scaled, i, width, probabilities) => network.PredictProbabilities(scaled, probabilities.Slice(i * width, width)));
    }

    /// <summary>The class probabilities of each raw sample of a batch, in a new array.</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    /// <exception cref="InvalidOperationException">The outputs are not probabilities.</exception>
    public T[] PredictProbabilities(ReadOnlySpan<T> rawInputs)
    {
        ClassifierOutput.RequireProbabilities(Network.Spec);
        var probabilities = new T[checked(SampleCount(rawInputs.Length, nameof(rawInputs)) * ClassifierOutput.ClassCount(Network.Spec))];
        PredictProbabilities(rawInputs, probabilities);
        return probabilities;
    }

    /// <summary>The network's outputs for each raw sample of a batch: a regression network's predicted values.</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <param name="outputs">Receives n × output-size values, sample-major.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void PredictValues(ReadOnlySpan<T> rawInputs, Span<T> outputs)
    {
        int count = SampleCount(rawInputs.Length, nameof(rawInputs));
        int width = Network.Spec.OutputSize;
        if (outputs.Length != (long)count * width)
        {
            throw new ArgumentException($"outputs has {outputs.Length} elements; {count} samples need exactly {(long)count * width}.", nameof(outputs));
        }

        ForEachScaled(rawInputs, count, width, outputs, static (network, scaled, i, width, outputs) => network.Forward(scaled, outputs.Slice(i * width, width)));
    }

    /// <summary>The network's outputs for each raw sample of a batch, in a new array.</summary>
    /// <param name="rawInputs">n samples' unscaled features, sample-major.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    public T[] PredictValues(ReadOnlySpan<T> rawInputs)
    {
        var outputs = new T[checked(SampleCount(rawInputs.Length, nameof(rawInputs)) * Network.Spec.OutputSize)];
        PredictValues(rawInputs, outputs);
        return outputs;
    }

    /// <summary>Scales a raw data set and evaluates the classifier on it (see <see cref="NetworkEvaluation.EvaluateClassification{T}"/>).</summary>
    /// <param name="rawData">The samples with unscaled features.</param>
    public ClassificationReport EvaluateClassification(Dataset<T> rawData) => Network.EvaluateClassification(Scale(rawData));

    /// <summary>Scales a raw data set and evaluates the regression network on it (see <see cref="NetworkEvaluation.EvaluateRegression{T}"/>).</summary>
    /// <param name="rawData">The samples with unscaled features.</param>
    public RegressionReport EvaluateRegression(Dataset<T> rawData) => Network.EvaluateRegression(Scale(rawData));

    private delegate void SampleAction<TResult>(INetwork<T> network, ReadOnlySpan<T> scaled, int index, int width, Span<TResult> results);

    private Dataset<T> Scale(Dataset<T> rawData)
    {
        ArgumentNullException.ThrowIfNull(rawData);
        return Scaler is null ? rawData : Scaler.Transform(rawData);
    }

    private ReadOnlySpan<T> CheckOne(ReadOnlySpan<T> rawInput)
    {
        NetworkGuard.CheckLength(rawInput.Length, Network.Spec.InputSize, nameof(rawInput), "input features");
        return rawInput;
    }

    private int SampleCount(int length, string parameterName)
    {
        int inputs = Network.Spec.InputSize;
        if (length % inputs != 0)
        {
            throw new ArgumentException($"{parameterName} has {length} values, not a whole number of samples of {inputs} features.", parameterName);
        }

        return length / inputs;
    }

    // Runs `action` on each sample after scaling it into one scratch vector.
    private void ForEachScaled<TResult>(ReadOnlySpan<T> rawInputs, int count, int width, Span<TResult> results, SampleAction<TResult> action)
    {
        int inputs = Network.Spec.InputSize;
        if (Scaler is null)
        {
            for (int i = 0; i < count; i++)
            {
                action(Network, rawInputs.Slice(i * inputs, inputs), i, width, results);
            }

            return;
        }

        T[]? rented = null;
        Span<T> scaled = inputs <= StackInputLimit ? stackalloc T[StackInputLimit] : rented = ArrayPool<T>.Shared.Rent(inputs);
        try
        {
            scaled = scaled[..inputs];
            for (int i = 0; i < count; i++)
            {
                Scaler.Transform(rawInputs.Slice(i * inputs, inputs), scaled);
                action(Network, scaled, i, width, results);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }
}
