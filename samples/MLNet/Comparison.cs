using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.Samples.MLNet;

/// <summary>A prediction as ML.NET's multiclass trainers make it.</summary>
public sealed class Prediction
{
    /// <summary>One score per class.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted class's key.</summary>
    public uint PredictedLabel { get; set; }
}

/// <summary>Trains NetGen, LightGBM and SDCA on one data set, several times, and prints the medians.</summary>
public static class Comparison
{
    // Enough scored rows per timing that the timer's resolution does not matter.
    private const int RowsPerTiming = 20_000;

    private sealed record Measurement(double Accuracy, double MacroAccuracy, double LogLoss, TimeSpan Training, double BatchNanosecondsPerRow, double EngineNanosecondsPerRow);

    /// <summary>Runs the comparison on <paramref name="set"/> <paramref name="runs"/> times and prints a table of medians.</summary>
    public static void Run(DataSet set, int runs)
    {
        var trainers = new (string Name, Func<MLContext, IEstimator<ITransformer>> Create)[]
        {
            ("NetGen (generated network)", set.NetGenTrainer),
            ("LightGBM", ml => ml.MulticlassClassification.Trainers.LightGbm()),
            ("SDCA maximum entropy", ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        };
        Console.WriteLine($"{set.Name}: {set.Train.Length} training rows, {set.Test.Length} test rows (seeded, stratified split)");
        Console.WriteLine();
        Console.WriteLine("| trainer | test accuracy | macro accuracy | log-loss | training | scoring per row, batch | per prediction, PredictionEngine |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, create) in trainers)
        {
            var measurements = Enumerable.Range(0, runs).Select(_ => Measure(set, create)).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Median(measurements, m => m.Accuracy):F4} | {Median(measurements, m => m.MacroAccuracy):F4} | {Median(measurements, m => m.LogLoss):F4} "
                + $"| {Duration(Median(measurements, m => m.Training.TotalSeconds))} | {Median(measurements, m => m.BatchNanosecondsPerRow) / 1000:F2} µs "
                + $"| {Median(measurements, m => m.EngineNanosecondsPerRow) / 1000:F2} µs |"));
            if (measurements.Select(m => m.Accuracy).Distinct().Count() > 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"|   (accuracy varied between runs: {measurements.Min(m => m.Accuracy):F4}–{measurements.Max(m => m.Accuracy):F4}) | | | | | | |"));
            }
        }
    }

    private static Measurement Measure(DataSet set, Func<MLContext, IEstimator<ITransformer>> createTrainer)
    {
        var ml = new MLContext(seed: 1);
        var train = set.View(ml, set.Train);
        var test = set.View(ml, set.Test);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(createTrainer(ml));

        // Training: the whole pipeline, whose first two steps are the same for every trainer.
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        var training = clock.Elapsed;

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));

        // Scoring in bulk: the model alone, on test features already normalized (cached), through one cursor per pass.
        var prepared = ml.Data.Cache(new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(test));
        var scorer = model.LastTransformer;
        ScorePass(scorer.Transform(prepared));
        int rows = 0;
        clock.Restart();
        while (rows < RowsPerTiming)
        {
            rows += ScorePass(scorer.Transform(prepared));
        }

        double batch = clock.Elapsed.TotalNanoseconds / rows;

        // One row at a time through ML.NET's PredictionEngine and the whole pipeline, raw features in.
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, set.FeatureCount);
        using var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model, inputSchemaDefinition: schema);
        var prediction = new Prediction();
        foreach (var row in set.Test)
        {
            engine.Predict(row, ref prediction);
        }

        int predictions = 0;
        clock.Restart();
        while (predictions < RowsPerTiming)
        {
            foreach (var row in set.Test)
            {
                engine.Predict(row, ref prediction);
            }

            predictions += set.Test.Length;
        }

        double single = clock.Elapsed.TotalNanoseconds / predictions;
        return new Measurement(metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss, training, batch, single);
    }

    // Reads every row's score and predicted label; returns the number of rows.
    private static int ScorePass(IDataView scored)
    {
        var score = scored.Schema["Score"];
        var predicted = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([score, predicted]);
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
        var keyGetter = cursor.GetGetter<uint>(predicted);
        var scores = default(VBuffer<float>);
        uint key = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            scoreGetter(ref scores);
            keyGetter(ref key);
            rows++;
        }

        return rows;
    }

    private static double Median(IReadOnlyList<Measurement> measurements, Func<Measurement, double> value)
    {
        var sorted = measurements.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Duration(double seconds) =>
        seconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s") : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:F0} ms");
}
