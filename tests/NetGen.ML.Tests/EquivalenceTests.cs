using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace NetGen.ML.Tests;

/// <summary>A pipeline's scores are the network's outputs: bitwise those of calling it directly on the same normalized features.</summary>
public sealed class EquivalenceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PipelineScoresAreBitwiseTheOutputsOfTheNetworkCalledDirectly(bool interpreted)
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.DigitsView(ml);
        var options = MLData.Adam(epochs: 3, learningRate: 0.005, batchSize: 32);
        var trainer = interpreted
            ? ml.MulticlassClassification.Trainers.NetGen(MLDigitsNet.Spec, trainerOptions: options)
            : ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: options);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Append(trainer).Fit(data);

        var scored = model.Transform(data);
        var normalized = MLData.Vectors(new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(data), "Features");
        var scores = MLData.Vectors(scored, "Score");
        var keys = scored.GetColumn<uint>("PredictedLabel").ToArray();

        // A separate network with the same weights, of the same engine.
        INetwork<float> direct = interpreted ? new InterpretedNetwork<float>(MLDigitsNet.Spec) : new MLDigitsNet();
        model.LastTransformer.Model.Parameters.CopyTo(direct.Parameters);
        Assert.IsType(direct.GetType(), model.LastTransformer.Model);
        var output = new float[10];
        for (int row = 0; row < normalized.Length; row++)
        {
            direct.Forward(normalized[row], output);
            Assert.Equal(output.Select(BitConverter.SingleToInt32Bits), scores[row].Select(BitConverter.SingleToInt32Bits));
            Assert.Equal((uint)direct.PredictClass(normalized[row]) + 1, keys[row]);
        }

        Assert.Equal(MLData.Digits.Length, normalized.Length);
    }

    [Fact]
    public void SparseFeatureVectorsScoreAsTheirDenseEquals()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: MLData.Adam(epochs: 1)))
            .Fit(MLData.DigitsView(ml));
        // Digit images are mostly zero: stored sparse, they reach the network as sparse VBuffers.
        var rows = MLData.Digits.Take(50).ToArray();
        var sparse = new SparseDigitView(rows);

        var fromSparse = MLData.Vectors(model.LastTransformer.Transform(sparse), "Score");
        var fromDense = MLData.Vectors(model.LastTransformer.Transform(ml.Data.LoadFromEnumerable(rows)), "Score");

        Assert.Equal(fromDense, fromSparse);
    }

    // Digit rows with their features as sparse vectors (only the non-zero pixels stored).
    private sealed class SparseDigitView(DigitRow[] rows) : IDataView
    {
        private static readonly DataViewSchema FeatureSchema = Build();

        public DataViewSchema Schema => FeatureSchema;

        public bool CanShuffle => false;

        public long? GetRowCount() => rows.Length;

        public DataViewRowCursor GetRowCursor(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(rows);

        public DataViewRowCursor[] GetRowCursorSet(System.Collections.Generic.IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(rows)];

        private static DataViewSchema Build()
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, 64));
            return builder.ToSchema();
        }

        private sealed class Cursor(DigitRow[] rows) : DataViewRowCursor
        {
            private int _row = -1;

            public override DataViewSchema Schema => FeatureSchema;

            public override long Position => _row;

            public override long Batch => 0;

            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_row, 0);

            public override bool IsColumnActive(DataViewSchema.Column column) => true;

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
                (ValueGetter<TValue>)(Delegate)(ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var pixels = rows[_row].Features;
                    int[] indices = Enumerable.Range(0, 64).Where(i => pixels[i] != 0).ToArray();
                    value = new VBuffer<float>(64, indices.Length, indices.Select(i => pixels[i]).ToArray(), indices);
                });

            public override bool MoveNext() => ++_row < rows.Length;
        }
    }
}
