using System;
using System.Linq;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.Evaluation;
using NetGen.Training;
using Xunit;

namespace NetGen.Tabular.Tests;

/// <summary>
/// Issue 16, item 6. The expected values are worked by hand in the comments and agree with scikit-learn 1.2.1
/// (python3-sklearn): confusion_matrix, precision_recall_fscore_support(zero_division=0), roc_auc_score, log_loss,
/// mean_squared_error, mean_absolute_error, r2_score on the same inputs.
/// </summary>
public sealed class EvaluationTests
{
    // Class 3 never occurs: it has an empty row and column and stays out of the macro average.
    private static readonly int[] Actual = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
    private static readonly int[] Predicted = [0, 1, 0, 1, 1, 2, 1, 2, 0, 2];

    [Fact]
    public void ConfusionMatrixCountsRowsAsActualAndColumnsAsPredicted()
    {
        var matrix = ConfusionMatrix.FromClasses(Actual, Predicted, 4);
        int[,] expected = { { 2, 1, 0, 0 }, { 0, 3, 1, 0 }, { 1, 0, 2, 0 }, { 0, 0, 0, 0 } };
        for (int a = 0; a < 4; a++)
        {
            for (int p = 0; p < 4; p++)
            {
                Assert.Equal(expected[a, p], matrix[a, p]);
            }
        }

        Assert.Equal(10, matrix.Total);
        Assert.Equal(7, matrix.Correct);
        Assert.Equal(0.7, matrix.Accuracy);
        Assert.Equal(4, matrix.Support(1));
        Assert.Equal(4, matrix.PredictedCount(1));
    }

    [Fact]
    public void PerClassScoresAndTheirAveragesMatchTheHandComputedValues()
    {
        var matrix = ConfusionMatrix.FromClasses(Actual, Predicted, 4, ["a", "b", "c", "d"]);
        // Class 0: TP 2, predicted 3, support 3 → P = R = F1 = 2/3. Class 1: TP 3 of 4 both ways → 3/4. Class 2: 2/3.
        var classes = matrix.GetClassMetrics();
        Assert.Equal(new ClassMetrics("a", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3), classes[0], ClassMetricsComparer.Instance);
        Assert.Equal(new ClassMetrics("b", 0.75, 0.75, 0.75, 4), classes[1], ClassMetricsComparer.Instance);
        Assert.Equal(new ClassMetrics("d", 0, 0, 0, 0), classes[3], ClassMetricsComparer.Instance);

        // Macro over the three classes that occur: (2/3 + 3/4 + 2/3) / 3 = 0.69444…; weighted: (3·2/3 + 4·3/4 + 3·2/3) / 10 = 0.7.
        Assert.Equal(0.6944444444444443, matrix.MacroAverage.Precision, 15);
        Assert.Equal(0.6944444444444443, matrix.MacroAverage.F1, 15);
        Assert.Equal(0.7, matrix.WeightedAverage.Recall, 15);
        Assert.Equal(0.7, matrix.WeightedAverage.F1, 15);
    }

    [Fact]
    public void AClassNeverPredictedHasPrecisionZeroRatherThanNaN()
    {
        var matrix = ConfusionMatrix.FromClasses([0, 0, 1, 1, 2, 2], [0, 0, 0, 0, 2, 2], 3);
        var classes = matrix.GetClassMetrics();
        Assert.Equal(0.5, classes[0].Precision);
        Assert.Equal(2.0 / 3, classes[0].F1, 15);
        Assert.Equal(0, classes[1].Precision);
        Assert.Equal(0, classes[1].F1);
        // scikit-learn: macro (0.5, 0.6666…, 0.5555…), weighted the same (equal supports).
        Assert.Equal(0.5, matrix.MacroAverage.Precision, 15);
        Assert.Equal(0.6666666666666666, matrix.MacroAverage.Recall, 15);
        Assert.Equal(0.5555555555555555, matrix.MacroAverage.F1, 15);
        Assert.Equal(0.5555555555555555, matrix.WeightedAverage.F1, 15);
    }

    [Fact]
    public void RocAucCountsTiesAsOneHalf()
    {
        // Positives 0.35, 0.8, 0.4, 0.9 against negatives 0.1, 0.4, 0.4, 0.2: 2 + 4 + (2 + ½ + ½) + 4 = 13 of 16 pairs.
        int[] actual = [0, 0, 1, 1, 0, 1, 0, 1];
        double[] scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9];
        Assert.Equal(0.8125, BinaryMetrics.RocAuc<double>(actual, scores));
        Assert.Equal(0.8125, BinaryMetrics.RocAuc<float>(actual, scores.Select(s => (float)s).ToArray()));
        Assert.Equal(1.0, BinaryMetrics.RocAuc<double>([0, 1], [0.2, 0.3]));
        Assert.Equal(0.0, BinaryMetrics.RocAuc<double>([0, 1], [0.3, 0.2]));
        Assert.Equal(0.5, BinaryMetrics.RocAuc<double>([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]));
        Assert.Contains("both classes", Assert.Throws<ArgumentException>(() => BinaryMetrics.RocAuc<double>([1, 1], [0.2, 0.3])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BinaryMetrics.RocAuc<double>([0, 2], [0.2, 0.3]));
        Assert.Throws<ArgumentException>(() => BinaryMetrics.RocAuc<double>([0, 1], [0.2, double.NaN]));
    }

    [Fact]
    public void LogLossMatchesTheDefinitionAndClipsAtTheMachineEpsilon()
    {
        int[] actual = [0, 0, 1, 1, 0, 1, 0, 1];
        double[] p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9];
        double expected = -new[] { Math.Log(0.9), Math.Log(0.6), Math.Log(0.35), Math.Log(0.8), Math.Log(0.6), Math.Log(0.4), Math.Log(0.8), Math.Log(0.9) }.Average();
        Assert.Equal(expected, BinaryMetrics.LogLoss<double>(actual, p), 14);
        Assert.Equal(0.45559652973111076, BinaryMetrics.LogLoss<double>(actual, p), 14);

        // A certain wrong answer costs −ln ε: 52 ln 2 in double, 23 ln 2 in float (scikit-learn: 12.014551129705717 below).
        Assert.Equal(12.014551129705717, BinaryMetrics.LogLoss<double>([1, 0, 1], [0.0, 0.0, 1.0]), 12);
        Assert.Equal(23 * Math.Log(2), BinaryMetrics.LogLoss<float>([1], [0f]), 6);

        // Rows of class probabilities: −(ln 0.7 + ln 0.6 + ln 0.6 + ln 0.4) / 4.
        double[] rows = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.5, 0.4, 0.1];
        Assert.Equal(0.5736542308362171, BinaryMetrics.LogLoss<double>([0, 1, 2, 1], rows, 3), 14);
        Assert.Throws<ArgumentException>(() => BinaryMetrics.LogLoss<double>([0], [1.5]));
    }

    [Fact]
    public void RegressionScoresMatchTheHandComputedValues()
    {
        // Errors 0.5, −0.5, 0, −1: MSE 1.5/4, MAE 2/4; Σ(y − ȳ)² = 29.1875, so R² = 1 − 1.5/29.1875.
        var single = RegressionReport.Create<double>([3, -0.5, 2, 7], [2.5, 0, 2, 8], 1);
        Assert.Equal(0.375, single.MeanSquaredError);
        Assert.Equal(0.5, single.MeanAbsoluteError);
        Assert.Equal(0.9486081370449679, single.R2, 15);

        var two = RegressionReport.Create<double>([0.5, 1, -1, 1, 7, -6], [0, 2, -1, 2, 8, -5], 2);
        Assert.Equal(0.7083333333333334, two.MeanSquaredError, 15);
        Assert.Equal(0.75, two.MeanAbsoluteError, 15);
        Assert.Equal(0.9368005266622779, two.R2, 15);
        Assert.Equal(2, two.Outputs.Count);

        Assert.Equal(1.0, RegressionReport.Create<double>([2, 2, 2], [2, 2, 2], 1).R2);
        Assert.Equal(0.0, RegressionReport.Create<double>([2, 2, 2], [2, 2, 3], 1).R2);
    }

    [Fact]
    public void ATrainedIrisClassifierIsEvaluatedConsistentlyWithItsPredictions()
    {
        var split = DatasetSplit.Split(TabularData.Iris(), 0.7, 0, seed: 3, stratify: true);
        var scaler = Standardizer<float>.Fit(split.Train);
        var network = new IrisNet();
        new Trainer<float>(network, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 100, BatchSize = 16, Seed = 1 }).Fit(scaler.Transform(split.Train));
        var test = scaler.Transform(split.Test);

        var report = network.EvaluateClassification(test);
        Assert.Equal(test.Count, report.Count);
        Assert.Equal(TabularData.Accuracy(network.PredictClasses(test.Features), test.Labels), report.Accuracy);
        Assert.Equal(new Trainer<float>(network, new TrainerOptions()).Evaluate(test).Loss, report.LogLoss!.Value, 5);
        Assert.Null(report.RocAuc);
        Assert.Equal(["setosa", "versicolor", "virginica"], report.Classes.Select(c => c.Name));
        Assert.Equal(15, report.Classes[0].Support);
        string text = report.ToString();
        Assert.Contains("versicolor", text, StringComparison.Ordinal);
        Assert.Contains("macro avg", text, StringComparison.Ordinal);
        Assert.Contains("actual \\ predicted", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ABinaryClassifierGetsRocAucWhetherItHasOneSigmoidOrTwoSoftmaxOutputs()
    {
        using var folder = new TemporaryFolder();
        string csv = TabularData.WriteThreeOrEightCsv(folder);
        foreach (var (network, encoding) in new (ITrainableNetwork<float>, LabelEncoding)[] { (new ThreeOrEightNet(), LabelEncoding.Binary), (new ThreeOrEightSoftmaxNet(), LabelEncoding.OneHot) })
        {
            var data = CsvLoader.Load<float>(csv, new CsvOptions { HasHeader = true, LabelColumn = -1, LabelEncoding = encoding });
            var split = DatasetSplit.Split(data, 0.7, 0, seed: 2, stratify: true);
            var scaler = Standardizer<float>.Fit(split.Train);
            new Trainer<float>(network, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.005, Epochs = 20, BatchSize = 16, Seed = 4 }).Fit(scaler.Transform(split.Train));
            var test = scaler.Transform(split.Test);
            var report = network.EvaluateClassification(test);

            float[] probabilities = network.PredictProbabilities(test.Features);
            float[] positive = Enumerable.Range(0, test.Count).Select(i => probabilities[2 * i + 1]).ToArray();
            Assert.Equal(BinaryMetrics.RocAuc<float>(test.Labels, positive), report.RocAuc);
            Assert.Equal(BinaryMetrics.LogLoss<float>(test.Labels, positive), report.LogLoss!.Value, 6);
            Assert.True(report.RocAuc > 0.98, $"AUC {report.RocAuc}");
        }
    }

    [Fact]
    public void ARegressionNetworkIsEvaluatedWithMseMaeAndR2()
    {
        using var folder = new TemporaryFolder();
        var data = CsvLoader.Load<float>(TabularData.WritePetalWidthCsv(folder), new CsvOptions { HasHeader = true, TargetColumns = 1 });
        var split = DatasetSplit.Split(data, 0.7, 0, seed: 5);
        var scaler = Standardizer<float>.Fit(split.Train);
        var network = new PetalWidthNet();
        new Trainer<float>(network, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 150, BatchSize = 16, Seed = 2 }).Fit(scaler.Transform(split.Train));
        var test = scaler.Transform(split.Test);
        var report = network.EvaluateRegression(test);

        float[] predicted = network.PredictValues(test.Features);
        double mse = test.Targets.ToArray().Zip(predicted, (y, p) => (double)(y - p) * (y - p)).Average();
        Assert.Equal(mse, report.MeanSquaredError, 6);
        // The trainer's loss is half the squared error.
        Assert.Equal(new Trainer<float>(network, new TrainerOptions()).Evaluate(test).Loss, report.MeanSquaredError / 2, 4);
        Assert.True(report.R2 > 0.85, $"R² {report.R2}");
        Assert.Contains("R²", report.ToString(), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => network.EvaluateClassification(test));
    }

    [Fact]
    public void MismatchedDataIsRefused()
    {
        var network = new IrisNet();
        Assert.Throws<ArgumentException>(() => network.EvaluateClassification(new Dataset<float>([1, 2, 3], [0], 3, 1)));
        var twoClasses = new Dataset<float>([1, 2, 3, 4], [0], 4, 1, [0], classCount: 2);
        Assert.Contains("2 classes", Assert.Throws<ArgumentException>(() => network.EvaluateClassification(twoClasses)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.FromClasses([0, 3], [0, 1], 3));
    }

    private sealed class ClassMetricsComparer : System.Collections.Generic.IEqualityComparer<ClassMetrics>
    {
        public static readonly ClassMetricsComparer Instance = new();

        public bool Equals(ClassMetrics x, ClassMetrics y) =>
            x.Name == y.Name && x.Support == y.Support && Math.Abs(x.Precision - y.Precision) < 1e-15 && Math.Abs(x.Recall - y.Recall) < 1e-15 && Math.Abs(x.F1 - y.F1) < 1e-15;

        public int GetHashCode(ClassMetrics obj) => obj.Support;
    }
}
