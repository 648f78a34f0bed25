using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace NetGen.Evaluation;

/// <summary>
/// One equal-width bin of top-label confidences in a <see cref="CalibrationReport"/> (a bar of a reliability diagram).
/// </summary>
/// <param name="Lower">The bin's lower edge (excluded, except 0 for the first bin).</param>
/// <param name="Upper">The bin's upper edge (included).</param>
/// <param name="Count">The samples whose confidence falls in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence (the largest class probability); 0 for an empty bin.</param>
/// <param name="Accuracy">The share of them classified correctly; 0 for an empty bin.</param>
public readonly record struct CalibrationBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);

/// <summary>
/// How well a classifier's probabilities match how often it is right: expected and maximum calibration error over
/// equal-width confidence bins (Guo et al. 2017), the Brier score and the log-loss, with accuracy and mean confidence.
/// </summary>
/// <remarks>
/// The confidence of a sample is its largest class probability and its prediction that class (the first on a tie). The
/// confidences are put in <see cref="BinCount"/> bins of equal width, bin b holding (b/B, (b + 1)/B] (the first also
/// holds 0). The expected calibration error is Σ_b (n_b/n)·|accuracy_b − confidence_b|, the gap between how often the
/// classifier is right and how sure it is, weighted by the bins' sample counts; the maximum calibration error is the
/// largest gap over the non-empty bins. On a finite sample the ECE of even a perfectly calibrated classifier is
/// positive (each bin's accuracy is a binomial estimate), so compare classifiers on the same samples.
/// </remarks>
/// <example><code>
/// CalibrationReport calibration = network.EvaluateCalibration(scaler.Transform(split.Test));
/// Console.WriteLine(calibration.ExpectedCalibrationError);
/// </code></example>
public sealed class CalibrationReport
{
    /// <summary>The number of bins by default: 15, as in Guo et al.</summary>
    public const int DefaultBinCount = 15;

    private readonly CalibrationBin[] _bins;

    private CalibrationReport(CalibrationBin[] bins, int count, double ece, double mce, double brier, double logLoss, double accuracy, double meanConfidence)
    {
        _bins = bins;
        Count = count;
        ExpectedCalibrationError = ece;
        MaximumCalibrationError = mce;
        BrierScore = brier;
        LogLoss = logLoss;
        Accuracy = accuracy;
        MeanConfidence = meanConfidence;
    }

    /// <summary>The number of samples scored.</summary>
    public int Count { get; }

    /// <summary>The number of confidence bins.</summary>
    public int BinCount => _bins.Length;

    /// <summary>The bins, from the lowest confidence up (a reliability diagram).</summary>
    public IReadOnlyList<CalibrationBin> Bins => _bins;

    /// <summary>Σ_b (n_b/n)·|accuracy_b − confidence_b| over the bins: 0 for a calibrated classifier, at most 1.</summary>
    public double ExpectedCalibrationError { get; }

    /// <summary>The largest |accuracy_b − confidence_b| over the non-empty bins.</summary>
    public double MaximumCalibrationError { get; }

    /// <summary>The mean over samples of Σ_c (p_c − y_c)², y the one-hot actual class (Brier's multi-class score, 0 to 2).</summary>
    public double BrierScore { get; }

    /// <summary>The mean negative log-likelihood of the actual classes, as <see cref="BinaryMetrics.LogLoss{T}(ReadOnlySpan{int}, ReadOnlySpan{T}, int)"/> computes it.</summary>
    public double LogLoss { get; }

    /// <summary>The share of samples whose most probable class is the actual one.</summary>
    public double Accuracy { get; }

    /// <summary>The mean confidence (largest class probability) over the samples.</summary>
    public double MeanConfidence { get; }

    /// <summary>Scores class probabilities against the actual classes.</summary>
    /// <typeparam name="T">The floating-point type of the probabilities.</typeparam>
    /// <param name="actual">Each sample's actual class, in [0, classCount).</param>
    /// <param name="probabilities">n rows of classCount probabilities, sample-major, each in [0, 1].</param>
    /// <param name="classCount">The number of classes, at least 2.</param>
    /// <param name="binCount">The number of equal-width confidence bins, at least 1; <see cref="DefaultBinCount"/> by default.</param>
    /// <exception cref="ArgumentException">The lengths disagree, there are no samples, a class is out of range, a
    /// probability is outside [0, 1], or the bin count is below 1.</exception>
    public static CalibrationReport Create<T>(ReadOnlySpan<int> actual, ReadOnlySpan<T> probabilities, int classCount, int binCount = DefaultBinCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);

        // Checks the lengths, the classes and every probability.
        double logLoss = BinaryMetrics.LogLoss(actual, probabilities, classCount);
        int n = actual.Length;
        var counts = new int[binCount];
        var confidenceSums = new double[binCount];
        var correctCounts = new int[binCount];
        double brier = 0.0;
        int correct = 0;
        double confidenceTotal = 0.0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<T> row = probabilities.Slice(i * classCount, classCount);
            int predicted = 0;
            double confidence = double.CreateTruncating(row[0]);
            for (int c = 0; c < classCount; c++)
            {
                double p = double.CreateTruncating(row[c]);
                if (p > confidence)
                {
                    confidence = p;
                    predicted = c;
                }

                double error = p - (c == actual[i] ? 1.0 : 0.0);
                brier += error * error;
            }

            int bin = Math.Clamp((int)Math.Ceiling(confidence * binCount) - 1, 0, binCount - 1);
            counts[bin]++;
            confidenceSums[bin] += confidence;
            confidenceTotal += confidence;
            if (predicted == actual[i])
            {
                correctCounts[bin]++;
                correct++;
            }
        }

        var bins = new CalibrationBin[binCount];
        double ece = 0.0;
        double mce = 0.0;
        for (int b = 0; b < binCount; b++)
        {
            double lower = b / (double)binCount;
            double upper = (b + 1) / (double)binCount;
            if (counts[b] == 0)
            {
                bins[b] = new CalibrationBin(lower, upper, 0, 0.0, 0.0);
                continue;
            }

            double meanConfidence = confidenceSums[b] / counts[b];
            double accuracy = correctCounts[b] / (double)counts[b];
            double gap = Math.Abs(accuracy - meanConfidence);
            ece += counts[b] / (double)n * gap;
            mce = Math.Max(mce, gap);
            bins[b] = new CalibrationBin(lower, upper, counts[b], meanConfidence, accuracy);
        }

        return new CalibrationReport(bins, n, ece, mce, brier / n, logLoss, correct / (double)n, confidenceTotal / n);
    }

    /// <summary>The scores, then a row per non-empty bin (edges, samples, mean confidence, accuracy).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"ECE ({BinCount} bins) {ExpectedCalibrationError:0.0000}, MCE {MaximumCalibrationError:0.0000}, Brier {BrierScore:0.0000}, log-loss {LogLoss:0.0000}, accuracy {Accuracy:0.0000}, mean confidence {MeanConfidence:0.0000} ({Count} samples)\n");
        text.Append("      bin  samples  confidence  accuracy\n");
        foreach (var bin in _bins)
        {
            if (bin.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{bin.Lower:0.000}-{bin.Upper:0.000}{bin.Count,9}{bin.MeanConfidence,12:0.0000}{bin.Accuracy,10:0.0000}\n");
            }
        }

        return text.ToString();
    }
}
