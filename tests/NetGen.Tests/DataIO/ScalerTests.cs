using System;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

public sealed class ScalerTests
{
    private static readonly Lazy<Dataset<double>> Iris = new(() =>
        CsvLoader.Load<double>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames }));

    [Fact]
    public void StandardizerLearnsIrisMeansAndPopulationStandardDeviations()
    {
        var scaler = Standardizer<double>.Fit(Iris.Value);

        // The iris.rst summary table gives means 5.84, 3.05 (3.057), 3.76, 1.20 and SDs 0.83, 0.43, 1.76, 0.76.
        double[] means = [5.843333333333334, 3.0573333333333337, 3.758, 1.1993333333333334];
        double[] deviations = [0.8253012917851409, 0.43441096773549454, 1.759404065775303, 0.7596926279021594];
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(means[j], scaler.Means[j], 1e-12);
            Assert.Equal(deviations[j], scaler.StandardDeviations[j], 1e-12);
        }
    }

    [Fact]
    public void StandardizedTrainingFeaturesHaveZeroMeanAndUnitVariance()
    {
        var iris = Iris.Value;

        var scaled = Standardizer<double>.Fit(iris).Transform(iris);

        for (int j = 0; j < 4; j++)
        {
            double[] column = Enumerable.Range(0, scaled.Count).Select(i => scaled.GetFeatures(i)[j]).ToArray();
            double mean = column.Average();
            Assert.Equal(0.0, mean, 1e-12);
            Assert.Equal(1.0, column.Sum(x => (x - mean) * (x - mean)) / column.Length, 1e-12);
        }

        Assert.Equal(iris.Targets.ToArray(), scaled.Targets.ToArray());
        Assert.Equal(iris.Labels.ToArray(), scaled.Labels.ToArray());
        Assert.Equal(iris.ClassNames, scaled.ClassNames);
    }

    [Fact]
    public void StandardizerUsesOnlyTheTrainingSplitsStatistics()
    {
        var split = DatasetSplit.Split(Iris.Value, 0.6, 0.2, seed: 11, stratify: true);
        var train = split.Train;

        var scaler = Standardizer<double>.Fit(train);
        var test = scaler.Transform(split.Test);

        double trainMean = Enumerable.Range(0, train.Count).Average(i => train.GetFeatures(i)[2]);
        Assert.Equal(trainMean, scaler.Means[2], 1e-12);
        Assert.Equal((split.Test.GetFeatures(3)[2] - scaler.Means[2]) / scaler.StandardDeviations[2], test.GetFeatures(3)[2], 1e-12);
    }

    [Fact]
    public void AConstantFeatureGetsScaleOneAndMapsToZero()
    {
        var digits = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });

        var scaler = Standardizer<float>.Fit(digits);
        var scaled = scaler.Transform(digits);

        // Pixel 0 of every digit is 0.
        Assert.Equal(0f, scaler.Means[0]);
        Assert.Equal(1f, scaler.StandardDeviations[0]);
        Assert.All(Enumerable.Range(0, scaled.Count), i => Assert.Equal(0f, scaled.GetFeatures(i)[0]));
        Assert.All(scaled.Features.ToArray(), x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void StandardizerTransformsSingleSamplesLikeWholeSets()
    {
        var iris = Iris.Value;
        var scaler = Standardizer<double>.Fit(iris);
        var whole = scaler.Transform(iris);
        var sample = new double[4];

        scaler.Transform(iris.GetFeatures(77), sample);

        Assert.Equal(whole.GetFeatures(77).ToArray(), sample);
    }

    [Fact]
    public void ScalersRejectADifferentFeatureCount()
    {
        var fourFeatures = Iris.Value;
        var twoFeatures = new Dataset<double>([1, 2, 3, 4], [0, 1], 2, 1);

        var standardizer = Assert.Throws<ArgumentException>(() => Standardizer<double>.Fit(fourFeatures).Transform(twoFeatures));
        var minMax = Assert.Throws<ArgumentException>(() => MinMaxScaler<double>.Fit(fourFeatures).Transform(twoFeatures));

        Assert.StartsWith("The standardizer was fitted on 4 features, but this data set has 2.", standardizer.Message, StringComparison.Ordinal);
        Assert.StartsWith("The min-max scaler was fitted on 4 features, but this data set has 2.", minMax.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Standardizer<double>.Fit(fourFeatures).Transform(new double[6], new double[6]));
        Assert.Throws<ArgumentException>(() => Standardizer<double>.Fit(fourFeatures).Transform(new double[4], new double[3]));
    }

    [Fact]
    public void ScalersRejectAnEmptyTrainingSet()
    {
        var empty = new Dataset<float>([], [], 3, 1);

        Assert.Throws<ArgumentException>(() => Standardizer<float>.Fit(empty));
        Assert.Throws<ArgumentException>(() => MinMaxScaler<float>.Fit(empty));
    }

    [Fact]
    public void MinMaxScalerMapsTheTrainingRangeOntoZeroToOne()
    {
        // Samples (2, 10), (7, 4), (6, 7): feature 0 spans [2, 7], feature 1 spans [4, 10].
        var train = new Dataset<double>([2, 10, 7, 4, 6, 7], [0, 0, 0], 2, 1);
        var other = new Dataset<double>([12, 1], [0], 2, 1);

        var scaler = MinMaxScaler<double>.Fit(train);

        Assert.Equal([2.0, 4.0], scaler.Minimums.ToArray());
        Assert.Equal([7.0, 10.0], scaler.Maximums.ToArray());
        Assert.Equal([0.0, 1.0, 1.0, 0.0, 0.8, 0.5], scaler.Transform(train).Features.ToArray());
        // Values outside the training range are not clipped.
        Assert.Equal([2.0, -0.5], scaler.Transform(other).Features.ToArray());
    }

    [Fact]
    public void MinMaxScalerMapsAConstantFeatureToZero()
    {
        var train = new Dataset<float>([5, 1, 5, 2, 5, 3], [0, 0, 0], 2, 1);

        var scaled = MinMaxScaler<float>.Fit(train).Transform(train);

        Assert.Equal([0f, 0f, 0f, 0.5f, 0f, 1f], scaled.Features.ToArray());
    }

    [Fact]
    public void MinMaxScalerHandlesARangeBeyondFloat()
    {
        var train = new Dataset<float>([-3e38f, 3e38f], [0, 0], 1, 1);

        var scaled = MinMaxScaler<float>.Fit(train).Transform(train);

        Assert.Equal([0f, 1f], scaled.Features.ToArray());
    }
}
