using System;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Data;
using NetGen.IO;
using NetGen.Tests.Networks;
using NetGen.Training;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>
/// Issue 16, defect 2: a new network has all-zero weights, and training it with default options used to keep them and
/// learn nothing. The default now draws weights for a network that has none and keeps any other.
/// </summary>
public sealed class InitializationDefaultTests
{
    private static (Dataset<float> Train, Dataset<float> Test) IrisSplit()
    {
        var split = DatasetSplit.Split(TabularData.Iris(), 0.7, 0.0, seed: 3, stratify: true);
        var scaler = Standardizer<float>.Fit(split.Train);
        return (scaler.Transform(split.Train), scaler.Transform(split.Test));
    }

    public static TheoryData<string> Engines => new() { "generated", "interpreted" };

    [Theory]
    [MemberData(nameof(Engines))]
    public void ANewNetworkTrainedWithDefaultOptionsLearnsWellAboveTheMajorityClass(string engine)
    {
        var (train, test) = IrisSplit();
        ITrainableNetwork<float> network = engine == "generated" ? new IrisNet() : new InterpretedNetwork<float>(IrisNet.Spec);
        Assert.True(ParameterInitializer.AreAllWeightsZero<float>(network.Spec, network.Parameters));

        // The run: only the optimizer, its rate and the epochs are chosen; initialisation is left to the default.
        var options = new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 100, BatchSize = 16, Seed = 1 };
        new Trainer<float>(network, options).Fit(train);

        var first = network.Parameters[..(4 * 16)].ToArray();
        Assert.True(first.Count(w => w != 0) > 60, "the first layer's weights are still (mostly) zero");
        double accuracy = TabularData.Accuracy(network.PredictClasses(test.Features), test.Labels);
        double majority = TabularData.MajorityShare(test.Labels);
        Assert.True(accuracy >= 0.9 && accuracy > majority + 0.5, $"test accuracy {accuracy}, majority class {majority}");
    }

    [Fact]
    public void TheDefaultDrawsByActivationFromTheSeedExactlyAsInitializeParametersWould()
    {
        var (train, _) = IrisSplit();
        var network = new IrisNet();
        new Trainer<float>(network, new TrainerOptions { Epochs = 1, LearningRate = 0.0, Seed = 42 }).Fit(train);

        var expected = new IrisNet();
        expected.InitializeParameters(42, WeightInitialization.ByActivation);
        Assert.Equal(Bits(expected.Parameters), Bits(network.Parameters));
    }

    [Fact]
    public void BakedWeightsAreFineTunedNotReplacedByTheDefault()
    {
        var digits = CsvLoader.Load<float>(DataIO.Tests.RealData.Digits, new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        var subset = digits.Subset(Enumerable.Range(0, 64).ToArray());
        var network = new BakedDigitsNet();
        new Trainer<float>(network, new TrainerOptions { Epochs = 1, LearningRate = 0.0 }).Fit(subset);
        Assert.Equal(Bits(BakedDigitsNet.BakedParameters), Bits(network.Parameters));

        // A real step moves them from where they were, not from a fresh draw.
        new Trainer<float>(network, new TrainerOptions { Epochs = 1, LearningRate = 1e-4 }).Fit(subset);
        float largestChange = 0;
        for (int i = 0; i < network.Parameters.Length; i++)
        {
            largestChange = Math.Max(largestChange, Math.Abs(network.Parameters[i] - BakedDigitsNet.BakedParameters[i]));
        }

        Assert.InRange(largestChange, 1e-9f, 0.01f);
    }

    [Fact]
    public void LoadedWeightsAndASecondFitKeepTheirParametersUnderTheDefault()
    {
        var (train, _) = IrisSplit();
        var network = new IrisNet();
        var options = new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 5, Seed = 1 };
        var trainer = new Trainer<float>(network, options);
        trainer.Fit(train);
        var afterFirst = Bits(network.Parameters);

        // Continuing with a zero rate changes nothing: the second Fit does not draw again.
        new Trainer<float>(network, new TrainerOptions { Epochs = 1, LearningRate = 0.0, Seed = 9 }).Fit(train);
        Assert.Equal(afterFirst, Bits(network.Parameters));

        using var folder = new DataIO.Tests.TemporaryFolder();
        string path = folder.File("iris.safetensors");
        WeightsFile.Save(network, path);
        var loaded = new InterpretedNetwork<float>(IrisNet.Spec);
        WeightsFile.Load(loaded, path);
        new Trainer<float>(loaded, new TrainerOptions { Epochs = 1, LearningRate = 0.0, Seed = 9 }).Fit(train);
        Assert.Equal(afterFirst, Bits(loaded.Parameters));
    }

    [Fact]
    public void KeepingAllZeroWeightsExplicitlyInANetworkWithAHiddenLayerThrowsAndChangesNothing()
    {
        var (train, _) = IrisSplit();
        var network = new IrisNet();
        var trainer = new Trainer<float>(network, new TrainerOptions { KeepCurrentParameters = true, Epochs = 3 });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(train));
        Assert.Contains("KeepCurrentParameters", error.Message, StringComparison.Ordinal);
        Assert.Contains("hidden layer", error.Message, StringComparison.Ordinal);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(0f, p));
    }

    [Fact]
    public void KeepingAllZeroWeightsIsAllowedForASingleLayerModelWhichLearnsFromThem()
    {
        using var folder = new DataIO.Tests.TemporaryFolder();
        var data = CsvLoader.Load<float>(TabularData.WriteSetosaCsv(folder), new CsvOptions { HasHeader = true, TargetColumns = 1 });
        var network = new SetosaLogisticNet();
        var result = new Trainer<float>(network, new TrainerOptions { KeepCurrentParameters = true, Epochs = 20, LearningRate = 0.1, Seed = 2 }).Fit(data);
        Assert.Equal(1.0, result.FinalMetrics.TrainingAccuracy);
    }

    [Fact]
    public void ASingleLayerModelStartsFromZeroUnderTheDefault()
    {
        using var folder = new DataIO.Tests.TemporaryFolder();
        var data = CsvLoader.Load<float>(TabularData.WriteSetosaCsv(folder), new CsvOptions { HasHeader = true, TargetColumns = 1 });
        var network = new SetosaLogisticNet();
        new Trainer<float>(network, new TrainerOptions { Epochs = 1, LearningRate = 0.0 }).Fit(data);
        Assert.All(network.Parameters.ToArray(), p => Assert.Equal(0f, p));
    }

    [Fact]
    public void KeepingAndDrawingAtOnceIsAnInvalidOption()
    {
        var options = new TrainerOptions { KeepCurrentParameters = true, Initialization = WeightInitialization.HeNormal };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(TrainerOptions.KeepCurrentParameters), error.ParamName);
    }

    [Fact]
    public void ByActivationGivesReLULayersHeAndOtherLayersXavier()
    {
        // The first layer is drawn first, so it matches the whole-network scheme of its activation bit for bit.
        var relu = new InterpretedNetwork<double>(new NetworkSpec(6, [new DenseLayerSpec(5, Activation.ReLU), new DenseLayerSpec(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy, Precision.Double));
        var he = new InterpretedNetwork<double>(relu.Spec);
        relu.InitializeParameters(3, WeightInitialization.ByActivation);
        he.InitializeParameters(3, WeightInitialization.HeNormal);
        Assert.Equal(he.Parameters[..30].ToArray(), relu.Parameters[..30].ToArray());

        var tanh = new InterpretedNetwork<double>(new NetworkSpec(6, [new DenseLayerSpec(5, Activation.Tanh), new DenseLayerSpec(2, Activation.ReLU)], Loss.MeanSquaredError, Precision.Double));
        var xavier = new InterpretedNetwork<double>(tanh.Spec);
        tanh.InitializeParameters(3, WeightInitialization.ByActivation);
        xavier.InitializeParameters(3, WeightInitialization.XavierUniform);
        Assert.Equal(xavier.Parameters[..30].ToArray(), tanh.Parameters[..30].ToArray());
        Assert.NotEqual(xavier.Parameters[35..45].ToArray(), tanh.Parameters[35..45].ToArray());

        Assert.Equal(WeightInitialization.HeNormal, ParameterInitializer.SchemeFor(Activation.LeakyReLU));
        Assert.Equal(WeightInitialization.XavierUniform, ParameterInitializer.SchemeFor(Activation.Softmax));
    }

    [Fact]
    public void ByActivationHeLayersHaveTheVarianceTwoOverFanIn()
    {
        var network = new InterpretedNetwork<double>(new NetworkSpec(200, [new DenseLayerSpec(300, Activation.ReLU), new DenseLayerSpec(1, Activation.Identity)], Loss.MeanSquaredError, Precision.Double));
        network.InitializeParameters(5, WeightInitialization.ByActivation);
        var weights = network.Parameters[..60_000].ToArray();
        double variance = weights.Select(w => w * w).Average();
        Assert.InRange(variance, 0.95 * 2.0 / 200, 1.05 * 2.0 / 200);
    }

    private static byte[] Bits<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    private static byte[] Bits<T>(Span<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes((ReadOnlySpan<T>)values).ToArray();
}
