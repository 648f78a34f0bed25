using System;
using NetGen.Data;
using Xunit;

namespace NetGen.DataIO.Tests;

public sealed class OneHotTests
{
    [Fact]
    public void EncodesEachLabelAsASampleMajorOneHotRow()
    {
        double[] targets = OneHot.Encode<double>([2, 0, 1], 3);

        Assert.Equal([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], targets);
    }

    [Fact]
    public void NamesTheSampleWithAnOutOfRangeLabel()
    {
        var error = Assert.Throws<ArgumentException>(() => OneHot.Encode<float>([0, 1, 3], 3));

        Assert.StartsWith("Sample 2 has label 3, outside [0, 3).", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OneHot.Encode<float>([-1], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode<float>([0], 0));
    }

    [Fact]
    public void ArgMaxReturnsTheFirstLargestAndLetsNaNWin()
    {
        Assert.Equal(2, OneHot.ArgMax<float>([0.1f, 0.2f, 0.7f]));
        Assert.Equal(1, OneHot.ArgMax<double>([-3.0, 5.0, 5.0, 1.0]));
        Assert.Equal(0, OneHot.ArgMax<double>([-1.0]));
        Assert.Equal(1, OneHot.ArgMax<float>([1f, float.NaN, 2f]));
        Assert.Throws<ArgumentException>(() => OneHot.ArgMax<float>([]));
    }

    [Fact]
    public void ArgMaxInvertsEncode()
    {
        int[] labels = [4, 0, 9, 3];
        float[] targets = OneHot.Encode<float>(labels, 10);

        for (int i = 0; i < labels.Length; i++)
        {
            Assert.Equal(labels[i], OneHot.ArgMax<float>(targets.AsSpan(i * 10, 10)));
        }
    }
}
