using System;
using System.Linq;
using NetGen.Evaluation;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>Expected calibration error, maximum calibration error and Brier score, worked by hand in the comments.</summary>
public sealed class CalibrationReportTests
{
    // Five samples, three classes, five bins of width 0.2:
    //   [0.9, 0.05, 0.05] actual 0: confidence 0.9, right  → bin (0.8, 1]
    //   [0.1, 0.7, 0.2]   actual 0: confidence 0.7, wrong  → bin (0.6, 0.8]
    //   [0.2, 0.1, 0.7]   actual 2: confidence 0.7, right  → bin (0.6, 0.8]
    //   [0.5, 0.3, 0.2]   actual 1: confidence 0.5, wrong  → bin (0.4, 0.6]
    //   [0.05, 0.95, 0]   actual 1: confidence 0.95, right → bin (0.8, 1]
    private static readonly int[] Actual = [0, 0, 2, 1, 1];
    private static readonly double[] Probabilities =
    [
        0.9, 0.05, 0.05,
        0.1, 0.7, 0.2,
        0.2, 0.1, 0.7,
        0.5, 0.3, 0.2,
        0.05, 0.95, 0.0,
    ];

    [Fact]
    public void ExpectedCalibrationErrorWeighsEachBinsGapByItsShareOfTheSamples()
    {
        var report = CalibrationReport.Create<double>(Actual, Probabilities, 3, binCount: 5);

        // (0.8, 1]: 2 samples, confidence 0.925, accuracy 1 → gap 0.075. (0.6, 0.8]: 2, 0.7, 0.5 → 0.2. (0.4, 0.6]: 1,
        // 0.5, 0 → 0.5. ECE = 0.4·0.075 + 0.4·0.2 + 0.2·0.5 = 0.21; MCE = 0.5.
        Assert.Equal(0.21, report.ExpectedCalibrationError, 14);
        Assert.Equal(0.5, report.MaximumCalibrationError, 14);
        Assert.Equal(0.6, report.Accuracy, 15);
        Assert.Equal(0.75, report.MeanConfidence, 14);
        Assert.Equal(5, report.Count);
        Assert.Equal(5, report.BinCount);
        Assert.Equal([0, 0, 1, 2, 2], report.Bins.Select(b => b.Count));
        Assert.Equal(0.925, report.Bins[4].MeanConfidence, 14);
        Assert.Equal(0.5, report.Bins[3].Accuracy);
        Assert.Equal(0.6, report.Bins[2].Upper, 15);
        Assert.Equal(0.0, report.Bins[0].Lower);
        Assert.Contains("ECE (5 bins) 0.2100", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BrierScoreSumsTheSquaredErrorsOverClassesAndLogLossIsTheMeanNegativeLogLikelihood()
    {
        var report = CalibrationReport.Create<double>(Actual, Probabilities, 3, binCount: 5);

        // 0.01 + 0.0025 + 0.0025 = 0.015; 0.81 + 0.49 + 0.04 = 1.34; 0.04 + 0.01 + 0.09 = 0.14; 0.25 + 0.49 + 0.04 =
        // 0.78; 0.0025 + 0.0025 + 0 = 0.005: mean 2.28 / 5 = 0.456.
        Assert.Equal(0.456, report.BrierScore, 14);
        double expected = -(Math.Log(0.9) + Math.Log(0.1) + Math.Log(0.7) + Math.Log(0.3) + Math.Log(0.95)) / 5;
        Assert.Equal(expected, report.LogLoss, 12);
    }

    [Fact]
    public void OneBinGivesTheGapBetweenAccuracyAndMeanConfidence()
    {
        var report = CalibrationReport.Create<double>(Actual, Probabilities, 3, binCount: 1);
        Assert.Equal(Math.Abs(0.6 - 0.75), report.ExpectedCalibrationError, 14);
        Assert.Equal(report.ExpectedCalibrationError, report.MaximumCalibrationError);
    }

    [Fact]
    public void AClassifierRightAsOftenAsItIsSureHasNoCalibrationError()
    {
        // Ten samples at confidence 0.8, eight right; ten at 0.6, six right.
        var actual = Enumerable.Range(0, 20).Select(i => i < 10 ? (i < 8 ? 0 : 1) : (i < 16 ? 1 : 0)).ToArray();
        var probabilities = Enumerable.Range(0, 20).SelectMany(i => i < 10 ? new float[] { 0.8f, 0.2f } : new float[] { 0.4f, 0.6f }).ToArray();
        var report = CalibrationReport.Create<float>(actual, probabilities, 2);
        Assert.Equal(0.0, report.ExpectedCalibrationError, 6);
        Assert.Equal(0.7, report.Accuracy, 15);
    }

    [Fact]
    public void BinsHoldTheirUpperEdgeAndTiesPredictTheFirstClass()
    {
        // Confidence 0.5 sits at the upper edge of the first of two bins; the tie predicts class 0, so actual 1 is wrong.
        // Confidence 1 falls in the last bin.
        var report = CalibrationReport.Create<double>([1, 0], [0.5, 0.5, 1.0, 0.0], 2, binCount: 2);
        Assert.Equal(1, report.Bins[0].Count);
        Assert.Equal(0.0, report.Bins[0].Accuracy);
        Assert.Equal(1, report.Bins[1].Count);
        Assert.Equal(1.0, report.Bins[1].Accuracy);
        Assert.Equal(0.25, report.ExpectedCalibrationError, 15);
    }

    [Fact]
    public void BadInputIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CalibrationReport.Create<double>(Actual, Probabilities, 3, binCount: 0));
        Assert.Throws<ArgumentException>(() => CalibrationReport.Create<double>(Actual, Probabilities.AsSpan(0, 12), 3));
        Assert.Throws<ArgumentException>(() => CalibrationReport.Create<double>([], [], 3));
        Assert.Throws<ArgumentException>(() => CalibrationReport.Create<double>([3], [0.2, 0.3, 0.5], 3));
        Assert.Contains("outside [0, 1]", Assert.Throws<ArgumentException>(() => CalibrationReport.Create<double>([0], [1.2, -0.2], 2)).Message, StringComparison.Ordinal);
    }
}
