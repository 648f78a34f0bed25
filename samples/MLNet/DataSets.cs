using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using NetGen.Data;
using NetGen.ML;
using NetGen.Training;
using Microsoft.ML;

namespace NetGen.Samples.MLNet;

/// <summary>One row of either data set: a feature vector and the class.</summary>
public sealed class Row
{
    /// <summary>The features (64 pixels, or 4 measurements); the size is set per data set by the schema definition.</summary>
    public float[] Features { get; set; } = [];

    /// <summary>The class, as a number; MapValueToKey turns it into ML.NET's key.</summary>
    public float Label { get; set; }
}

/// <summary>A data set split once, seeded and stratified, and the NetGen trainer that suits it.</summary>
/// <param name="Name">What the tables call it.</param>
/// <param name="FeatureCount">Features per row.</param>
/// <param name="Train">The training rows.</param>
/// <param name="Test">The held-out rows every model is evaluated on.</param>
/// <param name="NetGenTrainer">NetGen's trainer for the set, given an ML.NET context.</param>
public sealed record DataSet(string Name, int FeatureCount, Row[] Train, Row[] Test, Func<MLContext, IEstimator<ITransformer>> NetGenTrainer)
{
    /// <summary>The rows as an ML.NET data view whose feature column has the set's fixed size.</summary>
    public IDataView View(MLContext ml, Row[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }
}

/// <summary>The data sets of the comparison, from data/ (provenance: data/README.md).</summary>
public static class DataSets
{
    private static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>UCI handwritten digits (1,797 8×8 images), 80 % training, 20 % test.</summary>
    public static DataSet Digits()
    {
        var data = CsvLoader.Load<float>(DataFile("digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        var (train, test) = Split(data);
        return new DataSet("digits (1,797 images, 64 pixels, 10 classes)", 64, train, test, ml =>
            ml.MulticlassClassification.Trainers.NetGen<DigitsMlp>(trainerOptions: new TrainerOptions
            {
                Optimizer = new AdamOptimizer(), LearningRate = 0.001, Epochs = 40, BatchSize = 32, Seed = 1,
                Initialization = WeightInitialization.HeNormal,
            }));
    }

    /// <summary>Fisher's iris (150 flowers, 4 measurements, 3 species), 80 % training, 20 % test.</summary>
    public static DataSet Iris()
    {
        var data = CsvLoader.Load<float>(DataFile("iris.csv"), new CsvOptions { HasHeader = true, LabelColumn = -1, ClassCount = 3 });
        var (train, test) = Split(data);
        return new DataSet("iris (150 flowers, 4 measurements, 3 species)", 4, train, test, ml =>
            ml.MulticlassClassification.Trainers.NetGen<IrisMlp>(trainerOptions: new TrainerOptions
            {
                Optimizer = new AdamOptimizer(), LearningRate = 0.01, Epochs = 100, BatchSize = 16, Seed = 1,
            }));
    }

    // NetGen's seeded split, stratified by class, so every trainer sees the same rows.
    private static (Row[] Train, Row[] Test) Split(Dataset<float> data)
    {
        var split = DatasetSplit.Split(data, trainFraction: 0.8, validationFraction: 0.0, seed: 1, stratify: true);
        return (Rows(split.Train), Rows(split.Test));

        static Row[] Rows(Dataset<float> part) => Enumerable.Range(0, part.Count)
            .Select(i => new Row { Features = part.Features.Slice(i * part.FeatureCount, part.FeatureCount).ToArray(), Label = part.Labels[i] })
            .ToArray();
    }
}
