using System;
using System.Buffers;
using System.Numerics;

namespace NetGen;

/// <summary>
/// Predictions from any network, generated or interpreted, for one sample or a batch: the class, the class
/// probabilities, the regression values. Inputs are what the network was trained on (scaled features, when a scaler
/// was fitted; see <see cref="Predictor{T}"/> for raw features) and batches are sample-major, as in a
/// <c>Dataset&lt;T&gt;</c>'s <c>Features</c>: a span of one sample is a batch of one.
/// </summary>
/// <remarks>
/// <para>
/// The class rule: one <see cref="Activation.Sigmoid"/> (or <see cref="Activation.Step"/>) output a is P(class 1), so the
/// class is 1 when a ≥ ½ and the probabilities are [1 − a, a]; with several outputs the class is the largest output (ties
/// to the lowest index) and the probabilities are the outputs themselves, which needs a <see cref="Activation.Softmax"/>
/// output layer. Identity or other outputs are not turned into probabilities through a softmax: outputs trained
/// towards one-hot targets by squared error are not logits, and their softmax would look like a distribution without
/// being one, so asking for them throws instead. Any other single output is not a classifier.
/// </para>
/// <para>
/// The span overloads allocate nothing (scratch for an output vector of up to 256 values lives on the stack, larger
/// ones come from the shared array pool) and, like <see cref="INetwork{T}.Forward"/>, any number of threads may call
/// them at once while no one changes the parameters.
/// </para>
/// </remarks>
public static class NetworkPredictions
{
    private const int StackOutputLimit = 256;

    /// <summary>The number of classes the network tells apart: 2 for one sigmoid output, otherwise its output size.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <exception cref="InvalidOperationException">The network has one output that is not a sigmoid or step.</exception>
    public static int GetClassCount<T>(this INetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return ClassifierOutput.ClassCount(network.Spec);
    }

    /// <summary>The predicted class of one sample.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <param name="input">One sample, <see cref="NetworkSpec.InputSize"/> features.</param>
    /// <returns>The class, in [0, <see cref="GetClassCount{T}"/>).</returns>
    /// <exception cref="ArgumentException">The input has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static int PredictClass<T>(this INetwork<T> network, ReadOnlySpan<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        var kind = ClassifierOutput.RequireClassifier(spec);
        NetworkGuard.CheckLength(input.Length, spec.InputSize, nameof(input), "input features");
        T[]? rented = null;
        Span<T> output = spec.OutputSize <= StackOutputLimit
            ? stackalloc T[StackOutputLimit]
            : rented = ArrayPool<T>.Shared.Rent(spec.OutputSize);
        try
        {
            output = output[..spec.OutputSize];
            network.Forward(input, output);
            return ClassifierOutput.ClassOf<T>(kind, output);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>The predicted class of each sample of a batch.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <param name="inputs">n samples, sample-major: n × <see cref="NetworkSpec.InputSize"/> features.</param>
    /// <param name="classes">Receives the n classes.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, or <paramref name="classes"/> is not n long.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static void PredictClasses<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<int> classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        var kind = ClassifierOutput.RequireClassifier(spec);
        int count = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(classes.Length, count, 1, nameof(classes), "class");
        T[]? rented = null;
        Span<T> output = spec.OutputSize <= StackOutputLimit
            ? stackalloc T[StackOutputLimit]
            : rented = ArrayPool<T>.Shared.Rent(spec.OutputSize);
        try
        {
            output = output[..spec.OutputSize];
            for (int i = 0; i < count; i++)
            {
                network.Forward(inputs.Slice(i * spec.InputSize, spec.InputSize), output);
                classes[i] = ClassifierOutput.ClassOf<T>(kind, output);
            }
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>The predicted class of each sample of a batch, in a new array.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <param name="inputs">n samples, sample-major (one sample is a batch of one).</param>
    /// <returns>The n classes.</returns>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static int[] PredictClasses<T>(this INetwork<T> network, ReadOnlySpan<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var classes = new int[SampleCount(network.Spec, inputs.Length, nameof(inputs))];
        PredictClasses(network, inputs, classes);
        return classes;
    }

    /// <summary>
    /// The class probabilities of each sample of a batch: <see cref="GetClassCount{T}"/> values per sample, summing to 1
    /// (up to rounding): a softmax output as it is, one sigmoid output a as [1 − a, a].
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier with a softmax output layer or one sigmoid output.</param>
    /// <param name="inputs">n samples, sample-major (one sample is a batch of one).</param>
    /// <param name="probabilities">Receives n × class-count values, sample-major.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, or <paramref name="probabilities"/> has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The outputs are not probabilities (see the remarks of <see cref="NetworkPredictions"/>).</exception>
    public static void PredictProbabilities<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> probabilities)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        ClassifierOutput.RequireProbabilities(spec);
        var kind = ClassifierOutput.KindOf(spec);
        int classCount = ClassifierOutput.ClassCount(spec);
        int count = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(probabilities.Length, count, classCount, nameof(probabilities), "probabilities");
        NetworkGuard.CheckNoOverlap(inputs, probabilities);
        Span<T> output = stackalloc T[1];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<T> input = inputs.Slice(i * spec.InputSize, spec.InputSize);
            Span<T> row = probabilities.Slice(i * classCount, classCount);
            if (kind == ClassifierKind.Binary)
            {
                network.Forward(input, output);
                ClassifierOutput.ProbabilitiesOf<T>(kind, output, row);
            }
            else
            {
                network.Forward(input, row);
            }
        }
    }

    /// <summary>The class probabilities of each sample of a batch, in a new array (see
    /// <see cref="PredictProbabilities{T}(INetwork{T}, ReadOnlySpan{T}, Span{T})"/>).</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier with a softmax output layer or one sigmoid output.</param>
    /// <param name="inputs">n samples, sample-major (one sample is a batch of one).</param>
    /// <returns>n × class-count values, sample-major.</returns>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    /// <exception cref="InvalidOperationException">The outputs are not probabilities.</exception>
    public static T[] PredictProbabilities<T>(this INetwork<T> network, ReadOnlySpan<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ClassifierOutput.RequireProbabilities(network.Spec);
        int count = SampleCount(network.Spec, inputs.Length, nameof(inputs));
        var probabilities = new T[checked(count * ClassifierOutput.ClassCount(network.Spec))];
        PredictProbabilities(network, inputs, probabilities);
        return probabilities;
    }

    /// <summary>The network's outputs for each sample of a batch, as they are: a regression network's predicted values.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">Any network.</param>
    /// <param name="inputs">n samples, sample-major (one sample is a batch of one).</param>
    /// <param name="outputs">Receives n × <see cref="NetworkSpec.OutputSize"/> values, sample-major.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, or <paramref name="outputs"/> has the wrong length.</exception>
    public static void PredictValues<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        int count = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(outputs.Length, count, spec.OutputSize, nameof(outputs), "outputs");
        NetworkGuard.CheckNoOverlap(inputs, outputs);
        for (int i = 0; i < count; i++)
        {
            network.Forward(inputs.Slice(i * spec.InputSize, spec.InputSize), outputs.Slice(i * spec.OutputSize, spec.OutputSize));
        }
    }

    /// <summary>The network's outputs for each sample of a batch, in a new array.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">Any network.</param>
    /// <param name="inputs">n samples, sample-major (one sample is a batch of one).</param>
    /// <returns>n × <see cref="NetworkSpec.OutputSize"/> values, sample-major.</returns>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples.</exception>
    public static T[] PredictValues<T>(this INetwork<T> network, ReadOnlySpan<T> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        int count = SampleCount(network.Spec, inputs.Length, nameof(inputs));
        var outputs = new T[checked(count * network.Spec.OutputSize)];
        PredictValues(network, inputs, outputs);
        return outputs;
    }

    /// <summary>
    /// The predicted class of each sample of a batch, through batched inference: the network's own block kernels
    /// where it has them, on the workspace's threads (see <see cref="BatchInference"/>). The same classes as
    /// <see cref="PredictClasses{T}(INetwork{T}, ReadOnlySpan{T}, Span{int})"/>, up to the rounding of the outputs.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <param name="inputs">n samples, sample-major.</param>
    /// <param name="classes">Receives the n classes.</param>
    /// <param name="workspace">A workspace for the network's architecture, used by one caller at a time.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, <paramref name="classes"/> is not
    /// n long, or the workspace is for another architecture.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static void PredictClasses<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<int> classes, InferenceWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(workspace);
        var spec = network.Spec;
        ClassifierOutput.RequireClassifier(spec);
        int count = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(classes.Length, count, 1, nameof(classes), "class");
        workspace.Run(network, inputs, default, classes, InferenceWorkspace<T>.RunKind.Classes, count);
    }

    /// <summary>
    /// The class probabilities of each sample of a batch through batched inference (see
    /// <see cref="PredictProbabilities{T}(INetwork{T}, ReadOnlySpan{T}, Span{T})"/> for what they are).
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier with a softmax output layer or one sigmoid output.</param>
    /// <param name="inputs">n samples, sample-major.</param>
    /// <param name="probabilities">Receives n × class-count values, sample-major; must not overlap <paramref name="inputs"/>.</param>
    /// <param name="workspace">A workspace for the network's architecture, used by one caller at a time.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, <paramref name="probabilities"/>
    /// has the wrong length or overlaps the inputs, or the workspace is for another architecture.</exception>
    /// <exception cref="InvalidOperationException">The outputs are not probabilities.</exception>
    public static void PredictProbabilities<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> probabilities, InferenceWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(workspace);
        var spec = network.Spec;
        ClassifierOutput.RequireProbabilities(spec);
        int count = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(probabilities.Length, count, ClassifierOutput.ClassCount(spec), nameof(probabilities), "probabilities");
        NetworkGuard.CheckNoOverlap(inputs, probabilities);
        workspace.Run(network, inputs, probabilities, default, InferenceWorkspace<T>.RunKind.Probabilities, count);
    }

    /// <summary>The network's outputs for each sample of a batch through batched inference: <see cref="BatchInference.Forward{T}"/>.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">Any network.</param>
    /// <param name="inputs">n samples, sample-major.</param>
    /// <param name="outputs">Receives n × <see cref="NetworkSpec.OutputSize"/> values, sample-major.</param>
    /// <param name="workspace">A workspace for the network's architecture, used by one caller at a time.</param>
    /// <exception cref="ArgumentException">As <see cref="BatchInference.Forward{T}"/>.</exception>
    public static void PredictValues<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs, InferenceWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BatchInference.Forward(network, inputs, outputs, workspace);

    private static int SampleCount(NetworkSpec spec, int length, string parameterName) =>
        BatchInference.SampleCount(spec, length, parameterName);

    private static void RequireRows(int length, int samples, int width, string parameterName, string what) =>
        BatchInference.RequireRows(length, samples, width, parameterName, what);

    private static void Return<T>(T[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
