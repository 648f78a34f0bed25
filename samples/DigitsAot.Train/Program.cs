using System;
using System.Globalization;
using System.Linq;
using NetGen.Data;
using NetGen.IO;
using NetGen.Samples.DigitsAot.Train;
using NetGen.Training;

// Trains the digits classifier that samples/DigitsAot bakes in, on the embedded UCI digits (8×8 images, pixels 0..16,
// scaled to [0, 1] by dividing by 16, as DigitsAot does), and saves its weights:
//   dotnet run -c Release --project samples/DigitsAot.Train -- [data/digits.csv.gz] [samples/DigitsAot/digits.safetensors]
string dataPath = args.Length > 0 ? args[0] : "data/digits.csv.gz";
string weightsPath = args.Length > 1 ? args[1] : "samples/DigitsAot/digits.safetensors";
const float PixelScale = 1f / 16f;

var raw = CsvLoader.Load<float>(dataPath, new CsvOptions { LabelColumn = -1 });
var scaled = new Dataset<float>(
    raw.Features.ToArray().Select(x => x * PixelScale).ToArray(), raw.Targets.ToArray(), raw.FeatureCount, raw.TargetCount, raw.Labels.ToArray());
var split = DatasetSplit.Split(scaled, trainFraction: 0.8, validationFraction: 0.1, seed: 2024, stratify: true);

var network = new DigitsNet();
var trainer = new Trainer<float>(network, new TrainerOptions
{
    Epochs = 200,
    BatchSize = 32,
    Optimizer = new AdamOptimizer(),
    LearningRate = LearningRateSchedule.Constant(0.003),
    L2 = 1e-4,
    Seed = 7,
    Initialization = NetGen.WeightInitialization.HeNormal,
    EarlyStoppingPatience = 15,
    RestoreBestWeights = true,
});
var result = trainer.Fit(split.Train, split.Validation);
var test = trainer.Evaluate(split.Test);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{result.StopReason} after {result.EpochsRun} epochs (best {result.BestEpoch}); validation accuracy {result.FinalMetrics.ValidationAccuracy:P1}, test accuracy {test.Accuracy:P1} on {split.Test.Count} held-out digits"));

WeightsFile.Save(network, weightsPath);
Console.WriteLine($"Saved {DigitsNet.ParameterCount} parameters to {weightsPath}");
