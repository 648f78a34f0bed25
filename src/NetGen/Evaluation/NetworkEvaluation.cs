using System;
using System.Numerics;
using NetGen.Data;

namespace NetGen.Evaluation;

/// <summary>Evaluates a network, generated or interpreted, on a data set, with the whole network (no dropout).</summary>
/// <example><code>
/// ClassificationReport report = network.EvaluateClassification(scaler.Transform(split.Test));
/// Console.WriteLine(report);                  // per-class precision, recall, F1, averages, confusion matrix
/// double f1 = report.MacroAverage.F1;
/// </code></example>
public static class NetworkEvaluation
{
    /// <summary>
    /// Classifies every sample (see <see cref="NetworkPredictions"/> for the class rule) and scores the predictions
    /// against the data set's labels, or, for a set without labels, against targets that are classes (one 0/1 column
    /// or one-hot rows). The log-loss (and, for two classes, the ROC AUC) is included when the network outputs
    /// probabilities: a softmax layer or one sigmoid output.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier.</param>
    /// <param name="data">A non-empty set with the network's input size, as the network sees it (scaled, if it was trained on scaled features).</param>
    /// <exception cref="ArgumentException">The set is empty, has the wrong number of features or classes, or has no classes.</exception>
    /// <exception cref="InvalidOperationException">The network is not a classifier.</exception>
    public static ClassificationReport EvaluateClassification<T>(this INetwork<T> network, Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        CheckData(spec, data);
        int classCount = network.GetClassCount();
        int[] actual = ClassLabels.Of(data, "Evaluating a classifier", nameof(data));
        if (data.HasLabels && data.ClassCount != classCount)
        {
            throw new ArgumentException($"The data set has {data.ClassCount} classes but the network {spec} tells {classCount} apart.", nameof(data));
        }

        foreach (int c in actual)
        {
            if (c >= classCount)
            {
                throw new ArgumentException($"The data set has class {c}, but the network {spec} tells only {classCount} classes apart.", nameof(data));
            }
        }

        int[] predicted = network.PredictClasses(data.Features);
        T[] probabilities = ClassifierOutput.HasProbabilities(spec) ? network.PredictProbabilities(data.Features) : [];
        var names = data.ClassNames is { } given && given.Count == classCount ? given : null;
        return ClassificationReport.Create<T>(actual, predicted, probabilities, classCount, names);
    }

    /// <summary>
    /// Scores how well the network's class probabilities are calibrated on a data set (<see cref="CalibrationReport"/>:
    /// expected calibration error over <paramref name="binCount"/> equal-width confidence bins, Brier score, log-loss).
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A classifier that outputs probabilities: a softmax layer or one sigmoid output.</param>
    /// <param name="data">A non-empty set with the network's input size and classes (labels, one 0/1 column or one-hot rows).</param>
    /// <param name="binCount">The number of confidence bins, at least 1; 15 by default.</param>
    /// <exception cref="ArgumentException">The set is empty, does not fit the network, or has a class the network does
    /// not tell apart; the bin count is below 1.</exception>
    /// <exception cref="InvalidOperationException">The network does not output probabilities.</exception>
    public static CalibrationReport EvaluateCalibration<T>(this INetwork<T> network, Dataset<T> data, int binCount = CalibrationReport.DefaultBinCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        CheckData(spec, data);
        if (!ClassifierOutput.HasProbabilities(spec))
        {
            throw new InvalidOperationException($"The network {spec} does not output class probabilities (a softmax layer or one sigmoid output), so it has no calibration.");
        }

        int classCount = network.GetClassCount();
        int[] actual = ClassLabels.Of(data, "Evaluating calibration", nameof(data));
        return CalibrationReport.Create<T>(actual, network.PredictProbabilities(data.Features), classCount, binCount);
    }

    /// <summary>Runs every sample through the network and scores its outputs against the targets.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">Any network.</param>
    /// <param name="data">A non-empty set with the network's input and output sizes.</param>
    /// <exception cref="ArgumentException">The set is empty or does not fit the network.</exception>
    public static RegressionReport EvaluateRegression<T>(this INetwork<T> network, Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var spec = network.Spec;
        CheckData(spec, data);
        if (data.TargetCount != spec.OutputSize)
        {
            throw new ArgumentException($"The data set has {data.TargetCount} targets per sample; the network {spec} has {spec.OutputSize} outputs.", nameof(data));
        }

        return RegressionReport.Create<T>(data.Targets, network.PredictValues(data.Features), spec.OutputSize);
    }

    private static void CheckData<T>(NetworkSpec spec, Dataset<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", nameof(data));
        }

        if (data.FeatureCount != spec.InputSize)
        {
            throw new ArgumentException($"The data set has {data.FeatureCount} features per sample; the network {spec} needs {spec.InputSize}.", nameof(data));
        }
    }
}
