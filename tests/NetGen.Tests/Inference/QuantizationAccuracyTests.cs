using System;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.IO;
using NetGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Inference;

/// <summary>
/// What compressed weights cost in accuracy on real test sets (issue 19's targets): argmax agreement with the float
/// network and the change in accuracy, for int8 and bfloat16 weights and full int8; and the per-layer error figures the
/// README quotes (printed to the test log).
/// </summary>
public class QuantizationAccuracyTests(ITestOutputHelper log)
{
    [Fact]
    public void DigitsWithTheCommittedWeights()
    {
        // samples/DigitsAot/digits.safetensors (64 → 32 ReLU → 10 softmax) and the test split its trainer held out.
        var network = new InterpretedNetwork<float>(new NetworkSpec(64, [new DenseLayerSpec(32, Activation.ReLU), new DenseLayerSpec(10, Activation.Softmax)], Loss.SoftmaxCrossEntropy));
        WeightsFile.Load(network, Path.Combine(AppContext.BaseDirectory, "Baked", "digits.safetensors"));
        var raw = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1 });
        var scaled = new Dataset<float>(raw.Features.ToArray().Select(x => x / 16f).ToArray(), raw.Targets.ToArray(), raw.FeatureCount, raw.TargetCount, raw.Labels.ToArray());
        var split = DatasetSplit.Split(scaled, trainFraction: 0.8, validationFraction: 0.1, seed: 2024, stratify: true);

        // The held-out split is 180 digits (one digit is 0.56 points), so the whole set (1,797) is measured as well.
        foreach (var (name, data) in new[] { ("test split", split.Test), ("all digits", scaled) })
        {
            var report = Measure(network, split.Train, data, $"digits {name}");
            report.Require(WeightFormat.Int8, minimumAgreement: 0.995, maximumLoss: 0.005);
            report.Require(WeightFormat.BFloat16, minimumAgreement: 0.995, maximumLoss: 0.001);
            report.RequireFullInt8(minimumAgreement: 0.99, maximumLoss: 0.01);
        }
    }

    [FashionFact]
    public void FashionMnist784x128x10()
    {
        var (train, test) = FashionFactAttribute.Load();
        var network = new FashionQuantizationNet();
        Train(network, train);
        var report = Measure(network, train, test, "Fashion-MNIST 784-128-10");
        report.Require(WeightFormat.Int8, minimumAgreement: 0.995, maximumLoss: 0.003);
        report.Require(WeightFormat.BFloat16, minimumAgreement: 0.995, maximumLoss: 0.001);
        report.RequireFullInt8(minimumAgreement: 0.98, maximumLoss: 0.01);
    }

    [FashionFact]
    public void FashionMnist784x256x128x10()
    {
        var (train, test) = FashionFactAttribute.Load();
        var network = new FashionQuantizationDeepNet();
        Train(network, train);
        var report = Measure(network, train, test, "Fashion-MNIST 784-256-128-10");
        report.Require(WeightFormat.Int8, minimumAgreement: 0.995, maximumLoss: 0.003);
        report.Require(WeightFormat.BFloat16, minimumAgreement: 0.995, maximumLoss: 0.001);
        report.RequireFullInt8(minimumAgreement: 0.98, maximumLoss: 0.01);
    }

    // Three seeded epochs of Adam on the 60,000 training images: about 0.85–0.87 test accuracy, a realistic classifier.
    private static void Train(ITrainableNetwork<float> network, Dataset<float> train)
    {
        var trainer = new Trainer<float>(network, new TrainerOptions
        {
            Epochs = 3,
            BatchSize = 64,
            Optimizer = new AdamOptimizer(),
            LearningRate = LearningRateSchedule.Constant(0.001),
            Seed = 19,
            Initialization = WeightInitialization.HeNormal,
        });
        trainer.Fit(train);
    }

    private AccuracyReport Measure(INetwork<float> network, Dataset<float> calibrationSource, Dataset<float> test, string what)
    {
        var reference = QuantizedNetwork.Create(network, WeightFormat.Float);
        var calibration = calibrationSource.Features[..(Math.Min(1000, calibrationSource.Count) * calibrationSource.FeatureCount)];
        var formats = new (string Name, QuantizedNetwork Network)[]
        {
            ("int8 weights", QuantizedNetwork.Create(network, WeightFormat.Int8)),
            ("bf16 weights", QuantizedNetwork.Create(network, WeightFormat.BFloat16)),
            ("full int8", QuantizedNetwork.CreateFullInt8(network, calibration)),
        };

        var expected = network.PredictClasses(test.Features);
        double floatAccuracy = Accuracy(expected, test.Labels);
        var text = new StringBuilder();
        text.AppendLine($"{what}: {test.Count} samples, float accuracy {floatAccuracy:F4}");
        var report = new AccuracyReport(what);
        foreach (var (name, quantized) in formats)
        {
            var predicted = quantized.PredictClasses(test.Features);
            double agreement = expected.Zip(predicted).Count(p => p.First == p.Second) / (double)test.Count;
            double accuracy = Accuracy(predicted, test.Labels);
            text.AppendLine($"  {name,-13} accuracy {accuracy:F4} ({(accuracy - floatAccuracy) * 100:+0.00;-0.00;0.00} points), argmax agreement {agreement:P2}");
            text.Append(LayerErrors(reference, quantized, test));
            report.Add(quantized, floatAccuracy, accuracy, agreement);
        }

        log.WriteLine(text.ToString());
        return report;
    }

    // Per layer, over the samples: the largest |a_q − a_f| relative to the largest |a_f| of that layer and sample (the
    // quantized network's own earlier layers feeding it, so errors accumulate as they would in use); max and mean.
    private static string LayerErrors(QuantizedNetwork reference, QuantizedNetwork quantized, Dataset<float> test)
    {
        var spec = reference.Spec;
        int layers = spec.Layers.Count;
        var a = spec.Layers.Select(l => new float[l.Size]).ToArray();
        var b = spec.Layers.Select(l => new float[l.Size]).ToArray();
        var max = new double[layers];
        var sum = new double[layers];
        for (int s = 0; s < test.Count; s++)
        {
            reference.ForwardKeepingLayers(test.GetFeatures(s), a[^1], a);
            quantized.ForwardKeepingLayers(test.GetFeatures(s), b[^1], b);
            for (int l = 0; l < layers; l++)
            {
                double scale = a[l].Max(v => Math.Abs((double)v));
                double error = a[l].Zip(b[l]).Max(p => Math.Abs((double)p.First - p.Second)) / Math.Max(scale, 1e-30);
                max[l] = Math.Max(max[l], error);
                sum[l] += error;
            }
        }

        var text = new StringBuilder();
        for (int l = 0; l < layers; l++)
        {
            text.AppendLine($"    layer {l + 1} ({spec.GetLayout(l).InputSize} → {spec.Layers[l].Size} {spec.Layers[l].Activation}): relative error max {max[l]:E2}, mean {sum[l] / test.Count:E2}");
        }

        return text.ToString();
    }

    private static double Accuracy(int[] predicted, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }

        return correct / (double)predicted.Length;
    }

    private sealed class AccuracyReport(string what)
    {
        private readonly System.Collections.Generic.List<(QuantizedNetwork Network, double Float, double Accuracy, double Agreement)> _rows = [];

        public void Add(QuantizedNetwork network, double floatAccuracy, double accuracy, double agreement) =>
            _rows.Add((network, floatAccuracy, accuracy, agreement));

        public void Require(WeightFormat format, double minimumAgreement, double maximumLoss) =>
            Check(_rows.Single(r => r.Network.WeightFormat == format && !r.Network.QuantizesActivations), format.ToString(), minimumAgreement, maximumLoss);

        public void RequireFullInt8(double minimumAgreement, double maximumLoss) =>
            Check(_rows.Single(r => r.Network.QuantizesActivations), "full int8", minimumAgreement, maximumLoss);

        private void Check((QuantizedNetwork Network, double Float, double Accuracy, double Agreement) row, string name, double minimumAgreement, double maximumLoss)
        {
            Assert.True(row.Agreement >= minimumAgreement, $"{what}, {name}: argmax agreement {row.Agreement:P2} < {minimumAgreement:P1}");
            Assert.True(row.Float - row.Accuracy <= maximumLoss + 1e-12, $"{what}, {name}: accuracy {row.Accuracy:F4} against float {row.Float:F4}, a loss above {maximumLoss * 100} points");
        }
    }
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class FashionQuantizationNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class FashionQuantizationDeepNet;
