using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace NetGen.ML.Tests;

/// <summary>One fitted transformer shared by many threads: cursors, enumerations, row mappers and prediction engines.</summary>
public sealed class ThreadSafetyTests
{
    private const int Threads = 8;

    private static readonly Lazy<(MLContext Ml, IDataView Data, TransformerChain<NetGenPredictionTransformer> Model)> Trained = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.DigitsView(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: MLData.Adam(epochs: 2, learningRate: 0.005, batchSize: 32)))
            .Fit(data);
        return (ml, data, model);
    });

    [Fact]
    public void ThreadsEnumeratingOneTransformersOutputAtOnceGetTheSingleThreadedScores()
    {
        var (ml, data, model) = Trained.Value;
        var expected = Scores(ml, model.Transform(data));
        using var start = new Barrier(Threads);

        var results = Run(_ =>
        {
            start.SignalAndWait();
            // Each thread transforms on its own and enumerates, twice, with ML.NET's row objects.
            return Scores(ml, model.Transform(data)).Concat(Scores(ml, model.Transform(data))).ToArray();
        });

        foreach (var result in results)
        {
            Assert.Equal(expected.Concat(expected), result);
        }
    }

    [Fact]
    public void AParallelCursorSetOverTheOutputScoresEveryRowOnceAsOneCursorDoes()
    {
        var (_, data, model) = Trained.Value;
        var scored = model.Transform(data);
        var columns = new[] { scored.Schema["Score"], scored.Schema["PredictedLabel"] };
        var expected = Read(scored.GetRowCursor(columns), scored).OrderBy(r => r.Position).ToArray();

        var cursors = scored.GetRowCursorSet(columns, Threads, new Random(1));
        var parts = cursors.AsParallel().WithDegreeOfParallelism(Math.Max(1, cursors.Length)).Select(c => Read(c, scored)).ToArray();

        Assert.Equal(expected.Select(r => r.Text), parts.SelectMany(p => p).OrderBy(r => r.Position).Select(r => r.Text));
    }

    [Fact]
    public void OneRowMapperServesRowsOnManyThreads()
    {
        var (ml, data, model) = Trained.Value;
        var normalized = new TransformerChain<ITransformer>(model.Take(2).ToArray()).Transform(data);
        var mapper = model.LastTransformer.GetRowToRowMapper(normalized.Schema);
        var score = mapper.OutputSchema["Score"];
        var expected = Scores(ml, model.Transform(data));
        using var start = new Barrier(Threads);

        var results = Run(_ =>
        {
            start.SignalAndWait();
            using var cursor = normalized.GetRowCursor(mapper.GetDependencies([score]));
            var row = mapper.GetRow(cursor, [score]);
            var getter = row.GetGetter<VBuffer<float>>(score);
            var buffer = default(VBuffer<float>);
            var scores = new System.Collections.Generic.List<string>();
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                scores.Add(string.Join(",", buffer.DenseValues().Select(BitConverter.SingleToInt32Bits)));
            }

            return scores.ToArray();
        });

        foreach (var result in results)
        {
            Assert.Equal(expected.Select(s => s.Split('|')[0]), result);
        }
    }

    [Fact]
    public void TheThreadSafePredictionEngineAnswersManyThreadsAsOneEngineAnswersOne()
    {
        var (ml, _, model) = Trained.Value;
        var rows = MLData.Digits;
        var single = ml.Model.CreatePredictionEngine<DigitRow, DigitPrediction>(model);
        var expected = rows.Select(r => Text(single.Predict(r))).ToArray();
        using var engine = ml.Model.CreateThreadSafePredictionEngine<DigitRow, DigitPrediction>(model);
        using var start = new Barrier(Threads);

        var results = Run(thread =>
        {
            start.SignalAndWait();
            var prediction = new DigitPrediction();
            // Every thread walks all rows, each from another starting point, reusing its prediction object.
            return Enumerable.Range(0, rows.Length).Select(i =>
            {
                int row = (i + (thread * 211)) % rows.Length;
                engine.Predict(rows[row], ref prediction);
                return (row, Text(prediction));
            }).OrderBy(p => p.row).Select(p => p.Item2).ToArray();
        });

        foreach (var result in results)
        {
            Assert.Equal(expected, result);
        }
    }

    private static T[] Run<T>(Func<int, T> work)
    {
        var tasks = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() => work(t), TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(tasks);
        return tasks.Select(t => t.Result).ToArray();
    }

    // Each row's score bits and predicted key, through ML.NET's typed enumeration.
    private static string[] Scores(MLContext ml, IDataView scored) =>
        ml.Data.CreateEnumerable<DigitPrediction>(scored, reuseRowObject: false).Select(Text).ToArray();

    private static string Text(DigitPrediction p) => string.Join(",", p.Score.Select(BitConverter.SingleToInt32Bits)) + "|" + p.PredictedLabel;

    private static (long Position, string Text)[] Read(DataViewRowCursor cursor, IDataView scored)
    {
        using (cursor)
        {
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            var keyGetter = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
            var idGetter = cursor.GetIdGetter();
            var rows = new System.Collections.Generic.List<(long, string)>();
            var buffer = default(VBuffer<float>);
            uint key = 0;
            var id = default(DataViewRowId);
            while (cursor.MoveNext())
            {
                scoreGetter(ref buffer);
                keyGetter(ref key);
                idGetter(ref id);
                rows.Add(((long)id.Low, string.Join(",", buffer.DenseValues().Select(BitConverter.SingleToInt32Bits)) + "|" + key));
            }

            return rows.ToArray();
        }
    }
}

public sealed class DigitPrediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}
