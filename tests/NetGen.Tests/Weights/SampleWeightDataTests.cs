using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.DataIO.Tests;
using Xunit;

namespace NetGen.Weights.Tests;

/// <summary>Sample weights in data sets: a CSV weight column, the checks, and every operation that makes a new set.</summary>
public sealed class SampleWeightDataTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void AWeightColumnBecomesTheSampleWeightsAndNotAFeature()
    {
        string path = _folder.WriteText("weighted.csv", "a,weight,b,class\n1.5,2,3,1\n4,0.25,5,0\n6,0,7,1\n");
        var data = CsvLoader.Load<double>(path, new CsvOptions { HasHeader = true, LabelColumn = -1, WeightColumn = 1 });

        Assert.Equal(2, data.FeatureCount);
        Assert.Equal([1.5, 3, 4, 5, 6, 7], data.Features.ToArray());
        Assert.Equal([1, 0, 1], data.Labels.ToArray());
        Assert.True(data.HasSampleWeights);
        Assert.Equal([2, 0.25, 0], data.SampleWeights.ToArray());

        // Regression, the weights counted from the end, in front of two target columns.
        string regression = _folder.WriteText("regression.csv", "1,2,0.5,10,20\n3,4,1.5,30,40\n");
        var fitted = CsvLoader.Load<float>(regression, new CsvOptions { TargetColumns = 2, WeightColumn = -3 });
        Assert.Equal([1f, 2f, 3f, 4f], fitted.Features.ToArray());
        Assert.Equal([10f, 20f, 30f, 40f], fitted.Targets.ToArray());
        Assert.Equal([0.5f, 1.5f], fitted.SampleWeights.ToArray());

        // Without a weight column a set has none.
        Assert.False(CsvLoader.Load<double>(path, new CsvOptions { HasHeader = true, LabelColumn = -1 }).HasSampleWeights);
    }

    [Theory]
    [InlineData("1,2,1\n3,-1,0\n", -2, "line 2: the weight in column 2 is '-1'; sample weights must be non-negative")]
    [InlineData("1,2,1\n3,x,0\n", 1, "line 2: column 2 holds 'x', which is not a number")]
    [InlineData("1,2,1\n3,1e999,0\n", 1, "line 2: column 2 holds '1e999', which is not a finite Double; data must be finite")]
    [InlineData("1,2,1\n", 3, "line 1: the weight column 3 does not exist in a row of 3 columns")]
    [InlineData("1,2,1\n", 2, "line 1: the weight column 2 is the label column")]
    [InlineData("2,1\n", 0, "line 1: the row has no column left for features besides the weight column")]
    public void BadWeightColumnsAndWeightsAreNamedWithTheirLine(string content, int weightColumn, string expected)
    {
        string path = _folder.WriteText("bad.csv", content);
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(path, new CsvOptions { LabelColumn = -1, WeightColumn = weightColumn }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWeightColumnAmongTheTargetsOrOnTheLabelIsRefused()
    {
        string path = _folder.WriteText("targets.csv", "1,2,3\n");
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<double>(path, new CsvOptions { TargetColumns = 2, WeightColumn = -1 }));
        Assert.Contains("the weight column -1 is one of the 2 target columns", error.Message, StringComparison.Ordinal);
        var options = Assert.Throws<ArgumentException>(() => CsvLoader.Load<double>(path, new CsvOptions { LabelColumn = 0, WeightColumn = 0 }));
        Assert.Equal("WeightColumn and LabelColumn are both 0; the weights need a column of their own.", options.Message);
    }

    [Fact]
    public void SetsCheckTheirWeightsAndEveryDerivedSetKeepsThem()
    {
        double[] features = [0, 1, 2, 3, 4, 5, 6, 7];
        double[] targets = [1, 0, 0, 1, 1, 0, 0, 1];
        int[] labels = [0, 1, 0, 1];
        double[] weights = [0.5, 1, 2, 4];
        Assert.Equal("Sample 2 has weight -1; sample weights must be finite and non-negative. (Parameter 'sampleWeights')",
            Assert.Throws<ArgumentException>(() => new Dataset<double>(features, targets, 2, 2, labels, sampleWeights: [1, 1, -1, 1])).Message);
        Assert.Throws<ArgumentException>(() => new Dataset<double>(features, targets, 2, 2, labels, sampleWeights: [1, double.NaN, 1, 1]));
        Assert.Equal("sampleWeights has 3 entries for 4 samples. (Parameter 'sampleWeights')",
            Assert.Throws<ArgumentException>(() => new Dataset<double>(features, targets, 2, 2, labels, sampleWeights: [1, 1, 1])).Message);

        var data = new Dataset<double>(features, targets, 2, 2, labels, sampleWeights: weights);
        Assert.Equal([4, 0.5, 4], data.Subset([3, 0, 3]).SampleWeights.ToArray());
        Assert.Equal([0.5f, 1f, 2f, 4f], data.Convert<float>().SampleWeights.ToArray());
        Assert.Equal(weights, Standardizer<double>.Fit(data).Transform(data).SampleWeights.ToArray());
        Assert.Equal(weights, MinMaxScaler<double>.Fit(data).Transform(data).SampleWeights.ToArray());
        var split = DatasetSplit.Split(data, 0.5, 0.0, seed: 1);
        Assert.Equal(weights.Sum(), split.Train.SampleWeights.ToArray().Sum() + split.Test.SampleWeights.ToArray().Sum());

        var reweighted = data.WithSampleWeights([1, 1, 1, 3]);
        Assert.Equal([1, 1, 1, 3], reweighted.SampleWeights.ToArray());
        Assert.Equal(data.Labels.ToArray(), reweighted.Labels.ToArray());
        Assert.False(data.WithSampleWeights(null).HasSampleWeights);
        Assert.Throws<ArgumentException>(() => data.WithSampleWeights([1, 1]));
    }
}
