using System;
using System.Linq;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

public sealed class DatasetSplitTests
{
    private static readonly Lazy<Dataset<float>> Digits = new(() => CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 }));

    private static readonly Lazy<Dataset<double>> Iris = new(() =>
        CsvLoader.Load<double>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames }));

    [Fact]
    public void DividesTheSamplesIntoDisjointPartsOfTheRequestedSizes()
    {
        var data = Indexed(1797, classes: 10);

        var split = DatasetSplit.Split(data, 0.7, 0.15, seed: 42);

        // 1797 × 0.7 = 1257.9 → 1258; 1797 × 0.15 = 269.55 → 270; the test part takes the remaining 269.
        Assert.Equal(1258, split.Train.Count);
        Assert.Equal(270, split.Validation.Count);
        Assert.Equal(269, split.Test.Count);
        int[] all = [.. SampleIds(split.Train), .. SampleIds(split.Validation), .. SampleIds(split.Test)];
        Assert.Equal(Enumerable.Range(0, 1797), all.Order());
        Assert.NotEqual(Enumerable.Range(0, 1258), SampleIds(split.Train));
    }

    [Fact]
    public void KeepsEachSamplesFeaturesTargetsAndLabelTogether()
    {
        var digits = Digits.Value;

        var split = DatasetSplit.Split(digits, 0.5, 0.25, seed: 3);

        var part = split.Validation;
        for (int i = 0; i < part.Count; i++)
        {
            Assert.Equal(part.Labels[i], OneHot.ArgMax(part.GetTargets(i)));
        }

        Assert.Equal(digits.Features.ToArray().Sum(x => (double)x),
            new[] { split.Train, split.Validation, split.Test }.Sum(p => p.Features.ToArray().Sum(x => (double)x)));
    }

    [Fact]
    public void TheSameSeedGivesTheSameSplitAndAnotherSeedAnother()
    {
        var data = Indexed(500, classes: 5);

        var first = DatasetSplit.Split(data, 0.6, 0.2, seed: 7);
        var again = DatasetSplit.Split(data, 0.6, 0.2, seed: 7);
        var other = DatasetSplit.Split(data, 0.6, 0.2, seed: 8);

        Assert.Equal(SampleIds(first.Train), SampleIds(again.Train));
        Assert.Equal(SampleIds(first.Validation), SampleIds(again.Validation));
        Assert.Equal(SampleIds(first.Test), SampleIds(again.Test));
        Assert.NotEqual(SampleIds(first.Train), SampleIds(other.Train));
    }

    [Fact]
    public void StratifyingKeepsEachClassProportionInEveryPart()
    {
        var split = DatasetSplit.Split(Iris.Value, 0.6, 0.2, seed: 1, stratify: true);

        Assert.Equal([30, 30, 30], ClassCounts(split.Train, 3));
        Assert.Equal([10, 10, 10], ClassCounts(split.Validation, 3));
        Assert.Equal([10, 10, 10], ClassCounts(split.Test, 3));
        // Each part is shuffled after assembly, so its classes are interleaved rather than in blocks.
        Assert.NotEqual(split.Train.Labels.ToArray().Order(), split.Train.Labels.ToArray());
        Assert.Equal(RealData.IrisClassNames, split.Test.ClassNames);
    }

    [Fact]
    public void StratifyingDigitsRoundsEachClassOnItsOwn()
    {
        var digits = Digits.Value;
        int[] whole = ClassCounts(digits, 10);

        var split = DatasetSplit.Split(digits, 0.8, 0.1, seed: 5, stratify: true);

        int[] train = ClassCounts(split.Train, 10);
        int[] validation = ClassCounts(split.Validation, 10);
        for (int c = 0; c < 10; c++)
        {
            Assert.Equal((int)Math.Round(whole[c] * 0.8, MidpointRounding.AwayFromZero), train[c]);
            Assert.Equal((int)Math.Round(whole[c] * 0.1, MidpointRounding.AwayFromZero), validation[c]);
        }

        Assert.Equal(digits.Count, split.Train.Count + split.Validation.Count + split.Test.Count);
    }

    [Fact]
    public void AllowsEmptyValidationAndTestParts()
    {
        var data = Indexed(10, classes: 2);

        var trainOnly = DatasetSplit.Split(data, 1.0, 0.0, seed: 0);
        var noTest = DatasetSplit.Split(data, 0.7, 0.3, seed: 0);

        Assert.Equal((10, 0, 0), (trainOnly.Train.Count, trainOnly.Validation.Count, trainOnly.Test.Count));
        Assert.Equal((7, 3, 0), (noTest.Train.Count, noTest.Validation.Count, noTest.Test.Count));
    }

    [Theory]
    [InlineData(0.0, 0.1)]
    [InlineData(-0.5, 0.1)]
    [InlineData(1.5, 0.0)]
    [InlineData(double.NaN, 0.1)]
    [InlineData(0.5, -0.1)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.5, double.NaN)]
    [InlineData(0.7, 0.4)]
    public void RejectsInvalidFractions(double train, double validation)
    {
        Assert.ThrowsAny<ArgumentException>(() => DatasetSplit.Split(Indexed(10, classes: 2), train, validation, seed: 0));
    }

    [Fact]
    public void RejectsAFractionThatLeavesNoTrainingSamples()
    {
        var error = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(Indexed(4, classes: 2), 0.1, 0.5, seed: 0));

        Assert.Contains("leaves no training samples", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsStratifyingARegressionSet()
    {
        var regression = new Dataset<double>([1, 2, 3, 4], [1, 2, 3, 4], 1, 1);

        var error = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(regression, 0.5, 0.25, seed: 0, stratify: true));

        Assert.Contains("needs class labels", error.Message, StringComparison.Ordinal);
    }

    // Feature 0 of sample i is i, so every part can be traced back to the original samples.
    private static Dataset<double> Indexed(int count, int classes)
    {
        var features = new double[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            features[2 * i] = i;
            features[2 * i + 1] = -i;
            labels[i] = i % classes;
        }

        return new Dataset<double>(features, OneHot.Encode<double>(labels, classes), 2, classes, labels);
    }

    private static int[] SampleIds(Dataset<double> part) =>
        Enumerable.Range(0, part.Count).Select(i => (int)part.GetFeatures(i)[0]).ToArray();

    private static int[] ClassCounts<T>(Dataset<T> data, int classes)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var counts = new int[classes];
        foreach (int label in data.Labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
