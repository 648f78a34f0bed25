using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using NetGen.Data;
using NetGen.DataIO.Tests;
using NetGen.Training;

namespace NetGen.ML.Tests;

public sealed class DigitRow
{
    [VectorType(64)]
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}

public sealed class IrisRow
{
    [VectorType(4)]
    public float[] Features { get; set; } = [];

    /// <summary>The species 0–2.</summary>
    public float Label { get; set; }

    public string Species { get; set; } = "";

    public bool IsSetosa { get; set; }

    /// <summary>Sepal length, sepal width, petal length: the features of the petal-width regression.</summary>
    [VectorType(3)]
    public float[] Measurements { get; set; } = [];

    public float PetalWidth { get; set; }
}

/// <summary>The real data sets (data/README.md) as ML.NET rows, and the training settings the tests share.</summary>
internal static class MLData
{
    private static readonly Lazy<DigitRow[]> DigitRows = new(() =>
    {
        var data = CsvLoader.Load<float>(RealData.Digits, new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        return Enumerable.Range(0, data.Count)
            .Select(i => new DigitRow { Features = data.Features.Slice(i * 64, 64).ToArray(), Label = data.Labels[i] })
            .ToArray();
    });

    private static readonly Lazy<IrisRow[]> IrisRows = new(() =>
    {
        var data = CsvLoader.Load<float>(RealData.Iris, new CsvOptions { HasHeader = true, LabelColumn = -1, ClassNames = RealData.IrisClassNames });
        return Enumerable.Range(0, data.Count).Select(i =>
        {
            var features = data.Features.Slice(i * 4, 4).ToArray();
            return new IrisRow
            {
                Features = features,
                Label = data.Labels[i],
                Species = RealData.IrisClassNames[data.Labels[i]],
                IsSetosa = data.Labels[i] == 0,
                Measurements = features[..3],
                PetalWidth = features[3],
            };
        }).ToArray();
    });

    public static DigitRow[] Digits => DigitRows.Value;

    public static IrisRow[] Iris => IrisRows.Value;

    public static IDataView DigitsView(MLContext ml) => ml.Data.LoadFromEnumerable(Digits);

    public static IDataView IrisView(MLContext ml) => ml.Data.LoadFromEnumerable(Iris);

    /// <summary>A seeded 70/30 split of iris (every class in both parts).</summary>
    public static DataOperationsCatalog.TrainTestData IrisSplit(MLContext ml) => ml.Data.TrainTestSplit(IrisView(ml), testFraction: 0.3, seed: 3);

    public static TrainerOptions Adam(int epochs, double learningRate = 0.01, int batchSize = 16, ulong seed = 1) =>
        new() { Optimizer = new AdamOptimizer(), LearningRate = learningRate, Epochs = epochs, BatchSize = batchSize, Seed = seed };

    /// <summary>Every value of a float column, in row order.</summary>
    public static float[] Column(IDataView data, string name) => data.GetColumn<float>(name).ToArray();

    /// <summary>Every vector of a vector column, in row order.</summary>
    public static float[][] Vectors(IDataView data, string name) => data.GetColumn<float[]>(name).ToArray();
}
