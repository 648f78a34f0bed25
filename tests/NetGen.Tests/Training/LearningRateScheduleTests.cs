using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetGen.Training.Tests;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void ConstantAndImplicitConversionReturnTheRateEverywhere()
    {
        LearningRateSchedule fromNumber = 0.25;
        Assert.IsType<ConstantLearningRate>(fromNumber);
        foreach (var (epoch, step) in new[] { (0, 0), (3, 17), (1000, 123456) })
        {
            Assert.Equal(0.25, fromNumber.GetRate(epoch, step));
            Assert.Equal(0.5, LearningRateSchedule.Constant(0.5).GetRate(epoch, step));
        }
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(2, 0.1)]
    [InlineData(3, 0.05)]
    [InlineData(5, 0.05)]
    [InlineData(6, 0.025)]
    [InlineData(9, 0.0125)]
    public void StepDecayMultipliesByTheFactorEveryNEpochs(int epoch, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.StepDecay(0.1, 0.5, 3).GetRate(epoch, step: 999), 15);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(2, 0.5)]
    [InlineData(6, 0.25)]
    [InlineData(98, 0.02)]
    public void InverseTimeIsEta0OverOnePlusDecayTimesGlobalStep(int step, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.InverseTime(1.0, 0.5).GetRate(epoch: 7, step), 15);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 0.86819805153394639)] // 0.1 + 0.45 (1 + cos(π/4))
    [InlineData(2, 0.55)]
    [InlineData(4, 0.1)]
    [InlineData(10, 0.1)]
    public void CosineAnnealsFromInitialToMinimumAndHolds(int epoch, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.Cosine(1.0, 0.1, 4).GetRate(epoch, step: 0), 14);
    }

    [Fact]
    public void FromFunctionPassesEpochAndStepThrough()
    {
        var schedule = LearningRateSchedule.FromFunction((epoch, step) => epoch * 1000 + step);
        Assert.Equal(3007, schedule.GetRate(3, 7));
    }

    [Fact]
    public void InvalidScheduleArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0.1, 0.0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0.1, 0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.InverseTime(0.1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0.1, 0.2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0.1, 0.0, 0));
        Assert.Throws<ArgumentNullException>(() => LearningRateSchedule.FromFunction(null!));
    }

    [Fact]
    public void TrainerAsksTheScheduleWith0BasedEpochAndGlobalStepAndRecordsTheRates()
    {
        var calls = new List<(int Epoch, int Step)>();
        var schedule = LearningRateSchedule.FromFunction((epoch, step) =>
        {
            calls.Add((epoch, step));
            return 0.01 * (epoch + 1);
        });
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        var result = new Trainer<double>(network, new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = schedule })
            .Fit(TestData.Indexed(10));

        Assert.Equal([(0, 0), (0, 1), (0, 2), (1, 3), (1, 4), (1, 5)], calls);
        Assert.Equal([0.01, 0.02], result.History.Epochs.Select(e => e.LearningRate));
    }

    [Fact]
    public void AScheduleReturningAnUnusableRateStopsTrainingWithAClearError()
    {
        var network = new FakeNetwork(TestData.TwoLayerLinearSpec, (_, _, _) => 1.0);
        var trainer = new Trainer<double>(network, new TrainerOptions { LearningRate = LearningRateSchedule.FromFunction((_, _) => double.NaN) });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(TestData.Indexed(4)));
        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
    }
}
