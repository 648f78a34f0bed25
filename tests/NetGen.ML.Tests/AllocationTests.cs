using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.ML.Tests;

/// <summary>Scoring allocates nothing per row beyond what ML.NET's cursor itself does.</summary>
public sealed class AllocationTests(ITestOutputHelper output)
{
    private const int Rows = 20_000;

    [Fact]
    public void ScoringAllocatesNothingPerRowBeyondTheCursorItReads()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(5);
        var rows = Enumerable.Range(0, Rows)
            .Select(i => new DigitRow { Features = Enumerable.Range(0, 64).Select(_ => (float)random.Next(17)).ToArray(), Label = i % 10 })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: MLData.Adam(epochs: 1)))
            .Fit(ml.Data.TakeRows(data, 500));
        // The baseline: the same pipeline without the network, reading the column the network reads.
        var normalized = new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(data);
        var scored = model.Transform(data);

        var (fewFeatures, fewScores) = LeastAllocations(ml.Data.TakeRows(normalized, Rows / 4), ml.Data.TakeRows(scored, Rows / 4));
        var (features, scores) = LeastAllocations(normalized, scored);

        output.WriteLine($"{Rows / 4} rows: reading the normalized features allocates {fewFeatures} B, the NetGen scores {fewScores} B ({fewScores - fewFeatures} B more).");
        output.WriteLine($"{Rows} rows: reading the normalized features allocates {features} B, the NetGen scores {scores} B ({scores - features} B more).");
        // What scoring adds is one cursor's fixed cost (its scorer and buffers, about 1.1 KB): the smallest object
        // allocated per row would add 24 B × 20,000 = 480 KB.
        Assert.True(fewScores - fewFeatures < 2048, $"scoring {Rows / 4} rows allocated {fewScores - fewFeatures} B more than reading their features");
        Assert.True(scores - features < 2048, $"scoring {Rows} rows allocated {scores - features} B more than reading their features");
    }

    // Each side's least allocation over several passes, after warming up until the JIT has settled (tiered compilation
    // and its instrumentation allocate now and then on the thread they run on): what one pass itself needs.
    private static (long Features, long Scores) LeastAllocations(IDataView normalized, IDataView scored)
    {
        long features = long.MaxValue;
        long scores = long.MaxValue;
        for (int pass = 0; pass < 16; pass++)
        {
            long featureBytes = ReadFeatures(normalized);
            long scoreBytes = ReadScores(scored);
            if (pass >= 4)
            {
                features = Math.Min(features, featureBytes);
                scores = Math.Min(scores, scoreBytes);
            }
        }

        return (features, scores);
    }

    private static long ReadFeatures(IDataView data)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var features = data.Schema["Features"];
        using (var cursor = data.GetRowCursor([features]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(features);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long ReadScores(IDataView data)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var score = data.Schema["Score"];
        var predicted = data.Schema["PredictedLabel"];
        using (var cursor = data.GetRowCursor([score, predicted]))
        {
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
            var keyGetter = cursor.GetGetter<uint>(predicted);
            var buffer = default(VBuffer<float>);
            uint key = 0;
            while (cursor.MoveNext())
            {
                scoreGetter(ref buffer);
                keyGetter(ref key);
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
