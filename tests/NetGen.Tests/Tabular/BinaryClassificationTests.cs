using System;
using System.Linq;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.Training;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>
/// Issue 16, defect 3: two-class label data trains a single-sigmoid-output network and a two-way softmax network
/// alike. The binary task is the digits 3 against 8 from data/digits.csv.gz (183 threes, 174 eights), written as the
/// class-label CSV a user would have.
/// </summary>
public sealed class BinaryClassificationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static TrainerOptions Options => new() { Optimizer = new AdamOptimizer(), LearningRate = 0.005, Epochs = 30, BatchSize = 16, Seed = 4 };

    private (Dataset<float> Train, Dataset<float> Validation, Dataset<float> Test) Split(CsvOptions options)
    {
        var data = CsvLoader.Load<float>(TabularData.WriteThreeOrEightCsv(_folder), options);
        var split = DatasetSplit.Split(data, 0.6, 0.2, seed: 2, stratify: true);
        var scaler = Standardizer<float>.Fit(split.Train);
        return (scaler.Transform(split.Train), scaler.Transform(split.Validation), scaler.Transform(split.Test));
    }

    [Fact]
    public void AClassLabelCsvLoadsAsOneBinaryTargetThatKeepsTheLabels()
    {
        var data = CsvLoader.Load<float>(TabularData.WriteThreeOrEightCsv(_folder), new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        Assert.Equal(357, data.Count);
        Assert.Equal(64, data.FeatureCount);
        Assert.Equal(1, data.TargetCount);
        Assert.Equal(2, data.ClassCount);
        Assert.Equal(174, data.Labels.ToArray().Count(l => l == 1));
        for (int i = 0; i < data.Count; i++)
        {
            Assert.Equal(data.Labels[i], data.GetTargets(i)[0]);
        }

        // Splits, scaling and subsets keep the binary layout.
        var (train, _, test) = Split(new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        Assert.Equal(2, train.ClassCount);
        Assert.Equal(1, test.TargetCount);
        Assert.Equal(174.0 / 357, train.Labels.ToArray().Count(l => l == 1) / (double)train.Count, 2);
    }

    [Fact]
    public void OneSigmoidOutputAndATwoWaySoftmaxBothTrainOnItWithAccuracyReported()
    {
        var binary = Split(new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        var sigmoidNet = new ThreeOrEightNet();
        var sigmoidRun = new Trainer<float>(sigmoidNet, Options).Fit(binary.Train, binary.Validation);
        Assert.NotNull(sigmoidRun.FinalMetrics.ValidationAccuracy);
        Assert.All(sigmoidRun.History.Epochs, e => Assert.NotNull(e.TrainingAccuracy));

        var oneHot = Split(new CsvOptions { HasHeader = true, LabelColumn = -1 });
        Assert.Equal(2, oneHot.Train.TargetCount);
        Assert.Equal(binary.Test.Labels.ToArray(), oneHot.Test.Labels.ToArray());
        var softmaxNet = new ThreeOrEightSoftmaxNet();
        var softmaxRun = new Trainer<float>(softmaxNet, Options).Fit(oneHot.Train, oneHot.Validation);
        Assert.NotNull(softmaxRun.FinalMetrics.ValidationAccuracy);

        double majority = TabularData.MajorityShare(binary.Test.Labels);
        double sigmoidAccuracy = TabularData.Accuracy(sigmoidNet.PredictClasses(binary.Test.Features), binary.Test.Labels);
        double softmaxAccuracy = TabularData.Accuracy(softmaxNet.PredictClasses(oneHot.Test.Features), oneHot.Test.Labels);
        Assert.True(sigmoidAccuracy >= 0.95, $"sigmoid test accuracy {sigmoidAccuracy} (majority {majority})");
        Assert.True(softmaxAccuracy >= 0.95, $"softmax test accuracy {softmaxAccuracy} (majority {majority})");
        Assert.Equal(sigmoidAccuracy, new Trainer<float>(sigmoidNet, Options).Evaluate(binary.Test).Accuracy);
        Assert.Equal(softmaxAccuracy, new Trainer<float>(softmaxNet, Options).Evaluate(oneHot.Test).Accuracy);
    }

    [Fact]
    public void ARegressionLoadOfA01TargetColumnCanStillBeSplitStratified()
    {
        var asRegression = CsvLoader.Load<float>(TabularData.WriteThreeOrEightCsv(_folder), new CsvOptions { HasHeader = true, TargetColumns = 1 });
        Assert.False(asRegression.HasLabels);
        var split = DatasetSplit.Split(asRegression, 0.6, 0.2, seed: 2, stratify: true);
        var asLabels = Split(new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary });
        Assert.Equal(asLabels.Test.Targets.ToArray(), split.Test.Targets.ToArray());
        Assert.Equal(split.Train.Count, asLabels.Train.Count);

        // One-hot rows are classes as well; anything else is refused.
        var oneHotRows = new Dataset<double>([1, 2, 3, 4], [1, 0, 0, 1, 1, 0, 0, 1], 1, 2);
        Assert.Equal(2, DatasetSplit.Split(oneHotRows, 0.5, 0, seed: 1, stratify: true).Train.Count);
        var error = Assert.Throws<ArgumentException>(() => DatasetSplit.Split(new Dataset<double>([1, 2], [0, 0.5], 1, 1), 0.5, 0, seed: 1, stratify: true));
        Assert.Contains("sample 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IrisSetosaAgainstTheRestTrainsALogisticModelFromTheBinaryEncoding()
    {
        var data = CsvLoader.Load<float>(TabularData.WriteSetosaCsv(_folder), new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary, ClassNames = ["other", "setosa"] });
        Assert.Equal(50, data.Labels.ToArray().Count(l => l == 1));
        var network = new SetosaLogisticNet();
        var result = new Trainer<float>(network, new TrainerOptions { Epochs = 30, LearningRate = 0.1, Seed = 1 }).Fit(Standardizer<float>.Fit(data).Transform(data));
        Assert.Equal(1.0, result.FinalMetrics.TrainingAccuracy);
    }

    [Fact]
    public void ALabelOtherThan0Or1IsNamedWithItsLine()
    {
        string path = _folder.WriteText("three-classes.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2\n");
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = LabelEncoding.Binary }));
        Assert.Equal(4, error.Line);
        Assert.Contains("outside [0, 2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InconsistentBinaryOptionsAndDataAreRefused()
    {
        Assert.Contains("LabelColumn", Assert.Throws<ArgumentException>(() => new CsvOptions { TargetColumns = 1, LabelEncoding = LabelEncoding.Binary }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("two classes", Assert.Throws<ArgumentException>(() => new CsvOptions { LabelColumn = 0, ClassCount = 3, LabelEncoding = LabelEncoding.Binary }.Validate()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new CsvOptions { LabelColumn = 0, LabelEncoding = (LabelEncoding)7 }.Validate());
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => new Dataset<float>([1, 2], [0, 0], 1, 1, [0, 1], classCount: 2)).ParamName);
        Assert.Equal("classCount", Assert.Throws<ArgumentException>(() => new Dataset<float>([1, 2], [0, 1], 1, 1, [0, 1], ["a", "b"], classCount: 3)).ParamName);
    }
}
