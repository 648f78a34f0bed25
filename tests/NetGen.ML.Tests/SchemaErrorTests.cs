using System;
using System.Linq;
using Microsoft.ML;
using Xunit;

namespace NetGen.ML.Tests;

/// <summary>Data that does not fit the network: ML.NET's exception types and wording, naming the column.</summary>
public sealed class SchemaErrorTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void AFeatureVectorOfAnotherSizeIsASchemaMismatchNamingTheColumn()
    {
        var data = MLData.IrisView(_ml);
        var trainer = _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Features");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));

        Assert.StartsWith("Schema mismatch for feature column 'Features': expected Vector<Single, 3>, got Vector<Single, 4>", error.Message, StringComparison.Ordinal);
        Assert.Equal("trainData", error.ParamName);
    }

    [Fact]
    public void AFittedTransformerRefusesFeaturesOfAnotherSizeWhenScoring()
    {
        var data = MLData.IrisView(_ml);
        var transformer = _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements", MLData.Adam(epochs: 1)).Fit(data);
        var renamed = _ml.Transforms.CopyColumns("Measurements", "Features").Fit(data).Transform(data);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(renamed));
        Assert.StartsWith("Schema mismatch for feature column 'Measurements': expected Vector<Single, 3>, got Vector<Single, 4>", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(renamed.Schema));
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetRowToRowMapper(renamed.Schema));
    }

    [Fact]
    public void AMissingColumnIsNamed()
    {
        var data = MLData.IrisView(_ml);

        var features = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Pixels").Fit(data));
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("Width", "Measurements").Fit(data));

        Assert.StartsWith("Could not find feature column 'Pixels'", features.Message, StringComparison.Ordinal);
        Assert.StartsWith("Could not find label column 'Width'", label.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachTaskNamesTheLabelTypeItNeeds()
    {
        var data = MLData.IrisView(_ml);
        var normalized = _ml.Transforms.Conversion.MapValueToKey("SpeciesKey", "Species").Fit(data).Transform(data);

        var multiclass = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>().Fit(data));
        var binary = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.NetGen<MLSetosaNet>().Fit(data));
        var regression = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("IsSetosa", "Measurements").Fit(data));
        var keyCount = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>("SpeciesKey").Fit(normalized));

        Assert.StartsWith("Schema mismatch for label column 'Label': expected Key<UInt32, 0-2> (map the label to keys first: mlContext.Transforms.Conversion.MapValueToKey), got Single", multiclass.Message, StringComparison.Ordinal);
        Assert.StartsWith("Schema mismatch for label column 'Label': expected Boolean, got Single", binary.Message, StringComparison.Ordinal);
        Assert.StartsWith("Schema mismatch for label column 'IsSetosa': expected Single, got Boolean", regression.Message, StringComparison.Ordinal);
        Assert.StartsWith("Schema mismatch for label column 'SpeciesKey': expected Key<UInt32, 0-9> (the network tells 10 classes apart), got Key<UInt32, 0-2>", keyCount.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEstimatorChecksTheSchemaShapeToo()
    {
        var shape = PipelineTests.ShapeOf(MLData.IrisView(_ml).Schema);

        var label = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>().GetOutputSchema(shape));
        var features = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Species").GetOutputSchema(shape));

        Assert.StartsWith("Schema mismatch for label column 'Label': expected Key, got Single", label.Message, StringComparison.Ordinal);
        Assert.StartsWith("Schema mismatch for feature column 'Species': expected Vector<Single, 3>, got String", features.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANetworkThatDoesNotFitTheTaskIsRefusedWhenTheTrainerIsMade()
    {
        var regression = Assert.Throws<ArgumentException>(() => _ml.Regression.Trainers.NetGen<MLIrisNet>());
        var binary = Assert.Throws<ArgumentException>(() => _ml.BinaryClassification.Trainers.NetGen<MLIrisNet>());
        var multiclass = Assert.Throws<ArgumentException>(() => _ml.MulticlassClassification.Trainers.NetGen<MLPetalWidthNet>());
        var forwardOnly = Assert.Throws<ArgumentException>(() => _ml.BinaryClassification.Trainers.NetGen(
            new NetworkSpec(2, [new DenseLayerSpec(1, Activation.Sigmoid)], loss: null)));

        Assert.Contains("has 3 outputs; ML.NET's regression has one label", regression.Message, StringComparison.Ordinal);
        Assert.Contains("does not give P(true)", binary.Message, StringComparison.Ordinal);
        Assert.Contains("has one output that is not a sigmoid", multiclass.Message, StringComparison.Ordinal);
        Assert.Contains("forward-only", forwardOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsWithMissingValuesAreRefusedWithTheirPosition()
    {
        var rows = MLData.Iris.Select(r => new IrisRow { Features = [.. r.Features], Label = r.Label, Species = r.Species, IsSetosa = r.IsSetosa, Measurements = r.Measurements, PetalWidth = r.PetalWidth }).ToArray();
        rows[7].Features[2] = float.NaN;
        rows[9].PetalWidth = float.NaN;
        var data = _ml.Data.LoadFromEnumerable(rows);

        var feature = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.NetGen<MLSetosaNet>("IsSetosa").Fit(data));
        var label = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements").Fit(data));

        Assert.StartsWith("Row 7 of the feature column 'Features' holds NaN at slot 2", feature.Message, StringComparison.Ordinal);
        Assert.StartsWith("Row 9 of the label column 'PetalWidth' holds NaN", label.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyLabelWithoutAClassIsRefused()
    {
        var data = MLData.IrisView(_ml);
        // Three keys, none of them for virginica (species 2, rows 100–149), whose rows therefore get key 0.
        var keyData = _ml.Data.LoadFromEnumerable(new[] { new KeyRow { Label = 0 }, new KeyRow { Label = 1 }, new KeyRow { Label = 5 } });
        var keys = _ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(data);

        var error = Assert.Throws<InvalidOperationException>(() =>
            _ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>().Fit(keys.Transform(data)));

        Assert.StartsWith("Row 100 of the label column 'Label' has no class (key 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRowsIsRefused()
    {
        var data = _ml.Data.FilterRowsByColumn(MLData.IrisView(_ml), "PetalWidth", lowerBound: 100);

        var error = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements").Fit(data));

        Assert.Equal("The training data has no rows.", error.Message);
    }

    [Fact]
    public void AnUnknownOutputTypeAskedOfACursorIsRefused()
    {
        var data = MLData.IrisView(_ml);
        var scored = _ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements", MLData.Adam(epochs: 1)).Fit(data).Transform(data);
        var score = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([score]);

        var error = Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<double>(score));
        Assert.Contains("'Score'", error.Message, StringComparison.Ordinal);
    }

    private sealed class KeyRow
    {
        public float Label { get; set; }
    }
}
